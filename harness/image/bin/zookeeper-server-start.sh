#!/usr/bin/env bash
# Starts ZooKeeper (Kafka 3.x only): zookeeper-server-start.sh [-daemon] zookeeper.properties
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] zookeeper.properties" >&2
  exit 1
fi
base_dir=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$base_dir/config/log4j.properties}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx512M -Xms512M}
daemon=()
if [ "$1" = -daemon ]; then daemon=(-daemon); shift; fi
exec "$base_dir/bin/kafka-run-class.sh" "${daemon[@]}" -name zookeeper org.apache.zookeeper.server.quorum.QuorumPeerMain "$@"
