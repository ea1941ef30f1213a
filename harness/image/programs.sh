#!/usr/bin/env bash
# Builds the program image offline: the image a student's Python programs run from when the
# Kafka image has none of its own (python3, kafka-python and confluent-kafka), such as the
# official apache/kafka.
#
#   harness/image/programs.sh            (make image, when KAFKA_LAB_IMAGE is not kafka-lab's)
#
# It is the Kafka image's Debian base (build.sh makes it, or finds it made) plus the kafka-python
# and confluent-kafka that dist.sh pins, from PyPI. The image is labelled with a hash of its inputs and rebuilt only
# when they change; a cached run takes a second.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KAFKA_PYTHON_VERSION=${KAFKA_PYTHON_VERSION:-3.0.12}
CONFLUENT_KAFKA_VERSION=${CONFLUENT_KAFKA_VERSION:-2.16.2}
# The harness's default (cluster.DefaultProgramImage): keep the two in step.
IMAGE=${IMAGE:-kafka-lab/python:kafka-python-$KAFKA_PYTHON_VERSION-confluent-kafka-$CONFLUENT_KAFKA_VERSION}

say() { printf 'programs: %s\n' "$*" >&2; }
die() { printf 'programs: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed): run 'make docker' or start dockerd"

# The base is build.sh's: one Debian root file system for the Kafka image and this one.
BASE=$(BASE_ONLY=1 KAFKA_PYTHON_VERSION=$KAFKA_PYTHON_VERSION "$here/build.sh") || die "no Debian base (build.sh failed)"
base_id=$(docker image inspect --format '{{.Id}}' "$BASE") || die "base $BASE is not there"

hash=$(printf '%s\n' "$base_id" "$KAFKA_PYTHON_VERSION" "$CONFLUENT_KAFKA_VERSION" "$(cat "$here/programs.sh" "$here/programs.Dockerfile")" | sha256sum | cut -c1-16)
if [[ $(docker image inspect --format '{{ index .Config.Labels "org.kafka-lab.program-inputs" }}' "$IMAGE" 2>/dev/null) == "$hash" ]]; then
  say "$IMAGE is up to date (inputs $hash)"
  exit 0
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
# confluent-kafka's wheel is for one Python version: the base's python3, not this machine's.
python_version=$(docker run --rm "$BASE" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
  || die "the base $BASE has no python3 that runs"
say "fetching kafka-python $KAFKA_PYTHON_VERSION and confluent-kafka $CONFLUENT_KAFKA_VERSION for Python $python_version"
pip download --quiet --no-deps --only-binary=:all: --python-version "$python_version" -d "$ctx/wheel" \
  "kafka-python==$KAFKA_PYTHON_VERSION" "confluent-kafka==$CONFLUENT_KAFKA_VERSION" >&2 \
  || die "pip could not download kafka-python==$KAFKA_PYTHON_VERSION and confluent-kafka==$CONFLUENT_KAFKA_VERSION for Python $python_version"
mkdir "$ctx/python"
for wheel in "$ctx"/wheel/*.whl; do
  python3 -m zipfile -e "$wheel" "$ctx/python/"
done
cp "$here/programs.Dockerfile" "$ctx/Dockerfile"
say "building $IMAGE from $BASE (inputs $hash)"
# The classic builder uses the local base as it is; BuildKit would try to resolve it in a registry.
if ! out=$(DOCKER_BUILDKIT=0 docker build --build-arg BASE="$BASE" --build-arg KAFKA_PYTHON_VERSION="$KAFKA_PYTHON_VERSION" \
    --build-arg CONFLUENT_KAFKA_VERSION="$CONFLUENT_KAFKA_VERSION" --build-arg INPUTS_HASH="$hash" -t "$IMAGE" "$ctx" 2>&1); then
  printf '%s\n' "$out" >&2
  die "docker build of $IMAGE failed"
fi
say "built $IMAGE"
