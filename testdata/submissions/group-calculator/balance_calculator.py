"""A balance calculator in a consumer group with kafka-python's defaults: auto-commit, new
messages only (auto_offset_reset='latest'), a 45 s session timeout. Stopped, it does not leave
its group: Kafka notices only when the session times out."""
from collections import defaultdict

from kafka import KafkaConsumer, KafkaProducer

consumer = KafkaConsumer('transactions', bootstrap_servers='localhost:9092', group_id='balance-calculator')
producer = KafkaProducer(bootstrap_servers='localhost:9092')
balances = defaultdict(int)
for message in consumer:
    balances[message.partition] += int(message.value.decode())
    producer.send('balance', str(balances[message.partition]).encode(), partition=message.partition)
