package tutor

import (
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
}

// DefaultInterval is how often Watch looks at Kafka: a change shows within two of them.
const DefaultInterval = 500 * time.Millisecond

// Tutor holds the steps of one run and what it made of each.
type Tutor struct {
	k        Kafka
	topology cluster.Topology
	kafka    string
	start    time.Time

	mu      sync.Mutex
	steps   []step
	states  []StepState
	changes []Change
}

// New returns a tutor of topology's steps (cluster.Single: sections 2-6; cluster.HA: section
// 7) that asks k; kafkaVersion names the cluster's Kafka in the report.
func New(topology cluster.Topology, kafkaVersion string, k Kafka) *Tutor {
	t := &Tutor{k: k, topology: topology, kafka: kafkaVersion, start: time.Now()}
	t.steps = stepsOf(topology)
	for _, s := range t.steps {
		t.states = append(t.states, StepState{Step: s.Step, Status: s.initial(), Since: t.start})
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
	snap, err := observe(ctx, t.k, now)
	if err != nil {
		return nil, fmt.Errorf("look at Kafka: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var changes []Change
	for i, s := range t.steps {
		got := s.check(snap)
		cur := &t.states[i]
		next := got.Status
		if cur.Status == Done && next != Done && next != Unseen {
			next = Undone
			if got.Status == Wrong {
				next = Wrong
			}
		}
		if cur.Status == Undone && next == Todo {
			next = Undone // stays undone until done again
		}
		if next == cur.Status && got.Hint == cur.Hint && got.Observed == cur.Observed {
			continue
		}
		*cur = StepState{Step: s.Step, Status: next, Observed: got.Observed, Hint: got.Hint, Since: now}
		if next == Undone && cur.Hint == "" {
			cur.Hint = "it was done: " + s.Title
		}
		c := Change{Time: now, StepState: *cur}
		changes = append(changes, c)
		t.changes = append(t.changes, c)
	}
	return changes, nil
}
