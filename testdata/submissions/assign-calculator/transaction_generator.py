import random
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
partitions = sorted(producer.partitions_for('transactions'))
while True:
    for account in partitions:
        amount = random.randint(-10, 10)
        producer.send('transactions', key=str(account).encode(), value=str(amount).encode(), partition=account)
    producer.flush()
    time.sleep(1)
