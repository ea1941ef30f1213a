package replication

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// fakeTopics is a cluster's topics in memory: each created topic's partitions have rf
// replicas, in sync once AwaitInSync has run.
type fakeTopics struct {
	created []string
	configs []map[string]string
	states  []cluster.PartitionState
	inSync  bool
	awaits  int
	failOn  string // a topic whose creation fails
}

func (k *fakeTopics) CreateTopicWith(_ context.Context, name string, partitions int32, rf int16, configs map[string]string) error {
	if name == k.failOn {
		return errors.New("topic exists")
	}
	k.created = append(k.created, name)
	k.configs = append(k.configs, configs)
	for p := range partitions {
		var replicas []int32
		for r := range int32(rf) {
			replicas = append(replicas, r+1)
		}
		k.states = append(k.states, cluster.PartitionState{Topic: name, Partition: p, Leader: 1, Replicas: replicas, ISR: replicas[:1]})
	}
	return nil
}

func (k *fakeTopics) PartitionStatesSettled(_ context.Context, want func([]cluster.PartitionState) bool, _ ...string) ([]cluster.PartitionState, error) {
	if !want(k.states) {
		return nil, errors.New("timed out waiting for the metadata")
	}
	return k.states, nil
}

func (k *fakeTopics) PartitionStates(topics ...string) ([]cluster.PartitionState, error) {
	return slices.DeleteFunc(slices.Clone(k.states), func(p cluster.PartitionState) bool { return !slices.Contains(topics, p.Topic) }), nil
}

func (k *fakeTopics) AwaitInSync(context.Context) error {
	k.awaits++
	for i := range k.states {
		k.states[i].ISR = k.states[i].Replicas
	}
	return nil
}

func TestCreateTopics(t *testing.T) {
	ctx := context.Background()
	k := &fakeTopics{}
	if err := CreateTopics(ctx, k, k, 2, 2, 2, "durable", "fast"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(k.created, []string{"durable", "fast"}) || k.configs[1]["min.insync.replicas"] != "2" || k.awaits != 1 {
		t.Errorf("created %v with %v, %d wait(s); want both with min.insync.replicas 2, then one wait", k.created, k.configs, k.awaits)
	}
	created, err := Created(ctx, k)
	if err != nil || len(created) != 2 || len(created["fast"]) != 2 {
		t.Fatalf("Created = %v, %v; want two topics of two partitions", created, err)
	}
	k = &fakeTopics{failOn: "fast"}
	if err := CreateTopics(ctx, k, k, 1, 2, 1, "durable", "fast"); err == nil || k.awaits != 0 {
		t.Errorf("CreateTopics = %v after %d wait(s); want the creation's error, no wait", err, k.awaits)
	}
}

func TestInSync(t *testing.T) {
	ctx := context.Background()
	k := &fakeTopics{}
	if err := k.CreateTopicWith(ctx, "mine", 3, 2, nil); err != nil {
		t.Fatal(err)
	}
	if err := k.CreateTopicWith(ctx, "other", 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	states, err := InSync(ctx, k, k, "mine")
	if err != nil || len(states) != 3 || len(states[2].ISR) != 2 {
		t.Fatalf("InSync = %v, %v; want mine's 3 partitions, each with both replicas in sync", states, err)
	}
	if _, err := Created(ctx, &fakeTopics{}); err == nil {
		t.Error("Created found topics in an empty cluster")
	}
}
