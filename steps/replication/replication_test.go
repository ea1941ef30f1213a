package replication

import (
	"strings"
	"testing"

	rep "github.com/kafka-lab/kafka-lab/harness/replication"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

func TestProducerSees(t *testing.T) {
	ctx, _ := scenariotest.New(t)
	r := &replicated{}
	ctx = scenario.Put(ctx, r)
	if err := producerSees(ctx, "acknowledged"); err == nil || !strings.Contains(err.Error(), "nothing was sent") {
		t.Errorf("producerSees before a send = %v; want it to say which step sends", err)
	}
	r.attempt = &rep.Attempt{Outcome: rep.NotEnoughReplicas, Output: "NOT_ENOUGH_REPLICAS"}
	r.down = []int{2}
	if err := producerSees(ctx, string(rep.NotEnoughReplicas)); err != nil {
		t.Error(err)
	}
	if err := producerSees(ctx, string(rep.Acknowledged)); err == nil || !strings.Contains(err.Error(), "observed NOT_ENOUGH_REPLICAS (brokers down: [2])") {
		t.Errorf("producerSees = %v", err)
	}
}

func TestReadBackExactlyOnce(t *testing.T) {
	ctx, _ := scenariotest.New(t)
	r := &replicated{run: &rep.Run{Tallies: []rep.Tally{
		{Producer: rep.Producer{Topic: "durable", Acks: "all"}, Sent: 100, Acked: 100, Read: 100},
		{Producer: rep.Producer{Topic: "fast", Acks: "1"}, Sent: 100, Acked: 100, Read: 98, Lost: []int{3, 4}},
	}}}
	ctx = scenario.Put(ctx, r)
	if err := readBackExactlyOnce(ctx, "durable"); err != nil {
		t.Error(err)
	}
	if err := readBackExactlyOnce(ctx, "fast"); err == nil || !strings.Contains(err.Error(), "lost 3, 4") {
		t.Errorf("readBackExactlyOnce(fast) = %v; want the lost numbers", err)
	}
	if err := eachProducerAcked(ctx, 101); err == nil {
		t.Error("eachProducerAcked(101) passed with 100 acknowledged")
	}
	if firstFew(make([]int, 12)) != "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ... (12 in all)" {
		t.Errorf("firstFew = %q", firstFew(make([]int, 12)))
	}
}
