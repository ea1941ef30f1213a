package groups

import (
	"os"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

// member is a consumer of my_first_topic with its partitions.
func member(group, id string, parts ...int32) cluster.Member {
	return cluster.Member{Group: group, ID: id, Assigned: map[string][]int32{scenario.LabTopic: parts}}
}

func TestBothConsumersInGroup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		groups []cluster.Group
		fail   string
	}{
		{"one group", []cluster.Group{{Name: "my_group", Members: []cluster.Member{member("my_group", "a", 0, 1), member("my_group", "b", 2)}}}, ""},
		{"no --group", []cluster.Group{{Name: "console-consumer-1", Members: []cluster.Member{member("console-consumer-1", "a")}},
			{Name: "console-consumer-2", Members: []cluster.Member{member("console-consumer-2", "b")}}}, "makes a group of its own"},
		{"another name", []cluster.Group{{Name: "mygroup", Members: []cluster.Member{member("mygroup", "a"), member("mygroup", "b")}}}, "consumers in the groups mygroup, mygroup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s := scenariotest.New(t)
			s.Consumers = []*runner.Process{{}, {}}
			ctx = scenario.Put(ctx, &joined{groups: tc.groups})
			scenariotest.WantCheck(t, bothConsumersInGroup(ctx, "my_group"), tc.fail)
		})
	}
}

func TestEachAssignedPartitions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []cluster.Member
		fail    string
	}{
		{"5 and 5", []cluster.Member{member("g", "a", 0, 1, 2, 3, 4), member("g", "b", 5, 6, 7, 8, 9)}, ""},
		{"6 and 4", []cluster.Member{member("g", "a", 0, 1, 2, 3, 4, 5), member("g", "b", 6, 7, 8, 9)}, "a: [0 1 2 3 4 5]"},
		{"both read all", []cluster.Member{member("g", "a", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), member("g", "b", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)}, "each partition to one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, _ := scenariotest.New(t)
			ctx = scenario.Put(ctx, &joined{groups: []cluster.Group{{Name: "g", Members: tc.members}}})
			scenariotest.WantCheck(t, eachAssignedPartitions(ctx, 5, 10, scenario.LabTopic), tc.fail)
		})
	}
}

func TestDescribedGroup(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile("../../harness/labout/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const describe = "bin/kafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group my_group"
	t.Run("no active members", func(t *testing.T) {
		ctx, s := scenariotest.New(t)
		s.Ran = scenariotest.Ran(t, submission.DescribeGroup, describe, read("group-no-active.txt"))
		scenariotest.WantCheck(t, outputSaysNoActiveMembers(ctx, "my_group"), "")
		scenariotest.WantCheck(t, outputSaysNoActiveMembers(ctx, "other"), "Consumer group 'other' has no active members.")
	})
	t.Run("total lag", func(t *testing.T) {
		ctx, s := scenariotest.New(t)
		s.Ran = scenariotest.Ran(t, submission.DescribeGroup, describe, read("group-members.txt"))
		scenariotest.WantCheck(t, outputShowsTotalLag(ctx, 3, scenario.LabTopic), "")
		scenariotest.WantCheck(t, outputShowsTotalLag(ctx, 4, scenario.LabTopic), "a total LAG of 3")
	})
	t.Run("owners as assigned", func(t *testing.T) {
		ctx, s := scenariotest.New(t)
		s.Ran = scenariotest.Ran(t, submission.DescribeGroup, describe, read("group-members.txt"))
		a := "console-consumer-1c1b2a3d-9c1e-4d4b-8f0b-5a2d3c4e5f60"
		b := "console-consumer-70f5666e-4146-4e0c-97d4-67777dc7eebb"
		j := &joined{groups: []cluster.Group{{Name: "my_group", Members: []cluster.Member{member("my_group", a, 1, 3, 5, 7, 9), member("my_group", b, 0, 2, 4, 6, 8)}}}}
		ctx = scenario.Put(ctx, j)
		scenariotest.WantCheck(t, outputShowsOwners(ctx, 2, 5, 10), "")
		j.groups[0].Members[0].Assigned[scenario.LabTopic] = []int32{0, 1, 2, 3, 4}
		scenariotest.WantCheck(t, outputShowsOwners(ctx, 2, 5, 10), "Kafka assigned [0 1 2 3 4]")
	})
	t.Run("not a describe", func(t *testing.T) {
		ctx, s := scenariotest.New(t)
		s.Ran = scenariotest.Ran(t, submission.DescribeGroup, "bin/kafka-consumer-groups.sh --bootstrap-server localhost:9092 --list", read("group-list.txt"))
		scenariotest.WantCheck(t, outputShowsTotalLag(ctx, 0, scenario.LabTopic), "the offsets table", "--describe --group my_group")
	})
}
