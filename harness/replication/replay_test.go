package replication

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// fakeLab is a three-broker cluster whose producers and consumers do what Expect says, from
// the brokers that are down; it records what Replay did.
type fakeLab struct {
	minISR  int
	p0      cluster.PartitionState
	down    []int
	written map[string]bool // value -> stored and readable once back
	log     []string
	// fail makes the producer fail for its own reason when its command has this word.
	fail string
}

const producerLine = "./bin/kafka-console-producer.sh --topic r --bootstrap-server localhost:9092 "

func newFakeLab(minISR int) *fakeLab {
	return &fakeLab{minISR: minISR, written: map[string]bool{},
		p0: cluster.PartitionState{Topic: "r", Partition: 0, Leader: 2, Replicas: []int32{2, 3}, ISR: []int32{2, 3}}}
}

func (f *fakeLab) Kafka() cluster.Image { return kafka391 }
func (f *fakeLab) Brokers() []int       { return []int{1, 2, 3} }
func (f *fakeLab) Partitions(string) ([]cluster.PartitionState, error) {
	return []cluster.PartitionState{f.p0, {Topic: "r", Partition: 1}, {Topic: "r", Partition: 2}}, nil
}
func (f *fakeLab) MinISR(string) (int, error) { return f.minISR, nil }
func (f *fakeLab) Stop(_ context.Context, id int) error {
	f.down = append(f.down, id)
	f.log = append(f.log, fmt.Sprintf("stop %d", id))
	return nil
}
func (f *fakeLab) Whole(context.Context) error {
	f.down = nil
	f.log = append(f.log, "whole")
	return nil
}

func (f *fakeLab) setting(acks string) Setting {
	return Setting{Acks: acks, Replicas: 2, MinISR: f.minISR, ReplicasDown: countIn(f.down, f.p0.Replicas), Kafka: kafka391}
}

func (f *fakeLab) Produce(_ context.Context, cmd submission.Command, id int, line string) (string, error, error) {
	if slices.Contains(f.down, id) {
		return "", nil, fmt.Errorf("producer beside broker %d, which is down", id)
	}
	key, value, _ := strings.Cut(line, KeySeparator)
	if PartitionOf(key, 3) != 0 {
		return "", nil, fmt.Errorf("key %q goes to partition %d", key, PartitionOf(key, 3))
	}
	f.log = append(f.log, fmt.Sprintf("produce beside %d", id))
	if f.fail != "" && strings.Contains(cmd.Text, f.fail) {
		return "Exception in thread \"main\" joptsimple.UnrecognizedOptionException: " + f.fail + " is not a recognized option", &runner.Failure{Command: cmd, What: "exited with code 1"}, nil
	}
	acks, _, _ := AcksOf(cmd, nil)
	o, _ := Expect(f.setting(acks))
	if o.Saw != submission.SawTimeout && o.Saw != submission.SawError {
		f.written[value] = o.ReadAfterBack
	}
	switch o.Saw {
	case submission.SawTimeout:
		return "org.apache.kafka.common.errors.TimeoutException: Expiring 1 record(s)", nil, nil
	case submission.SawError:
		return "org.apache.kafka.common.errors.NotEnoughReplicasException: Messages are rejected", nil, nil
	}
	return ">", nil, nil
}

func (f *fakeLab) Readable(_ context.Context, _, value string) (bool, string, error) {
	stored, ok := f.written[value]
	if !ok {
		return false, "not there", nil
	}
	if len(f.down) == 0 {
		return stored, "", nil
	}
	s := f.setting("1")
	return !s.hwNeedsMinISR() || s.inSync() >= s.MinISR, "", nil
}

func trial(t *testing.T, n int, args string, down int, saw submission.Saw, whileDown, afterBack bool) submission.Trial {
	return submission.Trial{N: n, Line: 10 * n, Producer: producer(t, producerLine+args), BrokersDown: down, Saw: saw,
		ReadWhileDown: whileDown, ReadAfterBack: afterBack}
}

func TestReplay(t *testing.T) {
	ack, to := submission.SawAcknowledged, submission.SawTimeout
	lab := newFakeLab(1)
	lab.fail = "--bogus"
	trials := []submission.Trial{
		trial(t, 1, "--producer-property acks=0", 1, ack, true, true),
		trial(t, 2, "--producer-property acks=all", 2, to, false, false),
		{N: 3, Line: 30, Err: errors.New("answers.yaml line 31: `acks_experiment` trial 3: producer_saw is `it worked`")},
		trial(t, 4, "--producer-property acks=1", 0, ack, true, true),
		trial(t, 5, "--producer-property acks=0", 2, submission.SawError, false, true), // two wrong
		trial(t, 6, "--producer-property acks=1", 3, to, false, false),
		trial(t, 7, "--bogus --producer-property acks=1", 1, ack, true, true),
		{N: 8, Line: 80, Producer: producer(t, "./bin/kafka-console-producer.sh --topic other --bootstrap-server localhost:9092"), BrokersDown: 1, Saw: ack},
		trial(t, 9, "--producer-property acks=1", 1, ack, true, true),
	}
	results, err := Replay(context.Background(), lab, "r", trials, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One outage per brokers_down, the leader first, the producer beside a broker that stays up.
	want := []string{"produce beside 1", "whole", "stop 2", "produce beside 1", "produce beside 1", "produce beside 1", "whole",
		"stop 2", "stop 3", "produce beside 1", "produce beside 1", "whole"}
	if !slices.Equal(lab.log, want) {
		t.Errorf("replay did\n%v\nwant\n%v", lab.log, want)
	}
	for i, w := range []struct {
		ran     bool
		message string
	}{
		{true, ""},
		{true, ""},
		{false, "trial 3 (answers.yaml line 30): not replayed: answers.yaml line 31: `acks_experiment` trial 3: producer_saw is `it worked`"},
		{true, ""},
		{true, "wrong observation: acks=0, 2 down: producer_saw error (Kafka: timeout)\n  wrong observation: acks=0, 2 down: read_after_back yes (Kafka: no)"},
		{false, "brokers_down is 3, but with all 3 brokers down the producer has no broker to connect to"},
		{false, "failed for a reason of its own"},
		{false, "the producer sends to other, but create_replicated_topic created r"},
		{true, ""},
	} {
		r := results[i]
		if r.Ran != w.ran || (w.message == "") != (r.Message() == "") || !strings.Contains(r.Message(), w.message) {
			t.Errorf("trial %d: ran %v, message %q; want ran %v, message with %q", i+1, r.Ran, r.Message(), w.ran, w.message)
		}
	}
	if got := results[0].Setting; got.ReplicasDown != 1 || got.Replicas != 2 || got.Acks != "0" {
		t.Errorf("trial 1's setting: %+v", got)
	}
}

// With min.insync.replicas=2, trials that share an outage keep their own outcomes.
func TestReplayMinISR2(t *testing.T) {
	ack := submission.SawAcknowledged
	lab := newFakeLab(2)
	results, err := Replay(context.Background(), lab, "r", []submission.Trial{
		trial(t, 1, "--request-required-acks 0", 1, ack, false, true),
		trial(t, 2, "--request-required-acks 1", 1, ack, false, true),
		trial(t, 3, "--request-required-acks all", 1, submission.SawError, false, false),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if !r.Ran || r.Message() != "" {
			t.Errorf("trial %d: ran %v, %q (actual %+v)", r.Trial.N, r.Ran, r.Message(), r.Actual)
		}
	}
}
