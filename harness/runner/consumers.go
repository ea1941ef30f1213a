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

// Kafka is what of a cluster's Kafka the waits on consumers use: a topic's partitions,
// messages sent to them, and the consumer groups described; *cluster.Kafka has it.
type Kafka interface {
	Partitions(topic string) ([]int32, error)
	Send(ctx context.Context, topic string, msgs ...cluster.Message) error
	Groups(ctx context.Context) ([]cluster.Group, error)
}

// NotReady is consumers that did not get ready (AwaitReading, AwaitGroupsReading): the
// consumers' doing, unlike the harness's errors beside it.
type NotReady struct{ Err error }

func (e *NotReady) Error() string { return e.Err.Error() }
func (e *NotReady) Unwrap() error { return e.Err }

// AwaitReading returns once the consumers read every partition of topic (AwaitReady); a
// wait that fails is a *NotReady.
func AwaitReading[L Logger](ctx context.Context, k Kafka, topic string, consumers []L, shared bool) error {
	parts, err := k.Partitions(topic)
	if err != nil {
		return fmt.Errorf("partitions of %s: %w", topic, err)
	}
	if err := AwaitReady(ctx, k, topic, int32(len(parts)), consumers, shared); err != nil {
		return &NotReady{Err: err}
	}
	return nil
}

// AwaitGroupsReading waits until the consumers have joined their groups (AwaitMembers) and
// read every partition of topic: together when they share one group, each by itself
// otherwise. It returns the groups that have members; a wait that fails is a *NotReady.
func AwaitGroupsReading[L Logger](ctx context.Context, k Kafka, topic string, consumers []L) ([]cluster.Group, error) {
	groups, err := AwaitMembers(ctx, k, len(consumers), consumers)
	if err != nil {
		return groups, &NotReady{Err: err}
	}
	return groups, AwaitReading(ctx, k, topic, consumers, len(groups) == 1)
}

// AwaitReady returns once the consumers read every partition of topic. With shared, the
// consumers are members of one group and together must show one readiness message from each
// partition; otherwise each consumer must show one from each partition itself.
func AwaitReady[L Logger](ctx context.Context, k Kafka, topic string, partitions int32, consumers []L, shared bool) error {
	round := 0
	missing := func() []int32 {
		var out []int32
		for p := range partitions {
			seen := 0
			for _, proc := range consumers {
				if slices.Contains(Probes(proc.Lines()), p) {
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
func AwaitMembers[L Logger](ctx context.Context, k Kafka, n int, consumers []L) ([]cluster.Group, error) {
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

// DeliveryTimeout bounds the wait for sent messages to be shown by a ready consumer.
const DeliveryTimeout = 20 * time.Second

// Consumer is a running console consumer as the harness watches it (Process): what it
// printed, and a bounded wait on that, which ends early when the consumer has a problem and
// fails with a *Failure in the student's terms.
type Consumer interface {
	Logger
	Await(ctx context.Context, what string, timeout time.Duration, cond func(lines []string) (bool, string)) error
}

// ConsumerError is the failed wait of one of the consumers, the Index-th (from 0).
type ConsumerError struct {
	Index int
	Err   error
}

func (e *ConsumerError) Error() string { return fmt.Sprintf("consumer %d: %v", e.Index+1, e.Err) }
func (e *ConsumerError) Unwrap() error { return e.Err }

// AwaitShown waits, consumer by consumer, until each shows want in order (other messages
// between them), and returns what each showed right after its wait (Shown). On a wait that
// fails it returns what the consumers before showed, and a *ConsumerError.
func AwaitShown[C Consumer](ctx context.Context, consumers []C, want []string) ([][]string, error) {
	var out [][]string
	for i, p := range consumers {
		err := p.Await(ctx, fmt.Sprintf("%s to be shown", QuoteAll(want)), DeliveryTimeout, func(lines []string) (bool, string) {
			shown := Shown(lines)
			return IsSubsequence(want, shown), "shown: " + QuoteAll(shown)
		})
		if err != nil {
			return out, &ConsumerError{Index: i, Err: err}
		}
		out = append(out, Shown(p.Lines()))
	}
	return out, nil
}

// AwaitOwnPartitions waits, consumer by consumer, until each shows the message sent to every
// partition it reads (its readiness messages say which), sent[p] having gone to partition p;
// only then is a count of who showed what final. It returns what each consumer shows once all
// have (Shown); a wait that fails is a *ConsumerError.
func AwaitOwnPartitions[C Consumer](ctx context.Context, consumers []C, sent []string) ([][]string, error) {
	for i, p := range consumers {
		var want []string
		for _, part := range Probes(p.Lines()) {
			if int(part) < len(sent) {
				want = append(want, sent[part])
			}
		}
		err := p.Await(ctx, fmt.Sprintf("consumer %d to show the messages of its partitions", i+1), DeliveryTimeout, func(lines []string) (bool, string) {
			shown := Shown(lines)
			return !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(shown, w) }), "shown: " + QuoteAll(shown)
		})
		if err != nil {
			return nil, &ConsumerError{Index: i, Err: err}
		}
	}
	out := make([][]string, len(consumers))
	for i, p := range consumers {
		out[i] = Shown(p.Lines())
	}
	return out, nil
}

// IsSubsequence says whether want appears in got in order (other elements may come between).
func IsSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// QuoteAll quotes each value, joined by commas; "nothing" when there is none.
func QuoteAll(vs []string) string {
	if len(vs) == 0 {
		return "nothing"
	}
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
