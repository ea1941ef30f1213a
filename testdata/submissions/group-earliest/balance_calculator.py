"""A balance calculator in a consumer group that reads transactions from the earliest offset
(auto_offset_reset='earliest'), auto-commit on, balances kept in a plain dict."""
from kafka import KafkaConsumer, KafkaProducer

consumer = KafkaConsumer('transactions', bootstrap_servers='localhost:9092', group_id='bank',
                         auto_offset_reset='earliest')
producer = KafkaProducer(bootstrap_servers='localhost:9092')
balance = {}
for msg in consumer:
    balance[msg.partition] = balance.get(msg.partition, 0) + int(msg.value)
    producer.send('balance', b'%d' % balance[msg.partition], partition=msg.partition)
