package topics

import (
	"os"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

func TestOutputListsTopics(t *testing.T) {
	for _, tc := range []struct {
		name, stdout string
		fail         string // in the failure, "" for a pass
	}{
		{"both, with a log line", "[2024-05-01 10:00:00,123] WARN something\nmy_first_topic\n__consumer_offsets\n", ""},
		{"one missing", "other\n", "my_first_topic not among"},
		{"nothing", "", "not among the 0 line(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s := scenariotest.New(t)
			s.Ran = scenariotest.Ran(t, submission.ListTopics, "bin/kafka-topics.sh --list --bootstrap-server localhost:9092", tc.stdout)
			err := outputListsTopics(ctx, "my_first_topic")
			scenariotest.WantCheck(t, err, tc.fail, "answers.yaml `list_topics`")
		})
	}
}

func TestOutputDescribesTopic(t *testing.T) {
	describe, err := os.ReadFile("../../harness/labout/testdata/describe-3.9.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		partitions int
		fail       string
	}{
		{"as described", 10, ""},
		{"another count", 3, "PartitionCount: 3 and ReplicationFactor: 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s := scenariotest.New(t)
			ctx = scenario.Put(ctx, &described{})
			s.Ran = scenariotest.Ran(t, submission.DescribeTopic, "bin/kafka-topics.sh --describe --topic my_first_topic --bootstrap-server localhost:9092", string(describe))
			scenariotest.WantCheck(t, outputDescribesTopic(ctx, "my_first_topic", tc.partitions, 1), tc.fail, "describe_topic")
		})
	}
	t.Run("another topic", func(t *testing.T) {
		ctx, s := scenariotest.New(t)
		ctx = scenario.Put(ctx, &described{})
		s.Ran = scenariotest.Ran(t, submission.DescribeTopic, "bin/kafka-topics.sh --describe --topic my_first_topic --bootstrap-server localhost:9092", string(describe))
		scenariotest.WantCheck(t, outputDescribesTopic(ctx, "orders", 10, 1), "a description of orders", "--describe --topic orders")
	})
}
