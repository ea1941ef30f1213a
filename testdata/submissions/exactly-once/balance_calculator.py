"""Balance calculator that survives crashes: exactly one balance per transaction.

The balances it has sent are its state and its position: balance partition n holds one
message per transaction of account n read so far, the last being the current balance. So on
start it reads balance back (only committed messages), and goes on from there: transaction
number len(balances) of each account, on top of the last balance.

Balances are sent in Kafka transactions. A crash in the middle of one leaves nothing behind:
init_transactions() aborts what the previous run left open, and read_committed readers never
see aborted messages. Offsets in transactions are dense (a plain producer writes it), so the
n-th transaction of an account is at offset n.
"""
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

SERVERS = 'localhost:9092'
ACCOUNTS = range(10)


def recover():
    """Returns, per account, how many transactions were processed and the last balance."""
    reader = KafkaConsumer(bootstrap_servers=SERVERS, isolation_level='read_committed',
                           enable_auto_commit=False)
    parts = [TopicPartition('balance', a) for a in ACCOUNTS]
    reader.assign(parts)
    reader.seek_to_beginning()
    ends = reader.end_offsets(parts)
    count = {a: 0 for a in ACCOUNTS}
    balance = {a: 0 for a in ACCOUNTS}
    while any(reader.position(p) < ends[p] for p in parts):
        for tp, records in reader.poll(timeout_ms=500).items():
            for r in records:
                count[tp.partition] += 1
                balance[tp.partition] = int(r.value)
    reader.close()
    return count, balance


producer = KafkaProducer(bootstrap_servers=SERVERS, transactional_id='balance-calculator')
producer.init_transactions()  # fences a previous run and aborts its open transaction
count, balance = recover()
print(f'recovered: {count} transactions, balances {balance}')

consumer = KafkaConsumer(bootstrap_servers=SERVERS, enable_auto_commit=False)
parts = [TopicPartition('transactions', a) for a in ACCOUNTS]
consumer.assign(parts)
for p in parts:
    consumer.seek(p, count[p.partition])

while True:
    batch = consumer.poll(timeout_ms=500)
    if not batch:
        continue
    producer.begin_transaction()
    for tp, records in batch.items():
        for r in records:
            balance[tp.partition] += int(r.value)
            producer.send('balance', b'%d' % balance[tp.partition], partition=tp.partition)
    producer.commit_transaction()
