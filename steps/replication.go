package steps

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

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/replication"
)

// Lab section 7: three brokers, replication, brokers down and acks.
func addReplicationSteps(sc *godog.ScenarioContext) {
	sc.Step(`^a cluster of three brokers and one controller$`, haCluster)
	sc.Step(`^the cluster has a new topic with replication factor (\d+)$`, newTopicWithRF)
	sc.Step(`^each of its partitions has its (\d+) replicas on different brokers, all in sync$`, partitionsInSync)
	sc.Step(`^a topic with 1 partition, replication factor (\d+) and min\.insync\.replicas (\d+)$`, aReplicatedTopic)
	sc.Step(`^(\d+) of the brokers holding its replicas (?:is|are) down, the leader first$`, replicasDown)
	sc.Step(`^a console producer with acks=(0|1|all) sends a message$`, consoleProducerSends)
	sc.Step(`^the producer sees (\S+)$`, producerSees)
	sc.Step(`^a consumer can read the message while they are down: (yes|no)$`, readableWhileDown)
	sc.Step(`^a consumer can read it once they are back: (yes|no)$`, readableWhenBack)
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
	attempt      *replication.Attempt
	down         []int
	run          *replication.Run
}

func haCluster(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	s.cluster, err = s.suite.Cluster(ctx, cluster.HA)
	return err
}

// createdTopics returns the cluster's topics with their partition states: every scenario starts
// from a reset cluster, so they are the ones the student's command made.
func createdTopics(ctx context.Context, c *cluster.Cluster) (map[string][]cluster.PartitionState, error) {
	states, err := c.PartitionStatesSettled(ctx, func(st []cluster.PartitionState) bool { return len(st) > 0 })
	if err != nil {
		return nil, err
	}
	out := map[string][]cluster.PartitionState{}
	for _, p := range states {
		out[p.Topic] = append(out[p.Topic], p)
	}
	return out, nil
}

func newTopicWithRF(ctx context.Context, rf int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	ran, err := s.requireRan()
	if err != nil {
		return err
	}
	created, err := createdTopics(ctx, c)
	if err != nil {
		return err
	}
	fail := check{key: string(ran.Command.Key), expected: fmt.Sprintf("a new topic with replication factor %d", rf), output: s.printed()}
	if len(created) == 0 {
		fail.observed = "no new topic in the cluster"
		fail.hint = fmt.Sprintf("create it with kafka-topics.sh --create --topic <name> --replication-factor %d --bootstrap-server localhost:9092", rf)
		return fail
	}
	var seen []string
	for _, name := range slices.Sorted(maps.Keys(created)) {
		got := len(created[name][0].Replicas)
		if got == rf {
			s.rep.topic = name
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s with replication factor %d", name, got))
	}
	fail.observed = strings.Join(seen, ", ")
	fail.hint = fmt.Sprintf("set the replication factor with --replication-factor %d (without it the broker's default, 1, applies)", rf)
	return fail
}

func partitionsInSync(ctx context.Context, rf int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if s.rep.topic == "" {
		return errors.New("no topic to check: add `Then the cluster has a new topic with replication factor N` before this step")
	}
	// A new topic's followers join the ISR after their first fetch.
	if err := c.AwaitInSync(ctx); err != nil {
		return err
	}
	states, err := c.PartitionStates(s.rep.topic)
	if err != nil {
		return err
	}
	for _, p := range states {
		if len(p.Replicas) != rf || len(p.ISR) != rf {
			return check{key: "create_replicated_topic", expected: fmt.Sprintf("%d replicas on different brokers, all in sync, for every partition", rf),
				observed: p.String(), hint: "let Kafka place the replicas: leave out --replica-assignment"}
		}
	}
	return nil
}

func aReplicatedTopic(ctx context.Context, rf int16, minISR int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	s.rep.topic = fmt.Sprintf("replicated-min-isr-%d", minISR)
	return replicatedTopics(ctx, c, 1, rf, minISR, s.rep.topic)
}

// replicatedTopics creates the topics with min.insync.replicas and waits until every replica is
// in sync.
func replicatedTopics(ctx context.Context, c *cluster.Cluster, partitions int32, rf int16, minISR int, names ...string) error {
	for _, t := range names {
		if err := c.CreateTopicWith(ctx, t, partitions, rf, map[string]string{"min.insync.replicas": fmt.Sprint(minISR)}); err != nil {
			return err
		}
	}
	return c.AwaitInSync(ctx)
}

func replicasDown(ctx context.Context, n int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if err := s.requireTopic(); err != nil {
		return err
	}
	s.rep.down, err = replication.TakeDown(ctx, c, s.rep.topic, n)
	return err
}

func (s *Scenario) requireTopic() error {
	if s.rep.topic == "" {
		return errors.New("no topic in this scenario: add `Given a topic with 1 partition, replication factor 2 and min.insync.replicas N` first")
	}
	return nil
}

func consoleProducerSends(ctx context.Context, acks string) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if err := s.requireTopic(); err != nil {
		return err
	}
	// From a broker that holds no replica: it stays up, and its localhost:9092 with it.
	from, err := replication.Bystander(c, s.rep.topic)
	if err != nil {
		return err
	}
	s.rep.value = fmt.Sprintf("acks=%s with broker(s) %v down", acks, s.rep.down)
	a, err := replication.SendOne(ctx, c, from, s.rep.topic, acks, s.rep.value)
	if err != nil {
		return err
	}
	s.rep.attempt = &a
	return nil
}

func producerSees(ctx context.Context, want string) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	if s.rep.attempt == nil {
		return errors.New("nothing was sent: add `When a console producer with acks=X sends a message` first")
	}
	if got := string(s.rep.attempt.Outcome); got != want {
		return fmt.Errorf("expected the producer to see %s, observed %s (brokers down: %v)\n--- the producer printed:\n%s",
			want, got, s.rep.down, tailLines(s.rep.attempt.Output, 15))
	}
	return nil
}

func readableWhileDown(ctx context.Context, want string) error {
	return readable(ctx, want, "while the brokers are down")
}

func readableWhenBack(ctx context.Context, want string) error {
	_, c, err := scenarioCluster(ctx)
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
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if s.rep.attempt == nil {
		return errors.New("nothing was sent: add `When a console producer with acks=X sends a message` first")
	}
	ok, why, err := replication.ReadableNow(ctx, c, s.rep.topic, s.rep.value, readWithin)
	if err != nil {
		return err
	}
	if got := yesNo(ok); got != want {
		return fmt.Errorf("expected a consumer %s to read the message: %s, observed: %s (%s)", when, want, got, why)
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
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	return replicatedTopics(ctx, c, partitions, rf, minISR, a, b)
}

func producersSendWhileKilling(ctx context.Context, durable, fast string, kills int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	seed := rand.Uint64()
	producers := []replication.Producer{{Topic: durable, Acks: "all", Idempotent: true}, {Topic: fast, Acks: "1"}}
	run, err := replication.Durability(ctx, c, producers, replication.Chaos{Kills: kills, Rand: rand.New(rand.NewPCG(seed, 0))})
	if err != nil {
		return fmt.Errorf("durability run (seed %d): %w", seed, err)
	}
	var ks []string
	for _, k := range run.Kills {
		ks = append(ks, fmt.Sprintf("broker %d at %.1fs (back at %.1fs)", k.Broker, k.At.Seconds(), k.Back.Seconds()))
	}
	godog.Logf(ctx, "durability run (seed %d, %.0fs): killed %s", seed, run.Took.Seconds(), strings.Join(ks, ", "))
	s.rep.run = &run
	return nil
}

// durabilityRun returns the scenario's durability run, or says which step makes one.
func durabilityRun(ctx context.Context) (*replication.Run, error) {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return nil, err
	}
	if s.rep.run == nil {
		return nil, errors.New("no durability run in this scenario: add `When producers send numbered messages ...` first")
	}
	return s.rep.run, nil
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
	i := slices.IndexFunc(run.Tallies, func(t replication.Tally) bool { return t.Topic == topic })
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
