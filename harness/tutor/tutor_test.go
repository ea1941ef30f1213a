package tutor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// fakeKafka is a cluster's state as the tutor asks it; a test changes it between ticks, as a
// student does.
type fakeKafka struct {
	topics    map[string]int
	groups    []cluster.Group
	committed map[int32]int64 // my_group's, of my_first_topic
	msgs      map[string][]cluster.Message
	states    []cluster.PartitionState
	live      []int32
	// asked counts the questions, by kind; wrote counts anything else (there is none).
	asked map[string]int
}

func newFake() *fakeKafka {
	return &fakeKafka{topics: map[string]int{}, msgs: map[string][]cluster.Message{}, asked: map[string]int{}}
}

func (f *fakeKafka) Topics(context.Context) (map[string]int, error) {
	f.asked["topics"]++
	out := map[string]int{}
	for k, v := range f.topics {
		out[k] = v
	}
	return out, nil
}

func (f *fakeKafka) Groups(context.Context) ([]cluster.Group, error) {
	f.asked["groups"]++
	return f.groups, nil
}

func (f *fakeKafka) EndOffsets(_ context.Context, topic string) (map[int32]int64, error) {
	f.asked["ends"]++
	if _, ok := f.topics[topic]; !ok {
		return nil, fmt.Errorf("asked the end offsets of %s, which does not exist", topic)
	}
	ends := map[int32]int64{}
	for p := range int32(f.topics[topic]) {
		ends[p] = 0
	}
	for _, m := range f.msgs[topic] {
		ends[m.Partition] = max(ends[m.Partition], m.Offset+1)
	}
	return ends, nil
}

func (f *fakeKafka) CommittedOffsets(_ context.Context, group, topic string) (map[int32]int64, error) {
	f.asked["committed"]++
	return f.committed, nil
}

func (f *fakeKafka) ReadFrom(_ context.Context, topic string, from map[int32]int64, _ int) ([]cluster.Message, map[int32]int64, error) {
	f.asked["read "+topic]++
	var out []cluster.Message
	next := map[int32]int64{}
	for k, v := range from {
		next[k] = v
	}
	for _, m := range f.msgs[topic] {
		if m.Offset >= from[m.Partition] {
			out = append(out, m)
			next[m.Partition] = m.Offset + 1
		}
	}
	return out, next, nil
}

func (f *fakeKafka) PartitionStates(...string) ([]cluster.PartitionState, error) {
	return f.states, nil
}
func (f *fakeKafka) LiveBrokers() ([]int32, error) { return f.live, nil }

// send appends a message to a partition of topic.
func (f *fakeKafka) send(topic string, p int32, value string, at time.Time) {
	var off int64
	for _, m := range f.msgs[topic] {
		if m.Partition == p {
			off = m.Offset + 1
		}
	}
	f.msgs[topic] = append(f.msgs[topic], cluster.Message{Partition: p, Offset: off, Value: value, Timestamp: at})
}

func members(group string, split ...[]int32) cluster.Group {
	g := cluster.Group{Name: group, State: "Stable"}
	for i, ps := range split {
		g.Members = append(g.Members, cluster.Member{Group: group, ID: fmt.Sprintf("m%d", i), Assigned: map[string][]int32{labTopic: ps}})
	}
	if len(split) == 0 {
		g.State = "Empty"
	}
	return g
}

var (
	all   = []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	lower = []int32{0, 1, 2, 3, 4}
	upper = []int32{5, 6, 7, 8, 9}
)

// tick ticks the tutor and returns the states by step id.
func tick(t *testing.T, tu *Tutor, now time.Time) map[string]StepState {
	t.Helper()
	if _, err := tu.Tick(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	out := map[string]StepState{}
	for _, s := range tu.States() {
		out[s.ID] = s
	}
	return out
}

func want(t *testing.T, states map[string]StepState, id string, status Status, hint string) {
	t.Helper()
	s := states[id]
	if s.Status != status || !strings.Contains(s.Hint, hint) {
		t.Errorf("%s: %s (observed %q, hint %q); want %s with a hint containing %q", id, s.Status, s.Observed, s.Hint, status, hint)
	}
}

// TestSectionsTwoToFive does sections 2-5 as a student does them, with the mistakes the lab's
// students make, and checks each tick.
func TestSectionsTwoToFive(t *testing.T) {
	k := newFake()
	tu := New(cluster.Single, "3.9.1", k)
	now := time.Now()
	st := tick(t, tu, now)
	want(t, st, "2.topic", Todo, "")
	want(t, st, "3.from-beginning", Unseen, "kafka-lab check -section 3")

	// Created without --partitions.
	k.topics[labTopic] = 1
	st = tick(t, tu, now)
	want(t, st, "2.topic", Done, "")
	want(t, st, "2.partitions", Wrong, "created without --partitions")
	// Deleted: the topic step shows it was undone.
	delete(k.topics, labTopic)
	st = tick(t, tu, now)
	want(t, st, "2.topic", Undone, "no longer")
	k.topics[labTopic] = 10
	st = tick(t, tu, now)
	want(t, st, "2.topic", Done, "")
	want(t, st, "2.partitions", Done, "")

	// Section 3: messages, then two console consumers at once.
	k.send(labTopic, 3, "This is my first message", now)
	k.groups = []cluster.Group{members("console-consumer-1", all)}
	st = tick(t, tu, now)
	want(t, st, "3.messages", Done, "")
	want(t, st, "3.two-consumers", Todo, "start a second")
	k.groups = append(k.groups, members("console-consumer-2", all))
	st = tick(t, tu, now)
	want(t, st, "3.two-consumers", Done, "")
	k.groups = nil
	st = tick(t, tu, now)
	want(t, st, "3.two-consumers", Done, "") // the lab moved on: it stays done

	// Section 4: the second consumer started without --group.
	k.groups = []cluster.Group{members(labGroup, all), members("console-consumer-3", all)}
	k.committed = map[int32]int64{3: 1}
	st = tick(t, tu, now)
	want(t, st, "4.members", Wrong, "without --group, each console consumer makes a group of its own")
	want(t, st, "4.read-once", Todo, "") // one member read everything: not the lab's split
	k.groups = []cluster.Group{members(labGroup, lower, upper)}
	k.committed = map[int32]int64{3: 0}
	st = tick(t, tu, now)
	want(t, st, "4.members", Done, "")
	want(t, st, "4.split", Done, "")
	want(t, st, "4.read-once", Todo, "")
	k.committed = map[int32]int64{3: 1}
	st = tick(t, tu, now)
	want(t, st, "4.read-once", Done, "")
	want(t, st, "5.stopped", Todo, "")

	// Section 5: the consumers stop, then more messages come.
	k.groups = []cluster.Group{members(labGroup)}
	st = tick(t, tu, now)
	want(t, st, "5.stopped", Done, "")
	want(t, st, "5.lag", Todo, "send more messages")
	want(t, st, "4.members", Done, "")
	k.send(labTopic, 4, "later", now)
	k.send(labTopic, 4, "later still", now)
	st = tick(t, tu, now)
	want(t, st, "5.lag", Done, "")
	if got := st["5.lag"].Observed; got != "total LAG 2" {
		t.Errorf("5.lag observed %q; want total LAG 2", got)
	}
	for _, kind := range []string{"read " + transactions, "read " + balance} {
		if k.asked[kind] > 0 {
			t.Errorf("the tutor read %s, which does not exist", kind)
		}
	}
}

func TestSplitUneven(t *testing.T) {
	k := newFake()
	k.topics[labTopic] = 10
	k.groups = []cluster.Group{members(labGroup, []int32{0, 1, 2}, []int32{3, 4, 5, 6, 7, 8, 9})}
	st := tick(t, New(cluster.Single, "4.4.0", k), time.Now())
	want(t, st, "4.split", Wrong, "same --group")
}

// pipeline is a generator and a calculator at work: round r sends a transaction to every
// account, a second after the last, and the calculator (from round from on) its balances.
type pipeline struct {
	k     *fakeKafka
	start time.Time
	draw  func(round int, p int32) int64
	calc  func(sum, tx int64) int64
	from  int
	// fromStart is a calculator that, started at round from, reads transactions from the
	// beginning: its first balances catch up with every transaction sent before it started.
	fromStart bool
	sums      map[int32]int64
}

func (pl *pipeline) round(r int) time.Time {
	at := pl.start.Add(time.Duration(r) * time.Second)
	for p := range int32(10) {
		v := pl.draw(r, p)
		pl.k.send(transactions, p, fmt.Sprint(v), at.Add(time.Duration(p)*time.Millisecond))
		if r == pl.from && pl.fromStart {
			for earlier := range r {
				pl.sums[p] = pl.calc(pl.sums[p], pl.draw(earlier, p))
				pl.k.send(balance, p, fmt.Sprint(pl.sums[p]), at.Add(40*time.Millisecond))
			}
		}
		if r >= pl.from {
			pl.sums[p] = pl.calc(pl.sums[p], v)
			pl.k.send(balance, p, fmt.Sprint(pl.sums[p]), at.Add(50*time.Millisecond))
		}
	}
	return at.Add(100 * time.Millisecond)
}

func TestPipeline(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draws := map[[2]int]int64{}
	fair := func(r int, p int32) int64 {
		key := [2]int{r, int(p)}
		if _, ok := draws[key]; !ok {
			draws[key] = rng.Int64N(21) - 10
		}
		return draws[key]
	}
	sum := func(s, v int64) int64 { return s + v }
	for _, tc := range []struct {
		name                string
		draw                func(int, int32) int64
		calc                func(int64, int64) int64
		from                int
		fromStart           bool
		generator, balances Status
		hint                string
	}{
		{name: "running sums", draw: fair, calc: sum, generator: Done, balances: Done},
		{name: "a calculator that started late, reading new transactions", draw: fair, calc: sum, from: 4, generator: Done, balances: Done},
		{name: "a calculator that started late, reading from the beginning", draw: fair, calc: sum, from: 4, fromStart: true, generator: Done, balances: Done},
		{name: "a calculator that started late, reading new transactions but summing from a wrong start", draw: fair, calc: func(s, v int64) int64 { return s + v + 1 }, from: 4, generator: Done, balances: Wrong, hint: "keep a balance per account"},
		{name: "the value as the balance", draw: fair, calc: func(_, v int64) int64 { return v }, generator: Done, balances: Wrong, hint: "keep a balance per account"},
		{name: "a constant generator", draw: func(int, int32) int64 { return 5 }, calc: sum, generator: Wrong, balances: Done, hint: "random.randrange(-10, 11)"},
		{name: "out of range", draw: func(r int, p int32) int64 { return fair(r, p) * 3 }, calc: sum, generator: Wrong, balances: Done, hint: "gives -10 to 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newFake()
			k.topics[transactions], k.topics[balance] = 10, 10
			tu := New(cluster.Single, "3.9.1", k)
			pl := &pipeline{k: k, start: time.Now(), draw: tc.draw, calc: tc.calc, from: tc.from, fromStart: tc.fromStart, sums: map[int32]int64{}}
			want(t, tick(t, tu, pl.start), "6.topics", Done, "")
			var st map[string]StepState
			for r := range 12 {
				st = tick(t, tu, pl.round(r))
				if r == 2 {
					want(t, st, "6.generator", Todo, "") // 2 s of transactions: too few to judge
				}
			}
			want(t, st, "6.generator", tc.generator, "")
			want(t, st, "6.calculator", tc.balances, "")
			if tc.hint != "" && !strings.Contains(st["6.generator"].Hint+st["6.calculator"].Hint, tc.hint) {
				t.Errorf("hints %q, %q; want %q", st["6.generator"].Hint, st["6.calculator"].Hint, tc.hint)
			}
		})
	}
}

func TestPipelineTopics(t *testing.T) {
	k := newFake()
	k.topics[transactions] = 10
	tu := New(cluster.Single, "3.9.1", k)
	want(t, tick(t, tu, time.Now()), "6.topics", Todo, "create it with kafka-topics.sh --create --topic balance")
	k.topics[balance] = 1
	want(t, tick(t, tu, time.Now()), "6.topics", Wrong, "--partitions 10")
}

func TestSectionSeven(t *testing.T) {
	k := newFake()
	k.live = []int32{1, 2, 3}
	tu := New(cluster.HA, "3.9.1", k)
	k.states = []cluster.PartitionState{{Topic: "rep", Partition: 0, Leader: 1, Replicas: []int32{1, 2}, ISR: []int32{1, 2}}}
	st := tick(t, tu, time.Now())
	want(t, st, "7.replicated", Done, "")
	want(t, st, "7.back-in-sync", Todo, "")
	k.live = []int32{2, 3}
	k.states = []cluster.PartitionState{{Topic: "rep", Partition: 0, Leader: 2, Replicas: []int32{1, 2}, ISR: []int32{2}}}
	st = tick(t, tu, time.Now())
	want(t, st, "7.broker-down", Done, "")
	want(t, st, "7.back-in-sync", Todo, "")
	k.live = []int32{1, 2, 3}
	k.states[0].ISR = []int32{1, 2}
	st = tick(t, tu, time.Now())
	want(t, st, "7.back-in-sync", Done, "")
	want(t, st, "7.acks", Unseen, "acks_experiment")
	if k.asked["groups"]+k.asked["topics"] > 0 {
		t.Errorf("section 7's tutor asked every broker (%v): a broker down would stop its looks", k.asked)
	}
}

// TestWatchOnlyChanges: Watch shows the start, then only looks that changed something.
func TestWatchOnlyChanges(t *testing.T) {
	k := newFake()
	tu := New(cluster.Single, "3.9.1", k)
	ctx, cancel := context.WithCancel(context.Background())
	shows := 0
	err := tu.Watch(ctx, time.Millisecond, func(states []StepState, changes []Change, err error) {
		shows++
		if err != nil {
			t.Error(err)
		}
		switch shows {
		case 1: // the start
		case 2:
			if len(changes) != 2 || changes[0].ID != "2.topic" {
				t.Errorf("changes %+v; want 2.topic and 2.partitions", changes)
			}
			cancel()
		}
		if shows == 1 {
			k.topics[labTopic] = 10
		}
	})
	if err != nil || shows != 2 {
		t.Errorf("Watch = %v after %d shows; want nil after 2", err, shows)
	}
	if r := tu.Report(); len(r.Changes) != 2 || r.Topology != "single" {
		t.Errorf("report %+v", r)
	}
}
