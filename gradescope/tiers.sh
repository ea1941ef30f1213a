#!/usr/bin/env bash
# Runs the Gradescope bundle as Gradescope would, in a container limited like each of its tiers,
# and prints the time and score of each (make gradescope-tiers):
#
#   gradescope/tiers.sh [SUBMISSION] [TIERS]
#
# SUBMISSION defaults to the bundled reference; TIERS to "0.5:768m 1:1536m 2:3g" (CPUs and
# memory, as Gradescope's 0.5 vCPU / 768 MB default, 1 vCPU / 1.5 GB and 2 vCPU / 3 GB). The
# bundle is unpacked and its setup.sh run here, as Gradescope builds its image; run_autograder
# then runs in a container of the Kafka image (a JRE 17 and python3, as setup.sh would install)
# with no Docker engine, as root, limited by --cpus and --memory (no swap).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
submission=$(realpath "${1:-$top/testdata/submissions/reference}")
tiers=${2:-0.5:768m 1:1536m 2:3g}
image=${KAFKA_LAB_IMAGE:-kafka-lab/kafka:${KAFKA_VERSION:-3.9.1}}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$top/gradescope/bundle.sh" "$work/autograder.zip" >/dev/null
mkdir -p "$work/root/source"
# Unpacked with the files' modes, as Gradescope does (python's zipfile -e drops them).
python3 - "$work/autograder.zip" "$work/root/source" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        if mode := info.external_attr >> 16 & 0o777:
            __import__("os").chmod(path, mode)
PY
bash "$work/root/source/setup.sh" >/dev/null

printf '%-14s %8s %8s %6s  %s\n' TIER SECONDS SCORE FAILED "NOT PASSED (points)"
for tier in $tiers; do
  cpus=${tier%%:*} mem=${tier#*:}
  rm -rf "$work/root/submission" "$work/root/results"
  mkdir -p "$work/root/submission"
  cp -r "$submission/." "$work/root/submission/"
  start=$(date +%s)
  docker run --rm --cpus "$cpus" --memory "$mem" --memory-swap "$mem" --network none \
    --label org.kafka-lab.tiers=1 -v "$work/root:/autograder" --entrypoint /autograder/source/run_autograder \
    "$image" >"$work/log-$cpus" 2>&1 || true
  took=$(($(date +%s) - start))
  python3 - "$work/root/results/results.json" "$tier" "$took" <<'PY'
import json, sys
path, tier, took = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception as e:
    print(f"{tier:<14} {took:>8} {'-':>8} {'-':>6}  no results.json: {e}")
    sys.exit()
tests = r.get("tests", [])
failed = [t for t in tests if t.get("status") == "failed"]
names = "; ".join(f"{t['name'][:60]} ({t.get('max_score', 0):g})" for t in failed)
print(f"{tier:<14} {took:>8} {r.get('score', 0):>8g} {len(failed):>6}  {names}")
PY
  cp "$work/log-$cpus" "${TIERS_LOG_DIR:-/tmp}/kafka-lab-tier-$cpus.log" 2>/dev/null || true
done
