package tutor

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
)

// The lab's names, as the features write them.
const (
	labTopic     = "my_first_topic"
	labGroup     = "my_group"
	transactions = "transactions"
	balance      = "balance"
)

// readLimit caps one look's read of transactions or balance: a generator that floods them
// is read a slice at a time.
const readLimit = 20000

// snapshot is what one look at Kafka saw, and what the looks before it gathered: the steps'
// checks are functions of it.
type snapshot struct {
	At     time.Time
	Topics map[string]int
	Groups []cluster.Group
	// Ends are the end offsets of the lab's topics that exist.
	Ends map[string]map[int32]int64
	// Committed is my_group's committed offsets of my_first_topic (-1 where none).
	Committed map[int32]int64
	// States are the partitions of every topic (ha only).
	States []cluster.PartitionState
	Live   []int32

	*history
}

// history is what the tutor gathered over its looks.
type history struct {
	// consoleAtOnce is the most console consumers (groups of their own) seen reading
	// my_first_topic at once.
	consoleAtOnce int
	// feeds are the messages of transactions and balance since the tutor started.
	feeds map[string]*feed
	// calcStart is, per account, how many transactions it held when its first balance came:
	// where a calculator that reads only new transactions starts its sums.
	calcStart map[int32]int
	// wasDown is a broker seen down while a replicated topic's in-sync replicas shrank.
	wasDown bool
}

// feed is a topic's messages, read a look at a time.
type feed struct {
	next map[int32]int64 // the offset to read from next
	msgs map[int32][]cluster.Message
}

func newHistory() *history {
	return &history{feeds: map[string]*feed{}, calcStart: map[int32]int{}}
}

func (f *feed) all() []cluster.Message {
	var out []cluster.Message
	for _, p := range slices.Sorted(maps.Keys(f.msgs)) {
		out = append(out, f.msgs[p]...)
	}
	return out
}

// observe looks at Kafka once: everything is a question (list, describe, offsets, a fetch),
// and only of topics that exist, so that no look creates one.
func (t *Tutor) observe(ctx context.Context, now time.Time) (snapshot, error) {
	s := snapshot{At: now, Ends: map[string]map[int32]int64{}, history: t.hist}
	var err error
	if t.topology == cluster.HA {
		// Section 7 takes brokers down: its steps ask only the metadata, which any live
		// broker gives, never a question of every broker (the groups' listing).
		if s.States, err = t.k.PartitionStates(); err != nil {
			return s, err
		}
		if s.Live, err = t.k.LiveBrokers(); err != nil {
			return s, err
		}
		return s, nil
	}
	if s.Topics, err = t.k.Topics(ctx); err != nil {
		return s, err
	}
	if s.Groups, err = t.k.Groups(ctx); err != nil {
		return s, err
	}
	for _, topic := range []string{labTopic, transactions, balance} {
		if _, ok := s.Topics[topic]; !ok {
			delete(t.hist.feeds, topic)
			continue
		}
		if s.Ends[topic], err = t.k.EndOffsets(ctx, topic); err != nil {
			return s, err
		}
	}
	if _, ok := s.Topics[labTopic]; ok && group(s.Groups, labGroup) != nil {
		if s.Committed, err = t.k.CommittedOffsets(ctx, labGroup, labTopic); err != nil {
			return s, err
		}
	}
	// balance before transactions: every transaction a balance read is then in the feed.
	for _, topic := range []string{balance, transactions} {
		if err := t.read(ctx, topic, s.Ends[topic]); err != nil {
			return s, err
		}
	}
	t.noteCalculatorStarts()
	t.hist.consoleAtOnce = max(t.hist.consoleAtOnce, consoleReaders(s.Groups))
	return s, nil
}

// read reads what came to topic since the last look, up to ends.
func (t *Tutor) read(ctx context.Context, topic string, ends map[int32]int64) error {
	if ends == nil {
		return nil
	}
	f := t.hist.feeds[topic]
	moved := f == nil
	for p, end := range ends {
		if f == nil {
			break
		}
		if end < f.next[p] { // the topic was made anew: start over
			f = nil
		} else if end > f.next[p] {
			moved = true
		}
	}
	if f == nil {
		f, moved = &feed{next: map[int32]int64{}, msgs: map[int32][]cluster.Message{}}, true
		t.hist.feeds[topic] = f
		if topic == transactions {
			clear(t.hist.calcStart)
		}
	}
	if !moved {
		return nil
	}
	msgs, next, err := t.k.ReadFrom(ctx, topic, f.next, readLimit)
	if err != nil {
		return fmt.Errorf("read %s: %w", topic, err)
	}
	for _, m := range msgs {
		f.msgs[m.Partition] = append(f.msgs[m.Partition], m)
	}
	// Where each read ended, past transaction markers too: they take offsets but hold no
	// message, and the next look must not read them again.
	f.next = next
	return nil
}

// noteCalculatorStarts notes, for each account whose first balance just came, how many
// transactions it held then.
func (t *Tutor) noteCalculatorStarts() {
	tx, bal := t.hist.feeds[transactions], t.hist.feeds[balance]
	if tx == nil || bal == nil {
		return
	}
	for p, bs := range bal.msgs {
		if _, ok := t.hist.calcStart[p]; !ok && len(bs) > 0 {
			t.hist.calcStart[p] = len(tx.msgs[p])
		}
	}
}

// group returns the group named name, or nil.
func group(groups []cluster.Group, name string) *cluster.Group {
	for i := range groups {
		if groups[i].Name == name {
			return &groups[i]
		}
	}
	return nil
}

// readers returns the groups that have a member reading my_first_topic.
func readers(groups []cluster.Group) []cluster.Group {
	var out []cluster.Group
	for _, g := range groups {
		if slices.ContainsFunc(g.Members, func(m cluster.Member) bool { return len(m.Assigned[labTopic]) > 0 }) {
			out = append(out, g)
		}
	}
	return out
}

// consoleReaders counts the console consumers started without --group that read
// my_first_topic now.
func consoleReaders(groups []cluster.Group) int {
	n := 0
	for _, g := range readers(groups) {
		if labcheck.IsConsoleGroup(g.Name) {
			n++
		}
	}
	return n
}
