#!/usr/bin/env bash
# Builds the kafka-lab Kafka image offline, with the apache/kafka image's contract.
#
#   KAFKA_VERSION=3.9.1 harness/image/build.sh      (make image)
#
# Inputs: a Debian root file system (mmdebstrap, from the mirror this machine's apt already uses),
# Kafka's jars from Maven (pom.xml), kafka-python's wheel, and this folder's scripts and
# configuration. The image is labelled with a hash of all of them and rebuilt only when it changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
KAFKA_PYTHON_VERSION=${KAFKA_PYTHON_VERSION:-3.0.12}
IMAGE=${IMAGE:-kafka-lab/kafka:$KAFKA_VERSION}
CACHE_DIR=${KAFKA_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-lab}
BASE_PACKAGES=openjdk-17-jre-headless,python3,procps
major=${KAFKA_VERSION%%.*}

say() { printf 'image: %s\n' "$*" >&2; }
die() { printf 'image: %s\n' "$*" >&2; exit 1; }

[[ -d $here/config/$major ]] || die "Kafka $KAFKA_VERSION: no configuration for major version $major in $here/config"
docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed): run 'make docker' or start dockerd"

# Everything that shapes the image, hashed in a fixed order.
inputs_hash() {
  {
    printf '%s\n' "$KAFKA_VERSION" "$KAFKA_PYTHON_VERSION" "$BASE_PACKAGES" "$(debian_suite)"
    # programs.* make the program image (programs.sh), not this one.
    (cd "$here" && find . -type f ! -name '*.md' ! -name 'programs.*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

debian_suite() {
  local codename=
  [[ -r /etc/os-release ]] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  echo "${DEBIAN_SUITE:-${codename:-bookworm}}"
}

# The Debian mirror that apt on this machine is configured with (never a name written here).
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local suite uri
  suite=$(debian_suite)
  uri=$(awk -v s="$suite" '
      /^URIs:/ { uris = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = uris }
      /^$/ { uris = "" }
      END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri=$(awk -v s="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i == s) { print $(i-1); exit } }' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || die "no Debian mirror for '$suite' in /etc/apt/sources.list*: set DEBIAN_MIRROR"
  echo "$uri"
}

hash=$(inputs_hash)
# BASE_ONLY=1 (programs.sh) makes or finds the base alone and prints its name.
if [[ -z ${BASE_ONLY:-} && $(docker image inspect --format '{{ index .Config.Labels "org.kafka-lab.inputs" }}' "$IMAGE" 2>/dev/null) == "$hash" ]]; then
  say "$IMAGE is up to date (inputs $hash)"
  exit 0
fi

# 1. The base: Debian minbase with a headless JRE 17 and python3, imported as an image.
base_hash=$(printf '%s\n' "$BASE_PACKAGES" "$(debian_suite)" | sha256sum | cut -c1-16)
BASE=kafka-lab/base:$base_hash
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
  say "building base $BASE from Debian $(debian_suite) ($BASE_PACKAGES)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Man pages and docs are left out, but man1/ must exist for the JRE's update-alternatives.
  mmdebstrap --quiet --variant=minbase --include="$BASE_PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-include=/usr/share/man/man1' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --setup-hook='mkdir -p "$1/usr/share/man/man1"' \
    "$(debian_suite)" "$tmp/rootfs.tar" "$(debian_mirror)"
  docker import --change 'CMD ["/bin/bash"]' "$tmp/rootfs.tar" "$BASE" >/dev/null
  rm -rf "$tmp"
  trap - EXIT
fi
if [[ -n ${BASE_ONLY:-} ]]; then
  printf '%s\n' "$BASE"
  exit 0
fi

# 2. The build context: the distribution that dist.sh assembles (also what graders without
# Docker run, see gradescope/).
ctx=$CACHE_DIR/context-$KAFKA_VERSION
KAFKA_VERSION=$KAFKA_VERSION KAFKA_PYTHON_VERSION=$KAFKA_PYTHON_VERSION "$here/dist.sh" "$ctx"

cp "$here/Dockerfile" "$here/cds.sh" "$ctx/"
say "building $IMAGE (inputs $hash)"
# The classic builder uses the local base as it is; BuildKit would try to resolve it in a registry.
if ! out=$(DOCKER_BUILDKIT=0 docker build --build-arg BASE="$BASE" --build-arg KAFKA_VERSION="$KAFKA_VERSION" \
    --build-arg INPUTS_HASH="$hash" -t "$IMAGE" "$ctx" 2>&1); then
  printf '%s\n' "$out" >&2
  die "docker build of $IMAGE failed"
fi
say "built $IMAGE"
