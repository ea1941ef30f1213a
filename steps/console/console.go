// Package console holds the steps of lab section 3: the student's console producer and
// console consumers, new messages only or from the beginning, one consumer or two.
package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// AddSteps registers section 3's steps. Its state is the scenario's consumers and the
// messages sent around them (scenario.State), which section 4 checks too.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the student's (\w+) sends the lines:$`, studentProducerSends)
	sc.Step(`^(\S+) holds exactly those (\d+) messages, one per line, in the order they were typed$`, topicHoldsTyped)
	sc.Step(`^these messages were sent to (\S+):$`, messagesWereSent)
	sc.Step(`^these messages are sent to (\S+):$`, messagesAreSent)
	sc.Step(`^the student's (\w+) is running$`, studentConsumerRunning)
	sc.Step(`^two of the student's (\w+) are running$`, twoStudentConsumersRunning)
	sc.Step(`^the consumer shows the new messages, in order$`, consumersShowNew)
	sc.Step(`^each of the (\d+) consumers shows the new messages, in order$`, eachConsumerShowsNew)
	sc.Step(`^it does not show the messages sent before it started$`, consumerDoesNotShowOld)
	sc.Step(`^the consumer shows the messages sent before it started, in order$`, consumerShowsOld)
}

func tableLines(t *godog.Table) []string {
	var out []string
	for _, r := range t.Rows {
		out = append(out, r.Cells[0].Value)
	}
	return out
}

func studentProducerSends(ctx context.Context, key string, lines *godog.Table) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	p, err := s.Start(ctx, key)
	if err != nil {
		return err
	}
	s.After = tableLines(lines)
	return scenario.Failed("the producer to send the lines and exit once its input ends", p.Type(ctx, s.After, runner.ProducerLimit))
}

func topicHoldsTyped(ctx context.Context, topic string, n int) error {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	msgs, err := c.Kafka().ReadAll(ctx, topic)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		topics, _ := c.Kafka().Topics(ctx)
		return scenario.Check{Key: string(submission.ConsoleProducer),
			Expected: fmt.Sprintf("%d messages in %s: %s", n, topic, scenario.QuoteAll(s.After)),
			Observed: fmt.Sprintf("no message in %s; topics in the cluster: %s", topic, cluster.TopicList(topics)),
			Hint:     fmt.Sprintf("send to the lab's topic with kafka-console-producer.sh --topic %s --bootstrap-server localhost:9092", topic)}
	}
	return holdsTyped(topic, n, s.After, msgs)
}

// holdsTyped checks that msgs are the typed lines, each once, in the order typed within each
// partition (a console producer may spread them over partitions).
func holdsTyped(topic string, n int, typed []string, msgs []cluster.Message) error {
	var values []string
	var observed []string
	byPartition := map[int32][]string{}
	for _, m := range msgs {
		values = append(values, m.Value)
		observed = append(observed, fmt.Sprintf("%q (partition %d)", m.Value, m.Partition))
		byPartition[m.Partition] = append(byPartition[m.Partition], m.Value)
	}
	fail := scenario.Check{Key: string(submission.ConsoleProducer),
		Expected: fmt.Sprintf("%d messages in %s: %s", n, topic, scenario.QuoteAll(typed)),
		Observed: fmt.Sprintf("%d: %s", len(msgs), strings.Join(observed, ", ")),
	}
	if !slices.Equal(slices.Sorted(slices.Values(values)), slices.Sorted(slices.Values(typed))) {
		fail.Hint = "each line typed into the console producer becomes one message, as typed; do not set properties that change the lines (parse.key, for one)"
		return fail
	}
	for p, vs := range byPartition {
		if !runner.IsSubsequence(vs, typed) {
			fail.Observed = fmt.Sprintf("partition %d holds %s, not in the order typed", p, scenario.QuoteAll(vs))
			fail.Hint = "the console producer keeps the order of the lines it reads"
			return fail
		}
	}
	return nil
}

func messagesWereSent(ctx context.Context, topic string, t *godog.Table) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	s.Before = append(s.Before, tableLines(t)...)
	return send(ctx, s, topic, tableLines(t))
}

func messagesAreSent(ctx context.Context, topic string, t *godog.Table) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	s.After = append(s.After, tableLines(t)...)
	return send(ctx, s, topic, tableLines(t))
}

// send sends the values to partition 0, one after the other, as one console producer session
// does, so that their order is defined.
func send(ctx context.Context, s *scenario.State, topic string, values []string) error {
	c, err := s.RequireCluster()
	if err != nil {
		return err
	}
	var msgs []cluster.Message
	for _, v := range values {
		msgs = append(msgs, cluster.Message{Partition: 0, Value: v})
	}
	return c.Kafka().Send(ctx, topic, msgs...)
}

func studentConsumerRunning(ctx context.Context, key string) error {
	return startConsumers(ctx, key, 1)
}

func twoStudentConsumersRunning(ctx context.Context, key string) error {
	return startConsumers(ctx, key, 2)
}

// startConsumers starts n of the student's consumers and waits until each reads every partition.
func startConsumers(ctx context.Context, key string, n int) error {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	cmd, err := s.Command(key)
	if err != nil {
		return err
	}
	if err := s.StartConsumers(ctx, cmd, n); err != nil {
		return err
	}
	return s.AwaitReading(ctx, c, key, false)
}

func consumersShowNew(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	return consumersShow(ctx, s, s.After, "the messages sent after it started")
}

func eachConsumerShowsNew(ctx context.Context, n int) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	if len(s.Consumers) != n {
		return fmt.Errorf("the scenario runs %d consumers, not %d", len(s.Consumers), n)
	}
	return consumersShow(ctx, s, s.After, "the messages sent after they started")
}

// consumersShow waits until every consumer has shown want, in order, exactly once each.
func consumersShow(ctx context.Context, s *scenario.State, want []string, what string) error {
	consumers, err := s.RequireConsumers()
	if err != nil {
		return err
	}
	shown, err := runner.AwaitShown(ctx, consumers, want)
	// The consumers that showed want are checked before the one that did not, as each was
	// awaited in turn.
	for i, got := range shown {
		if got := scenario.OnlyOf(got, want); !slices.Equal(got, want) {
			return scenario.Check{Key: string(consumers[i].Command.Key), Expected: fmt.Sprintf("%s, each once, in order", scenario.QuoteAll(want)),
				Observed: "shown: " + scenario.QuoteAll(got), Hint: "each message is printed once, in the order of its partition"}
		}
	}
	var ce *runner.ConsumerError
	if errors.As(err, &ce) {
		return scenario.Failed(fmt.Sprintf("consumer %d of %d to show %s: %s", ce.Index+1, len(consumers), what, scenario.QuoteAll(want)), ce.Err)
	}
	return err
}

func consumerDoesNotShowOld(ctx context.Context) error {
	s, consumers, err := scenario.WithConsumers(ctx)
	if err != nil {
		return err
	}
	for _, p := range consumers {
		if old := scenario.OnlyOf(runner.Shown(p.Stdout.Lines()), s.Before); len(old) > 0 {
			return scenario.Check{Key: string(p.Command.Key), Expected: "only the messages sent after the consumer started",
				Observed: "it also showed " + scenario.QuoteAll(old) + ", sent before it started",
				Hint:     "a consumer reads only new messages by default; --from-beginning (or --offset earliest) makes it read the old ones too"}
		}
	}
	return nil
}

// consumerShowsOld checks at once, without waiting: the consumer is ready, so it has shown the
// readiness message that was sent after the old messages to the same partition, and a partition
// is read in order.
func consumerShowsOld(ctx context.Context) error {
	s, consumers, err := scenario.WithConsumers(ctx)
	if err != nil {
		return err
	}
	for _, p := range consumers {
		if got := scenario.OnlyOf(runner.Shown(p.Stdout.Lines()), s.Before); !slices.Equal(got, s.Before) {
			observed := "it showed " + scenario.QuoteAll(got)
			if len(got) == 0 {
				observed = "it showed none of them, only what was sent after it started"
			}
			return scenario.Check{Key: string(p.Command.Key), Expected: "the messages sent before the consumer started, in order: " + scenario.QuoteAll(s.Before),
				Observed: observed,
				Hint:     "a consumer reads only new messages unless it is started with --from-beginning"}
		}
	}
	return nil
}
