package cluster

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Endpoint is a broker as a client sees it: its id and the address it advertises.
type Endpoint struct {
	ID   int
	Addr string
}

// "localhost:9092 (id: 1 rack: null) -> (" in 3.x; 4.x adds "isFenced: false" after the rack.
var apiVersionsBroker = regexp.MustCompile(`(?m)^(\S+) \(id: (-?\d+) rack: [^)]*\) -> \(`)

// LabBrokers asks localhost:9092 which brokers answer, from a client container in the broker's
// network namespace, with the lab's own tool (kafka-broker-api-versions.sh).
func (c *Cluster) LabBrokers(ctx context.Context) ([]Endpoint, container.Result, error) {
	res, err := c.runLabTool(ctx, "kafka-broker-api-versions.sh")
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

// ZooKeeperListens says whether anything accepts connections on the lab's ZooKeeper address,
// localhost:2181, where the lab's tools run (a shell's /dev/tcp: no JVM to start).
func (c *Cluster) ZooKeeperListens(ctx context.Context) (bool, error) {
	spec := c.clientSpec(fmt.Sprintf("probe-%d", c.probes.Add(1)), c.brokers[0], []string{"bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2181"})
	res, err := c.rt.RunOnce(ctx, spec)
	if err != nil {
		return false, fmt.Errorf("probe localhost:2181: %w", err)
	}
	return res.ExitCode == 0, nil
}

var quorumLeader = regexp.MustCompile(`(?m)^LeaderId:\s*(-?\d+)\s*$`)

// QuorumLeader returns the KRaft controller quorum's leader id (-1 if none) as
// kafka-metadata-quorum.sh describes it through localhost:9092.
func (c *Cluster) QuorumLeader(ctx context.Context) (int, container.Result, error) {
	res, err := c.runLabTool(ctx, "kafka-metadata-quorum.sh", "describe", "--status")
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

// runLabTool runs bin/SCRIPT --bootstrap-server localhost:9092 ARGS... (see RunTool); a
// non-zero exit is an error naming the script and its last line on stderr.
func (c *Cluster) runLabTool(ctx context.Context, script string, args ...string) (container.Result, error) {
	cmd := append([]string{"bin/" + script, "--bootstrap-server", fmt.Sprintf("localhost:%d", LabPort)}, args...)
	res, err := c.RunTool(ctx, cmd...)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("%s exited with code %d: %s", script, res.ExitCode, lastLine(res.Stderr))
	}
	return res, err
}

// ControllerID is the active controller's id in the harness's metadata (the ZooKeeper-elected
// broker in ZooKeeper mode; in KRaft brokers report a broker here, not a controller).
func (c *Cluster) ControllerID() (int32, error) {
	b, err := c.client.RefreshController()
	if err != nil {
		return -1, fmt.Errorf("find the controller: %w", err)
	}
	return b.ID(), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// CommitOffset commits offset for a group's partition with the harness's own client, waiting
// while the group coordinator is not yet available (a new cluster creates __consumer_offsets on
// the first group request).
func (c *Cluster) CommitOffset(ctx context.Context, group, topic string, partition int32, offset int64) error {
	return wait.Until(ctx, fmt.Sprintf("an offset commit of group %s", group), 30*time.Second, 100*time.Millisecond,
		func(context.Context) (bool, string, error) {
			coord, err := c.client.Coordinator(group)
			if err != nil {
				return false, "no coordinator", err
			}
			req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group, ConsumerGroupGeneration: -1, RetentionTime: -1}
			req.AddBlock(topic, partition, offset, 0, "")
			resp, err := coord.CommitOffset(req)
			if err != nil {
				return false, "", err
			}
			if kerr := resp.Errors[topic][partition]; kerr != sarama.ErrNoError {
				return false, kerr.Error(), kerr
			}
			return true, "", nil
		})
}
