#!/usr/bin/env bash
# Imports a plain Debian root file system as a local image, a stand-in for debian:<suite>-slim
# where no image registry is reachable (the Dockerfile's test builds on it):
#
#   harness/image/debian-base.sh [TAG]     (TAG: kafka-lab/debian:<suite>-slim)
#
# mmdebstrap's minbase of this machine's suite, from the mirror its apt uses, without man pages,
# docs and locales as the slim images are; no other package. Prints the tag; does nothing when
# the image is there already. Needs root, mmdebstrap and a Docker engine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
say() { printf 'debian-base: %s\n' "$*" >&2; }
die() { printf 'debian-base: %s\n' "$*" >&2; exit 1; }

# shellcheck source=debian.sh
. "$here/debian.sh"
suite=$(debian_suite)
tag=${1:-kafka-lab/debian:$suite-slim}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: apt-get install mmdebstrap"
mirror=$(debian_mirror) || die "no Debian mirror to build $tag from"
say "building $tag: Debian $suite minbase"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mmdebstrap --quiet --variant=minbase "${SLIM_OPTIONS[@]}" "$suite" "$tmp/rootfs.tar" "$mirror"
docker import --change 'CMD ["bash"]' "$tmp/rootfs.tar" "$tag" >/dev/null
say "built $tag"
echo "$tag"
