# An attack: right values, once a second, but every message stamped a day ahead, so that a
# harness timing the lab's window by timestamps would end it at once.
import random
import time

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers='localhost:9092')
while True:
    for account_number in range(0, 10):
        transaction_value = random.randrange(-10, 11)
        producer.send('transactions', value=b'%d' % transaction_value, partition=account_number,
                      timestamp_ms=int((time.time() + 86400) * 1000))
    time.sleep(1)
