package replication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// Lab is what Replay needs of the ha cluster and of the student's commands; ClusterLab is the
// real one, the tests have a fake.
type Lab interface {
	Kafka() cluster.Image
	Brokers() []int
	// Partitions returns the topic's partitions, in order, as the metadata says now.
	Partitions(topic string) ([]cluster.PartitionState, error)
	// MinISR is the topic's min.insync.replicas.
	MinISR(topic string) (int, error)
	// Stop takes a broker down and waits until the cluster has let it go; Whole brings every
	// broker back and waits until every replica is in sync.
	Stop(ctx context.Context, id int) error
	Whole(ctx context.Context) error
	// Produce runs the student's producer command from broker id's side, with line on its
	// standard input, to its end. A non-nil failure is the command failing for its own reason
	// (not a producer's send error, which is in out); err is the harness's.
	Produce(ctx context.Context, cmd submission.Command, id int, line string) (out string, failure, err error)
	// Readable says whether a consumer can read value from the topic's first partition now.
	Readable(ctx context.Context, topic, value string) (bool, string, error)
}

// Result is a trial replayed: its setting, what Kafka did, and what the student got wrong.
type Result struct {
	Trial   submission.Trial
	Setting Setting
	// Ran: the trial was replayed to its end; Actual is then what Kafka did.
	Ran    bool
	Actual Observation
	// Output is what the producer printed; Value, the message it sent.
	Output, Value string
	// Wrong are the observations the student recorded that differ from Actual.
	Wrong []Mismatch
	// Problem says why the trial was not replayed, or why its command failed: the trial as
	// written (the student's fix), never the harness.
	Problem string
}

// Message is what the student reads of a trial: "" when it ran and they recorded it right.
func (r Result) Message() string {
	if r.Problem != "" {
		return fmt.Sprintf("trial %d (answers.yaml line %d): %s", r.Trial.N, r.Trial.Line, r.Problem)
	}
	return Explain(r.Trial, r.Setting, r.Actual, r.Wrong)
}

// KeySeparator separates the key the replay gives each message from its value (parse.key).
const KeySeparator = "|"

// Replay replays each trial of the student's acks experiment on topic, which their command
// created: it stops the trial's number of brokers among those holding the replicas of
// partition 0, the leader first (then others, past the replicas), runs the trial's producer
// from a broker that stays up with one keyed message that Kafka's default partitioner sends to
// partition 0, reads the topic while the brokers are down and once they are back, and compares
// with what the student recorded. A trial that cannot be replayed as written, or whose command
// fails for its own reason, has its Problem; the others go on.
//
// Trials with the same brokers_down are replayed together, with one stop and one restart: a
// trial's outcome depends only on which replicas are up and in sync, which none of the trials
// changes (each sends one message of its own, and the reads look for that message only), so
// replaying them side by side in one outage gives what one outage each would.
func Replay(ctx context.Context, lab Lab, topic string, trials []submission.Trial, config map[string][]byte) ([]Result, error) {
	parts, err := lab.Partitions(topic)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("topic %s has no partition", topic)
	}
	minISR, err := lab.MinISR(topic)
	if err != nil {
		return nil, err
	}
	p0 := parts[0]
	order := downOrder(p0, lab.Brokers())
	results := make([]Result, len(trials))
	groups := map[int][]int{} // brokers_down -> indexes of trials to replay
	for i, t := range trials {
		r := &results[i]
		r.Trial = t
		if t.Err != nil {
			r.Problem = "not replayed: " + strings.TrimPrefix(t.Err.Error(), fmt.Sprintf("answers.yaml line %d: ", t.Line))
			continue
		}
		acks, from, err := AcksOf(t.Producer, config)
		r.Setting = Setting{Acks: acks, AcksFrom: from, Replicas: len(p0.Replicas), MinISR: minISR, BrokersDown: t.BrokersDown, Kafka: lab.Kafka()}
		if err != nil {
			r.Problem = "not replayed: " + err.Error()
			continue
		}
		if why := notReplayable(t, topic, len(order)); why != "" {
			r.Problem = "not replayed: " + why
			continue
		}
		r.Setting.ReplicasDown = countIn(order[:t.BrokersDown], p0.Replicas)
		groups[t.BrokersDown] = append(groups[t.BrokersDown], i)
	}
	key := KeyFor("kafka-lab-", int(p0.Partition), len(parts))
	for _, down := range slices.Sorted(maps.Keys(groups)) {
		// The producer runs beside the broker last in line to go down, which holds no replica
		// when there is one: it is up in every trial.
		if err := replayGroup(ctx, lab, topic, order[:down], order[len(order)-1], key, groups[down], results); err != nil {
			return results, err
		}
	}
	return results, nil
}

// replayGroup replays the trials (indexes into results) with the brokers down stopped, the
// producers running from broker up, then brings the brokers back.
func replayGroup(ctx context.Context, lab Lab, topic string, down []int, up int, key string, idx []int, results []Result) error {
	for _, id := range down {
		if err := lab.Stop(ctx, id); err != nil {
			return err
		}
	}
	var ran []int
	for _, i := range idx {
		r := &results[i]
		value := fmt.Sprintf("kafka-lab trial %d: acks=%s, brokers %v down", r.Trial.N, r.Setting.Acks, down)
		out, failure, err := lab.Produce(ctx, r.Trial.Producer, up, key+KeySeparator+value)
		if err != nil {
			return err
		}
		r.Output = out
		outcome, cerr := classify(r.Setting.Acks, out)
		switch {
		case outcome == NotEnoughReplicas || outcome == Timeout:
			// A send error: the producer's, whatever its exit code.
		case failure != nil:
			r.Problem = "the producer failed for a reason of its own, so Kafka's answer could not be observed: " + failureWords(failure)
			continue
		case cerr != nil:
			r.Problem = fmt.Sprintf("the producer failed with an error this experiment does not make (%v), so Kafka's answer could not be observed:\n%s", cerr, tail(out, 10))
			continue
		}
		r.Actual.Saw = sawOf(outcome)
		if r.Actual.ReadWhileDown, _, err = lab.Readable(ctx, topic, value); err != nil {
			return err
		}
		r.Value, r.Ran = value, true
		ran = append(ran, i)
	}
	if err := lab.Whole(ctx); err != nil {
		return err
	}
	for _, i := range ran {
		r := &results[i]
		ok, _, err := lab.Readable(ctx, topic, r.Value)
		if err != nil {
			return err
		}
		r.Actual.ReadAfterBack = ok
		r.Wrong = Compare(Observation{Saw: r.Trial.Saw, ReadWhileDown: r.Trial.ReadWhileDown, ReadAfterBack: r.Trial.ReadAfterBack}, r.Actual)
	}
	return nil
}

// failureWords is a command's failure, with only the end of what it printed: a tool's usage
// text runs to a hundred lines, and the hint already quotes its error.
func failureWords(err error) string {
	var f *runner.Failure
	if !errors.As(err, &f) {
		return err.Error()
	}
	short := *f
	short.Output = tail(f.Output, 6)
	if strings.Contains(f.Hint, "the tool said") {
		short.Output = "" // the hint quotes the tool's error line
	}
	return short.Error()
}

func sawOf(o Outcome) submission.Saw {
	switch o {
	case NotEnoughReplicas:
		return submission.SawError
	case Timeout:
		return submission.SawTimeout
	}
	return submission.SawAcknowledged
}

// downOrder is the order in which brokers go down for a trial: partition p's leader, its other
// replicas, then the brokers that hold none.
func downOrder(p cluster.PartitionState, brokers []int) []int {
	order := []int{int(p.Leader)}
	for _, r := range p.Replicas {
		if r != p.Leader {
			order = append(order, int(r))
		}
	}
	for _, b := range brokers {
		if !slices.Contains(order, b) {
			order = append(order, b)
		}
	}
	return order
}

func countIn(ids []int, replicas []int32) int {
	n := 0
	for _, id := range ids {
		if slices.Contains(replicas, int32(id)) {
			n++
		}
	}
	return n
}

// notReplayable says why a trial cannot be replayed as written ("" when it can): a producer
// that sends to another topic than the one created, or no broker left up for it.
func notReplayable(t submission.Trial, topic string, brokers int) string {
	if t.BrokersDown >= brokers {
		return fmt.Sprintf("brokers_down is %d, but with all %d brokers down the producer has no broker to connect to: the lab's trials stop 1 or 2 of the 3", t.BrokersDown, brokers)
	}
	if got := optionValue(t.Producer.Args, "--topic"); got != topic {
		if got == "" {
			return fmt.Sprintf("the producer has no --topic: send to %s, the topic create_replicated_topic created (--topic %s)", topic, topic)
		}
		return fmt.Sprintf("the producer sends to %s, but create_replicated_topic created %s: replay the experiment on the replicated topic (--topic %s)", got, topic, topic)
	}
	return ""
}

// optionValue is the value of option name in args (`--name value` or `--name=value`), the last
// one given.
func optionValue(args []string, name string) string {
	var v string
	for i, a := range args {
		switch {
		case a == name && i+1 < len(args):
			v = args[i+1]
		case strings.HasPrefix(a, name+"="):
			v = strings.TrimPrefix(a, name+"=")
		}
	}
	return v
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
