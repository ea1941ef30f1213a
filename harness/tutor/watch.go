package tutor

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// Kafka is what the tutor asks of the harness's Kafka view (cluster.Kafka): questions only.
type Kafka interface {
	Topics(ctx context.Context) (map[string]int, error)
	Groups(ctx context.Context) ([]cluster.Group, error)
	EndOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error)
	ReadFrom(ctx context.Context, topic string, from map[int32]int64, limit int) ([]cluster.Message, map[int32]int64, error)
	PartitionStates(topics ...string) ([]cluster.PartitionState, error)
	LiveBrokers() ([]int32, error)
}

// DefaultInterval is how often Watch looks at Kafka: a change shows within two of them.
const DefaultInterval = 500 * time.Millisecond

// Tutor holds the steps of one run and what it made of each.
type Tutor struct {
	k        Kafka
	topology cluster.Topology
	kafka    string
	start    time.Time

	hist *history // only Tick touches it

	mu      sync.Mutex
	steps   []step
	states  []StepState
	changes []Change
}

// New returns a tutor of topology's steps (cluster.Single: sections 2-6; cluster.HA: section
// 7) that asks k; kafkaVersion names the cluster's Kafka in the report.
func New(topology cluster.Topology, kafkaVersion string, k Kafka) *Tutor {
	t := &Tutor{k: k, topology: topology, kafka: kafkaVersion, start: time.Now(), hist: newHistory()}
	t.steps = stepsOf(topology)
	for _, s := range t.steps {
		v := s.initial()
		t.states = append(t.states, StepState{Step: s.Step, Status: v.Status, Observed: v.Observed, Hint: v.Hint, Since: t.start})
	}
	return t
}

// States returns every step's state, in the lab's order.
func (t *Tutor) States() []StepState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]StepState(nil), t.states...)
}

// Report returns what the run saw so far.
func (t *Tutor) Report() Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Report{Topology: string(t.topology), Kafka: t.kafka, Start: t.start, End: time.Now(),
		Steps: append([]StepState(nil), t.states...), Changes: append([]Change(nil), t.changes...)}
}

// Watch looks at Kafka every interval until ctx ends, and calls show with every step's state
// after each look that changed one (and once at the start). A look that fails (a broker
// restarting) is reported through show's err and retried at the next interval: the student's
// cluster is theirs to take down.
func (t *Tutor) Watch(ctx context.Context, interval time.Duration, show func(states []StepState, changes []Change, err error)) error {
	if interval <= 0 {
		interval = DefaultInterval
	}
	show(t.States(), nil, nil)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var lastErr string
	for {
		changes, err := t.Tick(ctx, time.Now())
		if ctx.Err() != nil {
			return nil
		}
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if len(changes) > 0 || msg != lastErr {
			show(t.States(), changes, err)
		}
		lastErr = msg
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Tick looks at Kafka once and returns the steps whose state changed.
func (t *Tutor) Tick(ctx context.Context, now time.Time) ([]Change, error) {
	snap, err := t.observe(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("look at Kafka: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var changes []Change
	for i, s := range t.steps {
		cur := &t.states[i]
		if s.sticky && cur.Status == Done {
			continue // a step of the lab's past: later steps undo its state (consumers stop)
		}
		got := s.check(snap)
		next := StepState{Step: s.Step, Status: got.Status, Observed: got.Observed, Hint: got.Hint, Since: now}
		switch {
		case cur.Status == Done && got.Status == Todo, cur.Status == Undone && got.Status == Todo:
			next.Status = Undone
			next.Hint = cmp.Or(got.Hint, "it was done; Kafka no longer shows it: "+s.Title)
		}
		if next.Status == cur.Status && next.Hint == cur.Hint && next.Observed == cur.Observed {
			continue
		}
		*cur = next
		c := Change{Time: now, StepState: *cur}
		changes = append(changes, c)
		t.changes = append(t.changes, c)
	}
	return changes, nil
}
