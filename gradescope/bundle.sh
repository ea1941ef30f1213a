#!/usr/bin/env bash
# Builds the Gradescope autograder bundle (make gradescope):
#
#   gradescope/bundle.sh [OUT.zip]      default: gradescope-autograder.zip in the project
#
# The zip holds setup.sh and run_autograder at its top, the grader (cmd/grade, built static for
# linux/amd64), the features, and what setup.sh needs to assemble the Kafka distribution
# (harness/image's dist.sh, pom.xml, scripts and configuration) for KAFKA_VERSION. It also holds
# PrairieLearn's entrypoint (prairielearn/run_grader): an image made of the bundle serves both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=$(realpath -m "${1:-$top/gradescope-autograder.zip}")
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
(cd "$top" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 ${GO:-go} build -trimpath -o "$stage/kafka-lab-grade" ./cmd/grade)
cp "$here/setup.sh" "$here/run_autograder" "$top/prairielearn/run_grader" "$stage/"
cp -r "$top/features" "$stage/"
mkdir -p "$stage/image"
cp -r "$top/harness/image/dist.sh" "$top/harness/image/setup-check.sh" "$top/harness/image/pom.xml" "$top/harness/image/bin" \
  "$top/harness/image/config" "$top/harness/image/docker" "$stage/image/"
printf '%s\n' "$KAFKA_VERSION" >"$stage/KAFKA_VERSION"
chmod +x "$stage/setup.sh" "$stage/run_autograder" "$stage/run_grader" "$stage/image/dist.sh" "$stage/image/setup-check.sh"
rm -f "$out"
# Python's zipfile keeps the files' modes, so run_autograder stays executable.
(cd "$stage" && python3 -m zipfile -c "$out" .)
echo "bundle: $out (Kafka $KAFKA_VERSION)"
