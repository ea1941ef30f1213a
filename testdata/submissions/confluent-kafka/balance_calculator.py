"""The lab's calculator with confluent-kafka: a consumer group that reads transactions from the
earliest offset in a poll loop, librdkafka's defaults otherwise (auto-commit, a 45 s session
timeout, the classic group protocol), and a producer that sends each account's running balance to
its partition of balance."""
from confluent_kafka import Consumer, Producer

consumer = Consumer({'bootstrap.servers': 'localhost:9092', 'group.id': 'balance-calculator',
                     'auto.offset.reset': 'earliest'})
producer = Producer({'bootstrap.servers': 'localhost:9092'})
consumer.subscribe(['transactions'])
balance = {}
while True:
    msg = consumer.poll(1.0)
    if msg is None:
        continue
    if msg.error():
        print(f'consumer error: {msg.error()}')
        continue
    account_number = msg.partition()
    balance[account_number] = balance.get(account_number, 0) + int(msg.value())
    producer.produce('balance', value=b'%d' % balance[account_number], partition=account_number)
    producer.poll(0)
    print(f'current balance for account {account_number} is {balance[account_number]}')
