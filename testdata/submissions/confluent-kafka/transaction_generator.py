"""The lab's generator with confluent-kafka: produce() to a partition per account, poll() to serve
delivery reports, flush() so each round is sent before the program sleeps."""
import random
import time

from confluent_kafka import Producer

producer = Producer({'bootstrap.servers': 'localhost:9092'})
while True:
    for account_number in range(0, 10):
        transaction_value = random.randrange(-10, 11)
        producer.produce('transactions', value=b'%d' % transaction_value, partition=account_number)
        producer.poll(0)
        print(f'new transaction: value={transaction_value} account_number={account_number}')
    producer.flush()
    time.sleep(1)
