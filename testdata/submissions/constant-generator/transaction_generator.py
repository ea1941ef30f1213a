# Mistake: random.seed() inside the loop with a fixed seed, so every transaction is the same value.
import random
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
while True:
    for account_number in range(0, 10):
        random.seed(42)
        transaction_value = random.randrange(-10, 11)
        producer.send('transactions', value=b'%d' % transaction_value, partition=account_number)
    time.sleep(1)
