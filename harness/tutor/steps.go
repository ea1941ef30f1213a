package tutor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	"github.com/kafka-lab/kafka-lab/harness/lag"
	"github.com/kafka-lab/kafka-lab/harness/ledger"
	pipe "github.com/kafka-lab/kafka-lab/harness/pipeline"
)

// step is a Step with its check of a snapshot.
type step struct {
	Step
	check func(snapshot) verdict
	// sticky is a step that stays done once done: the lab's later steps undo its state (the
	// consumers of section 4 stop in section 5), which is no mistake. Other steps (a topic)
	// show when they are undone.
	sticky bool
}

// verdict is what a check makes of a snapshot.
type verdict struct {
	Status   Status
	Observed string
	Hint     string
}

var todo = verdict{Status: Todo}

func done(observed string) verdict { return verdict{Status: Done, Observed: observed} }

// wrong is a labcheck finding as a step's verdict.
func wrong(f *labcheck.Finding) verdict {
	return verdict{Status: Wrong, Observed: f.Observed, Hint: f.Hint}
}

// initial is the step's state before the first look: an Unseen step says so from the start.
func (s step) initial() verdict {
	if v := s.check(snapshot{history: newHistory()}); v.Status == Unseen {
		return v
	}
	return todo
}

// The lab's figures, as the features write them.
const (
	labPartitions = 10
	perConsumer   = 5
	lowest        = -10
	highest       = 10
	// generatorWindow is the span of transactions the generator's pace is checked on, as
	// section 6's feature checks it: from 3 to 7 messages a partition, 0.5 to 2 s apart.
	generatorWindow = 5 * time.Second
	// minBalances is how many balances of every account the calculator's step waits for: a
	// calculator that sends each transaction's value, not the sum, passes two only if the
	// first transaction of all ten accounts was 0.
	minBalances = 3
)

// stepsOf lists topology's steps, in the lab's order: sections 2-6 for the single broker,
// section 7 for the ha cluster.
func stepsOf(topology cluster.Topology) []step {
	if topology == cluster.HA {
		return haSteps()
	}
	return []step{
		{Step: Step{2, "2.topic", "my_first_topic exists"}, check: topicExists},
		{Step: Step{2, "2.partitions", "my_first_topic has 10 partitions"}, check: topicPartitions},
		{Step: Step{3, "3.messages", "messages sent to my_first_topic"}, check: messagesSent, sticky: true},
		{Step: Step{3, "3.two-consumers", "two console consumers read my_first_topic at once"}, check: twoConsoleConsumers, sticky: true},
		{Step: Step{3, "3.from-beginning", "a console consumer shows the messages sent before it started (--from-beginning)"}, check: fromBeginning},
		{Step: Step{4, "4.members", "my_group has two members"}, check: groupMembers, sticky: true},
		{Step: Step{4, "4.split", "each member of my_group is assigned 5 of the 10 partitions"}, check: groupSplit, sticky: true},
		{Step: Step{4, "4.read-once", "my_group read every message once: its offsets are at the end of every partition"}, check: readOnce, sticky: true},
		{Step: Step{5, "5.stopped", "my_group's consumers stopped: the group keeps its offsets, with no active members"}, check: groupStopped, sticky: true},
		{Step: Step{5, "5.lag", "messages sent while my_group is stopped show as LAG"}, check: groupLag, sticky: true},
		{Step: Step{6, "6.topics", "transactions and balance exist, with 10 partitions each"}, check: pipelineTopics},
		{Step: Step{6, "6.generator", "transaction_generator.py sends a random integer from -10 to 10 to every partition once a second"}, check: generator, sticky: true},
		{Step: Step{6, "6.calculator", "balance_calculator.py sends each account's running balance to its partition of balance"}, check: calculator, sticky: true},
	}
}

// labTopics are the topics the lab creates in sections 2-6.
var labTopics = []string{labTopic, transactions, balance}

func topicExists(s snapshot) verdict {
	if _, ok := s.Topics[labTopic]; ok {
		return done("")
	}
	// A topic of the student's that is none of the lab's may be my_first_topic misspelt.
	for name := range s.Topics {
		if !slices.Contains(labTopics, name) {
			f := labcheck.Topic(s.Topics, labTopic, labPartitions)
			return verdict{Status: Todo, Observed: f.Observed, Hint: f.Hint}
		}
	}
	return todo
}

func topicPartitions(s snapshot) verdict {
	if _, ok := s.Topics[labTopic]; !ok {
		return todo
	}
	if f := labcheck.Topic(s.Topics, labTopic, labPartitions); f != nil {
		return wrong(f)
	}
	return done("")
}

func messagesSent(s snapshot) verdict {
	if n := pipe.Sum(s.Ends[labTopic]); n > 0 {
		return done(fmt.Sprintf("%d message%s in my_first_topic", n, plural(n)))
	}
	return todo
}

func twoConsoleConsumers(s snapshot) verdict {
	if s.consoleAtOnce >= 2 {
		return done("")
	}
	if s.consoleAtOnce == 1 {
		return verdict{Status: Todo, Observed: "one console consumer reads my_first_topic", Hint: "start a second kafka-console-consumer.sh in another terminal, while the first runs"}
	}
	return todo
}

// fromBeginning is unseen: a console consumer started without --group commits no offsets,
// so where it started reading leaves no trace in Kafka.
func fromBeginning(snapshot) verdict {
	return verdict{Status: Unseen, Observed: "Kafka keeps no trace of where a console consumer without a group started reading",
		Hint: "kafka-lab check -section 3 checks console_consumer_from_beginning by running it"}
}

func groupMembers(s snapshot) verdict {
	g := group(s.Groups, labGroup)
	if g == nil || len(g.Members) == 0 {
		return todo
	}
	if len(g.Members) == 2 {
		return done("")
	}
	if g.Rebalancing() {
		return verdict{Status: Todo, Observed: fmt.Sprintf("my_group is rebalancing, with %d members", len(g.Members))}
	}
	// my_group has a member: a consumer reading my_first_topic outside it is the second one,
	// started without --group or with another group's name.
	if f := labcheck.InGroup(readers(s.Groups), labGroup, 2); f != nil && len(readers(s.Groups)) > 1 {
		return wrong(f)
	}
	if len(g.Members) == 1 {
		return verdict{Status: Todo, Observed: "my_group has 1 member", Hint: "start a second consumer with --group my_group"}
	}
	return wrong(labcheck.InGroup([]cluster.Group{*g}, labGroup, 2))
}

func groupSplit(s snapshot) verdict {
	g := group(s.Groups, labGroup)
	if g == nil || len(g.Members) != 2 || g.Rebalancing() {
		return todo
	}
	if f := labcheck.Split([]cluster.Group{*g}, labTopic, perConsumer, labPartitions); f != nil {
		return wrong(f)
	}
	return done("")
}

// positions are my_group's positions in my_first_topic, from the snapshot.
func positions(s snapshot) map[int32]lag.Position {
	out := map[int32]lag.Position{}
	for p, end := range s.Ends[labTopic] {
		c, ok := s.Committed[p]
		if !ok || c < 0 {
			c = 0 // no commit: the group has read nothing of it, as kafka-consumer-groups.sh counts LAG
		}
		out[p] = lag.Position{Committed: c, End: end}
	}
	return out
}

func committedAny(s snapshot) bool {
	return slices.ContainsFunc(slices.Collect(maps.Values(s.Committed)), func(o int64) bool { return o >= 0 })
}

// readOnce is my_group, its two members splitting the partitions, at the end of every
// partition: each message was read by the one member that owns its partition.
func readOnce(s snapshot) verdict {
	g := group(s.Groups, labGroup)
	if g == nil || len(g.Members) != 2 || g.Rebalancing() || pipe.Sum(s.Ends[labTopic]) == 0 || !committedAny(s) ||
		labcheck.Split([]cluster.Group{*g}, labTopic, perConsumer, labPartitions) != nil {
		return todo
	}
	behind := totalLag(positions(s))
	if behind > 0 {
		return verdict{Status: Todo, Observed: fmt.Sprintf("my_group has %d message%s of my_first_topic left to read", behind, plural(behind))}
	}
	return done(fmt.Sprintf("my_group's offsets are at the end of all %d partitions", len(s.Ends[labTopic])))
}

func groupStopped(s snapshot) verdict {
	g := group(s.Groups, labGroup)
	if g == nil || len(g.Members) > 0 || !committedAny(s) {
		return todo
	}
	return done(fmt.Sprintf("no active members; total LAG %d", totalLag(positions(s))))
}

func groupLag(s snapshot) verdict {
	g := group(s.Groups, labGroup)
	if g == nil || len(g.Members) > 0 || !committedAny(s) {
		return todo
	}
	if n := totalLag(positions(s)); n > 0 {
		return done(fmt.Sprintf("total LAG %d", n))
	}
	return verdict{Status: Todo, Observed: "LAG 0 on every partition", Hint: "send more messages to my_first_topic while my_group's consumers are stopped, then describe the group"}
}

func pipelineTopics(s snapshot) verdict {
	_, tx := s.Topics[transactions]
	_, bal := s.Topics[balance]
	if !tx && !bal {
		return todo
	}
	for _, name := range []string{transactions, balance} {
		if f := labcheck.Topic(s.Topics, name, labPartitions); f != nil {
			if _, ok := s.Topics[name]; !ok {
				// The hint of a cluster without the topic: the other one is no misspelling.
				return verdict{Status: Todo, Observed: f.Observed, Hint: labcheck.Topic(nil, name, labPartitions).Hint}
			}
			return wrong(f)
		}
	}
	return done("")
}

func generator(s snapshot) verdict {
	f := s.feeds[transactions]
	if f == nil {
		return todo
	}
	msgs := f.all()
	if len(msgs) == 0 {
		return todo
	}
	first, last := msgs[0].Timestamp, msgs[0].Timestamp
	for _, m := range msgs {
		first, last = minTime(first, m.Timestamp), maxTime(last, m.Timestamp)
	}
	if ran := last.Sub(first); ran < generatorWindow+time.Second {
		return verdict{Status: Todo, Observed: fmt.Sprintf("transactions for %s so far", ran.Round(time.Second))}
	}
	parts := make([]int32, 0, labPartitions)
	for p := range int32(s.Topics[transactions]) {
		parts = append(parts, p)
	}
	// The last full window: the generator's latest second may be on its way.
	cd := labcheck.Cadence{Start: last.Add(-generatorWindow - 500*time.Millisecond), Window: generatorWindow, Lo: 3, Hi: 7,
		MinGap: 500 * time.Millisecond, MaxGap: 2 * time.Second}
	for _, finding := range []*labcheck.Finding{cd.Check(transactions, msgs, parts), labcheck.Integers(msgs, lowest, highest), labcheck.Random(msgs, lowest, highest)} {
		if finding != nil {
			return wrong(finding)
		}
	}
	return done(fmt.Sprintf("%d transactions", len(msgs)))
}

// calculator checks each account's balances with the spec's ledger (ledger.Account.Check):
// the k-th balance is the sum of the first k transactions the calculator read. A calculator
// that reads transactions from the beginning sums from the first; one that reads only new
// ones sums from where it started, which the tutor saw as the account's first balance.
func calculator(s snapshot) verdict {
	tx, bal := s.feeds[transactions], s.feeds[balance]
	if tx == nil || bal == nil || len(bal.msgs) == 0 {
		return todo
	}
	var problems []string
	short := 0
	for p := range int32(s.Topics[balance]) {
		bs := values(bal.msgs[p])
		if len(bs) < minBalances {
			short++
			continue
		}
		if problem := runningSums(values(tx.msgs[p]), bs, s.calcStart[p]); problem != "" {
			problems = append(problems, fmt.Sprintf("account %d: %s", p, problem))
		}
	}
	if len(problems) > 0 {
		return verdict{Status: Wrong, Observed: strings.Join(problems[:min(len(problems), 3)], "; "), Hint: labcheck.BalancesHint}
	}
	if short > 0 {
		return verdict{Status: Todo, Observed: fmt.Sprintf("%d account%s with fewer than %d balances", short, plural(int64(short)), minBalances)}
	}
	return done("")
}

// runningSums says what is wrong with an account's balances, or "": they check out (see
// ledger.Account.Check) against the transactions from the first or from about where the
// calculator started (start: how many transactions the account held at its first balance;
// one that was on its way may have missed a few more or fewer).
func runningSums(tx, bal []string, start int) string {
	candidates := []int{0}
	for s := max(start-3, 1); s <= start+1; s++ {
		candidates = append(candidates, s)
	}
	first := ""
	for _, from := range candidates {
		if from+len(bal) > len(tx) {
			continue
		}
		problem := ledger.Account{Transactions: tx[from : from+len(bal)], Balances: bal}.Check(0)
		if problem == "" {
			return ""
		}
		if first == "" || from == start {
			first = problem
		}
	}
	if first == "" {
		return fmt.Sprintf("%d balances for %d transactions: one balance per transaction, no more", len(bal), len(tx))
	}
	return first
}

// haSteps are section 7's steps, on the ha cluster.
func haSteps() []step {
	return []step{
		{Step: Step{7, "7.replicated", "a topic with replication factor 2, its replicas on different brokers, all in sync"}, check: replicated, sticky: true},
		{Step: Step{7, "7.broker-down", "a broker down, and the in-sync replicas of its partitions shrink"}, check: brokerDown, sticky: true},
		{Step: Step{7, "7.back-in-sync", "every broker back, every replica in sync again"}, check: backInSync, sticky: true},
		{Step: Step{7, "7.acks", "what a producer with acks=0, 1 and all gets with brokers down"}, check: acksUnseen},
	}
}

// replicatedTopics are the partitions of the topics with more than one replica.
func replicatedTopics(s snapshot) map[string][]cluster.PartitionState {
	out := map[string][]cluster.PartitionState{}
	for _, p := range s.States {
		if len(p.Replicas) > 1 {
			out[p.Topic] = append(out[p.Topic], p)
		}
	}
	return out
}

func replicated(s snapshot) verdict {
	var last *labcheck.Finding
	for name, states := range replicatedTopics(s) {
		if f := labcheck.Replicas(states, 2); f == nil {
			return done(name)
		} else {
			last = f
		}
	}
	if last != nil && len(s.Live) == 3 {
		return wrong(last)
	}
	return todo
}

func brokerDown(s snapshot) verdict {
	if len(s.Live) >= 3 {
		return todo
	}
	for _, states := range replicatedTopics(s) {
		for _, p := range states {
			if len(p.ISR) < len(p.Replicas) {
				s.wasDown = true
				return done(fmt.Sprintf("brokers up: %v; %s", s.Live, p))
			}
		}
	}
	return verdict{Status: Todo, Observed: fmt.Sprintf("brokers up: %v", s.Live), Hint: "create a topic with --replication-factor 2 first: its replicas on the broker that is down leave the ISR"}
}

func backInSync(s snapshot) verdict {
	if !s.wasDown || len(s.Live) < 3 {
		return todo
	}
	for _, states := range replicatedTopics(s) {
		if labcheck.Replicas(states, len(states[0].Replicas)) != nil {
			return verdict{Status: Todo, Observed: "some replicas are still catching up"}
		}
	}
	return done("")
}

func acksUnseen(snapshot) verdict {
	return verdict{Status: Unseen, Observed: "what a producer got is the producer's, not Kafka's",
		Hint: "record it in answers.yaml's acks_experiment: kafka-lab check -section 7 replays it"}
}

func totalLag(ps map[int32]lag.Position) int64 {
	var n int64
	for _, p := range ps {
		n += p.Lag()
	}
	return n
}

func values(msgs []cluster.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Value
	}
	return out
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
