#!/usr/bin/env bash
# Starts a Kafka broker/controller: kafka-server-start.sh [-daemon] server.properties [--override k=v ...]
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
base_dir=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  if [ -e "$base_dir/config/log4j2.yaml" ]; then
    export KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/log4j2.yaml"
  else
    export KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/log4j.properties"
  fi
fi
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
daemon=()
if [ "$1" = -daemon ]; then daemon=(-daemon); shift; fi
exec "$base_dir/bin/kafka-run-class.sh" "${daemon[@]}" -name kafkaServer kafka.Kafka "$@"
