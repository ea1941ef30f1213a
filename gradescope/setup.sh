#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (in
# /autograder/source, where the bundle is unpacked). There is no Docker engine there: the
# harness runs Kafka, the lab's commands and the student's programs as local processes
# (container.NewLocal) from the same Kafka distribution that the project's image holds,
# assembled here by the same script (image/dist.sh): Kafka's jars from Maven, kafka-python
# from PyPI. It installs what that needs when it is missing: a Java 17 runtime, Maven, pip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v python3 >/dev/null || need+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

KAFKA_VERSION=$(cat "$here/KAFKA_VERSION") "$here/image/dist.sh" "$here/kafka"
# The entry point's format template: a broker's start without the wrapper's JVM, as in the image.
"$here/image/setup-check.sh" "$here/kafka" "$here/kafka/etc"
# Java and the jars work together: a Kafka tool answers with its version.
version=$("$here/kafka/bin/kafka-topics.sh" --version 2>/dev/null | tail -1)
echo "setup: Kafka ${version:?kafka-topics.sh --version failed} ready in $here/kafka"
