package replication

import (
	"context"
	"fmt"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// Topics is what of a cluster's Kafka section 7's topics take: their creation and their
// partitions' states; *cluster.Kafka has it.
type Topics interface {
	CreateTopicWith(ctx context.Context, name string, partitions int32, rf int16, configs map[string]string) error
	PartitionStatesSettled(ctx context.Context, want func([]cluster.PartitionState) bool, topics ...string) ([]cluster.PartitionState, error)
	PartitionStates(topics ...string) ([]cluster.PartitionState, error)
}

// Replicas is the cluster's wait until every replica is in sync; *cluster.Cluster has it.
type Replicas interface {
	AwaitInSync(ctx context.Context) error
}

// CreateTopics creates the topics with min.insync.replicas and waits until every replica is
// in sync.
func CreateTopics(ctx context.Context, k Topics, c Replicas, partitions int32, rf int16, minISR int, names ...string) error {
	for _, t := range names {
		if err := k.CreateTopicWith(ctx, t, partitions, rf, map[string]string{"min.insync.replicas": fmt.Sprint(minISR)}); err != nil {
			return err
		}
	}
	return c.AwaitInSync(ctx)
}

// Created returns the cluster's topics with their partition states, once the metadata lists
// some: on a cluster reset for the scenario, the ones the student's command made.
func Created(ctx context.Context, k Topics) (map[string][]cluster.PartitionState, error) {
	states, err := k.PartitionStatesSettled(ctx, func(st []cluster.PartitionState) bool { return len(st) > 0 })
	if err != nil {
		return nil, err
	}
	out := map[string][]cluster.PartitionState{}
	for _, p := range states {
		out[p.Topic] = append(out[p.Topic], p)
	}
	return out, nil
}

// InSync waits until every replica is in sync (a new topic's followers join the ISR after
// their first fetch) and returns the topic's partition states.
func InSync(ctx context.Context, k Topics, c Replicas, topic string) ([]cluster.PartitionState, error) {
	if err := c.AwaitInSync(ctx); err != nil {
		return nil, err
	}
	return k.PartitionStates(topic)
}
