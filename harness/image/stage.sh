#!/usr/bin/env bash
# Runs inside the image's build (Dockerfile), as root on its Debian base, from a copy of this
# folder:
#
#   stage.sh runtime   trusts the extra CAs of ca/, then installs what the base lacks of the
#                      runtime packages (debian.sh): nothing on build.sh's base, which has them
#   stage.sh dist      assembles Kafka's distribution in dist/ with dist.sh, after installing
#                      Maven and pip; nothing when build.sh prepared dist/ on the host
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=debian.sh
. "$here/debian.sh"
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}

say() { printf 'stage: %s\n' "$*" >&2; }
die() { printf 'stage: %s\n' "$*" >&2; exit 1; }

# The extra CAs (ca/*.crt, ca/*.pem): a network whose proxy intercepts TLS needs them before
# apt, Maven or pip use HTTPS. ca-certificates puts them in the system bundle, which apt and pip
# read, and ca-certificates-java in Java's truststore, which Maven reads.
shopt -s nullglob
certs=("$here"/ca/*.crt "$here"/ca/*.pem)
shopt -u nullglob

trust_cas() {
  ((${#certs[@]})) || return 0
  local dir=/usr/local/share/ca-certificates/kafka-lab c
  mkdir -p "$dir"
  for c in "${certs[@]}"; do
    local name=${c##*/}
    cp "$c" "$dir/${name%.*}.crt"
  done
  if command -v update-ca-certificates >/dev/null; then
    update-ca-certificates >/dev/null 2>&1
  else
    # No ca-certificates yet (a slim base): apt reads this bundle over HTTPS until the package,
    # installed next, rebuilds it with these certificates in it.
    mkdir -p /etc/ssl/certs
    cat "${certs[@]}" >>/etc/ssl/certs/ca-certificates.crt
  fi
  say "trusting ${#certs[@]} extra CA certificate(s) from ca/"
}

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == *' ok installed' ]]; }

# apt_install PACKAGE...: installs those that are not installed yet, if any (and ca-certificates
# with them, for the extra CAs).
apt_install() {
  local missing=() p
  for p; do
    installed "$p" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if ((${#certs[@]})) && ! installed ca-certificates; then missing+=(ca-certificates); fi
  say "installing ${missing[*]}"
  # Slim images leave out man pages, yet the JRE's update-alternatives needs this folder.
  mkdir -p /usr/share/man/man1
  export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
  apt-get update -qq >/dev/null || die "apt-get update failed (is the base's Debian mirror reachable? an extra CA in ca/?)"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
  # Java's truststore may have been made after the bundle: give it the extra CAs too.
  if ((${#certs[@]})); then update-ca-certificates >/dev/null 2>&1; fi
}

case ${1:-} in
runtime)
  trust_cas
  apt_install "${RUNTIME_PACKAGES[@]}"
  ;;
dist)
  out=$here/dist
  if [[ -r $out/KAFKA_VERSION ]]; then
    [[ $(<"$out/KAFKA_VERSION") == "$KAFKA_VERSION" ]] \
      || die "dist/ holds Kafka $(<"$out/KAFKA_VERSION"), not $KAFKA_VERSION: remove it or build $(<"$out/KAFKA_VERSION")"
    say "Kafka $KAFKA_VERSION: using the distribution prepared in dist/"
    exit 0
  fi
  apt_install "${BUILD_PACKAGES[@]}"
  # pip's own certificate list would miss the extra CAs: it reads the system bundle instead.
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt KAFKA_VERSION=$KAFKA_VERSION bash "$here/dist.sh" "$out"
  rm -rf /root/.m2 /root/.cache
  ;;
*)
  die "usage: stage.sh runtime|dist"
  ;;
esac
