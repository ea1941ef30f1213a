#!/usr/bin/env bash
# Builds the image's class-data-sharing archive (/opt/kafka/cds/kafka.jsa) or, on Java 25, its
# ahead-of-time caches (/opt/kafka/aot/<main class>.aot), run once by the Dockerfile. Every JVM
# of the lab (a broker, each tool) loads some 3500 classes from ~100 jars before it does
# anything; mapped from an archive, a tool run takes about half the time (on 2 cores: 1.3 s ->
# 0.6 s). The archive lists the classes that a broker, its storage format and
# the lab's tools load, recorded here against a broker on a private port, then dumped for the
# image's class path. bin/kafka-run-class.sh uses it when it is there; a JVM whose class path
# differs (a copy of the distribution elsewhere) ignores it silently.
#
# Java 25's ahead-of-time cache (JEP 483, 514, 515) holds the classes loaded and linked, and
# method profiles, of one training run: one cache a main class, each trained on the lab's own
# command (the broker on its start and a topic's creation). make bench-java measures it against
# this archive.
set -euo pipefail
cd /opt/kafka
tmp=$(mktemp -d)
trap 'kill "${broker:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
say() { printf 'cds: %s\n' "$*" >&2; }
java_major=$(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "AOTCache" { aot = 1 } END { print aot ? 25 : 17 }')
if [[ $java_major == 25 ]]; then
  # bin/kafka-run-class.sh records <class>.aotconf in this folder. One run a class records:
  # kafka-topics.sh's is its --create, so --list and --describe run unrecorded.
  record() {
    case $1 in list | describe) "${@:2}" ;; *) KAFKA_LAB_AOT_RECORD=$tmp "${@:2}" ;; esac
  }
else
  record() { KAFKA_OPTS="-XX:DumpLoadedClassList=$tmp/$1.classes" "${@:2}"; }
fi

B=localhost:29092
cat >"$tmp/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:29093
listeners=PLAINTEXT://$B,CONTROLLER://localhost:29093
controller.listener.names=CONTROLLER
log.dirs=$tmp/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
export LOG_DIR=$tmp/logs
record format bin/kafka-storage.sh format -t "$(bin/kafka-storage.sh random-uuid)" -c "$tmp/server.properties" >/dev/null
# exec: $! is the broker's JVM itself, which the kill below must reach and the wait outlast: it
# writes what it recorded as it exits.
record broker exec bin/kafka-server-start.sh "$tmp/server.properties" >"$tmp/broker.out" 2>&1 &
broker=$!
for _ in $(seq 120); do
  (exec 3<>/dev/tcp/localhost/29092) 2>/dev/null && break
  kill -0 "$broker" 2>/dev/null || { cat "$tmp/broker.out" >&2; say "the broker exited"; exit 1; }
  sleep 0.5
done
record create bin/kafka-topics.sh --bootstrap-server $B --create --topic cds --partitions 2 >/dev/null
record list bin/kafka-topics.sh --bootstrap-server $B --list >/dev/null
record describe bin/kafka-topics.sh --bootstrap-server $B --describe --topic cds >/dev/null
printf 'one\ntwo\n' | record produce bin/kafka-console-producer.sh --bootstrap-server $B --topic cds
record consume bin/kafka-console-consumer.sh --bootstrap-server $B --topic cds --group cds --from-beginning --max-messages 2 >/dev/null 2>&1
record groups bin/kafka-consumer-groups.sh --bootstrap-server $B --describe --group cds >/dev/null 2>&1
kill "$broker"
wait "$broker" || true
broker=

if [[ $java_major == 25 ]]; then
  mkdir -p aot
  for conf in "$tmp"/*.aotconf; do
    class=${conf##*/}
    class=${class%.aotconf}
    KAFKA_LAB_AOT_CREATE=$conf bin/kafka-run-class.sh "$class" >"$tmp/create.log" 2>&1 \
      || { cat "$tmp/create.log" >&2; say "the cache of $class failed"; exit 1; }
  done
  chmod 0444 aot/*.aot
  say "$(ls aot | wc -l) ahead-of-time caches in aot/ ($(du -sm aot | cut -f1) MB)"
  exit 0
fi

# One list, first occurrence kept (a line may refer to classes listed before it).
cat "$tmp"/*.classes | awk '!seen[$0]++' >"$tmp/all.classes"
mkdir -p cds
java -Xshare:dump -XX:SharedClassListFile="$tmp/all.classes" -XX:SharedArchiveFile=/opt/kafka/cds/kafka.jsa \
  -cp '/opt/kafka/libs/*' >"$tmp/dump.log" 2>&1 || { cat "$tmp/dump.log" >&2; say "dump failed"; exit 1; }
chmod 0444 cds/kafka.jsa
say "$(wc -l <"$tmp/all.classes") classes in cds/kafka.jsa ($(du -m cds/kafka.jsa | cut -f1) MB)"
