package lag

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// fakeKafka is a topic's partitions and one group's commits, in memory.
type fakeKafka struct {
	parts     int32
	logs      map[int32][]string
	committed map[int32]int64
	commits   []int32 // partitions committed, in order
	failSend  error
}

func newFake(parts int32) *fakeKafka {
	return &fakeKafka{parts: parts, logs: map[int32][]string{}, committed: map[int32]int64{}}
}

func (k *fakeKafka) Partitions(string) ([]int32, error) {
	var out []int32
	for p := range k.parts {
		out = append(out, p)
	}
	return out, nil
}

func (k *fakeKafka) Send(_ context.Context, _ string, msgs ...cluster.Message) error {
	if k.failSend != nil {
		return k.failSend
	}
	for _, m := range msgs {
		k.logs[m.Partition] = append(k.logs[m.Partition], m.Value)
	}
	return nil
}

func (k *fakeKafka) EndOffsets(context.Context, string) (map[int32]int64, error) {
	out := map[int32]int64{}
	for p := range k.parts {
		out[p] = int64(len(k.logs[p]))
	}
	return out, nil
}

func (k *fakeKafka) CommitOffset(_ context.Context, _, _ string, p int32, o int64) error {
	k.committed[p] = o
	k.commits = append(k.commits, p)
	return nil
}

func (k *fakeKafka) CommittedOffsets(context.Context, string, string) (map[int32]int64, error) {
	return maps.Clone(k.committed), nil
}

func TestReadAndStopped(t *testing.T) {
	ctx := context.Background()
	k := newFake(10)
	if err := ReadAndStopped(ctx, k, "my_group", "my_first_topic", 10); err != nil {
		t.Fatal(err)
	}
	// i*i mod 10 for i < 10: 0 1 4 9 6 5 6 9 4 1, uneven as the lab's Output.
	want := map[int32]int{0: 1, 1: 2, 4: 2, 5: 1, 6: 2, 9: 2}
	for p := range int32(10) {
		if len(k.logs[p]) != want[p] {
			t.Errorf("partition %d holds %q; want %d message(s)", p, k.logs[p], want[p])
		}
	}
	if len(k.commits) != 10 || k.commits[0] != 0 || k.commits[9] != 9 {
		t.Errorf("committed partitions %v; want each of the 10, in order", k.commits)
	}
	pos, err := Positions(ctx, k, "my_group", "my_first_topic")
	if err != nil {
		t.Fatal(err)
	}
	for p, ps := range pos {
		if ps.Lag() != 0 {
			t.Errorf("partition %d: %+v; want the group at the end", p, ps)
		}
	}
	if err := SendLater(ctx, k, "my_first_topic", 7); err != nil {
		t.Fatal(err)
	}
	pos, err = Positions(ctx, k, "my_group", "my_first_topic")
	if err != nil {
		t.Fatal(err)
	}
	var lag int64
	for _, ps := range pos {
		lag += ps.Lag()
	}
	// 3i+1 mod 10 for i < 7: one later message in each of 1, 4, 7, 0, 3, 6, 9.
	if lag != 7 || pos[4] != (Position{Committed: 2, End: 3}) || pos[2].Lag() != 0 {
		t.Errorf("positions %+v, lag %d; want one later message in each of partitions 1, 4, 7, 0, 3, 6, 9", pos, lag)
	}
}

func TestPositionsWithoutCommits(t *testing.T) {
	k := newFake(3)
	k.logs[2] = []string{"a", "b"}
	pos, err := Positions(context.Background(), k, "g", "t")
	if err != nil {
		t.Fatal(err)
	}
	if pos[2] != (Position{End: 2}) || pos[2].Lag() != 2 || len(pos) != 3 {
		t.Errorf("positions %+v; want partition 2 at 0 of 2, every partition listed", pos)
	}
}

func TestSendFailureStopsBeforeCommits(t *testing.T) {
	k := newFake(2)
	k.failSend = errors.New("broker down")
	if err := ReadAndStopped(context.Background(), k, "g", "t", 3); !errors.Is(err, k.failSend) || len(k.commits) != 0 {
		t.Errorf("ReadAndStopped = %v after %d commit(s); want the send's error and no commit", err, len(k.commits))
	}
}
