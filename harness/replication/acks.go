// Package replication runs lab section 7's experiments on the ha cluster: one message sent with
// a given acks while brokers are down, and a durability run in the manner of Kafka's replication
// system test, where brokers are killed at random while producers send numbered messages. Both
// use Kafka's own Java clients in client containers, so what they report is what a student
// trying it by hand would see.
package replication

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Outcome is what a producer observed when it sent a message.
type Outcome string

const (
	// Sent: no error, and none could come: with acks=0 the producer asks for no acknowledgement.
	Sent Outcome = "sent"
	// Acknowledged: the leader (acks=1) or every in-sync replica (acks=all) confirmed the write.
	Acknowledged Outcome = "acknowledged"
	// NotEnoughReplicas: the leader refused an acks=all write because fewer replicas than the
	// topic's min.insync.replicas are in sync.
	NotEnoughReplicas Outcome = "NOT_ENOUGH_REPLICAS"
	// Timeout: the message expired in the producer, for want of a leader to send it to.
	Timeout Outcome = "timeout"
)

// Attempt is one message sent with the lab's console producer.
type Attempt struct {
	Acks    string
	Value   string
	Outcome Outcome
	// Output is what the producer printed (its errors), for the report.
	Output string
}

// Delivery limits of the console producer in SendOne: an undeliverable message gives up after
// deliveryTimeout instead of the default two minutes, so a table row takes seconds.
const (
	deliveryTimeout = 2 * time.Second
	requestTimeout  = 1500 * time.Millisecond // the console producer's own default
	blockTimeout    = 2 * time.Second
)

// propertyOption is the console producer's option for a producer property: Kafka 4.2 renamed
// --producer-property to --command-property (KIP-1147); the old name still works there, with a
// notice, until a later Kafka drops it.
func propertyOption(img cluster.Image) string {
	if img.AtLeast(4, 2) {
		return "--command-property"
	}
	return "--producer-property"
}

// producerBounds are the console producer's options that make a message with no answer give up
// after deliveryTimeout, not the default two minutes, given with prop (see propertyOption).
func producerBounds(prop string) []string {
	return []string{
		// No linger, so that the delivery timeout may be short (it must cover linger plus the request timeout).
		prop, "linger.ms=0",
		prop, fmt.Sprintf("request.timeout.ms=%d", requestTimeout.Milliseconds()),
		prop, fmt.Sprintf("delivery.timeout.ms=%d", deliveryTimeout.Milliseconds()),
		prop, fmt.Sprintf("max.block.ms=%d", blockTimeout.Milliseconds()),
	}
}

// SendOne sends value to topic with the lab's console producer and acks, typed as the lab does
// (`kafka-console-producer.sh --bootstrap-server localhost:9092 --topic T`, plus
// `--producer-property acks=X`, `--command-property` from Kafka 4.2 on, and a short delivery
// timeout) in the namespace of broker from,
// through from's own lab address, then reads what the producer said.
func SendOne(ctx context.Context, c *cluster.Cluster, from *cluster.Node, topic, acks, value string) (Attempt, error) {
	prop := propertyOption(c.Image)
	cmd := append([]string{"bin/kafka-console-producer.sh", "--bootstrap-server", from.LabAddr(), "--topic", topic, prop, "acks=" + acks}, producerBounds(prop)...)
	spec := c.ClientSpecIn(from, cmd...)
	spec.Stdin = true
	p, err := c.StartClient(ctx, spec)
	if err != nil {
		return Attempt{}, err
	}
	defer p.Remove(context.WithoutCancel(ctx))
	// End of input closes the producer, which first delivers or expires what it holds.
	if err := p.WriteLine(value); err != nil {
		return Attempt{}, err
	}
	if err := p.CloseStdin(); err != nil {
		return Attempt{}, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := p.Wait(wctx)
	if err != nil {
		return Attempt{}, fmt.Errorf("the console producer with acks=%s did not exit after its input ended: %w\n%s", acks, err, p.Tails("the producer", 10))
	}
	out := strings.TrimSpace(p.Stdout.String() + "\n" + p.Stderr.String())
	a := Attempt{Acks: acks, Value: value, Output: out}
	a.Outcome, err = classify(acks, out)
	if err != nil {
		return a, fmt.Errorf("console producer with acks=%s (exit code %d): %w\n%s", acks, st.ExitCode, err, p.Tails("the producer", 10))
	}
	return a, nil
}

// The producer's ErrorLoggingCallback names the exception of a failed send, e.g.
// "... with error: (org.apache...ErrorLoggingCallback)\norg.apache.kafka.common.errors.TimeoutException: Expiring 1 record(s) ...".
var producerException = regexp.MustCompile(`org\.apache\.kafka\.common\.errors\.(\w+Exception)`)

// classify reads a console producer's output by the exceptions it names.
func classify(acks, out string) (Outcome, error) {
	var names []string
	for _, m := range producerException.FindAllStringSubmatch(out, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	switch {
	case slices.Contains(names, "NotEnoughReplicasException"):
		return NotEnoughReplicas, nil
	case slices.Contains(names, "TimeoutException"):
		return Timeout, nil
	case len(names) > 0:
		return Outcome(strings.Join(names, ", ")), fmt.Errorf("unexpected error %s", strings.Join(names, ", "))
	case strings.Contains(out, "ERROR"):
		return "", fmt.Errorf("an error without a Kafka exception")
	case acks == "0":
		return Sent, nil
	}
	return Acknowledged, nil
}

// Kafka is what of a cluster's Kafka ReadableNow asks; *cluster.Kafka has it.
type Kafka interface {
	PartitionStates(topics ...string) ([]cluster.PartitionState, error)
	Send(ctx context.Context, topic string, msgs ...cluster.Message) error
	ReadAll(ctx context.Context, topic string) ([]cluster.Message, error)
}

// ReadableNow says whether a consumer can read the message with value from topic's first
// partition now, and why. A partition without a leader cannot be read. Otherwise the harness
// writes a later message with acks=all: once the in-sync replicas have acknowledged it, the high
// watermark is past every earlier message, so one read answers for sure. If the leader refuses
// that write (fewer in-sync replicas than min.insync.replicas), nothing moves the high
// watermark, and the harness watches for the message for up to within.
func ReadableNow(ctx context.Context, k Kafka, topic, value string, within time.Duration) (bool, string, error) {
	p, err := k.PartitionStates(topic)
	if err != nil {
		return false, "", err
	}
	if len(p) == 0 {
		return false, "", fmt.Errorf("topic %s has no partition", topic)
	}
	if p[0].Leader < 0 {
		return false, fmt.Sprintf("partition %d has no leader", p[0].Partition), nil
	}
	err = k.Send(ctx, topic, cluster.Message{Partition: p[0].Partition, Value: fmt.Sprintf("kafka-lab: a later message than %q", value)})
	if err == nil {
		found, err := contains(ctx, k, topic, value)
		if err != nil || found {
			return found, "read", err
		}
		return false, "not in the log before a later message that every in-sync replica has", nil
	}
	if !errors.Is(err, cluster.ErrNotEnoughReplicas) {
		return false, "", err
	}
	var found bool
	var readErr error
	err = wait.Until(ctx, fmt.Sprintf("message %q to be readable from %s", value, topic), within, 100*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			found, readErr = contains(ctx, k, topic, value)
			return found, "", readErr
		})
	switch {
	case found:
		return true, "read", nil
	case ctx.Err() != nil:
		return false, "", err
	case readErr != nil && !errors.Is(readErr, context.DeadlineExceeded) && !notReadableYet(readErr):
		// (A read cut short by the end of the wait is no error: the answer is no.)
		return false, "", err
	}
	return false, fmt.Sprintf("not readable for %v, with fewer replicas in sync than min.insync.replicas", within), nil
}

// notReadableYet: the leader gives no offsets to read up to. A leader elected while fewer
// replicas than min.insync.replicas are in sync keeps the high watermark it had as a follower,
// behind its log; until the high watermark reaches the leader's own epoch it answers a request
// for the latest offset with OFFSET_NOT_AVAILABLE (LEADER_NOT_AVAILABLE to older requests), and
// a consumer reads nothing new.
func notReadableYet(err error) bool {
	return errors.Is(err, cluster.ErrOffsetNotAvailable) || errors.Is(err, cluster.ErrLeaderNotAvailable)
}

func contains(ctx context.Context, k Kafka, topic, value string) (bool, error) {
	msgs, err := k.ReadAll(ctx, topic)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(msgs, func(m cluster.Message) bool { return m.Value == value }), nil
}

// TakeDown stops n of the brokers that hold the replicas of topic's first partition, its
// leader first, each cleanly (see cluster.StopBroker), and returns their ids in that order.
func TakeDown(ctx context.Context, c *cluster.Cluster, topic string, n int) ([]int, error) {
	p, err := firstPartition(c.Kafka(), topic)
	if err != nil {
		return nil, err
	}
	if p.Leader < 0 {
		return nil, fmt.Errorf("%s has no leader", p)
	}
	order := []int{int(p.Leader)}
	for _, r := range p.Replicas {
		if r != p.Leader {
			order = append(order, int(r))
		}
	}
	if n > len(order) {
		return nil, fmt.Errorf("%s has %d replica(s): cannot take %d down", p, len(order), n)
	}
	for _, id := range order[:n] {
		if err := c.StopBroker(ctx, id); err != nil {
			return nil, err
		}
	}
	return order[:n], nil
}

// Bystander returns a broker that holds no replica of topic's first partition: it stays up
// whatever TakeDown does, so a client next to it always has a broker at its LabAddr.
func Bystander(c *cluster.Cluster, topic string) (*cluster.Node, error) {
	p, err := firstPartition(c.Kafka(), topic)
	if err != nil {
		return nil, err
	}
	for _, b := range c.Brokers() {
		if !slices.Contains(p.Replicas, int32(b.ID)) {
			return b, nil
		}
	}
	return nil, fmt.Errorf("every broker holds a replica of %s", p)
}

func firstPartition(k Kafka, topic string) (cluster.PartitionState, error) {
	states, err := k.PartitionStates(topic)
	if err != nil {
		return cluster.PartitionState{}, err
	}
	if len(states) == 0 {
		return cluster.PartitionState{}, fmt.Errorf("topic %s has no partition", topic)
	}
	return states[0], nil
}
