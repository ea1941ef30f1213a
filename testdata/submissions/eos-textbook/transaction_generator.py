"""A generator of another shape than the lab's: a value serializer, the partitions asked of Kafka,
randint, a flush per round and a sleep that keeps the rounds one second apart."""
import random
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers=['localhost:9092'],
                         value_serializer=lambda v: str(v).encode('utf-8'))
accounts = sorted(producer.partitions_for('transactions'))
while True:
    started = time.monotonic()
    for account in accounts:
        producer.send('transactions', random.randint(-10, 10), partition=account)
    producer.flush()
    time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
