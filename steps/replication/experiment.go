package replication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/container"
	rep "github.com/kafka-lab/kafka-lab/harness/replication"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

const acksKey = string(submission.AcksExperiment)

// replayTrials replays the student's acks experiment on the topic their
// create_replicated_topic made (see rep.Replay).
func replayTrials(ctx context.Context) error {
	s, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	if _, err := s.RequireRan(); err != nil {
		return err
	}
	trials, err := s.Answers.Trials()
	if err != nil {
		return scenario.Check{Key: acksKey, Expected: "an `acks_experiment` answer: a list of trials", Observed: err.Error(),
			Hint: "write each trial as docs/students.md shows: producer, brokers_down, producer_saw, read_while_down, read_after_back"}
	}
	created, err := rep.Created(ctx, c.Kafka())
	if err != nil {
		return err
	}
	if len(created) == 0 {
		return scenario.Check{Key: string(submission.CreateReplicatedTopic), Expected: "a new topic to replay the acks experiment on",
			Observed: "no new topic in the cluster", Hint: "create it with kafka-topics.sh --create --topic <name> --replication-factor 2 --bootstrap-server localhost:9092"}
	}
	r.topic = experimentTopic(slices.Sorted(maps.Keys(created)), trials)
	r.kafka = c.Image.KafkaVersion
	// A new topic's followers join the ISR after their first fetch: each trial starts in sync.
	if err := c.AwaitInSync(ctx); err != nil {
		return err
	}
	files, err := s.Config()
	if err != nil {
		return err
	}
	run, err := s.Runner()
	if err != nil {
		return err
	}
	start := time.Now()
	r.trials, err = rep.Replay(ctx, rep.ClusterLab{C: c, Runner: run, ReadWithin: readWithin}, r.topic, trials, files)
	if err != nil {
		return fmt.Errorf("replay the acks experiment on %s: %w", r.topic, err)
	}
	godog.Logf(ctx, "acks experiment: %d trial(s) replayed on %s in %.1fs", len(trials), r.topic, time.Since(start).Seconds())
	return nil
}

// experimentTopic is the created topic the trials send to, or the first one created.
func experimentTopic(created []string, trials []submission.Trial) string {
	for _, t := range trials {
		for i, a := range t.Producer.Args {
			if a == "--topic" && i+1 < len(t.Producer.Args) && slices.Contains(created, t.Producer.Args[i+1]) {
				return t.Producer.Args[i+1]
			}
		}
	}
	return created[0]
}

func replayed(ctx context.Context) (*replicated, error) {
	r, err := scenario.Get[replicated](ctx)
	if err != nil {
		return nil, err
	}
	if r.trials == nil {
		return nil, errors.New("no trial was replayed: add `When each trial of the student's acks_experiment is replayed on the topic it created` first")
	}
	return r, nil
}

func observationsMatch(ctx context.Context) error {
	r, err := replayed(ctx)
	if err != nil {
		return err
	}
	var wrong []string
	for _, t := range r.trials {
		if m := t.Message(); m != "" {
			wrong = append(wrong, m)
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	// The next step's verdict too, so that one message says all there is to fix.
	if missing := missingCells(r.trials); missing != "" {
		wrong = append(wrong, "and, for the next step: "+missing)
	}
	// A report caps the message as a whole, which would cut the middle trials' "wrong
	// observation" lines (each trial's last) that the class report counts: cap each trial
	// instead, keeping its end.
	if n := len(strings.Join(wrong, "\n")); n > container.ShownLimit {
		for i := range wrong {
			wrong[i] = container.Elide(wrong[i], container.ShownLimit/len(wrong)-64)
		}
	}
	return scenario.Check{Key: acksKey,
		Expected: fmt.Sprintf("each trial's observations as Kafka %s gives them, replayed on %s", r.kafka, r.topic),
		Observed: strings.Join(wrong, "\n"),
		Hint:     "run the trial again by hand (make cluster TOPOLOGY=ha), and read Kafka's design notes on replication: a message is committed once every in-sync replica has it, and only committed messages are given out to consumers"}
}

func trialsCover(ctx context.Context) error {
	r, err := replayed(ctx)
	if err != nil {
		return err
	}
	missing := missingCells(r.trials)
	if missing == "" {
		return nil
	}
	return scenario.Check{Key: acksKey,
		Expected: "trials with acks 0, 1 and all, each with one and with two brokers down, each replayed",
		Observed: missing,
		Hint:     "add a trial for each: set acks with --producer-property acks=0 (or 1, or all) and stop that many of the brokers holding the partition's replicas, the leader first"}
}

// missingCells names the cells of the lab's grid that no replayed trial covers ("" when none).
func missingCells(trials []rep.Result) string {
	var covered []rep.Cell
	for _, t := range trials {
		if t.Ran {
			covered = append(covered, rep.Cell{Acks: t.Setting.Acks, Down: t.Trial.BrokersDown})
		}
	}
	var names []string
	for _, m := range rep.Missing(covered) {
		names = append(names, m.String())
	}
	if len(names) == 0 {
		return ""
	}
	return "no trial replayed with " + strings.Join(names, ", ")
}
