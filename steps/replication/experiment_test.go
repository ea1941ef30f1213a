package replication

import (
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	rep "github.com/kafka-lab/kafka-lab/harness/replication"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

// results is a replayed experiment: a trial per cell of cells, each recorded right.
func results(cells ...rep.Cell) []rep.Result {
	var out []rep.Result
	for i, c := range cells {
		out = append(out, rep.Result{Trial: submission.Trial{N: i + 1, Line: 10 + 5*i, BrokersDown: c.Down}, Ran: true,
			Setting: rep.Setting{Acks: c.Acks, Replicas: 2, MinISR: 1, BrokersDown: c.Down, ReplicasDown: c.Down,
				Kafka: cluster.Image{KafkaVersion: "3.9.1", Major: 3, Minor: 9}}})
	}
	return out
}

func TestObservationsAndCoverage(t *testing.T) {
	ctx, _ := scenariotest.New(t)
	r := &replicated{}
	ctx = scenario.Put(ctx, r)
	if err := observationsMatch(ctx); err == nil {
		t.Error("observationsMatch passed with no replay")
	}
	r.topic, r.kafka = "my_replicated_topic", "3.9.1"
	r.trials = results(rep.CoverageCells...)
	scenariotest.WantCheck(t, observationsMatch(ctx), "")
	scenariotest.WantCheck(t, trialsCover(ctx), "")

	// Trial 2 recorded wrong, trial 3 not replayed: both named, and the cell trial 3 was for.
	r.trials[1].Wrong = []rep.Mismatch{{Field: rep.FieldSaw, Recorded: "error", Actual: "acknowledged"}}
	r.trials[1].Trial.Saw = submission.SawError
	r.trials[2].Ran, r.trials[2].Problem = false, "not replayed: producer_saw is `it worked`"
	scenariotest.WantCheck(t, observationsMatch(ctx), "each trial's observations as Kafka 3.9.1 gives them, replayed on my_replicated_topic",
		"trial 2 (answers.yaml line 15: acks=1, 1 of the partition's 2 replica brokers down): you recorded that the producer printed an error",
		"wrong observation: acks=1, 1 down: producer_saw error (Kafka: acknowledged)",
		"trial 3 (answers.yaml line 20): not replayed: producer_saw is `it worked`",
		"and, for the next step: no trial replayed with acks=all with 1 broker(s) down",
		"lab section 7, answers.yaml `acks_experiment`")
	scenariotest.WantCheck(t, trialsCover(ctx), "no trial replayed with acks=all with 1 broker(s) down")
}

func TestExperimentTopic(t *testing.T) {
	p := func(text string) submission.Trial {
		cmd, err := submission.ParseCommand(submission.AcksExperiment, 1, text)
		if err != nil {
			t.Fatal(err)
		}
		return submission.Trial{Producer: cmd}
	}
	trials := []submission.Trial{{Err: errNotReplayed}, p("kafka-console-producer.sh --topic nope --bootstrap-server localhost:9092"),
		p("kafka-console-producer.sh --bootstrap-server localhost:9092 --topic b")}
	if got := experimentTopic([]string{"a", "b"}, trials); got != "b" {
		t.Errorf("experimentTopic = %q, want the one the producers name", got)
	}
	if got := experimentTopic([]string{"a", "c"}, trials); got != "a" {
		t.Errorf("experimentTopic = %q, want the first created", got)
	}
}

var errNotReplayed = scenario.Check{Observed: "a trial written wrong"}

// TestWrongObservationsSurviveTheCap: twelve wrong trials, some of which failed with a long
// output, make a message past the report's cap; each trial's "wrong observation" line is still
// in it, for the class report to count.
func TestWrongObservationsSurviveTheCap(t *testing.T) {
	ctx, _ := scenariotest.New(t)
	r := &replicated{topic: "my_replicated_topic", kafka: "3.9.1"}
	ctx = scenario.Put(ctx, r)
	cells := append(append([]rep.Cell{}, rep.CoverageCells...), rep.CoverageCells...)
	r.trials = results(cells...)
	wrong := 0
	for i := range r.trials {
		if i%2 == 0 { // failed for a reason of its own, with a long output
			r.trials[i].Ran, r.trials[i].Problem = false, strings.Repeat("the tool said a great deal. ", 60)
			continue
		}
		r.trials[i].Trial.Saw = submission.SawError
		r.trials[i].Wrong = []rep.Mismatch{{Field: rep.FieldSaw, Recorded: "error", Actual: "acknowledged"}}
		wrong++
	}
	err := observationsMatch(ctx)
	if err == nil {
		t.Fatal("no failure")
	}
	if len(err.Error()) > 2*container.ShownLimit {
		t.Errorf("the message has %d bytes", len(err.Error()))
	}
	if got := strings.Count(err.Error(), "wrong observation: "); got != wrong {
		t.Errorf("%d wrong observation lines in the message, want %d:\n%s", got, wrong, err)
	}
}
