#!/usr/bin/env bash
# Builds the program image offline: the image a student's Python programs run from when the
# Kafka image has none of its own (python3 and kafka-python), such as the official apache/kafka.
#
#   harness/image/programs.sh            (make image, when KAFKA_LAB_IMAGE is not kafka-lab's)
#
# It is the Kafka image's Debian base (build.sh makes it, or finds it made) plus the kafka-python
# that dist.sh pins, from PyPI. The image is labelled with a hash of its inputs and rebuilt only
# when they change; a cached run takes a second.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KAFKA_PYTHON_VERSION=${KAFKA_PYTHON_VERSION:-3.0.12}
# The harness's default (cluster.DefaultProgramImage): keep the two in step.
IMAGE=${IMAGE:-kafka-lab/python:kafka-python-$KAFKA_PYTHON_VERSION}

say() { printf 'programs: %s\n' "$*" >&2; }
die() { printf 'programs: %s\n' "$*" >&2; exit 1; }

docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed): run 'make docker' or start dockerd"

# The base is build.sh's: one Debian root file system for the Kafka image and this one.
BASE=$(BASE_ONLY=1 KAFKA_PYTHON_VERSION=$KAFKA_PYTHON_VERSION "$here/build.sh") || die "no Debian base (build.sh failed)"
base_id=$(docker image inspect --format '{{.Id}}' "$BASE") || die "base $BASE is not there"

hash=$(printf '%s\n' "$base_id" "$KAFKA_PYTHON_VERSION" "$(cat "$here/programs.sh" "$here/programs.Dockerfile")" | sha256sum | cut -c1-16)
if [[ $(docker image inspect --format '{{ index .Config.Labels "org.kafka-lab.program-inputs" }}' "$IMAGE" 2>/dev/null) == "$hash" ]]; then
  say "$IMAGE is up to date (inputs $hash)"
  exit 0
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
say "fetching kafka-python $KAFKA_PYTHON_VERSION"
pip download --quiet --no-deps --only-binary=:all: -d "$ctx/wheel" "kafka-python==$KAFKA_PYTHON_VERSION" >&2 \
  || die "pip could not download kafka-python==$KAFKA_PYTHON_VERSION"
mkdir "$ctx/python"
python3 -m zipfile -e "$ctx"/wheel/*.whl "$ctx/python/"
cp "$here/programs.Dockerfile" "$ctx/Dockerfile"
say "building $IMAGE from $BASE (inputs $hash)"
# The classic builder uses the local base as it is; BuildKit would try to resolve it in a registry.
if ! out=$(DOCKER_BUILDKIT=0 docker build --build-arg BASE="$BASE" --build-arg KAFKA_PYTHON_VERSION="$KAFKA_PYTHON_VERSION" \
    --build-arg INPUTS_HASH="$hash" -t "$IMAGE" "$ctx" 2>&1); then
  printf '%s\n' "$out" >&2
  die "docker build of $IMAGE failed"
fi
say "built $IMAGE"
