# shellcheck shell=bash disable=SC2034,SC2016
# (SC2034: the variables are for the scripts that source this; SC2016: "$1" is mmdebstrap's.)
# What the image takes from Debian, sourced by build.sh, debian-base.sh and stage.sh (which runs
# inside the image's build): the packages, and the suite and mirror this machine's apt uses.
# Never write a mirror's name here: it is read from the machine.

# Installed in the image: a headless JRE for Kafka, python3 for the lab's programs, procps (ps,
# kill) for the lab's commands.
RUNTIME_PACKAGES=(openjdk-17-jre-headless python3 procps)
# What dist.sh needs on top of them to assemble Kafka's distribution: Maven and pip.
BUILD_PACKAGES=(maven python3-pip)

# The Debian suite of this machine (DEBIAN_SUITE overrides it), bookworm where it says none.
debian_suite() {
  local codename=
  [[ -r /etc/os-release ]] && codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  echo "${DEBIAN_SUITE:-${codename:-bookworm}}"
}

# The Debian mirror that apt on this machine is configured with for debian_suite (DEBIAN_MIRROR
# overrides it). Fails, saying so, where there is none.
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
