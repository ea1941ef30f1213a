package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// fakeConsumer is a console consumer that has printed lines; its wait succeeds only if its
// condition holds for them already.
type fakeConsumer struct {
	fakeServer
	awaited []string // what each Await waited for
}

func consumerOf(values ...string) *fakeConsumer {
	return &fakeConsumer{fakeServer: fakeServer{lines: values}}
}

func (c *fakeConsumer) Await(_ context.Context, what string, _ time.Duration, cond func([]string) (bool, string)) error {
	c.awaited = append(c.awaited, what)
	if ok, seen := cond(c.lines); !ok {
		return &Failure{What: "timed out waiting for " + what + "; last seen: " + seen}
	}
	return nil
}

func probe(p int32) string { return fmt.Sprintf("%s: partition %d, round 1)", ProbePrefix, p) }

func TestAwaitShown(t *testing.T) {
	ctx := context.Background()
	want := []string{"a", "b"}
	t.Run("each consumer in turn", func(t *testing.T) {
		c1, c2 := consumerOf(probe(0), "a", "x", "b"), consumerOf("a", "b", "b")
		shown, err := AwaitShown(ctx, []*fakeConsumer{c1, c2}, want)
		if err != nil || len(shown) != 2 || !slices.Equal(shown[0], []string{"a", "x", "b"}) || !slices.Equal(shown[1], []string{"a", "b", "b"}) {
			t.Fatalf("AwaitShown = %q, %v; want what each showed, readiness messages left out", shown, err)
		}
		if c1.awaited[0] != `"a", "b" to be shown` {
			t.Errorf("awaited %q", c1.awaited)
		}
	})
	t.Run("the one that does not show them is named, after those that did", func(t *testing.T) {
		shown, err := AwaitShown(ctx, []*fakeConsumer{consumerOf("a", "b"), consumerOf("b", "a")}, want)
		var ce *ConsumerError
		var f *Failure
		if !errors.As(err, &ce) || ce.Index != 1 || !errors.As(err, &f) || !strings.Contains(f.What, `shown: "b", "a"`) || len(shown) != 1 {
			t.Fatalf("AwaitShown = %q, %v; want the first's, and the second's failure saying what it showed", shown, err)
		}
	})
}

func TestAwaitOwnPartitions(t *testing.T) {
	ctx := context.Background()
	sent := []string{"message 1", "message 2", "message 3"}
	t.Run("each shows its partitions' messages", func(t *testing.T) {
		c1 := consumerOf(probe(0), probe(2), "message 1", "message 3")
		c2 := consumerOf(probe(1), "message 2", "message 3")
		shown, err := AwaitOwnPartitions(ctx, []*fakeConsumer{c1, c2}, sent)
		if err != nil || !slices.Equal(shown[1], []string{"message 2", "message 3"}) {
			t.Fatalf("AwaitOwnPartitions = %q, %v; want what each showed, a message read twice too", shown, err)
		}
	})
	t.Run("a partition's message missing", func(t *testing.T) {
		_, err := AwaitOwnPartitions(ctx, []*fakeConsumer{consumerOf(probe(0), "message 1"), consumerOf(probe(1), probe(2), "message 2")}, sent)
		var ce *ConsumerError
		if !errors.As(err, &ce) || ce.Index != 1 || !strings.Contains(err.Error(), "consumer 2 to show the messages of its partitions") {
			t.Fatalf("AwaitOwnPartitions = %v; want consumer 2's wait, which lacks partition 2's message", err)
		}
	})
}

// fakeKafka is a topic whose messages each consumer prints if it reads their partition, and
// a cluster's groups.
type fakeKafka struct {
	partitions []int32
	partsErr   error
	reads      map[*fakeConsumer][]int32
	groups     []cluster.Group
	sent       int
}

func (k *fakeKafka) Partitions(string) ([]int32, error) { return k.partitions, k.partsErr }

func (k *fakeKafka) Send(_ context.Context, _ string, msgs ...cluster.Message) error {
	for _, m := range msgs {
		k.sent++
		for c, ps := range k.reads {
			if slices.Contains(ps, m.Partition) {
				c.lines = append(c.lines, m.Value)
			}
		}
	}
	return nil
}

func (k *fakeKafka) Groups(context.Context) ([]cluster.Group, error) { return k.groups, nil }

func member(id string, parts ...int32) cluster.Member {
	return cluster.Member{ID: id, Assigned: map[string][]int32{"t": parts}}
}

func TestAwaitGroupsReading(t *testing.T) {
	ctx := context.Background()
	t.Run("one group shares the partitions", func(t *testing.T) {
		c1, c2 := consumerOf(), consumerOf()
		k := &fakeKafka{partitions: []int32{0, 1, 2, 3}, reads: map[*fakeConsumer][]int32{c1: {0, 1}, c2: {2, 3}},
			groups: []cluster.Group{{Name: "my_group", State: "Stable", Members: []cluster.Member{member("c1", 0, 1), member("c2", 2, 3)}}}}
		groups, err := AwaitGroupsReading(ctx, k, "t", []*fakeConsumer{c1, c2})
		if err != nil || len(groups) != 1 || k.sent != 4 {
			t.Fatalf("AwaitGroupsReading = %v, %v after %d message(s); want my_group, ready after one message per partition", groups, err, k.sent)
		}
	})
	t.Run("a consumer that exits is not ready", func(t *testing.T) {
		exited := &Failure{What: "exited with code 1"}
		c := consumerOf()
		c.problem = exited
		_, err := AwaitGroupsReading(ctx, &fakeKafka{partitions: []int32{0}}, "t", []*fakeConsumer{c})
		var nr *NotReady
		if !errors.As(err, &nr) || !errors.Is(err, exited) {
			t.Fatalf("AwaitGroupsReading = %v; want the consumer's problem, not ready", err)
		}
	})
	t.Run("Kafka's error is the harness's", func(t *testing.T) {
		c := consumerOf()
		k := &fakeKafka{partsErr: errors.New("no metadata"), groups: []cluster.Group{{Name: "g", State: "Stable", Members: []cluster.Member{member("c", 0)}}}}
		_, err := AwaitGroupsReading(ctx, k, "t", []*fakeConsumer{c})
		var nr *NotReady
		if err == nil || errors.As(err, &nr) || !strings.Contains(err.Error(), "partitions of t") {
			t.Fatalf("AwaitGroupsReading = %v; want the partitions' error, not the consumers'", err)
		}
	})
}

func TestAwaitReadingEachByItself(t *testing.T) {
	c1, c2 := consumerOf(), consumerOf()
	k := &fakeKafka{partitions: []int32{0, 1}, reads: map[*fakeConsumer][]int32{c1: {0, 1}, c2: {0, 1}}}
	if err := AwaitReading(context.Background(), k, "t", []*fakeConsumer{c1, c2}, false); err != nil {
		t.Fatal(err)
	}
	if got := Probes(c2.lines); !slices.Equal(got, []int32{0, 1}) {
		t.Errorf("consumer 2 showed readiness messages of %v; want both partitions", got)
	}
}

func TestIsSubsequence(t *testing.T) {
	for _, tc := range []struct {
		want, got []string
		is        bool
	}{
		{[]string{"a", "b"}, []string{"x", "a", "y", "b"}, true},
		{[]string{"a", "b"}, []string{"b", "a"}, false},
		{[]string{"a", "a"}, []string{"a"}, false},
		{nil, []string{"a"}, true},
	} {
		if got := IsSubsequence(tc.want, tc.got); got != tc.is {
			t.Errorf("IsSubsequence(%q, %q) = %v", tc.want, tc.got, got)
		}
	}
}
