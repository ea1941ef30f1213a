#!/usr/bin/env bash
# Builds the kafka-lab Kafka image offline, with the apache/kafka image's contract.
#
#   KAFKA_VERSION=3.9.1 harness/image/build.sh      (make image)
#   KAFKA_LAB_JAVA=25 harness/image/build.sh         the same on Java 25 (kafka-lab/kafka:3.9.1-jdk25)
#   harness/image/build.sh --hash                    prints the inputs' hash, builds nothing
#
# Inputs: a Debian root file system (mmdebstrap, from the mirror this machine's apt already uses),
# Kafka's jars from Maven (pom.xml), the wheels of kafka-python and confluent-kafka, and this
# folder's scripts and configuration. The image is labelled with a hash of all of them and rebuilt only when it changes.
# It is built from this folder's Dockerfile, as on any Docker engine, but from a base that has
# the runtime packages already and with the distribution assembled here (dist/ in the context).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
KAFKA_PYTHON_VERSION=${KAFKA_PYTHON_VERSION:-3.0.12}
CONFLUENT_KAFKA_VERSION=${CONFLUENT_KAFKA_VERSION:-2.16.2}
CACHE_DIR=${KAFKA_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-lab}
major=${KAFKA_VERSION%%.*}

say() { printf 'image: %s\n' "$*" >&2; }
die() { printf 'image: %s\n' "$*" >&2; exit 1; }

# shellcheck source=debian.sh
. "$here/debian.sh"
jdk_suffix=
[[ $KAFKA_LAB_JAVA != 17 ]] && jdk_suffix=-jdk$KAFKA_LAB_JAVA
IMAGE=${IMAGE:-kafka-lab/kafka:$KAFKA_VERSION$jdk_suffix}
BASE_PACKAGES=$(IFS=,; echo "${RUNTIME_PACKAGES[*]}")

# Everything that shapes the image, hashed in a fixed order: the recipe is every file of this
# folder but the documentation, hidden files, the Go package that embeds them (image.go), and
# programs.*, which make the program image (programs.sh), not this one.
recipe_files() {
  (cd "$here" && find . -type f ! -name '*.md' ! -name '*.go' ! -name '.*' ! -name 'programs.*' ! -path './dist/*' -print0 \
    | LC_ALL=C sort -z)
}
inputs_hash() {
  {
    printf '%s\n' "$KAFKA_VERSION" "$KAFKA_PYTHON_VERSION" "$CONFLUENT_KAFKA_VERSION" "$BASE_PACKAGES" "$(debian_suite)"
    (cd "$here" && recipe_files | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

if [[ ${1:-} == --hash ]]; then
  inputs_hash
  exit 0
fi

[[ -d $here/config/$major ]] || die "Kafka $KAFKA_VERSION: no configuration for major version $major in $here/config"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed): run 'make docker' or start dockerd"

hash=$(inputs_hash)
# BASE_ONLY=1 (programs.sh) makes or finds the base alone and prints its name.
if [[ -z ${BASE_ONLY:-} && $(docker image inspect --format '{{ index .Config.Labels "org.kafka-lab.inputs" }}' "$IMAGE" 2>/dev/null) == "$hash" ]]; then
  say "$IMAGE is up to date (inputs $hash)"
  exit 0
fi

# 1. The base: Debian minbase with a headless JRE and python3, imported as an image.
base_hash=$(printf '%s\n' "$BASE_PACKAGES" "$(debian_suite)" | sha256sum | cut -c1-16)
BASE=kafka-lab/base:$base_hash
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
  say "building base $BASE from Debian $(debian_suite) ($BASE_PACKAGES)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Man pages and docs are left out, as in Debian's slim images.
  mirror=$(debian_mirror) || die "no Debian mirror to build the base from"
  mmdebstrap --quiet --variant=minbase --include="$BASE_PACKAGES" "${SLIM_OPTIONS[@]}" \
    "$(debian_suite)" "$tmp/rootfs.tar" "$mirror"
  docker import --change 'CMD ["/bin/bash"]' "$tmp/rootfs.tar" "$BASE" >/dev/null
  rm -rf "$tmp"
  trap - EXIT
fi
if [[ -n ${BASE_ONLY:-} ]]; then
  printf '%s\n' "$BASE"
  exit 0
fi

# 2. The build context: this folder's recipe, and in dist/ the distribution that dist.sh
# assembles (also what graders without Docker run, see gradescope/).
ctx=$CACHE_DIR/context-$KAFKA_VERSION
rm -rf "$ctx"
mkdir -p "$ctx"
(cd "$here" && recipe_files | xargs -0 cp --parents -t "$ctx")
mkdir -p "$ctx/ca"
# confluent-kafka's wheel is for one Python version: the base's python3, not this machine's.
python_version=$(docker run --rm "$BASE" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
  || die "the base $BASE has no python3 that runs"
KAFKA_VERSION=$KAFKA_VERSION KAFKA_PYTHON_VERSION=$KAFKA_PYTHON_VERSION CONFLUENT_KAFKA_VERSION=$CONFLUENT_KAFKA_VERSION \
  PYTHON_VERSION=$python_version "$here/dist.sh" "$ctx/dist"

say "building $IMAGE (inputs $hash)"
# The classic builder uses the local base as it is; BuildKit would try to resolve it in a registry.
if ! out=$(DOCKER_BUILDKIT=0 docker build --build-arg BASE="$BASE" --build-arg KAFKA_VERSION="$KAFKA_VERSION" \
    --build-arg KAFKA_LAB_JAVA="$KAFKA_LAB_JAVA" --build-arg KAFKA_PYTHON_VERSION="$KAFKA_PYTHON_VERSION" \
    --build-arg CONFLUENT_KAFKA_VERSION="$CONFLUENT_KAFKA_VERSION" --build-arg INPUTS_HASH="$hash" -t "$IMAGE" "$ctx" 2>&1); then
  printf '%s\n' "$out" >&2
  die "docker build of $IMAGE failed"
fi
say "built $IMAGE"
