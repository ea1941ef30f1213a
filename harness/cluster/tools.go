package cluster

import (
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/container"
)

// Tools runs the lab's own tools (the image's bin/*.sh, as the lab types them) in client
// containers next to the cluster's first broker: what the student's commands see, where Kafka
// is the harness's own view.
type Tools struct{ c *Cluster }

// Tools returns the lab's tools on the cluster.
func (c *Cluster) Tools() Tools { return Tools{c} }

// Run runs one command in a fresh client container from the cluster's image, in the first
// broker's network namespace (so localhost:9092 is that broker) and in /opt/kafka, as the lab
// types it. Never inside a broker's own container.
func (t Tools) Run(ctx context.Context, cmd ...string) (container.Result, error) {
	return t.c.rt.RunOnce(ctx, t.c.ClientSpec(cmd...))
}

// Endpoint is a broker as a client sees it: its id and the address it advertises.
type Endpoint struct {
	ID   int
	Addr string
}

// "localhost:9092 (id: 1 rack: null) -> (" in 3.x; 4.x adds "isFenced: false" after the rack.
var apiVersionsBroker = regexp.MustCompile(`(?m)^(\S+) \(id: (-?\d+) rack: [^)]*\) -> \(`)

// LabBrokers asks localhost:9092 which brokers answer, from a client container in the broker's
// network namespace, with the lab's own tool (kafka-broker-api-versions.sh).
func (t Tools) LabBrokers(ctx context.Context) ([]Endpoint, container.Result, error) {
	return t.BrokersAt(ctx, fmt.Sprintf("localhost:%d", LabPort))
}

// BrokersAt is LabBrokers asking bootstrap (addresses separated by commas) instead: the tool
// asks the first that answers for the metadata, then every broker it lists.
func (t Tools) BrokersAt(ctx context.Context, bootstrap string) ([]Endpoint, container.Result, error) {
	res, err := t.runTool(ctx, bootstrap, "kafka-broker-api-versions.sh")
	if err != nil {
		return nil, res, err
	}
	var out []Endpoint
	for _, m := range apiVersionsBroker.FindAllStringSubmatch(res.Stdout, -1) {
		id, _ := strconv.Atoi(m[2])
		out = append(out, Endpoint{ID: id, Addr: m[1]})
	}
	return out, res, nil
}

// KafkaFiles reads files of Kafka's own config/ folder, by path in the Kafka folder
// ("config/kraft/server.properties"), as the image (or distribution) has them: the files a
// student's command names and did not hand in. A path outside config/, or a file Kafka has
// not, is absent from the map.
func (t Tools) KafkaFiles(ctx context.Context, paths []string) (map[string][]byte, error) {
	var asked []string
	for _, p := range paths {
		if p = path.Clean(p); strings.HasPrefix(p, "config/") && !strings.Contains(p, "..") {
			asked = append(asked, p)
		}
	}
	out := map[string][]byte{}
	if len(asked) == 0 {
		return out, nil
	}
	// One line a file: its path, a tab, its contents in base64; none for a file not there.
	script := `for f in "$@"; do if [ -f "$f" ] && [ ! -L "$f" ]; then printf '%s\t' "$f"; head -c 65536 -- "$f" | base64 -w0; echo; fi; done`
	cmd := append([]string{"bash", "-c", script, "kafka-files"}, asked...)
	spec := t.c.clientSpec(fmt.Sprintf("probe-%d", t.c.probes.Add(1)), t.c.brokers[0], cmd)
	spec.Mounts = nil // Kafka's own files, not the terminals' /tmp
	res, err := t.c.rt.RunOnce(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("read Kafka's %s: %w", strings.Join(asked, ", "), err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("read Kafka's %s: exit code %d: %s", strings.Join(asked, ", "), res.ExitCode, lastLine(res.Stderr))
	}
	for _, line := range strings.Split(res.Stdout, "\n") {
		name, enc, ok := strings.Cut(line, "\t")
		if !ok || !slices.Contains(asked, name) {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("read Kafka's %s: %w", name, err)
		}
		out[name] = data
	}
	return out, nil
}

// ZooKeeperListens says whether anything accepts connections on the lab's ZooKeeper address,
// localhost:2181, where the lab's tools run (a shell's /dev/tcp: no JVM to start).
func (t Tools) ZooKeeperListens(ctx context.Context) (bool, error) {
	spec := t.c.clientSpec(fmt.Sprintf("probe-%d", t.c.probes.Add(1)), t.c.brokers[0], []string{"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2181"})
	res, err := t.c.rt.RunOnce(ctx, spec)
	if err != nil {
		return false, fmt.Errorf("probe localhost:2181: %w", err)
	}
	return res.ExitCode == 0, nil
}

var quorumLeader = regexp.MustCompile(`(?m)^LeaderId:\s*(-?\d+)\s*$`)

// QuorumLeader returns the KRaft controller quorum's leader id (-1 if none) as
// kafka-metadata-quorum.sh describes it through localhost:9092.
func (t Tools) QuorumLeader(ctx context.Context) (int, container.Result, error) {
	res, err := t.runLabTool(ctx, "kafka-metadata-quorum.sh", "describe", "--status")
	if err != nil {
		return -1, res, err
	}
	m := quorumLeader.FindStringSubmatch(res.Stdout)
	if m == nil {
		return -1, res, nil
	}
	id, _ := strconv.Atoi(m[1])
	return id, res, nil
}

// runLabTool runs bin/SCRIPT --bootstrap-server localhost:9092 ARGS... (see Run); a
// non-zero exit is an error naming the script and its last line on stderr.
func (t Tools) runLabTool(ctx context.Context, script string, args ...string) (container.Result, error) {
	return t.runTool(ctx, fmt.Sprintf("localhost:%d", LabPort), script, args...)
}

// runTool is runLabTool asking bootstrap.
func (t Tools) runTool(ctx context.Context, bootstrap, script string, args ...string) (container.Result, error) {
	cmd := append([]string{"bin/" + script, "--bootstrap-server", bootstrap}, args...)
	res, err := t.Run(ctx, cmd...)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("%s exited with code %d: %s", script, res.ExitCode, lastLine(res.Stderr))
	}
	return res, err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
