package replication

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// ClusterLab is the Lab of Replay on the ha cluster: brokers stop cleanly (cluster.StopBroker,
// as the acks table's), and the student's producer runs with Runner, unprivileged and with the
// student's limits and config/ files, in the namespace of a broker that stays up.
type ClusterLab struct {
	C      *cluster.Cluster
	Runner runner.Runner
	// ReadWithin bounds the one read that has no later event to wait on (see ReadableNow).
	ReadWithin time.Duration
}

// producerLimit bounds a replayed producer: a JVM's start and, at most, its max.block.ms and
// delivery timeout.
const producerLimit = 30 * time.Second

func (l ClusterLab) Kafka() cluster.Image { return l.C.Image }

func (l ClusterLab) Brokers() []int {
	var ids []int
	for _, b := range l.C.Brokers() {
		ids = append(ids, b.ID)
	}
	return ids
}

func (l ClusterLab) Partitions(topic string) ([]cluster.PartitionState, error) {
	return l.C.Kafka().PartitionStates(topic)
}

func (l ClusterLab) MinISR(topic string) (int, error) {
	v, err := l.C.Kafka().TopicConfig(topic, "min.insync.replicas")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("min.insync.replicas of %s is %q: %w", topic, v, err)
	}
	return n, nil
}

func (l ClusterLab) Stop(ctx context.Context, id int) error { return l.C.StopBroker(ctx, id) }

func (l ClusterLab) Whole(ctx context.Context) error { return l.C.Whole(ctx) }

func (l ClusterLab) Readable(ctx context.Context, topic, value string) (bool, string, error) {
	return ReadableNow(ctx, l.C.Kafka(), topic, value, l.ReadWithin)
}

func (l ClusterLab) Produce(ctx context.Context, cmd submission.Command, id int, line string) (string, error, error) {
	b, err := l.C.Broker(id)
	if err != nil {
		return "", nil, err
	}
	r := l.Runner
	r.Node = b
	p, err := r.Start(ctx, Bounded(cmd, b.LabAddr(), l.C.Image))
	if err != nil {
		return "", nil, err
	}
	defer p.Remove(context.WithoutCancel(ctx))
	// A command that exited at once (a bad option) no longer reads: Finish says why.
	_ = p.WriteLine(line)
	failure := p.Finish(ctx, producerLimit)
	out := p.Stdout.String() + "\n" + p.Stderr.String()
	var f *runner.Failure
	if failure != nil && !errors.As(failure, &f) {
		return out, nil, failure
	}
	if f == nil {
		return out, nil, nil
	}
	return out, f, nil
}

// Bounded is the student's producer command as the replay runs it: its bootstrap is the lab
// address of the broker it runs beside (that broker stays up), each line is a key and a value
// (parse.key, so that the default partitioner picks the partition), and a send that gets no
// answer gives up within seconds (producerBounds) instead of the console producer's two
// minutes. Everything else is as typed, acks included.
func Bounded(cmd submission.Command, bootstrap string, img cluster.Image) submission.Command {
	args := []string{cmd.Args[0]}
	for i := 1; i < len(cmd.Args); i++ {
		a := cmd.Args[i]
		switch {
		case (a == "--bootstrap-server" || a == "--broker-list") && i+1 < len(cmd.Args):
			args = append(args, a, bootstrap)
			i++
		case strings.HasPrefix(a, "--bootstrap-server="), strings.HasPrefix(a, "--broker-list="):
			name, _, _ := strings.Cut(a, "=")
			args = append(args, name+"="+bootstrap)
		default:
			args = append(args, a)
		}
	}
	// Kafka 4.2 takes the old and the new spelling of an option (KIP-1147), but not both in one
	// command: the harness's options take the student's spelling, else the Kafka's own.
	prop := spelling(args, "--producer-property", "--command-property", propertyOption(img))
	reader := "--property"
	if img.AtLeast(4, 2) {
		reader = "--reader-property"
	}
	reader = spelling(args, "--property", "--reader-property", reader)
	args = append(args, producerBounds(prop)...)
	args = append(args, reader, "parse.key=true", reader, "key.separator="+KeySeparator)
	cmd.Args = args
	return cmd
}

// spelling is old or renamed, whichever args use, else fallback.
func spelling(args []string, old, renamed, fallback string) string {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if name == old || name == renamed {
			return name
		}
	}
	return fallback
}
