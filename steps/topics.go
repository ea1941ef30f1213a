package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/labout"
)

// Lab section 2: topics, as the harness sees them and as the student's commands print them.
func addTopicSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a topic (\S+) with (\d+) partitions?$`, aTopicWithPartitions)
	sc.Step(`^the cluster has a topic (\S+) with (\d+) partitions?$`, clusterHasTopic)
	sc.Step(`^its output lists the topics (.+), one per line$`, outputListsTopics)
	sc.Step(`^its output describes (\S+) with PartitionCount (\d+) and ReplicationFactor (\d+)$`, outputDescribesTopic)
	sc.Step(`^it shows one line for each of the (\d+) partitions, each with its leader$`, outputShowsPartitionLines)
}

func aTopicWithPartitions(ctx context.Context, name string, partitions int32) error {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	return c.CreateTopic(ctx, name, partitions, 1)
}

func clusterHasTopic(ctx context.Context, name string, partitions int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	ran, err := s.requireRan()
	if err != nil {
		return err
	}
	topics, err := c.TopicsSettled(ctx, func(t map[string]int) bool { _, ok := t[name]; return ok })
	if err != nil {
		return err
	}
	fail := check{key: string(ran.Command.Key), expected: fmt.Sprintf("a topic %s with %d partitions", name, partitions),
		observed: "topics in the cluster: " + cluster.TopicList(topics), output: s.printed()}
	got, ok := topics[name]
	switch {
	case !ok && len(topics) > 0:
		fail.hint = fmt.Sprintf("the topic must be named exactly %s: --topic %s", name, name)
		return fail
	case !ok:
		fail.hint = fmt.Sprintf("create it with kafka-topics.sh --create --topic %s --partitions %d --bootstrap-server localhost:9092", name, partitions)
		return fail
	case got != partitions:
		fail.hint = fmt.Sprintf("set the number of partitions with --partitions %d", partitions)
		return fail
	}
	return nil
}

var listSeparator = regexp.MustCompile(`,\s*|\s+and\s+`)

func outputListsTopics(ctx context.Context, names string) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	ran, err := s.requireRan()
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
	return check{key: string(ran.Command.Key),
		expected: "the name of every topic of the cluster, one per line: " + names,
		observed: fmt.Sprintf("%s not among the %d line(s) printed", strings.Join(missing, ", "), len(listed)),
		hint:     "list the topics with kafka-topics.sh --list --bootstrap-server localhost:9092",
		output:   s.printed()}
}

// describedTopic parses the last command's describe output and returns the named topic.
func (s *Scenario) describedTopic(name string) (*labout.Topic, error) {
	ran, err := s.requireRan()
	if err != nil {
		return nil, err
	}
	fail := check{key: string(ran.Command.Key), expected: "a description of " + name,
		hint:   fmt.Sprintf("describe the topic with kafka-topics.sh --describe --topic %s --bootstrap-server localhost:9092", name),
		output: s.printed()}
	topics, err := labout.Topics(ran.Stdout)
	if err != nil {
		fail.observed = err.Error()
		return nil, fail
	}
	for i := range topics {
		if topics[i].Name == name {
			s.described = name
			return &topics[i], nil
		}
	}
	var got []string
	for _, t := range topics {
		got = append(got, t.Name)
	}
	fail.observed = "descriptions of " + strings.Join(got, ", ")
	return nil, fail
}

func outputDescribesTopic(ctx context.Context, name string, partitions, rf int) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	t, err := s.describedTopic(name)
	if err != nil {
		return err
	}
	if t.PartitionCount != partitions || t.ReplicationFactor != rf {
		return check{key: string(s.ran.Command.Key),
			expected: fmt.Sprintf("PartitionCount: %d and ReplicationFactor: %d", partitions, rf),
			observed: fmt.Sprintf("PartitionCount: %d and ReplicationFactor: %d", t.PartitionCount, t.ReplicationFactor),
			hint:     "describe " + name + " itself, on the lab's cluster at localhost:9092", output: s.printed()}
	}
	return nil
}

func outputShowsPartitionLines(ctx context.Context, partitions int32) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if s.described == "" {
		return fmt.Errorf("no topic described: add `Then its output describes ...` before this step")
	}
	t, err := s.describedTopic(s.described)
	if err != nil {
		return err
	}
	var problems []string
	seen := map[int32]int{}
	for _, p := range t.Partitions {
		seen[p.Partition]++
		leader, err := c.Client().Leader(t.Name, p.Partition)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("partition %d, which Kafka does not know", p.Partition))
		case p.Leader != leader.ID():
			problems = append(problems, fmt.Sprintf("partition %d with leader %d, but Kafka says %d", p.Partition, p.Leader, leader.ID()))
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
	return check{key: string(s.ran.Command.Key),
		expected: fmt.Sprintf("one line for each of the %d partitions of %s (0 to %d), each with its leader", partitions, t.Name, partitions-1),
		observed: fmt.Sprintf("%d partition line(s): %s", len(t.Partitions), strings.Join(problems, "; ")),
		hint:     "kafka-topics.sh --describe --topic " + t.Name + " prints a line per partition after the topic's own line",
		output:   s.printed()}
}
