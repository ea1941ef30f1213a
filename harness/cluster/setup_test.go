package cluster_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
)

// wrapperCheck runs Kafka's own wrapper (kafka.docker.KafkaDockerWrapper) in a node's container,
// with the node's environment, into a folder of its own, and compares what it writes with what
// the node was set up with: server.properties as a set of lines (log.dirs aside, which the check
// moves), the other configuration files byte for byte, meta.properties but its random
// directory.id and date, and the records of every other storage file the wrapper writes.
const wrapperCheck = `set -euo pipefail
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/config" "$w/mounted"
eval "$(grep '^export CLUSTER_ID=' /etc/kafka/docker/run)" # the entry point's, as it runs the wrapper
KAFKA_LOG_DIRS=$w/data KAFKA_HEAP_OPTS=-Xmx128M /opt/kafka/bin/kafka-run-class.sh kafka.docker.KafkaDockerWrapper setup \
  --default-configs-dir /etc/kafka/docker --mounted-configs-dir "$w/mounted" --final-configs-dir "$w/config" >"$w/out" 2>&1 \
  || { cat "$w/out"; exit 1; }
live=$KAFKA_LOG_DIRS
diff <(grep -v '^$' "$w/config/server.properties" | sed "s|^log.dirs=.*|log.dirs=$live|" | sort) \
  <(grep -v '^$' /opt/kafka/config/server.properties | sort) || { echo "server.properties differs"; exit 1; }
for f in "$w/config"/*; do
  [[ $(basename "$f") == server.properties ]] || cmp "$f" "/opt/kafka/config/$(basename "$f")" || exit 1
done
meta() { grep -v -e '^#' -e '^directory\.id=' "$1" | sort; }
diff <(meta "$w/data/meta.properties") <(meta "$live/meta.properties") || { echo "meta.properties differs"; exit 1; }
records() {
  /opt/kafka/bin/kafka-run-class.sh kafka.tools.DumpLogSegments --cluster-metadata-decoder --files "$1" 2>&1 |
    sed -E -e '1d' -e 's/(CreateTime|crc|lastContainedLogTimestamp)"?: ?[0-9]+/\1 _/g'
}
n=0
while IFS= read -r f; do
  [[ -e $live/$f ]] || { echo "$f: the node's storage has none"; exit 1; }
  diff <(records "$w/data/$f") <(records "$live/$f") || { echo "$f holds other records"; exit 1; }
  n=$((n + 1))
done < <(cd "$w/data" && find . -type f ! -name meta.properties)
echo "the same as Kafka's wrapper: configuration, meta.properties and $n storage file(s)"
`

// assertSetUpAsTheWrapper checks that each Kafka node of c was set up by the image's entry point
// without Kafka's wrapper (its log says so), and, in Docker, as the wrapper sets it up
// (wrapperCheck). Local processes run the distribution's entry point, whose template `make
// dist` checked (setup-check.sh): their log is checked.
func assertSetUpAsTheWrapper(t *testing.T, ctx context.Context, rt *container.Runtime, c *cluster.Cluster) {
	t.Helper()
	for _, n := range c.Nodes() {
		if n.Role == "namespace" || n.Role == "zookeeper" {
			continue
		}
		name := n.Container.Name + " (" + n.Container.ID[:min(12, len(n.Container.ID))] + ")"
		if logs := n.Container.Logs(ctx, 10000); !strings.Contains(logs, "run: set up from the image's format template") {
			t.Errorf("%s, %s, was not set up from the image's format template; its log ends:\n%s", name, n.Role, n.Container.Logs(ctx, 20))
			continue
		}
		if rt.Facts().Dist != "" {
			continue
		}
		out, err := exec.CommandContext(ctx, "docker", "exec", n.Container.ID, "bash", "-c", wrapperCheck).CombinedOutput()
		if err != nil {
			t.Errorf("%s, %s, is not set up as Kafka's wrapper sets it up: %v\n%s", name, n.Role, err, out)
			continue
		}
		t.Logf("%s, %s: %s", name, n.Role, strings.TrimSpace(string(out)))
	}
}
