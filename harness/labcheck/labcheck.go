// Package labcheck holds the lab's checks of Kafka's state as pure functions: a topic and its
// partitions, a consumer group's members and their partitions, the generator's pace and values,
// the replicas of a topic. Each says what the lab expects, what it saw and how to do it right.
// The spec's steps (steps/...) and the live tutor (harness/tutor) both call them, so that "10
// partitions" or "5 partitions each" has one definition and one hint.
package labcheck

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/ledger"
)

// Finding is a check not met: what the lab expects, what Kafka showed, and a hint.
type Finding struct {
	Expected string
	Observed string
	Hint     string
}

// Topic checks that topics (name to partition count) hold name with partitions partitions.
func Topic(topics map[string]int, name string, partitions int) *Finding {
	f := &Finding{Expected: fmt.Sprintf("a topic %s with %d partitions", name, partitions),
		Observed: "topics in the cluster: " + cluster.TopicList(topics)}
	got, ok := topics[name]
	switch {
	case !ok && len(topics) > 0:
		f.Hint = fmt.Sprintf("the topic must be named exactly %s: --topic %s", name, name)
	case !ok:
		f.Hint = fmt.Sprintf("create it with kafka-topics.sh --create --topic %s --partitions %d --bootstrap-server localhost:9092", name, partitions)
	case got != partitions:
		f.Observed = fmt.Sprintf("%s has %d partition%s", name, got, plural(got))
		f.Hint = fmt.Sprintf("set the number of partitions with --partitions %d", partitions)
		if got == 1 {
			f.Hint = fmt.Sprintf("a topic created without --partitions gets Kafka's default, 1: create it with --partitions %[2]d, or add the missing ones with kafka-topics.sh --alter --topic %[1]s --partitions %[2]d", name, partitions)
		}
	default:
		return nil
	}
	return f
}

// InGroup checks that the consumers whose groups are groups are n members of group: a consumer
// started without --group makes a group of its own.
func InGroup(groups []cluster.Group, group string, n int) *Finding {
	var where []string
	in := 0
	for _, g := range groups {
		for range g.Members {
			where = append(where, g.Name)
			if g.Name == group {
				in++
			}
		}
	}
	if in == n && n > 0 {
		return nil
	}
	f := &Finding{Expected: fmt.Sprintf("%d consumers in the consumer group %s", n, group),
		Observed: "consumers in the groups " + strings.Join(where, ", "),
		Hint:     fmt.Sprintf("start the consumer with --group %s", group)}
	if len(where) == 0 {
		f.Observed = "no consumer in any group"
	}
	if slices.ContainsFunc(where, IsConsoleGroup) {
		f.Hint += ": without --group, each console consumer makes a group of its own (console-consumer-<number>)"
	}
	return f
}

// IsConsoleGroup reports whether a group is one a console consumer made for itself, started
// without --group.
func IsConsoleGroup(name string) bool { return strings.HasPrefix(name, "console-consumer-") }

// Split checks that the members of groups, all of one group, each own each of the total
// partitions of topic, and each partition is owned by one of them.
func Split(groups []cluster.Group, topic string, each, total int) *Finding {
	var observed []string
	owners := map[int32]int{}
	ok := len(groups) == 1
	for _, g := range groups {
		for _, m := range g.Members {
			ps := m.Assigned[topic]
			observed = append(observed, fmt.Sprintf("%s: %v", m.ID, ps))
			if len(ps) != each {
				ok = false
			}
			for _, p := range ps {
				owners[p]++
			}
		}
	}
	for p := range int32(total) {
		if owners[p] != 1 {
			ok = false
		}
	}
	if ok {
		return nil
	}
	return &Finding{Expected: fmt.Sprintf("each consumer assigned %d of the %d partitions of %s, each partition to one of them", each, total, topic),
		Observed: strings.Join(observed, "; "), Hint: "both consumers must read --topic " + topic + " in the same --group"}
}

// Cadence is the generator's pace as the lab asks it: in the window from Start, from Lo to Hi
// messages in each partition, MinGap to MaxGap apart.
type Cadence struct {
	Start          time.Time
	Window         time.Duration
	Lo, Hi         int
	MinGap, MaxGap time.Duration
}

// Check checks the pace of msgs in each of parts.
func (cd Cadence) Check(topic string, msgs []cluster.Message, parts []int32) *Finding {
	times := map[int32][]time.Time{}
	for _, m := range msgs {
		if d := m.Timestamp.Sub(cd.Start); d >= 0 && d < cd.Window {
			times[m.Partition] = append(times[m.Partition], m.Timestamp)
		}
	}
	var bad, all []string
	for _, p := range parts {
		ts := times[p]
		all = append(all, fmt.Sprintf("%d: %d", p, len(ts)))
		if len(ts) < cd.Lo || len(ts) > cd.Hi {
			bad = append(bad, fmt.Sprintf("partition %d got %d", p, len(ts)))
			continue
		}
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < cd.MinGap || gap > cd.MaxGap {
				bad = append(bad, fmt.Sprintf("partition %d got two %s apart", p, gap.Round(time.Millisecond)))
				break
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	seconds := int(cd.Window.Round(time.Second).Seconds())
	return &Finding{Expected: fmt.Sprintf("one message a second in each partition of %s: from %d to %d in %d seconds, %.1f to %.1f seconds apart", topic, cd.Lo, cd.Hi, seconds, cd.MinGap.Seconds(), cd.MaxGap.Seconds()),
		Observed: fmt.Sprintf("%s; messages per partition: %s", strings.Join(bad, ", "), strings.Join(all, ", ")),
		Hint:     "send one transaction to each partition (partition=account_number), then sleep a second, in a loop"}
}

// Integers checks that every message is an integer from lo to hi, written as text.
func Integers(msgs []cluster.Message, lo, hi int64) *Finding {
	var bad []string
	for _, m := range msgs {
		v, err := ledger.ParseAmount(m.Value)
		if err != nil || v < lo || v > hi {
			bad = append(bad, fmt.Sprintf("%q (partition %d, offset %d)", m.Value, m.Partition, m.Offset))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	n := len(bad)
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
	}
	return &Finding{Expected: fmt.Sprintf("every message an integer from %d to %d, as text (b'%%d' %% value)", lo, hi),
		Observed: fmt.Sprintf("%d of %d messages are not: %s", n, len(msgs), strings.Join(bad, ", ")),
		Hint:     "random.randrange(-10, 11) gives -10 to 10; send value=b'%d' % n"}
}

// Random refuses values that a uniform draw from lo to hi would give less than once in 1e9
// runs (ledger.RandomnessProblem).
func Random(msgs []cluster.Message, lo, hi int64) *Finding {
	values := map[int32][]int64{}
	for _, m := range msgs {
		if v, err := ledger.ParseAmount(m.Value); err == nil {
			values[m.Partition] = append(values[m.Partition], v)
		}
	}
	problem := ledger.RandomnessProblem(values, lo, hi)
	if problem == "" {
		return nil
	}
	return &Finding{Expected: fmt.Sprintf("a random integer from %d to %d for each transaction, drawn anew for every account", lo, hi),
		Observed: problem, Hint: "draw each value with random.randrange(-10, 11) (or random.randint(-10, 10)) inside the loop, once per account"}
}

// Replicas checks that every partition of states has rf replicas, on different brokers, all in
// sync.
func Replicas(states []cluster.PartitionState, rf int) *Finding {
	for _, p := range states {
		if len(p.Replicas) != rf || len(p.ISR) != rf {
			return &Finding{Expected: fmt.Sprintf("%d replicas on different brokers, all in sync, for every partition", rf),
				Observed: p.String(), Hint: "let Kafka place the replicas: leave out --replica-assignment"}
		}
	}
	return nil
}

// BalancesHint is how a calculator keeps the balances right.
const BalancesHint = "keep a balance per account (msg.partition), add int(msg.value) for every transaction, and send the new balance to the same partition of balance (partition=msg.partition)"

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
