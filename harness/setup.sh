#!/usr/bin/env bash
# Prepares a machine for kafka-lab: a running Docker engine and the tools that build the Kafka
# image (mmdebstrap, Maven, pip). As root on Debian it installs what is missing with apt and
# starts dockerd; elsewhere it says what to install. Safe to run again: it only fills gaps.
# With --tests, also what only the tests use: Chromium, which renders the class report
# (harness/grading's TestClassReportInChromium), jq, which the Classroom template's sections
# step runs (TestClassroomSections), and tmux, in which TestTutor uses the live tutor as a
# student does. Without them those tests skip and say why; under CI=true,
# where this provides them, they fail (internal/integration).
set -euo pipefail

tests=false
case "${1:-}" in
  --tests) tests=true ;;
  "") ;;
  *) printf 'usage: %s [--tests]\n' "$0" >&2; exit 2 ;;
esac

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

is_debian_root() { [[ $(id -u) -eq 0 && -r /etc/debian_version ]] && command -v apt-get >/dev/null; }

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=true
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Build tools of the image (and with --tests the tests' own): command -> Debian package.
missing=()
tools=(mmdebstrap:mmdebstrap mvn:maven pip:python3-pip java:openjdk-17-jre-headless docker:docker.io)
$tests && tools+=(chromium:chromium jq:jq tmux:tmux)
for pair in "${tools[@]}"; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
  is_debian_root || die "missing: ${missing[*]} (Debian package names); install them, then run this again"
  apt_install "${missing[@]}"
fi
command -v go >/dev/null || die "Go is missing: install Go (the version in go.mod, or newer) and run this again"

# The Docker engine.
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || { is_debian_root && apt_install docker.io; } \
    || die "no Docker engine: install Docker (Debian: apt-get install docker.io) and start it"
  [[ $(id -u) -eq 0 ]] || die "no Docker engine answers: start it (sudo systemctl start docker), or run this as root"
  say "starting dockerd (log: /var/log/kafka-lab-dockerd.log)"
  # Detached, so it outlives this script; it holds no terminal.
  setsid nohup dockerd >/var/log/kafka-lab-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/kafka-lab-dockerd.log >&2; die "dockerd did not answer within 60 s"; }
fi
say "Docker engine $(docker version --format '{{.Server.Version}}') is up"
