// Package lag puts a consumer group where lab section 5 describes it, and reads back what
// Kafka has for it: a group that has read a topic's messages and stopped, messages sent after
// it stopped, and, by partition, the group's committed offset and the log's end, whose
// difference kafka-consumer-groups.sh --describe shows as LAG.
package lag

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// Kafka is what of Kafka a group's offsets take: a topic's partitions and their ends, messages
// sent to them, and a group's committed offsets.
type Kafka interface {
	Partitions(topic string) ([]int32, error)
	Send(ctx context.Context, topic string, msgs ...cluster.Message) error
	EndOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	CommitOffset(ctx context.Context, group, topic string, partition int32, offset int64) error
	CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error)
}

// ReadAndStopped sends n numbered messages ("message i") to topic and commits for group what
// its consumers commit when they have read everything and stop: each partition's end. The
// messages are spread unevenly on purpose, as in the lab's Output: some partitions get
// several, some none.
func ReadAndStopped(ctx context.Context, k Kafka, group, topic string, n int) error {
	if err := sendSpread(ctx, k, topic, n, "message", func(i int) int { return i * i }); err != nil {
		return err
	}
	ends, err := k.EndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(ends)) {
		if err := k.CommitOffset(ctx, group, topic, p, ends[p]); err != nil {
			return err
		}
	}
	return nil
}

// SendLater sends n more numbered messages ("later message i") to topic, spread unevenly
// another way: the group's LAG grows by n.
func SendLater(ctx context.Context, k Kafka, topic string, n int) error {
	return sendSpread(ctx, k, topic, n, "later message", func(i int) int { return 3*i + 1 })
}

// sendSpread sends n numbered messages, the i-th to partition spread(i) modulo the partitions.
func sendSpread(ctx context.Context, k Kafka, topic string, n int, prefix string, spread func(i int) int) error {
	parts, err := k.Partitions(topic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %w", topic, err)
	}
	var msgs []cluster.Message
	for i := range n {
		msgs = append(msgs, cluster.Message{Partition: int32(spread(i) % len(parts)), Value: fmt.Sprintf("%s %d", prefix, i+1)})
	}
	return k.Send(ctx, topic, msgs...)
}

// Position is a group's place in a partition: its committed offset (0 without a commit) and
// the end of the partition's log.
type Position struct{ Committed, End int64 }

// Lag is how many messages of the partition the group has not read.
func (p Position) Lag() int64 { return p.End - p.Committed }

// Positions reads group's positions in topic as Kafka has them, by partition; a partition
// absent from the map has neither a commit nor a message.
func Positions(ctx context.Context, k Kafka, group, topic string) (map[int32]Position, error) {
	committed, err := k.CommittedOffsets(ctx, group, topic)
	if err != nil {
		return nil, err
	}
	ends, err := k.EndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := map[int32]Position{}
	for p, o := range committed {
		out[p] = Position{Committed: o, End: ends[p]}
	}
	for p, o := range ends {
		out[p] = Position{Committed: committed[p], End: o}
	}
	return out, nil
}
