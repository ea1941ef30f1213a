// Package replication holds the steps of lab section 7: three brokers, a topic with
// replication factor 2, brokers down, the console producer's acks, and the durability run
// that kills brokers under two producers.
package replication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	rep "github.com/kafka-lab/kafka-lab/harness/replication"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// AddSteps registers section 7's steps.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return scenario.Put(ctx, &replicated{}), nil
	})
	sc.Step(`^a cluster of three brokers and one controller$`, haCluster)
	sc.Step(`^the cluster has a new topic with replication factor (\d+)$`, newTopicWithRF)
	sc.Step(`^each of its partitions has its (\d+) replicas on different brokers, all in sync$`, partitionsInSync)
	sc.Step(`^a topic with 1 partition, replication factor (\d+) and min\.insync\.replicas (\d+)$`, aReplicatedTopic)
	sc.Step(`^(\d+) of the brokers holding its replicas (?:is|are) down, the leader first$`, replicasDown)
	sc.Step(`^a console producer with acks=(0|1|all) sends a message$`, consoleProducerSends)
	sc.Step(`^the producer sees (\S+)$`, producerSees)
	sc.Step(`^a consumer can read the message while they are down: (yes|no)$`, readableWhileDown)
	sc.Step(`^a consumer can read it once they are back: (yes|no)$`, readableWhenBack)
	sc.Step(`^each trial of the student's acks_experiment is replayed on the topic it created$`, replayTrials)
	sc.Step(`^every observation the student recorded is what Kafka did$`, observationsMatch)
	sc.Step(`^the trials cover acks 0, 1 and all, each with one and with two brokers down$`, trialsCover)
	sc.Step(`^topics (\S+) and (\S+), each with (\d+) partitions, replication factor (\d+) and min\.insync\.replicas (\d+)$`, durabilityTopics)
	sc.Step(`^producers send numbered messages, to (\S+) with acks=all and idempotence and to (\S+) with acks=1, while a random broker is killed and restarted (\d+) times$`, producersSendWhileKilling)
	sc.Step(`^each producer had at least (\d+) messages acknowledged$`, eachProducerAcked)
	sc.Step(`^every message acknowledged on (\S+) is read back exactly once$`, readBackExactlyOnce)
	sc.Step(`^the counts of every producer are reported: sent, acknowledged, lost and duplicated$`, countsReported)
}

// replicated is section 7's per-scenario state.
type replicated struct {
	// topic is the scenario's topic; value, the message the console producer sent.
	topic, value string
	attempt      *rep.Attempt
	down         []int
	run          *rep.Run
	// trials are the student's acks experiment, replayed on kafka (its version).
	trials []rep.Result
	kafka  string
}

func haCluster(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	s.Cluster, err = s.Session.Cluster(ctx, cluster.HA)
	return err
}

func newTopicWithRF(ctx context.Context, rf int) error {
	s, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	ran, err := s.RequireRan()
	if err != nil {
		return err
	}
	created, err := rep.Created(ctx, c.Kafka())
	if err != nil {
		return err
	}
	fail := scenario.Check{Key: string(ran.Command.Key), Expected: fmt.Sprintf("a new topic with replication factor %d", rf), Output: s.Printed()}
	if len(created) == 0 {
		fail.Observed = "no new topic in the cluster"
		fail.Hint = fmt.Sprintf("create it with kafka-topics.sh --create --topic <name> --replication-factor %d --bootstrap-server localhost:9092", rf)
		return fail
	}
	var seen []string
	for _, name := range slices.Sorted(maps.Keys(created)) {
		got := len(created[name][0].Replicas)
		if got == rf {
			r.topic = name
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s with replication factor %d", name, got))
	}
	fail.Observed = strings.Join(seen, ", ")
	fail.Hint = fmt.Sprintf("set the replication factor with --replication-factor %d (without it the broker's default, 1, applies)", rf)
	return fail
}

func partitionsInSync(ctx context.Context, rf int) error {
	_, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	if r.topic == "" {
		return errors.New("no topic to check: add `Then the cluster has a new topic with replication factor N` before this step")
	}
	states, err := rep.InSync(ctx, c.Kafka(), c, r.topic)
	if err != nil {
		return err
	}
	if f := labcheck.Replicas(states, rf); f != nil {
		return scenario.Found(f, "create_replicated_topic", "")
	}
	return nil
}

func aReplicatedTopic(ctx context.Context, rf int16, minISR int) error {
	_, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	r.topic = fmt.Sprintf("replicated-min-isr-%d", minISR)
	return rep.CreateTopics(ctx, c.Kafka(), c, 1, rf, minISR, r.topic)
}

func replicasDown(ctx context.Context, n int) error {
	_, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	if err := r.requireTopic(); err != nil {
		return err
	}
	r.down, err = rep.TakeDown(ctx, c, r.topic, n)
	return err
}

// state returns the scenario's shared state, its cluster and the domain's own.
func state(ctx context.Context) (*scenario.State, *cluster.Cluster, *replicated, error) {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := scenario.Get[replicated](ctx)
	return s, c, r, err
}

func (r *replicated) requireTopic() error {
	if r.topic == "" {
		return errors.New("no topic in this scenario: add `Given a topic with 1 partition, replication factor 2 and min.insync.replicas N` first")
	}
	return nil
}

func consoleProducerSends(ctx context.Context, acks string) error {
	_, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	if err := r.requireTopic(); err != nil {
		return err
	}
	// From a broker that holds no replica: it stays up, and its localhost:9092 with it.
	from, err := rep.Bystander(c, r.topic)
	if err != nil {
		return err
	}
	r.value = fmt.Sprintf("acks=%s with broker(s) %v down", acks, r.down)
	a, err := rep.SendOne(ctx, c, from, r.topic, acks, r.value)
	if err != nil {
		return err
	}
	r.attempt = &a
	return nil
}

func producerSees(ctx context.Context, want string) error {
	r, err := scenario.Get[replicated](ctx)
	if err != nil {
		return err
	}
	if r.attempt == nil {
		return errors.New("nothing was sent: add `When a console producer with acks=X sends a message` first")
	}
	if got := string(r.attempt.Outcome); got != want {
		return fmt.Errorf("expected the producer to see %s, observed %s (brokers down: %v)\n--- the producer printed:\n%s",
			want, got, r.down, scenario.TailLines(r.attempt.Output, 15))
	}
	return nil
}

func readableWhileDown(ctx context.Context, want string) error {
	return readable(ctx, want, "while the brokers are down")
}

func readableWhenBack(ctx context.Context, want string) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	if err := c.Whole(ctx); err != nil {
		return err
	}
	return readable(ctx, want, "once every broker is back and in sync")
}

// readWithin bounds the one wait that has no later event to wait on: a write the high
// watermark cannot pass while too few replicas are in sync.
const readWithin = 2 * time.Second

func readable(ctx context.Context, want, when string) error {
	_, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	if r.attempt == nil {
		return errors.New("nothing was sent: add `When a console producer with acks=X sends a message` first")
	}
	ok, why, err := rep.ReadableNow(ctx, c.Kafka(), r.topic, r.value, readWithin)
	if err != nil {
		return err
	}
	if got := yesNo(ok); got != want {
		return fmt.Errorf("expected a consumer %s to read the message: %s, Observed: %s (%s)", when, want, got, why)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func durabilityTopics(ctx context.Context, a, b string, partitions int32, rf int16, minISR int) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	return rep.CreateTopics(ctx, c.Kafka(), c, partitions, rf, minISR, a, b)
}

func producersSendWhileKilling(ctx context.Context, durable, fast string, kills int) error {
	_, c, r, err := state(ctx)
	if err != nil {
		return err
	}
	seed := rand.Uint64()
	producers := []rep.Producer{{Topic: durable, Acks: "all", Idempotent: true}, {Topic: fast, Acks: "1"}}
	run, err := rep.Durability(ctx, c, producers, rep.Chaos{Kills: kills, Rand: rand.New(rand.NewPCG(seed, 0))})
	if err != nil {
		return fmt.Errorf("durability run (seed %d): %w", seed, err)
	}
	var ks []string
	for _, k := range run.Kills {
		ks = append(ks, fmt.Sprintf("broker %d at %.1fs (back at %.1fs)", k.Broker, k.At.Seconds(), k.Back.Seconds()))
	}
	godog.Logf(ctx, "durability run (seed %d, %.0fs): killed %s", seed, run.Took.Seconds(), strings.Join(ks, ", "))
	r.run = &run
	return nil
}

// durabilityRun returns the scenario's durability run, or says which step makes one.
func durabilityRun(ctx context.Context) (*rep.Run, error) {
	r, err := scenario.Get[replicated](ctx)
	if err != nil {
		return nil, err
	}
	if r.run == nil {
		return nil, errors.New("no durability run in this scenario: add `When producers send numbered messages ...` first")
	}
	return r.run, nil
}

func eachProducerAcked(ctx context.Context, n int) error {
	run, err := durabilityRun(ctx)
	if err != nil {
		return err
	}
	for _, t := range run.Tallies {
		if t.Acked < n {
			return fmt.Errorf("expected at least %d acknowledged messages, observed %s", n, t)
		}
	}
	return nil
}

func readBackExactlyOnce(ctx context.Context, topic string) error {
	run, err := durabilityRun(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(run.Tallies, func(t rep.Tally) bool { return t.Topic == topic })
	if i < 0 {
		return fmt.Errorf("no producer sent to %s", topic)
	}
	t := run.Tallies[i]
	if len(t.Lost) > 0 || len(t.Duplicated) > 0 {
		return fmt.Errorf("expected every acknowledged message of %s read back exactly once, observed %s; lost %s, duplicated %s",
			topic, t, firstFew(t.Lost), firstFew(t.Duplicated))
	}
	return nil
}

func countsReported(ctx context.Context) error {
	run, err := durabilityRun(ctx)
	if err != nil {
		return err
	}
	for _, t := range run.Tallies {
		godog.Logf(ctx, "%s", t)
	}
	return nil
}

func firstFew(ns []int) string {
	if len(ns) == 0 {
		return "none"
	}
	var parts []string
	for _, n := range ns[:min(len(ns), 10)] {
		parts = append(parts, fmt.Sprint(n))
	}
	if len(ns) > 10 {
		parts = append(parts, fmt.Sprintf("... (%d in all)", len(ns)))
	}
	return strings.Join(parts, ", ")
}
