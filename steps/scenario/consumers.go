package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/runner"
)

// LabTopic is the topic of sections 3 to 5, where the harness sends its messages.
const LabTopic = "my_first_topic"

// AwaitReading waits until the scenario's consumers read every partition of the lab's topic:
// together, when shared (one group), or each by itself.
func (s *State) AwaitReading(ctx context.Context, c *cluster.Cluster, key string, shared bool) error {
	return ReadyCheck(key, runner.AwaitReading(ctx, c.Kafka(), LabTopic, s.Consumers, shared))
}

// ReadyCheck reports consumers that did not get ready (a *runner.NotReady); other errors
// pass as they are.
func ReadyCheck(key string, err error) error {
	var nr *runner.NotReady
	if !errors.As(err, &nr) {
		return err
	}
	err = nr.Err
	expected := fmt.Sprintf("the consumers to read every partition of %s", LabTopic)
	if err == nil || errors.As(err, new(*runner.Failure)) {
		return Failed(expected, err)
	}
	return Check{Key: key, Expected: expected, Observed: err.Error(),
		Hint: fmt.Sprintf("read the whole topic: kafka-console-consumer.sh --topic %s --bootstrap-server localhost:9092", LabTopic)}
}

// RequireConsumers returns the scenario's consumers, or says which step starts them.
func (s *State) RequireConsumers() ([]*runner.Process, error) {
	if len(s.Consumers) == 0 {
		return nil, fmt.Errorf("no consumer runs in this scenario: add `When the student's console_consumer is running` before this step")
	}
	return s.Consumers, nil
}

// WithConsumers returns the scenario's state and its consumers, or says which step starts them.
func WithConsumers(ctx context.Context) (*State, []*runner.Process, error) {
	s, err := From(ctx)
	if err != nil {
		return nil, nil, err
	}
	consumers, err := s.RequireConsumers()
	return s, consumers, err
}

// OnlyOf keeps the elements of got that are in set, in got's order.
func OnlyOf(got, set []string) []string {
	var out []string
	for _, g := range got {
		if slices.Contains(set, g) {
			out = append(out, g)
		}
	}
	return out
}
