// Package topics holds the steps of lab section 2: topics, as Kafka has them and as the
// student's kafka-topics.sh commands print them.
package topics

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	"github.com/kafka-lab/kafka-lab/harness/labout"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// described is the domain's state: the topic whose description the last command printed.
type described struct{ topic string }

// AddSteps registers section 2's steps.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return scenario.Put(ctx, &described{}), nil
	})
	sc.Step(`^a topic (\S+) with (\d+) partitions?$`, aTopicWithPartitions)
	sc.Step(`^the cluster has a topic (\S+) with (\d+) partitions?$`, clusterHasTopic)
	sc.Step(`^its output lists the topics (.+), one per line$`, outputListsTopics)
	sc.Step(`^its output describes (\S+) with PartitionCount (\d+) and ReplicationFactor (\d+)$`, outputDescribesTopic)
	sc.Step(`^it shows one line for each of the (\d+) partitions, each with its leader$`, outputShowsPartitionLines)
}

func aTopicWithPartitions(ctx context.Context, name string, partitions int32) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	return c.Kafka().CreateTopic(ctx, name, partitions, 1)
}

func clusterHasTopic(ctx context.Context, name string, partitions int) error {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	ran, err := s.RequireRan()
	if err != nil {
		return err
	}
	topics, err := c.Kafka().TopicsSettled(ctx, func(t map[string]int) bool { _, ok := t[name]; return ok })
	if err != nil {
		return err
	}
	if f := labcheck.Topic(topics, name, partitions); f != nil {
		return scenario.Found(f, string(ran.Command.Key), s.Printed())
	}
	return nil
}

var listSeparator = regexp.MustCompile(`,\s*|\s+and\s+`)

func outputListsTopics(ctx context.Context, names string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	ran, err := s.RequireRan()
	if err != nil {
		return err
	}
	listed := labout.TopicNames(ran.Stdout)
	var missing []string
	for _, want := range listSeparator.Split(names, -1) {
		if !slices.Contains(listed, want) {
			missing = append(missing, want)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return scenario.Check{Key: string(ran.Command.Key),
		Expected: "the name of every topic of the cluster, one per line: " + names,
		Observed: fmt.Sprintf("%s not among the %d line(s) printed", strings.Join(missing, ", "), len(listed)),
		Hint:     "list the topics with kafka-topics.sh --list --bootstrap-server localhost:9092",
		Output:   s.Printed()}
}

// describedTopic parses the last command's describe output and returns the named topic.
func describedTopic(s *scenario.State, st *described, name string) (*labout.Topic, error) {
	ran, err := s.RequireRan()
	if err != nil {
		return nil, err
	}
	fail := scenario.Check{Key: string(ran.Command.Key), Expected: "a description of " + name,
		Hint:   fmt.Sprintf("describe the topic with kafka-topics.sh --describe --topic %s --bootstrap-server localhost:9092", name),
		Output: s.Printed()}
	topics, err := labout.Topics(ran.Stdout)
	if err != nil {
		fail.Observed = err.Error()
		return nil, fail
	}
	for i := range topics {
		if topics[i].Name == name {
			st.topic = name
			return &topics[i], nil
		}
	}
	var got []string
	for _, t := range topics {
		got = append(got, t.Name)
	}
	fail.Observed = "descriptions of " + strings.Join(got, ", ")
	return nil, fail
}

func outputDescribesTopic(ctx context.Context, name string, partitions, rf int) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	st, err := scenario.Get[described](ctx)
	if err != nil {
		return err
	}
	t, err := describedTopic(s, st, name)
	if err != nil {
		return err
	}
	if t.PartitionCount != partitions || t.ReplicationFactor != rf {
		return scenario.Check{Key: string(s.Ran.Command.Key),
			Expected: fmt.Sprintf("PartitionCount: %d and ReplicationFactor: %d", partitions, rf),
			Observed: fmt.Sprintf("PartitionCount: %d and ReplicationFactor: %d", t.PartitionCount, t.ReplicationFactor),
			Hint:     "describe " + name + " itself, on the lab's cluster at localhost:9092", Output: s.Printed()}
	}
	return nil
}

func outputShowsPartitionLines(ctx context.Context, partitions int32) error {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	st, err := scenario.Get[described](ctx)
	if err != nil {
		return err
	}
	if st.topic == "" {
		return fmt.Errorf("no topic described: add `Then its output describes ...` before this step")
	}
	t, err := describedTopic(s, st, st.topic)
	if err != nil {
		return err
	}
	var problems []string
	seen := map[int32]int{}
	for _, p := range t.Partitions {
		seen[p.Partition]++
		leader, err := c.Kafka().Leader(t.Name, p.Partition)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("partition %d, which Kafka does not know", p.Partition))
		case p.Leader != leader:
			problems = append(problems, fmt.Sprintf("partition %d with leader %d, but Kafka says %d", p.Partition, p.Leader, leader))
		}
	}
	for p := range partitions {
		if seen[p] != 1 {
			problems = append(problems, fmt.Sprintf("%d line(s) for partition %d", seen[p], p))
		}
	}
	if len(problems) == 0 && len(t.Partitions) == int(partitions) {
		return nil
	}
	return scenario.Check{Key: string(s.Ran.Command.Key),
		Expected: fmt.Sprintf("one line for each of the %d partitions of %s (0 to %d), each with its leader", partitions, t.Name, partitions-1),
		Observed: fmt.Sprintf("%d partition line(s): %s", len(t.Partitions), strings.Join(problems, "; ")),
		Hint:     "kafka-topics.sh --describe --topic " + t.Name + " prints a line per partition after the topic's own line",
		Output:   s.Printed()}
}
