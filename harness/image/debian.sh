# shellcheck shell=bash disable=SC2034,SC2016
# (SC2034: the variables are for the scripts that source this; SC2016: "$1" is mmdebstrap's.)
# What the image takes from Debian, sourced by build.sh, debian-base.sh and stage.sh (which runs
# inside the image's build): the packages, and the suite and mirror this machine's apt uses.
# Never write a mirror's name here: it is read from the machine.

# The image's Java: 17 (the default, on the machine's suite, bookworm) or 25, whose
# ahead-of-time cache (cds.sh) Debian ships from trixie on. An image of Java 25 is named
# kafka-lab/kafka:<version>-jdk25 (build.sh), and a name that says so builds with it.
if [[ ${IMAGE:-} == *-jdk[0-9]* ]]; then
  if [[ -n ${KAFKA_LAB_JAVA:-} && $KAFKA_LAB_JAVA != "${IMAGE##*-jdk}" ]]; then
    printf 'the image %s is named for Java %s, not KAFKA_LAB_JAVA=%s\n' "$IMAGE" "${IMAGE##*-jdk}" "$KAFKA_LAB_JAVA" >&2
    exit 1
  fi
  KAFKA_LAB_JAVA=${IMAGE##*-jdk}
fi
KAFKA_LAB_JAVA=${KAFKA_LAB_JAVA:-17}
case $KAFKA_LAB_JAVA in
17 | 25) ;;
*) printf 'KAFKA_LAB_JAVA=%s: the image is built with Java 17 or 25\n' "$KAFKA_LAB_JAVA" >&2; exit 1 ;;
esac

# Installed in the image: a headless JRE for Kafka, python3 for the lab's programs, procps (ps,
# kill) for the lab's commands.
RUNTIME_PACKAGES=("openjdk-$KAFKA_LAB_JAVA-jre-headless" python3 procps)
# What dist.sh needs on top of them to assemble Kafka's distribution: Maven and pip.
BUILD_PACKAGES=(maven python3-pip)

# The Debian suite of the image (DEBIAN_SUITE overrides it): for Java 17 this machine's,
# bookworm where it says none; for Java 25 trixie, the first to ship it.
debian_suite() {
  if [[ -n ${DEBIAN_SUITE:-} ]]; then echo "$DEBIAN_SUITE"; return; fi
  if [[ $KAFKA_LAB_JAVA == 25 ]]; then echo trixie; return; fi
  machine_suite
}
machine_suite() {
  local codename=
  [[ -r /etc/os-release ]] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  echo "${codename:-bookworm}"
}

# The Debian mirror that apt on this machine is configured with for debian_suite, or, for a
# suite apt does not list (trixie on a bookworm machine), the one of the machine's own suite: a
# Debian mirror serves every suite. DEBIAN_MIRROR overrides it. Fails, saying so, where there is
# none.
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local suite
  suite=$(debian_suite)
  mirror_of "$suite" 2>/dev/null || mirror_of "$(machine_suite)"
}
mirror_of() {
  local suite=$1 uri
  uri=$(awk -v s="$suite" '
      /^URIs:/ { uris = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) found = uris }
      /^$/ { uris = "" }
      END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [[ -z $uri && -r /etc/apt/sources.list ]]; then
    uri=$(awk -v s="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i == s) { print $(i-1); exit } }' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || { printf 'no Debian mirror for %s in /etc/apt/sources.list*: set DEBIAN_MIRROR\n' "$suite" >&2; return 1; }
  echo "$uri"
}

# mmdebstrap's options for a root file system without man pages, docs and locales, as Debian's
# slim images are (man1/ must exist for the JRE's update-alternatives).
SLIM_OPTIONS=(
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-include=/usr/share/man/man1'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*'
  --setup-hook='mkdir -p "$1/usr/share/man/man1"'
)
