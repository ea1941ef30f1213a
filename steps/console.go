package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/runner"
	"kafka-lab/harness/submission"
)

// Lab section 3: the console producer and console consumers.
func addConsoleSteps(sc *godog.ScenarioContext) {
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

const (
	// producerLimit bounds a console producer from the end of its input to its exit; it
	// flushes within linger.ms (1 s) when all is well.
	producerLimit = 20 * time.Second
	// deliveryTimeout bounds the wait for sent messages to be shown by a ready consumer.
	deliveryTimeout = 20 * time.Second
	// labTopic is the topic of sections 3 to 5, where the harness sends its messages.
	labTopic = "my_first_topic"
)

func tableLines(t *godog.Table) []string {
	var out []string
	for _, r := range t.Rows {
		out = append(out, r.Cells[0].Value)
	}
	return out
}

func studentProducerSends(ctx context.Context, key string, lines *godog.Table) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	p, err := s.start(ctx, key)
	if err != nil {
		return err
	}
	s.after = tableLines(lines)
	for _, l := range s.after {
		if err := p.WriteLine(l); err != nil {
			return fmt.Errorf("%w\n%v", err, p.Problem(ctx))
		}
	}
	return failed("the producer to send the lines and exit once its input ends", p.Finish(ctx, producerLimit))
}

func topicHoldsTyped(ctx context.Context, topic string, n int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	msgs, err := c.ReadAll(ctx, topic)
	if err != nil {
		return err
	}
	var values []string
	var observed []string
	byPartition := map[int32][]string{}
	for _, m := range msgs {
		values = append(values, m.Value)
		observed = append(observed, fmt.Sprintf("%q (partition %d)", m.Value, m.Partition))
		byPartition[m.Partition] = append(byPartition[m.Partition], m.Value)
	}
	fail := check{key: "console_producer",
		expected: fmt.Sprintf("%d messages in %s: %s", n, topic, quoteAll(s.after)),
		observed: fmt.Sprintf("%d: %s", len(msgs), strings.Join(observed, ", ")),
	}
	if len(msgs) == 0 {
		topics, _ := c.Topics(ctx)
		fail.observed = fmt.Sprintf("no message in %s; topics in the cluster: %s", topic, cluster.TopicList(topics))
		fail.hint = fmt.Sprintf("send to the lab's topic with kafka-console-producer.sh --topic %s --bootstrap-server localhost:9092", topic)
		return fail
	}
	if !slices.Equal(slices.Sorted(slices.Values(values)), slices.Sorted(slices.Values(s.after))) {
		fail.hint = "each line typed into the console producer becomes one message, as typed; do not set properties that change the lines (parse.key, for one)"
		return fail
	}
	// Messages keep their order within a partition.
	for p, vs := range byPartition {
		if !isSubsequence(vs, s.after) {
			fail.observed = fmt.Sprintf("partition %d holds %s, not in the order typed", p, quoteAll(vs))
			fail.hint = "the console producer keeps the order of the lines it reads"
			return fail
		}
	}
	return nil
}

func messagesWereSent(ctx context.Context, topic string, t *godog.Table) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	s.before = append(s.before, tableLines(t)...)
	return s.send(ctx, topic, tableLines(t))
}

func messagesAreSent(ctx context.Context, topic string, t *godog.Table) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	s.after = append(s.after, tableLines(t)...)
	return s.send(ctx, topic, tableLines(t))
}

// send sends the values to partition 0, one after the other, as one console producer session
// does, so that their order is defined.
func (s *Scenario) send(ctx context.Context, topic string, values []string) error {
	c, err := s.requireCluster()
	if err != nil {
		return err
	}
	var msgs []cluster.Message
	for _, v := range values {
		msgs = append(msgs, cluster.Message{Partition: 0, Value: v})
	}
	return c.Send(ctx, topic, msgs...)
}

func studentConsumerRunning(ctx context.Context, key string) error {
	return startConsumers(ctx, key, 1)
}

func twoStudentConsumersRunning(ctx context.Context, key string) error {
	return startConsumers(ctx, key, 2)
}

// startConsumers starts n of the student's consumers and waits until each reads every partition.
func startConsumers(ctx context.Context, key string, n int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	cmd, err := s.command(key)
	if err != nil {
		return err
	}
	if err := s.startConsumers(ctx, cmd, n); err != nil {
		return err
	}
	return s.awaitReading(ctx, c, key, false)
}

// startConsumers starts n consumers of cmd; they are stopped after the scenario.
func (s *Scenario) startConsumers(ctx context.Context, cmd submission.Command, n int) error {
	for range n {
		p, err := s.startCommand(ctx, cmd)
		if err != nil {
			return err
		}
		s.consumers = append(s.consumers, p)
	}
	return nil
}

// awaitReading waits until the scenario's consumers read every partition of the lab's topic:
// together, when shared (one group), or each by itself.
func (s *Scenario) awaitReading(ctx context.Context, c *cluster.Cluster, key string, shared bool) error {
	parts, err := c.Client().Partitions(labTopic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %w", labTopic, err)
	}
	return readyCheck(key, runner.AwaitReady(ctx, c, labTopic, int32(len(parts)), s.consumers, shared))
}

// readyCheck reports consumers that did not get ready.
func readyCheck(key string, err error) error {
	expected := fmt.Sprintf("the consumers to read every partition of %s", labTopic)
	if err == nil || errors.As(err, new(*runner.Failure)) {
		return failed(expected, err)
	}
	return check{key: key, expected: expected, observed: err.Error(),
		hint: fmt.Sprintf("read the whole topic: kafka-console-consumer.sh --topic %s --bootstrap-server localhost:9092", labTopic)}
}

// scenarioConsumers returns the scenario and its consumers, or says which step starts them.
func scenarioConsumers(ctx context.Context) (*Scenario, []*runner.Process, error) {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return nil, nil, err
	}
	if len(s.consumers) == 0 {
		return nil, nil, fmt.Errorf("no consumer runs in this scenario: add `When the student's console_consumer is running` before this step")
	}
	return s, s.consumers, nil
}

func consumersShowNew(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	return s.consumersShow(ctx, s.after, "the messages sent after it started")
}

func eachConsumerShowsNew(ctx context.Context, n int) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	if len(s.consumers) != n {
		return fmt.Errorf("the scenario runs %d consumers, not %d", len(s.consumers), n)
	}
	return s.consumersShow(ctx, s.after, "the messages sent after they started")
}

// consumersShow waits until every consumer has shown want, in order, exactly once each.
func (s *Scenario) consumersShow(ctx context.Context, want []string, what string) error {
	_, consumers, err := scenarioConsumers(ctx)
	if err != nil {
		return err
	}
	for i, p := range consumers {
		err := p.Await(ctx, fmt.Sprintf("%s to be shown", quoteAll(want)), deliveryTimeout, func(lines []string) (bool, string) {
			shown := runner.Shown(lines)
			return isSubsequence(want, shown), "shown: " + quoteAll(shown)
		})
		if err != nil {
			return failed(fmt.Sprintf("consumer %d of %d to show %s: %s", i+1, len(consumers), what, quoteAll(want)), err)
		}
		if got := onlyOf(runner.Shown(p.Stdout.Lines()), want); !slices.Equal(got, want) {
			return check{key: string(p.Command.Key), expected: fmt.Sprintf("%s, each once, in order", quoteAll(want)),
				observed: "shown: " + quoteAll(got), hint: "each message is printed once, in the order of its partition"}
		}
	}
	return nil
}

func consumerDoesNotShowOld(ctx context.Context) error {
	s, consumers, err := scenarioConsumers(ctx)
	if err != nil {
		return err
	}
	for _, p := range consumers {
		if old := onlyOf(runner.Shown(p.Stdout.Lines()), s.before); len(old) > 0 {
			return check{key: string(p.Command.Key), expected: "only the messages sent after the consumer started",
				observed: "it also showed " + quoteAll(old) + ", sent before it started",
				hint:     "a consumer reads only new messages by default; --from-beginning (or --offset earliest) makes it read the old ones too"}
		}
	}
	return nil
}

// consumerShowsOld checks at once, without waiting: the consumer is ready, so it has shown the
// readiness message that was sent after the old messages to the same partition, and a partition
// is read in order.
func consumerShowsOld(ctx context.Context) error {
	s, consumers, err := scenarioConsumers(ctx)
	if err != nil {
		return err
	}
	for _, p := range consumers {
		if got := onlyOf(runner.Shown(p.Stdout.Lines()), s.before); !slices.Equal(got, s.before) {
			observed := "it showed " + quoteAll(got)
			if len(got) == 0 {
				observed = "it showed none of them, only what was sent after it started"
			}
			return check{key: string(p.Command.Key), expected: "the messages sent before the consumer started, in order: " + quoteAll(s.before),
				observed: observed,
				hint:     "a consumer reads only new messages unless it is started with --from-beginning"}
		}
	}
	return nil
}

// onlyOf keeps the elements of got that are in set, in got's order.
func onlyOf(got, set []string) []string {
	var out []string
	for _, g := range got {
		if slices.Contains(set, g) {
			out = append(out, g)
		}
	}
	return out
}

// isSubsequence says whether want appears in got in order (other elements may come between).
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func quoteAll(vs []string) string {
	if len(vs) == 0 {
		return "nothing"
	}
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
