from kafka import KafkaConsumer, KafkaProducer

balance = {}
consumer = KafkaConsumer('transactions', bootstrap_servers='localhost:9092')
producer = KafkaProducer(bootstrap_servers='localhost:9092')
for msg in consumer:
    account_number = msg.partition
    if account_number in balance:
        balance[account_number] += int(msg.value)
    else:
        balance[account_number] = int(msg.value)
    producer.send('balance', b'%d' % balance[account_number], partition=account_number)
    print(f'current balance for account {account_number} is {balance[account_number]}')
