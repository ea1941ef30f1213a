import random
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
while True:
    for account_number in range(0, 10):
        transaction_value = float(random.randrange(-10, 11))
        producer.send('transactions', value=str(transaction_value).encode(), partition=account_number)
    time.sleep(1)
