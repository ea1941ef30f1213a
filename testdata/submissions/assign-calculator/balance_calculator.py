from collections import defaultdict

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

consumer = KafkaConsumer(bootstrap_servers='localhost:9092')
consumer.assign([TopicPartition('transactions', p) for p in consumer.partitions_for_topic('transactions')])
producer = KafkaProducer(bootstrap_servers='localhost:9092')
balances = defaultdict(int)
while True:
    for tp, records in consumer.poll(timeout_ms=500).items():
        for record in records:
            balances[tp.partition] += int(record.value.decode())
            producer.send('balance', str(balances[tp.partition]).encode(), partition=tp.partition)
    producer.flush()
