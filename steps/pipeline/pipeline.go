// Package pipeline holds the steps of lab section 6: the student's transaction_generator.py
// and balance_calculator.py, checked on what they write to the topics transactions and
// balance. The programs, waits, flow and restarts are harness/pipeline's; these steps parse,
// call it once and say what it saw in the student's terms.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	"github.com/kafka-lab/kafka-lab/harness/ledger"
	pipe "github.com/kafka-lab/kafka-lab/harness/pipeline"
	"github.com/kafka-lab/kafka-lab/harness/sandbox"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// AddSteps registers section 6's steps; the domain's state is the scenario's pipeline run,
// whose programs and flow are stopped after the scenario.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return scenario.Put(ctx, &pipe.Run{}), nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
		r, err := scenario.Get[pipe.Run](ctx)
		if err != nil {
			return ctx, nil
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := r.Stop(sctx); err != nil {
			if s, serr := scenario.From(ctx); serr == nil {
				fmt.Fprintf(s.Session.Out, "kafka-lab: after the scenario: %v\n", err)
			}
		}
		return ctx, nil
	})
	sc.Step(`^the topics (\S+) and (\S+) with (\d+) partitions each$`, theTopicsWithPartitions)
	sc.Step(`^the student's transaction_generator\.py runs for (\d+) seconds$`, generatorRunsFor)
	sc.Step(`^each partition of (\S+) got from (\d+) to (\d+) messages in those (\d+) seconds, ([\d.]+) to ([\d.]+) seconds apart$`, eachPartitionGot)
	sc.Step(`^every message of (\S+) is an integer from (-?\d+) to (-?\d+), written as text$`, everyMessageIsAnInteger)
	sc.Step(`^the values of (\S+) are drawn at random from (-?\d+) to (-?\d+), for each account$`, valuesAreRandom)
	sc.Step(`^the student's balance_calculator\.py is running$`, calculatorRunning)
	sc.Step(`^these transactions are sent:$`, transactionsSent)
	sc.Step(`^balance holds these balances after them:$`, balanceHolds)
	sc.Step(`^transactions keep flowing to every account$`, transactionsKeepFlowing)
	sc.Step(`^the calculator is killed with SIGKILL and restarted (\d+) times, at random moments$`, calculatorKilledAndRestarted)
	sc.Step(`^the transactions stop$`, transactionsStop)
	sc.Step(`^balance holds exactly one message per transaction in every account, the n-th being the balance after n transactions$`, exactlyOneBalancePerTransaction)
	sc.Step(`^for every account, balance holds one message per transaction the calculator read, the k-th being the sum of the first k$`, everyBalanceRight)
}

// run returns the scenario's state, its cluster and its pipeline run, set to start the
// student's programs in the sandbox.
func run(ctx context.Context) (*scenario.State, *cluster.Cluster, *pipe.Run, error) {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := scenario.Get[pipe.Run](ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	r.Kafka = c.Kafka()
	r.Start = func(ctx context.Context, script string) (pipe.Program, error) {
		p, err := sandbox.Start(ctx, c, s.Session.SubmissionDir, script)
		if err != nil {
			return nil, scenario.Failed(script+" to start", err)
		}
		return p, nil
	}
	return s, c, r, nil
}

// said turns what the harness saw while the programs ran into the student's message.
func said(err error) error {
	var u *pipe.Unmet
	if !errors.As(err, &u) {
		return err
	}
	if f := scenario.Failed(u.What, u.Err); f != u.Err {
		return f
	}
	var forged *pipe.Forged
	if errors.As(err, &forged) {
		return scenario.Check{Program: u.Program, Expected: fmt.Sprintf("messages of %s stamped when they are sent", forged.Topic),
			Observed: forged.Error(),
			Hint:     "let KafkaProducer stamp the messages it sends: do not pass timestamp_ms to send()"}
	}
	return scenario.Check{Program: u.Program, Expected: u.What, Observed: err.Error(), Tail: u.Tail}
}

func theTopicsWithPartitions(ctx context.Context, a, b string, partitions int32) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	if err := c.Kafka().CreateTopic(ctx, a, partitions, 1); err != nil {
		return err
	}
	return c.Kafka().CreateTopic(ctx, b, partitions, 1)
}

func generatorRunsFor(ctx context.Context, seconds int) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	p, err := r.StartProgram(ctx, pipe.Generator)
	if err != nil {
		return err
	}
	if err := r.AwaitFirstTransaction(ctx, p); err != nil {
		return scenario.WithHint(said(err), "send to the topic transactions with KafkaProducer(bootstrap_servers='localhost:9092')")
	}
	if err := r.AwaitWindow(ctx, p, time.Duration(seconds)*time.Second); err != nil {
		return scenario.WithHint(said(err), "send a transaction to every account once a second, for as long as the program runs")
	}
	return r.StopProgram(ctx, p)
}

func eachPartitionGot(ctx context.Context, topic string, lo, hi, seconds int, minGap, maxGap float64) error {
	_, c, r, err := run(ctx)
	if err != nil {
		return err
	}
	if r.WindowStart().IsZero() {
		return fmt.Errorf("no generator ran: add `When the student's transaction_generator.py runs for %d seconds`", seconds)
	}
	msgs, err := c.Kafka().ReadAll(ctx, topic)
	if err != nil {
		return err
	}
	parts, err := c.Kafka().Partitions(topic)
	if err != nil {
		return err
	}
	cd := labcheck.Cadence{Start: r.WindowStart(), Window: time.Duration(seconds) * time.Second, Lo: lo, Hi: hi,
		MinGap: time.Duration(minGap * float64(time.Second)), MaxGap: time.Duration(maxGap * float64(time.Second))}
	if f := cd.Check(topic, msgs, parts); f != nil {
		return scenario.Found(f, pipe.Generator, "")
	}
	return nil
}

// readTopic reads every committed message of topic in the scenario's cluster.
func readTopic(ctx context.Context, topic string) ([]cluster.Message, error) {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return nil, err
	}
	return c.Kafka().ReadAll(ctx, topic)
}

func everyMessageIsAnInteger(ctx context.Context, topic string, lo, hi int64) error {
	msgs, err := readTopic(ctx, topic)
	if err != nil {
		return err
	}
	if f := labcheck.Integers(msgs, lo, hi); f != nil {
		return scenario.Found(f, pipe.Generator, "")
	}
	return nil
}

// valuesAreRandom refuses values that a uniform draw would give less than once in 1e9 runs
// (ledger.RandomnessProblem): a constant generator, one cycling through a few values, a pattern
// per account, the same value to every account.
func valuesAreRandom(ctx context.Context, topic string, lo, hi int64) error {
	msgs, err := readTopic(ctx, topic)
	if err != nil {
		return err
	}
	if f := labcheck.Random(msgs, lo, hi); f != nil {
		return scenario.Found(f, pipe.Generator, "")
	}
	return nil
}

func calculatorRunning(ctx context.Context) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	p, err := r.StartProgram(ctx, pipe.Calculator)
	if err != nil {
		return err
	}
	err = r.AwaitCalculator(ctx, p)
	var foreign *pipe.Foreign
	var misplaced *pipe.Misplaced
	switch {
	case errors.As(err, &foreign):
		return scenario.Check{Program: pipe.Calculator, Expected: "balances sent to the topic balance, and nothing sent to transactions",
			Observed: foreign.Observed, Hint: "send each balance to balance: producer.send('balance', ..., partition=msg.partition); transactions is the generator's", Tail: foreign.Tail}
	case errors.As(err, &misplaced):
		return scenario.Check{Program: pipe.Calculator, Expected: "the balance of each account in its own partition of balance",
			Observed: misplaced.Observed, Hint: "send the balance of account n to partition n: producer.send('balance', ..., partition=msg.partition)", Tail: misplaced.Tail}
	}
	return scenario.WithHint(said(err), "read transactions with KafkaConsumer('transactions', bootstrap_servers='localhost:9092') and send each balance to balance")
}

// accountsTable parses a table of | account | comma-separated values |.
func accountsTable(t *godog.Table) (map[int32][]string, error) {
	out := map[int32][]string{}
	for _, r := range t.Rows[1:] {
		a, err := strconv.Atoi(r.Cells[0].Value)
		if err != nil {
			return nil, fmt.Errorf("account %q in the table is not a number", r.Cells[0].Value)
		}
		for _, v := range strings.Split(r.Cells[1].Value, ",") {
			out[int32(a)] = append(out[int32(a)], strings.TrimSpace(v))
		}
	}
	return out, nil
}

func transactionsSent(ctx context.Context, t *godog.Table) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	sent, err := accountsTable(t)
	if err != nil {
		return err
	}
	return r.SendRounds(ctx, sent)
}

// awaitBalances waits for the balances to check out and says what did not.
func awaitBalances(ctx context.Context, r *pipe.Run, expected string, extra func(int32, ledger.Account) string) error {
	err := r.AwaitBalances(ctx, expected, extra)
	var bad *pipe.Unreadable
	if errors.As(err, &bad) {
		return unreadable(expected, bad)
	}
	var u *pipe.Unbalanced
	if !errors.As(err, &u) {
		return said(err)
	}
	observed := strings.Join(u.Problems, "\n  ")
	if u.Late > 0 {
		observed += fmt.Sprintf("\n  (the calculator had not caught up after %s)", u.Late.Round(time.Second))
	}
	hint := labcheck.BalancesHint
	if u.Diagnosis != "" {
		hint = u.Diagnosis
	}
	return scenario.Check{Program: pipe.Calculator, Expected: expected, Observed: observed, Tail: u.Tail, Hint: hint}
}

// unreadable says that the calculator crashed on a value the generator wrote, and blames the
// generator: the lab's values are integers written as text, which int(msg.value) reads.
func unreadable(expected string, bad *pipe.Unreadable) error {
	ck, ok := scenario.Failed(expected, bad.Err).(scenario.Check)
	if !ok {
		ck = scenario.Check{Expected: expected, Observed: bad.Err.Error()}
	}
	ck.Program = bad.Writer
	ck.Hint = fmt.Sprintf("%s sent %q to %s (partition %d, offset %d), and the calculator cannot read it as an integer: send integers written as text, value=b'%%d' %% n",
		bad.Writer, bad.Value, pipe.Transactions, bad.Partition, bad.Offset)
	return ck
}

func balanceHolds(ctx context.Context, t *godog.Table) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	want, err := accountsTable(t)
	if err != nil {
		return err
	}
	return awaitBalances(ctx, r, "the running balance of every account after the transactions sent", lastBalances(want))
}

// lastBalances checks that each account's last balances are the ones wanted.
func lastBalances(want map[int32][]string) func(int32, ledger.Account) string {
	return func(p int32, a ledger.Account) string {
		w := want[p]
		last := a.Balances[max(0, len(a.Balances)-len(w)):]
		same := len(last) == len(w)
		for i := 0; same && i < len(w); i++ {
			got, gerr := ledger.ParseAmount(last[i])
			exp, eerr := ledger.ParseAmount(w[i])
			same = gerr == nil && eerr == nil && got == exp
		}
		if !same {
			return fmt.Sprintf("its last balances are %s, not %s", strings.Join(last, ", "), strings.Join(w, ", "))
		}
		return ""
	}
}

func everyBalanceRight(ctx context.Context) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	return awaitBalances(ctx, r, "one balance per transaction in every account, the k-th the sum of the first k", nil)
}

func transactionsKeepFlowing(ctx context.Context) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	return r.StartFlow(ctx)
}

func transactionsStop(ctx context.Context) error {
	r, err := scenario.Get[pipe.Run](ctx)
	if err != nil {
		return err
	}
	return r.StopFlow()
}

func calculatorKilledAndRestarted(ctx context.Context, n int) error {
	_, _, r, err := run(ctx)
	if err != nil {
		return err
	}
	return said(r.KillAndRestart(ctx, n, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))))
}

func exactlyOneBalancePerTransaction(ctx context.Context) error {
	s, c, r, err := run(ctx)
	if err != nil {
		return err
	}
	err = awaitBalances(ctx, r, "exactly one balance per transaction in every account, the n-th the balance after n transactions", nil)
	var at []string
	for _, k := range r.Kills() {
		at = append(at, strconv.FormatInt(k, 10))
	}
	if err == nil {
		if ends, eerr := c.Kafka().EndOffsets(ctx, pipe.Transactions); eerr == nil {
			fmt.Fprintf(s.Session.Out, "exactly-once: %d transactions in %d accounts, each with its balance; the calculator was killed at account 0's transaction %s\n",
				pipe.Sum(ends), len(ends), strings.Join(at, ", "))
		}
	}
	var ck scenario.Check
	if errors.As(err, &ck) && len(at) > 0 {
		ck.Observed += fmt.Sprintf("\n  the calculator was killed when account 0 had %s transactions: balances are lost or repeated around a restart when it does not go on from where the balances it sent end", strings.Join(at, ", "))
		ck.Hint = "recover the position and the balances from what balance already holds (or commit offsets in the same Kafka transaction as the balances: send_offsets_to_transaction), and read only committed messages"
		return ck
	}
	return err
}
