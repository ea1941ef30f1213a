import random
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
while True:
    for account_number in range(0, 10):
        transaction_value = random.randrange(-10, 11)
        producer.send('transactions', value=b'%d' % transaction_value, partition=account_number)
        print(f'new transaction: value={transaction_value} account_number={account_number}')
    time.sleep(1)
