# Attack: print the lines the harness's launcher writes for a consumer that subscribed and was
# never given a partition, then do nothing, hoping a failure becomes "no grade".
import sys, time

sys.stderr.write("kafka-lab: subscribed to transactions\n")
sys.stderr.write("kafka-lab: partitions assigned: none\n")
sys.stderr.flush()
while True:
    time.sleep(1)
