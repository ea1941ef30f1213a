# Mistake: the values count through -10..10 in turn instead of being drawn at random.
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
value = -10
while True:
    for account_number in range(0, 10):
        producer.send('transactions', value=b'%d' % value, partition=account_number)
        value = value + 1 if value < 10 else -10
    time.sleep(1)
