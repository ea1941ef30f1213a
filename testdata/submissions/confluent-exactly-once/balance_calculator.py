"""Exactly-once with confluent-kafka, the textbook way (consume-transform-produce): a consumer
group that reads transactions from the earliest offset with auto-commit off, balances sent in a
Kafka transaction together with the group's offsets (send_offsets_to_transaction with the
consumer's positions and group metadata), and on start the balances recovered from what balance
holds, reading only committed messages.

init_transactions() fences the previous run and aborts the transaction it left open, so the
offsets and balances of a batch are either both in Kafka or neither is."""
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition, OFFSET_BEGINNING

SERVERS = 'localhost:9092'

producer = Producer({'bootstrap.servers': SERVERS, 'transactional.id': 'balance-calculator-eos'})
producer.init_transactions()


def recover_balances():
    """Returns the last committed balance of each account, read from balance."""
    reader = Consumer({'bootstrap.servers': SERVERS, 'group.id': 'balance-calculator-recovery',
                       'isolation.level': 'read_committed', 'enable.auto.commit': False,
                       'enable.partition.eof': True})
    partitions = reader.list_topics('balance', timeout=10).topics['balance'].partitions
    reader.assign([TopicPartition('balance', p, OFFSET_BEGINNING) for p in partitions])
    last, left = {}, set(partitions)
    while left:
        msg = reader.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                left.discard(msg.partition())
            continue
        last[msg.partition()] = int(msg.value())
    reader.close()
    return last


balance = recover_balances()
print(f'recovered balances: {balance}')
consumer = Consumer({'bootstrap.servers': SERVERS, 'group.id': 'balance-calculator-eos',
                     'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
                     'isolation.level': 'read_committed'})
consumer.subscribe(['transactions'])
while True:
    batch = [m for m in consumer.consume(num_messages=500, timeout=1.0) if not m.error()]
    if not batch:
        continue
    producer.begin_transaction()
    for msg in batch:
        account = msg.partition()
        balance[account] = balance.get(account, 0) + int(msg.value())
        producer.produce('balance', value=b'%d' % balance[account], partition=account)
    read = {msg.partition() for msg in batch}
    positions = consumer.position([TopicPartition('transactions', p) for p in read])
    producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata())
    producer.commit_transaction()
