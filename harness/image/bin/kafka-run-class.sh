#!/usr/bin/env bash
# Runs a Java class with Kafka's class path: kafka-run-class.sh [-daemon] [-name N] [-loggc] CLASS [ARGS].
# Written for kafka-lab; honours the same variables as Kafka's own script (KAFKA_HEAP_OPTS,
# KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS, KAFKA_JMX_OPTS, KAFKA_GC_LOG_OPTS).
# Unlike Kafka's script it does not scan libs/ jar by jar: a class-path wildcard is one word for
# the JVM, which saves a noticeable part of every tool's start.
set -u
base_dir=$(cd "$(dirname "$0")/.." && pwd)
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
LOG_DIR=${LOG_DIR:-$base_dir/logs}

daemon=false
while [ $# -gt 0 ]; do
  case $1 in
    -name) shift 2 ;;
    -loggc) shift ;;
    -daemon) daemon=true; shift ;;
    *) break ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]" >&2
  exit 1
fi

: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  if [ -e "$base_dir/config/tools-log4j2.yaml" ]; then
    KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
  else
    KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties"
  fi
fi
CLASSPATH="${CLASSPATH:+$CLASSPATH:}$base_dir/libs/*"
# The image's class-data-sharing archive or, on Java 25, the ahead-of-time cache of this main
# class (see harness/image/cds.sh), unless KAFKA_LAB_CDS=off. A cache that does not fit is
# ignored, as the archive is, without a word on stdout, which the lab's checks read.
# KAFKA_LAB_AOT_RECORD (a folder) and KAFKA_LAB_AOT_CREATE (a recorded configuration) are
# cds.sh's, to make the caches.
cds=
aot=$base_dir/aot/$1.aot
if [ -n "${KAFKA_LAB_AOT_RECORD:-}" ]; then
  cds="-XX:AOTMode=record -XX:AOTConfiguration=$KAFKA_LAB_AOT_RECORD/$1.aotconf"
elif [ -n "${KAFKA_LAB_AOT_CREATE:-}" ]; then
  cds="-XX:AOTMode=create -XX:AOTConfiguration=$KAFKA_LAB_AOT_CREATE -XX:AOTCache=$aot"
elif [ "${KAFKA_LAB_CDS:-}" = off ]; then
  :
elif [ -r "$aot" ]; then
  cds="-XX:AOTCache=$aot -Xlog:aot=off -Xlog:cds=off"
elif [ -r "$base_dir/cds/kafka.jsa" ]; then
  cds=-XX:SharedArchiveFile=$base_dir/cds/kafka.jsa
fi

# Word splitting of the *_OPTS variables is intended: each holds several JVM flags.
# shellcheck disable=SC2086
set -- "$JAVA" $cds $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS ${KAFKA_GC_LOG_OPTS:-} ${KAFKA_JMX_OPTS:-} \
  -Dkafka.logs.dir="$LOG_DIR" $KAFKA_LOG4J_OPTS -cp "$CLASSPATH" ${KAFKA_OPTS:-} "$@"
if [ "$daemon" = true ]; then
  mkdir -p "$LOG_DIR"
  nohup "$@" >"$LOG_DIR/daemon.out" 2>&1 </dev/null &
else
  exec "$@"
fi
