package runner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labout"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// ProbePrefix starts the harness's readiness messages. A console consumer resolves where to
// start reading only after it has joined its group, so a message sent too early may be skipped
// by a consumer that reads "new messages only". Readiness is therefore observed rather than
// guessed: the harness sends a readiness message to every partition, again to those still
// unseen, until the consumers have printed one from each.
const ProbePrefix = "(kafka-lab readiness check"

// ReadyTimeout bounds AwaitReady.
const ReadyTimeout = 45 * time.Second

// A consumer's output is looked at every readyPoll; a new round of readiness messages goes out
// every readyRound to the partitions still unseen. A round sooner than a consumer's fetch
// (console consumers wait up to 500 ms for data) only adds messages to skip.
const (
	readyPoll  = 50 * time.Millisecond
	readyRound = 500 * time.Millisecond
)

// Kafka is what of a cluster's Kafka the consumer waits use: readiness messages sent, and the
// consumer groups described; *cluster.Kafka has it.
type Kafka interface {
	Send(ctx context.Context, topic string, msgs ...cluster.Message) error
	Groups(ctx context.Context) ([]cluster.Group, error)
}

// AwaitReady returns once the consumers read every partition of topic. With shared, the
// consumers are members of one group and together must show one readiness message from each
// partition; otherwise each consumer must show one from each partition itself.
func AwaitReady(ctx context.Context, k Kafka, topic string, partitions int32, consumers []*Process, shared bool) error {
	round := 0
	missing := func() []int32 {
		var out []int32
		for p := range partitions {
			seen := 0
			for _, proc := range consumers {
				if slices.Contains(Probes(proc.Stdout.Lines()), p) {
					seen++
				}
			}
			if (shared && seen == 0) || (!shared && seen < len(consumers)) {
				out = append(out, p)
			}
		}
		return out
	}
	what := fmt.Sprintf("the consumer%s to show messages sent to each of the %d partitions of %s", pluralS(len(consumers)), partitions, topic)
	var last time.Time
	return wait.Until(ctx, what, ReadyTimeout, readyPoll, func(ctx context.Context) (bool, string, error) {
		for _, proc := range consumers {
			if err := proc.Problem(ctx); err != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, err)
			}
		}
		todo := missing()
		if len(todo) == 0 {
			return true, "", nil
		}
		seen := fmt.Sprintf("no readiness message shown yet from partition(s) %v", todo)
		if time.Since(last) < readyRound {
			return false, seen, nil
		}
		last = time.Now()
		round++
		var msgs []cluster.Message
		for _, p := range todo {
			msgs = append(msgs, cluster.Message{Partition: p, Value: fmt.Sprintf("%s: partition %d, round %d)", ProbePrefix, p, round)})
		}
		if err := k.Send(ctx, topic, msgs...); err != nil {
			return false, "", err
		}
		return false, seen, nil
	})
}

// Shown returns the message values a console consumer printed, readiness messages and the
// tool's own deprecation notices (Kafka 4.2 and later) left out. Formatter properties such as
// print.key or print.partition put fields before the value; labout.ConsumedValues takes them
// off.
func Shown(lines []string) []string {
	var out []string
	for _, v := range labout.ConsumedValues(lines) {
		if !strings.HasPrefix(v, ProbePrefix) {
			out = append(out, v)
		}
	}
	return out
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// AwaitMembers waits until the consumers have joined their groups: the cluster's groups have n
// members in all, each group with members is Stable and every member has partitions. It
// returns the groups that have members.
func AwaitMembers(ctx context.Context, k Kafka, n int, consumers []*Process) ([]cluster.Group, error) {
	var joined []cluster.Group
	err := wait.Until(ctx, fmt.Sprintf("%d consumer%s to join their group and get partitions", n, pluralS(n)), ReadyTimeout, 100*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			for _, proc := range consumers {
				if err := proc.Problem(ctx); err != nil {
					return false, "", fmt.Errorf("%w: %w", wait.ErrStop, err)
				}
			}
			groups, err := k.Groups(ctx)
			if err != nil {
				return false, "", err
			}
			joined = joined[:0]
			members, settled := 0, true
			var seen []string
			for _, g := range groups {
				if len(g.Members) == 0 {
					continue
				}
				joined = append(joined, g)
				members += len(g.Members)
				seen = append(seen, fmt.Sprintf("group %s: %s, %d member(s)", g.Name, g.State, len(g.Members)))
				if g.State != "Stable" {
					settled = false
				}
				for _, m := range g.Members {
					if len(m.Assigned) == 0 {
						settled = false
					}
				}
			}
			return members == n && settled, strings.Join(seen, "; "), nil
		})
	return joined, err
}

// Probes returns the partitions that readiness messages among lines came from, sorted, each
// once: the partitions a consumer that printed lines reads.
func Probes(lines []string) []int32 {
	var out []int32
	for _, v := range labout.ConsumedValues(lines) {
		var p, round int32
		if _, err := fmt.Sscanf(v, ProbePrefix+": partition %d, round %d)", &p, &round); err == nil && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
