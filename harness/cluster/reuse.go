package cluster

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// A batch's worker grades one submission after another on the same clusters (spec.Grader).
// Reset clears what the next scenario must not meet, but the next student must not meet
// anything of the last one's at all: a cluster is reused only when it is provably as it was
// fresh. A student's program renews it (MarkUntrusted). The lab's tools a student's commands
// run on a harness-started cluster change topics and groups, which Reset deletes, with one
// exception: Kafka's own "__" topics, which Reset keeps and kafka-topics.sh can create (before
// Kafka does) or change (more partitions, other replicas). And through Kafka's admin tools they
// can change what no reset clears (configs, quotas, credentials: see state.go). So the cluster
// notes its "__" topics and that state when fresh, and Reusable compares.
//
// Why compare, and not renew after every submission or undo each change: a renewal is a
// broker's start (seconds; ha's four nodes more) for every student, while the comparison takes
// about 15 ms on a single broker (the barrier 35 ms more), and most students' commands change
// none of it. Undoing would trust that every kind was undone; comparing renews on any
// difference, and a kind that cannot be read (an API the Kafka lacks) renews too: a cluster is
// reused only when proven fresh. Another cluster's student cannot reach it at all: each cluster
// has a network of its own (see start).

// internalTopics describes each "__" topic of a metadata response: its id, and each
// partition's replicas.
func internalTopics(resp *sarama.MetadataResponse) map[string]string {
	out := map[string]string{}
	for _, t := range resp.Topics {
		if !strings.HasPrefix(t.Name, "__") {
			continue
		}
		parts := slices.Clone(t.Partitions)
		slices.SortFunc(parts, func(a, b *sarama.PartitionMetadata) int { return int(a.ID - b.ID) })
		var b strings.Builder
		fmt.Fprintf(&b, "id %x", t.Uuid)
		for _, p := range parts {
			fmt.Fprintf(&b, ", %d: %v", p.ID, p.Replicas)
		}
		out[t.Name] = b.String()
	}
	return out
}

// freshness is what a cluster was when its nodes were fresh: its "__" topics, and every
// other kind of state a client can change (clusterState), or why that could not be read.
type freshness struct {
	topics   map[string]string
	state    map[string]string
	stateErr error
}

// noteFresh notes the "__" topics of the fresh cluster, and every other kind of state a
// client can change (clusterState).
func (k *Kafka) noteFresh(ctx context.Context) error {
	resp, err := k.conn.metadata(k.c.Bootstrap(), nil)
	if err != nil {
		return fmt.Errorf("note the internal topics: %w", err)
	}
	k.fresh = freshness{topics: internalTopics(resp)}
	// A state that cannot be read (an API this Kafka lacks, a future one that answers
	// otherwise) does not stop the cluster serving this grading: it is only never reused.
	if t := k.c.Topology; t != Single && t != HA {
		k.fresh.stateErr = fmt.Errorf("only the single and ha clusters are kept for another submission")
		return nil
	}
	k.fresh.state, k.fresh.stateErr = k.clusterState(ctx)
	return nil
}

// barrierTopic is the harness's own topic that Reusable makes and deletes: a broker that lists
// it has applied every change the controller committed before it, a student's among them.
const barrierTopic = "kafka-lab-barrier"

// Reusable says why the cluster is not as it was fresh ("" when it is): a student's program
// used it since, or a "__" topic was made, changed or deleted, as any broker sees it, or any
// other state a client can change differs from the fresh cluster's (clusterState: configs,
// quotas, credentials, ACLs, client metrics, features, transactions, groups). Call it after
// Reset.
func (c *Cluster) Reusable(ctx context.Context) (string, error) {
	if c.untrusted.Load() {
		return "a student's program used it", nil
	}
	if c.Topology == Own {
		return "it is a student's", nil
	}
	views, err := c.kafka.afterBarrier(ctx)
	if err != nil {
		return "", fmt.Errorf("is the %s cluster as it was fresh: %w", c.Topology, err)
	}
	var changed []string
	for _, view := range views {
		now := internalTopics(view)
		for _, name := range slices.Sorted(maps.Keys(now)) {
			if was, ok := c.kafka.fresh.topics[name]; !ok {
				changed = append(changed, name+" was made")
			} else if was != now[name] {
				changed = append(changed, name+" was changed")
			}
		}
		for _, name := range slices.Sorted(maps.Keys(c.kafka.fresh.topics)) {
			if _, ok := now[name]; !ok {
				changed = append(changed, name+" was deleted")
			}
		}
	}
	if err := c.kafka.fresh.stateErr; err != nil {
		return fmt.Sprintf("its state could not be read when fresh, so it cannot be proven unchanged (%v)", err), nil
	}
	// After the barrier every broker has applied what the student's commands committed.
	state, err := c.kafka.clusterState(ctx)
	if err != nil {
		return "", fmt.Errorf("is the %s cluster as it was fresh: %w", c.Topology, err)
	}
	changed = append(changed, stateChanges(c.kafka.fresh.state, state)...)
	if len(changed) > 0 {
		return "since it started, " + strings.Join(slices.Compact(changed), ", "), nil
	}
	return "", nil
}

// afterBarrier returns every broker's metadata once each has applied all that was committed
// before the call: it makes the barrier topic, waits until every broker lists it, and deletes
// it again, until no broker lists it.
func (k *Kafka) afterBarrier(ctx context.Context) ([]*sarama.MetadataResponse, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return nil, err
	}
	if err := admin.CreateTopic(barrierTopic, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		return nil, fmt.Errorf("create the barrier topic: %w", err)
	}
	var views []*sarama.MetadataResponse
	listed := func(want bool) wait.Check {
		return func(context.Context) (bool, string, error) {
			vs, err := k.conn.metadataOfEach(k.c.Bootstrap(), nil)
			if err != nil {
				return false, "", err
			}
			for _, v := range vs {
				has := slices.ContainsFunc(v.Topics, func(t *sarama.TopicMetadata) bool { return t.Name == barrierTopic })
				if has != want {
					return false, "", nil
				}
			}
			views = vs
			return true, "", nil
		}
	}
	if err := wait.Until(ctx, "every broker to list the barrier topic", 30*time.Second, 20*time.Millisecond, listed(true)); err != nil {
		return nil, err
	}
	got := views
	if err := admin.DeleteTopic(barrierTopic); err != nil {
		return nil, fmt.Errorf("delete the barrier topic: %w", err)
	}
	if err := wait.Until(ctx, "no broker to list the barrier topic", 30*time.Second, 20*time.Millisecond, listed(false)); err != nil {
		return nil, err
	}
	return got, nil
}
