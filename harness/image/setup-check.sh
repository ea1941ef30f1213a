#!/usr/bin/env bash
# Makes the entry point's format template (/etc/kafka/docker/format-template) and keeps it only
# if the entry point's fast setup (docker/run's fast_setup, no JVM) then writes what Kafka's own
# wrapper writes, run once by the Dockerfile after cds.sh; dist.sh runs it on the distribution
# it assembles (setup-check.sh KAFKA ETC: DIR and DIR/etc), for local processes. Without the template the entry point
# runs the wrapper, as before: a Kafka whose wrapper or format writes something else is slower
# to start, never set up differently.
#
# The template is the wrapper's own logging files and storage for a node like the harness's
# single broker, less its meta.properties. Checked: server.properties (as a set of lines), the logging files, the
# storage's files and meta.properties (but the random directory.id and the date); and that the
# storage of another kind of node (a broker alone, another id) holds the same records, so one
# template serves every node of the harness's clusters.
set -euo pipefail
kafka=${1:-/opt/kafka}       # bin/ and libs/
etc=${2:-/etc/kafka/docker} # the entry point and its files
tmpl=$etc/format-template
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { printf 'setup-check: %s\n' "$*" >&2; }
drop() { say "$*: the entry point runs Kafka's wrapper at every start"; rm -rf "$tmpl"; exit 0; }

common=(CLUSTER_ID=5L6g3nShT-eMCtK--X86sw KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER KAFKA_HEAP_OPTS='-Xms256m -Xmx512m'
  KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseSerialGC KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1
  KAFKA_LAB___CHECK_A__B=1) # lab-check.a_b: the mapping of "___" and "__"
# node ROLES ID: the environment of a node of ROLES (as in server.properties) with id ID, whose
# quorum is the controller ID+10 (or itself).
node() {
  local roles=$1 id=$2 voter=$(($2 + 10))
  [[ $roles == *controller* ]] && voter=$id
  printf '%s\n' KAFKA_PROCESS_ROLES="$roles" KAFKA_NODE_ID="$id" KAFKA_CONTROLLER_QUORUM_VOTERS="$voter@localhost:9093"
  case $roles in
    controller) printf '%s\n' KAFKA_LISTENERS=CONTROLLER://:9093 KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT ;;
    *)
      printf '%s\n' KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://localhost:9092 KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT \
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
      if [[ $roles == broker ]]; then echo KAFKA_LISTENERS=PLAINTEXT://:9092; else echo KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093; fi
      ;;
  esac
}
# Every setup writes its storage to $data (log.dirs is in server.properties), moved aside after.
data=$tmp/data

# wrapper DIR ROLES ID: Kafka's wrapper, as the entry point runs it, into DIR/config and DIR/data.
wrapper() {
  local dir=$1 env
  mapfile -t env < <(node "$2" "$3")
  mkdir -p "$dir/config" "$dir/mounted"
  env -i PATH="$PATH" "${common[@]}" "${env[@]}" KAFKA_LOG_DIRS="$data" KAFKA_HEAP_OPTS=-Xmx128M "$kafka/bin/kafka-run-class.sh" \
    kafka.docker.KafkaDockerWrapper setup --default-configs-dir "$etc" \
    --mounted-configs-dir "$dir/mounted" --final-configs-dir "$dir/config" >"$dir/out" 2>&1 \
    || { cat "$dir/out" >&2; drop "Kafka's wrapper failed"; }
  mv "$data" "$dir/data"
}
# fast DIR ROLES ID: the entry point's fast setup, in a root of its own laid out as the image (as
# local processes run it), into DIR/config and DIR/data.
fast() {
  local dir=$1 r=$1/root env
  mapfile -t env < <(node "$2" "$3")
  mkdir -p "$r/opt/kafka/config" "$r/etc/kafka/docker" "$r/mnt/shared/config"
  cp -R "$etc"/. "$r/etc/kafka/docker"/
  ln -s "$kafka/bin" "$r/opt/kafka/bin"
  env -i PATH="$PATH" "${common[@]}" "${env[@]}" KAFKA_LOG_DIRS="$data" LAB_SETUP_ONLY=fast "$r/etc/kafka/docker/run" \
    || drop "the fast setup failed"
  rm "$r/opt/kafka/config/.kafka-lab-setup-done"
  mv "$r/opt/kafka/config" "$dir/config"
  mv "$data" "$dir/data"
}
# records FILE: a storage file's records, less what differs from one run to the next.
records() {
  "$kafka/bin/kafka-run-class.sh" kafka.tools.DumpLogSegments --cluster-metadata-decoder --files "$1" 2>&1 |
    sed -E -e '1d' -e 's/(CreateTime|crc|lastContainedLogTimestamp)"?: ?[0-9]+/\1 _/g'
}
# meta FILE: meta.properties less its date and directory.id.
meta() { grep -v -e '^#' -e '^directory\.id=' "$1" | sort; }
# same A B WHAT: the storage of A and B have the same files, with the same records but in
# meta.properties.
same() {
  diff <(cd "$1" && find . | sort) <(cd "$2" && find . | sort) >&2 || drop "$3: other storage files"
  local f
  while IFS= read -r f; do
    diff <(records "$1/$f") <(records "$2/$f") >&2 || drop "$3: $f holds other records"
  done < <(cd "$1" && find . -type f ! -name meta.properties)
}

rm -rf "$tmpl"
mkdir -p "$tmpl/config"
for roles in broker,controller broker controller; do
  key=${roles//,/+}
  w=$tmp/wrapper-$key f=$tmp/fast-$key
  wrapper "$w" "$roles" 1
  # The template: the storage less meta.properties, and the logging files, which the wrapper
  # writes from the defaults alone (Kafka 4's re-serialises its YAML).
  mkdir -p "$tmpl/data-$key"
  cp -R "$w/data"/. "$tmpl/data-$key"/
  rm "$tmpl/data-$key/meta.properties"
  find "$w/config" -type f ! -name server.properties -exec cp {} "$tmpl/config/" \;
  fast "$f" "$roles" 1
  diff <(grep -v '^$' "$w/config/server.properties" | sort) <(grep -v '^$' "$f/config/server.properties" | sort) >&2 \
    || drop "$roles: server.properties differs from the wrapper's"
  [[ $(head -c 1 "$f/config/server.properties" | od -An -c | tr -d ' ') == '\n' ]] || drop "$roles: server.properties does not start as the wrapper's"
  diff <(cd "$w/config" && ls) <(cd "$f/config" && ls) >&2 || drop "$roles: other configuration files than the wrapper's"
  for c in "$w/config"/*; do
    [[ $(basename "$c") == server.properties ]] || cmp "$c" "$f/config/$(basename "$c")" >&2 || drop "$roles: $(basename "$c") differs"
  done
  diff <(meta "$w/data/meta.properties") <(meta "$f/data/meta.properties") >&2 || drop "$roles: meta.properties differs from the wrapper's"
  grep -qE '^directory\.id=[A-Za-z0-9_][A-Za-z0-9_-]{21}$' "$f/data/meta.properties" || drop "$roles: no directory.id as Kafka writes them"
  same "$w/data" "$f/data" "$roles"
  # The same for another id: the template serves every node of these roles.
  fast "$f-7" "$roles" 7
  wrapper "$w-7" "$roles" 7
  same "$w-7/data" "$f-7/data" "$roles, id 7"
  diff <(meta "$w-7/data/meta.properties") <(meta "$f-7/data/meta.properties") >&2 || drop "$roles, id 7: meta.properties differs from the wrapper's"
done
say "format templates for brokers, controllers and both: the entry point sets up without a JVM"
