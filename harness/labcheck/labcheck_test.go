package labcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

func TestTopic(t *testing.T) {
	for _, tc := range []struct {
		name   string
		topics map[string]int
		hint   string // "" when met
	}{
		{"met", map[string]int{"my_first_topic": 10}, ""},
		{"no topic", map[string]int{}, "create it with kafka-topics.sh --create --topic my_first_topic --partitions 10"},
		{"misnamed", map[string]int{"my-first-topic": 10}, "named exactly my_first_topic"},
		{"without --partitions", map[string]int{"my_first_topic": 1}, "created without --partitions gets Kafka's default, 1"},
		{"other count", map[string]int{"my_first_topic": 3}, "set the number of partitions with --partitions 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Topic(tc.topics, "my_first_topic", 10)
			switch {
			case tc.hint == "" && f != nil:
				t.Errorf("Topic = %+v; want met", f)
			case tc.hint != "" && (f == nil || !strings.Contains(f.Hint, tc.hint)):
				t.Errorf("Topic = %+v; want a hint with %q", f, tc.hint)
			}
		})
	}
}

func member(id string, ps ...int32) cluster.Member {
	return cluster.Member{ID: id, Assigned: map[string][]int32{"my_first_topic": ps}}
}

func TestInGroupAndSplit(t *testing.T) {
	both := []cluster.Group{{Name: "my_group", Members: []cluster.Member{member("a", 0, 1, 2, 3, 4), member("b", 5, 6, 7, 8, 9)}}}
	if f := InGroup(both, "my_group", 2); f != nil {
		t.Errorf("InGroup(both) = %+v", f)
	}
	if f := Split(both, "my_first_topic", 5, 10); f != nil {
		t.Errorf("Split(both) = %+v", f)
	}
	outside := []cluster.Group{{Name: "my_group", Members: []cluster.Member{member("a", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)}},
		{Name: "console-consumer-4711", Members: []cluster.Member{member("b", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)}}}
	f := InGroup(outside, "my_group", 2)
	if f == nil || !strings.Contains(f.Hint, "without --group, each console consumer makes a group of its own") {
		t.Errorf("InGroup(outside) = %+v; want the hint about --group", f)
	}
	if f := Split(outside, "my_first_topic", 5, 10); f == nil {
		t.Error("Split of two groups passed")
	}
	uneven := []cluster.Group{{Name: "my_group", Members: []cluster.Member{member("a", 0, 1, 2, 3), member("b", 4, 5, 6, 7, 8, 9)}}}
	if f := Split(uneven, "my_first_topic", 5, 10); f == nil {
		t.Error("Split 4/6 passed")
	}
	if f := InGroup(nil, "my_group", 2); f == nil || f.Observed != "no consumer in any group" {
		t.Errorf("InGroup(nil) = %+v", f)
	}
}

func TestCadence(t *testing.T) {
	start := time.Now()
	every := func(p int32, n int, gap time.Duration) []cluster.Message {
		var out []cluster.Message
		for i := range n {
			out = append(out, cluster.Message{Partition: p, Timestamp: start.Add(time.Duration(i) * gap)})
		}
		return out
	}
	cd := Cadence{Start: start, Window: 5 * time.Second, Lo: 4, Hi: 6, MinGap: 700 * time.Millisecond, MaxGap: 1300 * time.Millisecond}
	for _, tc := range []struct {
		name string
		msgs []cluster.Message
		bad  string
	}{
		{"a second apart", append(every(0, 5, time.Second), every(1, 5, time.Second)...), ""},
		{"a burst", append(every(0, 5, time.Second), every(1, 5, 10*time.Millisecond)...), "partition 1 got two 10ms apart"},
		{"one partition silent", every(0, 5, time.Second), "partition 1 got 0"},
		{"too fast", append(every(0, 5, time.Second), every(1, 50, 100*time.Millisecond)...), "partition 1 got"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cd.Check("transactions", tc.msgs, []int32{0, 1})
			if (tc.bad == "") != (f == nil) || f != nil && (!strings.Contains(f.Observed, tc.bad) || !strings.Contains(f.Observed, "messages per partition: 0: ")) {
				t.Errorf("Check = %+v; want %q", f, tc.bad)
			}
		})
	}
}

func TestIntegers(t *testing.T) {
	msgs := []cluster.Message{{Value: "-10"}, {Value: "10"}, {Value: "0"}, {Value: "11"}, {Value: "3.5"}, {Value: `"4"`}, {Value: " 7"}}
	f := Integers(msgs, -10, 10)
	if f == nil || !strings.HasPrefix(f.Observed, "3 of 7 messages are not: \"11\"") {
		t.Errorf("Integers = %+v; want 11, 3.5 and the quoted 4", f)
	}
	if f := Integers(msgs[:3], -10, 10); f != nil {
		t.Errorf("Integers(-10, 10, 0) = %+v", f)
	}
}

func TestRandom(t *testing.T) {
	var constant []cluster.Message
	for p := range int32(10) {
		for range 5 {
			constant = append(constant, cluster.Message{Partition: p, Value: "7"})
		}
	}
	if f := Random(constant, -10, 10); f == nil {
		t.Error("a constant generator passed")
	}
}

func TestReplicas(t *testing.T) {
	ok := []cluster.PartitionState{{Topic: "t", Partition: 0, Replicas: []int32{1, 2}, ISR: []int32{1, 2}}}
	if f := Replicas(ok, 2); f != nil {
		t.Errorf("Replicas(in sync) = %+v", f)
	}
	behind := []cluster.PartitionState{{Topic: "t", Partition: 0, Replicas: []int32{1, 2}, ISR: []int32{1}}}
	if f := Replicas(behind, 2); f == nil {
		t.Error("a replica out of sync passed")
	}
}
