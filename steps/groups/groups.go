// Package groups holds the steps of lab sections 4 and 5: consumers in the group my_group
// sharing the partitions, and kafka-consumer-groups.sh --describe with its offsets and LAG
// read against what Kafka has.
package groups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	"github.com/kafka-lab/kafka-lab/harness/labout"
	"github.com/kafka-lab/kafka-lab/harness/lag"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// joined is the domain's state: the consumer groups the scenario's consumers joined, as Kafka
// described them.
type joined struct{ groups []cluster.Group }

// AddSteps registers the steps of sections 4 and 5.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return scenario.Put(ctx, &joined{}), nil
	})
	sc.Step(`^the student's (\w+) is started twice$`, studentConsumerStartedTwice)
	sc.Step(`^both consumers are members of the consumer group (\S+)$`, bothConsumersInGroup)
	sc.Step(`^each of them is assigned (\d+) of the (\d+) partitions of (\S+)$`, eachAssignedPartitions)
	sc.Step(`^(\d+) messages are sent to (\S+), one to each partition$`, messagesOnePerPartition)
	sc.Step(`^every message is shown by exactly one of the consumers$`, everyMessageShownOnce)
	sc.Step(`^each consumer shows the messages of its own (\d+) partitions$`, eachConsumerShowsItsPartitions)

	sc.Step(`^the consumer group (\S+) has read (\d+) messages of (\S+) and its consumers have stopped$`, groupHasRead)
	sc.Step(`^(\d+) more messages were sent to (\S+)$`, moreMessagesSent)
	sc.Step(`^two consumers of (\S+) are running$`, twoHarnessConsumersRunning)
	sc.Step(`^its output says that (\S+) has no active members$`, outputSaysNoActiveMembers)
	sc.Step(`^it shows, for each of the (\d+) partitions, the offsets and LAG that Kafka has for (\S+)$`, outputShowsOffsets)
	sc.Step(`^it shows a total LAG of (\d+) for (\S+)$`, outputShowsTotalLag)
	sc.Step(`^it shows (\d+) consumers, each the owner of (\d+) of the (\d+) partitions, as Kafka assigned them$`, outputShowsOwners)
}

// state returns the scenario's shared state, its cluster and the domain's own.
func state(ctx context.Context) (*scenario.State, *cluster.Cluster, *joined, error) {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	j, err := scenario.Get[joined](ctx)
	return s, c, j, err
}

func studentConsumerStartedTwice(ctx context.Context, key string) error {
	s, c, j, err := state(ctx)
	if err != nil {
		return err
	}
	cmd, err := s.Command(key)
	if err != nil {
		return err
	}
	if err := s.StartConsumers(ctx, cmd, 2); err != nil {
		return err
	}
	j.groups, err = runner.AwaitGroupsReading(ctx, c.Kafka(), scenario.LabTopic, s.Consumers)
	return scenario.ReadyCheck(key, err)
}

func bothConsumersInGroup(ctx context.Context, group string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	j, err := scenario.Get[joined](ctx)
	if err != nil {
		return err
	}
	if f := labcheck.InGroup(j.groups, group, len(s.Consumers)); f != nil {
		return scenario.Found(f, string(submission.GroupConsumer), "")
	}
	return nil
}

func eachAssignedPartitions(ctx context.Context, each, total int, topic string) error {
	j, err := scenario.Get[joined](ctx)
	if err != nil {
		return err
	}
	if f := labcheck.Split(j.groups, topic, each, total); f != nil {
		return scenario.Found(f, string(submission.GroupConsumer), "")
	}
	return nil
}

func messagesOnePerPartition(ctx context.Context, n int, topic string) error {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	var msgs []cluster.Message
	for i := range n {
		msgs = append(msgs, cluster.Message{Partition: int32(i), Value: fmt.Sprintf("message %d", i+1)})
		s.After = append(s.After, fmt.Sprintf("message %d", i+1))
	}
	return c.Kafka().Send(ctx, topic, msgs...)
}

func everyMessageShownOnce(ctx context.Context) error {
	s, consumers, err := scenario.WithConsumers(ctx)
	if err != nil {
		return err
	}
	shown, err := runner.AwaitOwnPartitions(ctx, consumers, s.After)
	var ce *runner.ConsumerError
	if errors.As(err, &ce) {
		return scenario.Failed("each message shown by the consumer that reads its partition", ce.Err)
	}
	if err != nil {
		return err
	}
	var problems []string
	for _, m := range s.After {
		n := 0
		for _, got := range shown {
			n += len(scenario.OnlyOf(got, []string{m}))
		}
		if n != 1 {
			problems = append(problems, fmt.Sprintf("%q shown %d times", m, n))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return scenario.Check{Key: string(submission.GroupConsumer), Expected: fmt.Sprintf("each of the %d messages shown by exactly one consumer", len(s.After)),
		Observed: strings.Join(problems, ", "),
		Hint:     "consumers share the messages only when they are in the same consumer group: start both with --group my_group"}
}

func eachConsumerShowsItsPartitions(ctx context.Context, each int) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	var observed []string
	ok := true
	for i, p := range s.Consumers {
		got := scenario.OnlyOf(runner.Shown(p.Stdout.Lines()), s.After)
		observed = append(observed, fmt.Sprintf("consumer %d: %s", i+1, scenario.QuoteAll(got)))
		if len(got) != each {
			ok = false
		}
	}
	if ok {
		return nil
	}
	return scenario.Check{Key: string(submission.GroupConsumer), Expected: fmt.Sprintf("each consumer to show the %d messages of its own %d partitions", each, each),
		Observed: strings.Join(observed, "; "), Hint: "start both consumers with the same --group my_group"}
}

func groupHasRead(ctx context.Context, group string, n int, topic string) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	return lag.ReadAndStopped(ctx, c.Kafka(), group, topic, n)
}

func moreMessagesSent(ctx context.Context, n int, topic string) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	return lag.SendLater(ctx, c.Kafka(), topic, n)
}

// twoHarnessConsumersRunning starts two consumers of the group with the lab's own command, not
// the student's: section 5 checks the describe command, whatever section 4's answer.
func twoHarnessConsumersRunning(ctx context.Context, group string) error {
	s, c, j, err := state(ctx)
	if err != nil {
		return err
	}
	cmd, err := submission.ParseCommand(submission.GroupConsumer, 0,
		fmt.Sprintf("bin/kafka-console-consumer.sh --topic %s --bootstrap-server %s --group %s", scenario.LabTopic, runner.LabAddress, group))
	if err != nil {
		return err
	}
	if err := s.StartConsumers(ctx, cmd, 2); err != nil {
		return err
	}
	groups, err := runner.AwaitMembers(ctx, c.Kafka(), 2, s.Consumers)
	j.groups = groups
	return err
}

// scenarioDescribedGroup returns the scenario and its last command's output parsed as
// kafka-consumer-groups.sh --describe.
func scenarioDescribedGroup(ctx context.Context) (*scenario.State, labout.GroupDescription, error) {
	s, err := scenario.From(ctx)
	if err != nil {
		return nil, labout.GroupDescription{}, err
	}
	ran, err := s.RequireRan()
	if err != nil {
		return nil, labout.GroupDescription{}, err
	}
	d, err := labout.GroupOffsets(ran.Output())
	if err != nil {
		return nil, d, scenario.Check{Key: string(ran.Command.Key), Expected: "the offsets table of kafka-consumer-groups.sh --describe",
			Observed: err.Error(), Hint: "describe the group: kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group my_group",
			Output: s.Printed()}
	}
	return s, d, nil
}

func outputSaysNoActiveMembers(ctx context.Context, group string) error {
	s, d, err := scenarioDescribedGroup(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(d.NoActiveMembers, group) {
		return nil
	}
	fail := scenario.Check{Key: string(s.Ran.Command.Key), Expected: fmt.Sprintf("Consumer group '%s' has no active members.", group),
		Observed: "no such line", Hint: "describe the group with --describe --group " + group, Output: s.Printed()}
	if len(d.Missing) > 0 {
		fail.Observed = fmt.Sprintf("it says group '%s' does not exist", strings.Join(d.Missing, "', '"))
		fail.Hint = "the group's name is " + group + ": --group " + group
	}
	return fail
}

// groupRows returns the described rows of group and topic by partition.
func groupRows(d labout.GroupDescription, group, topic string) map[int32]labout.OffsetRow {
	out := map[int32]labout.OffsetRow{}
	for _, r := range d.Rows {
		if r.Group == group && r.Topic == topic {
			out[r.Partition] = r
		}
	}
	return out
}

func outputShowsOffsets(ctx context.Context, partitions int, group string) error {
	s, d, err := scenarioDescribedGroup(ctx)
	if err != nil {
		return err
	}
	c, err := s.RequireCluster()
	if err != nil {
		return err
	}
	kafka, err := lag.Positions(ctx, c.Kafka(), group, scenario.LabTopic)
	if err != nil {
		return err
	}
	rows := groupRows(d, group, scenario.LabTopic)
	var problems []string
	for p := range int32(partitions) {
		r, ok := rows[p]
		k := kafka[p]
		want := fmt.Sprintf("CURRENT-OFFSET %d, LOG-END-OFFSET %d, LAG %d", k.Committed, k.End, k.Lag())
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("partition %d: no row (Kafka has %s)", p, want))
		case r.CurrentOffset != k.Committed || r.LogEndOffset != k.End || r.Lag != k.Lag():
			problems = append(problems, fmt.Sprintf("partition %d: CURRENT-OFFSET %d, LOG-END-OFFSET %d, LAG %d (Kafka has %s)", p, r.CurrentOffset, r.LogEndOffset, r.Lag, want))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return scenario.Check{Key: string(s.Ran.Command.Key), Expected: fmt.Sprintf("a row for each of the %d partitions of %s in group %s, with Kafka's offsets", partitions, scenario.LabTopic, group),
		Observed: strings.Join(problems, "; "), Hint: "describe the group my_group itself, on the lab's cluster: --describe --group " + group, Output: s.Printed()}
}

func outputShowsTotalLag(ctx context.Context, lag int64, topic string) error {
	s, d, err := scenarioDescribedGroup(ctx)
	if err != nil {
		return err
	}
	if got := d.Lag(topic); got != lag {
		return scenario.Check{Key: string(s.Ran.Command.Key), Expected: fmt.Sprintf("a total LAG of %d for %s", lag, topic),
			Observed: fmt.Sprintf("a total LAG of %d", got), Hint: "LAG is LOG-END-OFFSET minus CURRENT-OFFSET, summed over the partitions", Output: s.Printed()}
	}
	return nil
}

func outputShowsOwners(ctx context.Context, consumers, each, total int) error {
	s, d, err := scenarioDescribedGroup(ctx)
	if err != nil {
		return err
	}
	j, err := scenario.Get[joined](ctx)
	if err != nil {
		return err
	}
	shown := d.PartitionsByConsumer()
	var problems []string
	for _, g := range j.groups {
		for _, m := range g.Members {
			if got := shown[m.ID]; !slices.Equal(got, m.Assigned[scenario.LabTopic]) {
				problems = append(problems, fmt.Sprintf("%s: shown with partitions %v, Kafka assigned %v", m.ID, got, m.Assigned[scenario.LabTopic]))
			}
		}
	}
	if len(shown) == consumers && len(problems) == 0 {
		for _, ps := range shown {
			if len(ps) != each {
				problems = append(problems, fmt.Sprintf("a consumer with %d partitions", len(ps)))
			}
		}
		if len(problems) == 0 {
			return nil
		}
	}
	return scenario.Check{Key: string(s.Ran.Command.Key),
		Expected: fmt.Sprintf("%d consumers in the CONSUMER-ID column, each with %d of the %d partitions", consumers, each, total),
		Observed: fmt.Sprintf("%d consumer(s): %s", len(shown), strings.Join(problems, "; ")),
		Hint:     "describe the group while its consumers run: --describe --group my_group", Output: s.Printed()}
}
