"""Exactly-once, the textbook way (consume-transform-produce): a consumer group that reads
transactions from the earliest offset, balances sent in a Kafka transaction together with the
group's offsets (send_offsets_to_transaction with the consumer's group metadata), and on start
the balances recovered from what balance holds, reading only committed messages. kafka-python's
defaults otherwise: a killed run stays in its group until its 45 s session times out."""
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

SERVERS = 'localhost:9092'

producer = KafkaProducer(bootstrap_servers=SERVERS, transactional_id='balance-calculator-eos')
producer.init_transactions()  # fences the previous run and aborts what it left open


def recover_balances():
    reader = KafkaConsumer(bootstrap_servers=SERVERS, isolation_level='read_committed',
                           enable_auto_commit=False)
    parts = [TopicPartition('balance', p) for p in reader.partitions_for_topic('balance')]
    reader.assign(parts)
    reader.seek_to_beginning()
    ends = reader.end_offsets(parts)
    last = {}
    while any(reader.position(tp) < ends[tp] for tp in parts):
        for tp, records in reader.poll(timeout_ms=500).items():
            for r in records:
                last[tp.partition] = int(r.value)
    reader.close()
    return last


balance = recover_balances()
consumer = KafkaConsumer('transactions', bootstrap_servers=SERVERS, group_id='balance-calculator-eos',
                         enable_auto_commit=False, auto_offset_reset='earliest',
                         isolation_level='read_committed')
while True:
    batch = consumer.poll(timeout_ms=1000)
    if not batch:
        continue
    producer.begin_transaction()
    offsets = {}
    for tp, records in batch.items():
        for r in records:
            balance[tp.partition] = balance.get(tp.partition, 0) + int(r.value)
            producer.send('balance', b'%d' % balance[tp.partition], partition=tp.partition)
        offsets[tp] = OffsetAndMetadata(records[-1].offset + 1, '', -1)
    producer.send_offsets_to_transaction(offsets, consumer.group_metadata())
    producer.commit_transaction()
