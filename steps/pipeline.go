package steps

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/ledger"
	"kafka-lab/harness/sandbox"
	"kafka-lab/harness/wait"
)

// Lab section 6: the student's Python programs, a transaction generator and a balance calculator.
func addPipelineSteps(sc *godog.ScenarioContext) {
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

const (
	generator      = "transaction_generator.py"
	calculator     = "balance_calculator.py"
	transactions   = "transactions"
	balances       = "balance"
	programTimeout = 30 * time.Second // from start to its first message: python3, kafka-python, a connection
	// settleTimeout bounds the wait for a calculator to settle (ledger.Settled): to catch up
	// with what was sent, a restart and its group's rebalance included. The feature says it.
	settleTimeout = 60 * time.Second
	settledAfter  = 3 * time.Second // without a new balance, and no group on its way, a calculator has sent all it will
)

func theTopicsWithPartitions(ctx context.Context, a, b string, partitions int32) error {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if err := c.CreateTopic(ctx, a, partitions, 1); err != nil {
		return err
	}
	return c.CreateTopic(ctx, b, partitions, 1)
}

// startProgram starts one of the student's programs; it is stopped after the scenario.
func (s *Scenario) startProgram(ctx context.Context, script string) (*sandbox.Program, error) {
	c, err := s.requireCluster()
	if err != nil {
		return nil, err
	}
	p, err := sandbox.Start(ctx, c, s.suite.SubmissionDir, script)
	if err != nil {
		return nil, failed(script+" to start", err)
	}
	s.programs = append(s.programs, p)
	return p, nil
}

// programWait waits for a condition while the programs run, giving up at once, with their
// own story, when one of them stops.
func programWait(ctx context.Context, what string, timeout time.Duration, programs []*sandbox.Program, cond wait.Check) error {
	err := wait.Until(ctx, what, timeout, 250*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		for _, p := range programs {
			if perr := p.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
			}
		}
		done, seen, err := cond(ctx)
		var tooMuch *cluster.TooMuchError
		if errors.As(err, &tooMuch) && !errors.Is(err, wait.ErrStop) {
			err = fmt.Errorf("%w: %w", wait.ErrStop, err) // reading again would read as much
		}
		return done, seen, err
	})
	if err == nil {
		return nil
	}
	if f := failed(what, err); f != err {
		return f
	}
	var c check
	if errors.As(err, &c) {
		c.program = programs[0].Script
		return c
	}
	var tails []string
	for _, p := range programs {
		tails = append(tails, p.Tail())
	}
	return check{program: programs[0].Script, expected: what, observed: err.Error(), tail: strings.Join(tails, "\n")}
}

func generatorRunsFor(ctx context.Context, seconds int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	p, err := s.startProgram(ctx, generator)
	if err != nil {
		return err
	}
	s.window = time.Duration(seconds) * time.Second
	err = programWait(ctx, "the first transaction", programTimeout, []*sandbox.Program{p}, func(ctx context.Context) (bool, string, error) {
		first, _, err := timeSpan(ctx, c, transactions)
		s.windowStart = first
		return err == nil && !first.IsZero(), "no message in transactions yet", err
	})
	if err != nil {
		return withHint(err, "send to the topic transactions with KafkaProducer(bootstrap_servers='localhost:9092')")
	}
	// The window is over once a message stamped after it arrives: time as Kafka saw it.
	err = programWait(ctx, fmt.Sprintf("%d seconds of transactions", seconds), s.window+programTimeout, []*sandbox.Program{p}, func(ctx context.Context) (bool, string, error) {
		_, last, err := timeSpan(ctx, c, transactions)
		return err == nil && last.Sub(s.windowStart) >= s.window, fmt.Sprintf("transactions up to %s after the first", last.Sub(s.windowStart).Round(time.Millisecond)), err
	})
	if err != nil {
		return withHint(err, "send a transaction to every account once a second, for as long as the program runs")
	}
	return s.stopProgram(ctx, p)
}

// stopProgram stops a program before the scenario ends, as Ctrl-C would.
func (s *Scenario) stopProgram(ctx context.Context, p *sandbox.Program) error {
	s.programs = slices.DeleteFunc(s.programs, func(q *sandbox.Program) bool { return q == p })
	return p.Stop(ctx)
}

// clockSlack is how far from the harness's clock a message's timestamp may be: the lab's
// producers let kafka-python stamp each message as it is sent, and a scenario lasts minutes.
const clockSlack = 10 * time.Minute

// timeSpan returns the timestamps of the first and last messages of a topic (zero if none).
// A timestamp far from the clock is a forged one, which would make the lab's windows end at
// once or never: an error.
func timeSpan(ctx context.Context, c *cluster.Cluster, topic string) (first, last time.Time, err error) {
	msgs, err := c.ReadAll(ctx, topic)
	now := time.Now()
	for _, m := range msgs {
		if d := m.Timestamp.Sub(now); d > clockSlack || d < -clockSlack {
			return first, last, fmt.Errorf("%w: %w", wait.ErrStop, check{
				expected: fmt.Sprintf("messages of %s stamped when they are sent", topic),
				observed: fmt.Sprintf("partition %d offset %d is stamped %s, %s from now", m.Partition, m.Offset, m.Timestamp.UTC().Format(time.RFC3339), d.Round(time.Second)),
				hint:     "let KafkaProducer stamp the messages it sends: do not pass timestamp_ms to send()",
			})
		}
		if first.IsZero() || m.Timestamp.Before(first) {
			first = m.Timestamp
		}
		if m.Timestamp.After(last) {
			last = m.Timestamp
		}
	}
	return first, last, err
}

func withHint(err error, hint string) error {
	if c, ok := err.(check); ok && c.hint == "" {
		c.hint = hint
		return c
	}
	return err
}

func eachPartitionGot(ctx context.Context, topic string, lo, hi, seconds int, minGap, maxGap float64) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	if s.windowStart.IsZero() {
		return fmt.Errorf("no generator ran: add `When the student's transaction_generator.py runs for %d seconds`", seconds)
	}
	msgs, err := c.ReadAll(ctx, topic)
	if err != nil {
		return err
	}
	parts, err := c.Client().Partitions(topic)
	if err != nil {
		return err
	}
	times := map[int32][]time.Time{}
	for _, m := range msgs {
		if d := m.Timestamp.Sub(s.windowStart); d >= 0 && d < time.Duration(seconds)*time.Second {
			times[m.Partition] = append(times[m.Partition], m.Timestamp)
		}
	}
	lowGap, highGap := time.Duration(minGap*float64(time.Second)), time.Duration(maxGap*float64(time.Second))
	var bad, all []string
	for _, p := range parts {
		ts := times[p]
		all = append(all, fmt.Sprintf("%d: %d", p, len(ts)))
		if len(ts) < lo || len(ts) > hi {
			bad = append(bad, fmt.Sprintf("partition %d got %d", p, len(ts)))
			continue
		}
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < lowGap || gap > highGap {
				bad = append(bad, fmt.Sprintf("partition %d got two %s apart", p, gap.Round(time.Millisecond)))
				break
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return check{program: generator, expected: fmt.Sprintf("one message a second in each partition of %s: from %d to %d in %d seconds, %.1f to %.1f seconds apart", topic, lo, hi, seconds, minGap, maxGap),
		observed: fmt.Sprintf("%s; messages per partition: %s", strings.Join(bad, ", "), strings.Join(all, ", ")),
		hint:     "send one transaction to each partition (partition=account_number), then sleep a second, in a loop"}
}

// readTopic reads every committed message of topic in the scenario's cluster.
func readTopic(ctx context.Context, topic string) ([]cluster.Message, error) {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return nil, err
	}
	return c.ReadAll(ctx, topic)
}

func everyMessageIsAnInteger(ctx context.Context, topic string, lo, hi int64) error {
	msgs, err := readTopic(ctx, topic)
	if err != nil {
		return err
	}
	var bad []string
	for _, m := range msgs {
		v, err := ledger.ParseAmount(m.Value)
		if err != nil || v < lo || v > hi {
			bad = append(bad, fmt.Sprintf("%q (partition %d, offset %d)", m.Value, m.Partition, m.Offset))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	if len(bad) > 5 {
		bad = append(bad[:5], fmt.Sprintf("and %d more", len(bad)-5))
	}
	return check{program: generator, expected: fmt.Sprintf("every message an integer from %d to %d, as text (b'%%d' %% value)", lo, hi),
		observed: fmt.Sprintf("%d of %d messages are not: %s", len(bad), len(msgs), strings.Join(bad, ", ")),
		hint:     "random.randrange(-10, 11) gives -10 to 10; send value=b'%d' % n"}
}

// valuesAreRandom refuses values that a uniform draw would give less than once in 1e9 runs
// (ledger.RandomnessProblem): a constant generator, one cycling through a few values, a pattern
// per account, the same value to every account.
func valuesAreRandom(ctx context.Context, topic string, lo, hi int64) error {
	msgs, err := readTopic(ctx, topic)
	if err != nil {
		return err
	}
	values := map[int32][]int64{}
	for _, m := range msgs {
		if v, err := ledger.ParseAmount(m.Value); err == nil {
			values[m.Partition] = append(values[m.Partition], v)
		}
	}
	problem := ledger.RandomnessProblem(values, lo, hi)
	if problem == "" {
		return nil
	}
	return check{program: generator, expected: fmt.Sprintf("a random integer from %d to %d for each transaction, drawn anew for every account", lo, hi),
		observed: problem, hint: "draw each value with random.randrange(-10, 11) (or random.randint(-10, 10)) inside the loop, once per account"}
}

func calculatorRunning(ctx context.Context) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	p, err := s.startProgram(ctx, calculator)
	if err != nil {
		return err
	}
	return s.awaitCalculator(ctx, c, p)
}

// awaitCalculator sends transactions worth 0 to the accounts without a balance until every
// account has one. It stops early when an account has more balances than transactions: they
// are going to the wrong partitions. (An account with none yet says nothing: a calculator in a
// consumer group may be given its partitions a few at a time.)
func (s *Scenario) awaitCalculator(ctx context.Context, c *cluster.Cluster, p *sandbox.Program) error {
	parts, err := c.Client().Partitions(transactions)
	if err != nil {
		return err
	}
	if s.zeros == nil {
		s.zeros = map[int32]int{}
	}
	var misplaced, foreign string
	err = programWait(ctx, "a balance for every account", programTimeout, []*sandbox.Program{p}, func(ctx context.Context) (bool, string, error) {
		accs, err := accounts(ctx, c)
		if err != nil {
			return false, "", err
		}
		var empty, over []int32
		var extra []string
		for _, part := range parts {
			a := accs[part]
			if len(a.Balances) == 0 {
				empty = append(empty, part)
			}
			if len(a.Balances) > len(a.Transactions) {
				over = append(over, part)
			}
			// Until now only the harness wrote to transactions: its zeros.
			if n := len(a.Transactions) - s.zeros[part]; n > 0 {
				extra = append(extra, fmt.Sprintf("%d in partition %d (the last: %q)", n, part, a.Transactions[len(a.Transactions)-1]))
			}
		}
		if len(extra) > 0 {
			foreign = "messages in transactions that the harness did not send: " + strings.Join(extra, ", ")
			return false, foreign, fmt.Errorf("%w: %s", wait.ErrStop, foreign)
		}
		if len(over) > 0 {
			misplaced = fmt.Sprintf("more balances than transactions in partition(s) %v of balance; none yet in %v", over, empty)
			return false, misplaced, fmt.Errorf("%w: %s", wait.ErrStop, misplaced)
		}
		if len(empty) == 0 {
			return true, "", nil
		}
		var msgs []cluster.Message
		for _, part := range empty {
			msgs = append(msgs, cluster.Message{Partition: part, Value: "0"})
			s.zeros[part]++
		}
		return false, fmt.Sprintf("no balance yet for account(s) %v", empty), c.Send(ctx, transactions, msgs...)
	})
	if foreign != "" {
		return check{program: calculator, expected: "balances sent to the topic balance, and nothing sent to transactions",
			observed: foreign, hint: "send each balance to balance: producer.send('balance', ..., partition=msg.partition); transactions is the generator's", tail: p.Tail()}
	}
	if misplaced != "" {
		return check{program: calculator, expected: "the balance of each account in its own partition of balance",
			observed: misplaced, hint: "send the balance of account n to partition n: producer.send('balance', ..., partition=msg.partition)", tail: p.Tail()}
	}
	return withHint(err, "read transactions with KafkaConsumer('transactions', bootstrap_servers='localhost:9092') and send each balance to balance")
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
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	sent, err := accountsTable(t)
	if err != nil {
		return err
	}
	s.sent = sent
	// Round by round, as the generator does: one transaction to every account, then the next.
	for round := 0; ; round++ {
		var msgs []cluster.Message
		for a, vs := range sent {
			if round < len(vs) {
				msgs = append(msgs, cluster.Message{Partition: a, Value: vs[round]})
			}
		}
		if len(msgs) == 0 {
			return nil
		}
		if err := c.Send(ctx, transactions, msgs...); err != nil {
			return err
		}
	}
}

// accounts reads both topics and returns each account's transactions and balances.
func accounts(ctx context.Context, c *cluster.Cluster) (map[int32]ledger.Account, error) {
	out := map[int32]ledger.Account{}
	for _, topic := range []string{transactions, balances} {
		msgs, err := c.ReadAll(ctx, topic)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			a := out[m.Partition]
			if topic == transactions {
				a.Transactions = append(a.Transactions, m.Value)
			} else {
				a.Balances = append(a.Balances, m.Value)
			}
			out[m.Partition] = a
		}
	}
	return out, nil
}

// awaitBalances waits until every account's balances check out (ledger.Account.Check, and
// extra, when given, for the account), or until the calculator has settled (ledger.Settled)
// with some that do not, and reports those.
func (s *Scenario) awaitBalances(ctx context.Context, expected string, extra func(int32, ledger.Account) string) error {
	c, err := s.requireCluster()
	if err != nil {
		return err
	}
	parts, err := c.Client().Partitions(transactions)
	if err != nil {
		return err
	}
	var problems []string
	settled := false
	began := time.Now()
	lastCount, lastChange := -1, began
	// A slow machine's calculator pauses longer between balances without having stopped.
	quietFor := wait.Scaled(ctx, settledAfter)
	err = programWait(ctx, expected, settleTimeout, s.programs, func(ctx context.Context) (bool, string, error) {
		accs, err := accounts(ctx, c)
		if err != nil {
			return false, "", err
		}
		count := 0
		for _, a := range accs {
			count += len(a.Balances)
		}
		if count != lastCount {
			lastCount, lastChange = count, time.Now()
		}
		problems = problems[:0]
		for _, p := range parts {
			msg := accs[p].Check(s.zeros[p])
			if msg == "" && extra != nil {
				msg = extra(p, accs[p])
			}
			if msg != "" {
				problems = append(problems, fmt.Sprintf("account %d: %s", p, msg))
			}
		}
		if len(problems) == 0 {
			return true, "", nil
		}
		progress := ledger.Progress{Accounts: accs, Quiet: time.Since(lastChange)}
		if progress.Quiet >= quietFor {
			// Only a quiet calculator needs asking whether its group is still on its way.
			if progress.Behind, err = c.GroupsBehind(ctx, transactions); err != nil {
				return false, "", err
			}
		}
		var why string
		if settled, why = ledger.Settled(progress, quietFor); settled {
			return false, "", fmt.Errorf("%w: settled: %s", wait.ErrStop, why)
		}
		return false, fmt.Sprintf("%d account(s) wrong so far; not settled: %s", len(problems), why), nil
	})
	if err == nil {
		return nil
	}
	if len(problems) == 0 {
		return err
	}
	var tail string
	if len(s.programs) > 0 {
		tail = s.programs[0].Tail()
	}
	observed := strings.Join(problems, "\n  ")
	if limit := wait.Scaled(ctx, settleTimeout); !settled && time.Since(began) >= limit {
		observed += fmt.Sprintf("\n  (the calculator had not caught up after %s)", limit.Round(time.Second))
	}
	return check{program: calculator, expected: expected, observed: observed, tail: tail,
		hint: "keep a balance per account (msg.partition), add int(msg.value) for every transaction, and send the new balance to the same partition of balance (partition=msg.partition)"}
}

func balanceHolds(ctx context.Context, t *godog.Table) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	want, err := accountsTable(t)
	if err != nil {
		return err
	}
	return s.awaitBalances(ctx, "the running balance of every account after the transactions sent", func(p int32, a ledger.Account) string {
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
	})
}

func everyBalanceRight(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	return s.awaitBalances(ctx, "one balance per transaction in every account, the k-th the sum of the first k", nil)
}

// flow sends transactions to every account in the background until stopped.
type flow struct {
	stop chan struct{}
	done chan error
}

func transactionsKeepFlowing(ctx context.Context) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	parts, err := c.Client().Partitions(transactions)
	if err != nil {
		return err
	}
	f := &flow{stop: make(chan struct{}), done: make(chan error, 1)}
	s.flow = f
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	go func() {
		// A round to every account every 50 ms: 200 transactions a second, enough that each
		// restart of the calculator misses some.
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var msgs []cluster.Message
			for _, p := range parts {
				msgs = append(msgs, cluster.Message{Partition: p, Value: strconv.Itoa(rng.IntN(21) - 10)})
			}
			if err := c.Send(context.WithoutCancel(ctx), transactions, msgs...); err != nil {
				f.done <- err
				return
			}
			select {
			case <-f.stop:
				f.done <- nil
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

func transactionsStop(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	if s.flow == nil {
		return fmt.Errorf("no transactions flow: add `Given transactions keep flowing to every account`")
	}
	close(s.flow.stop)
	err = <-s.flow.done
	s.flow = nil
	return err
}

// calculatorKilledAndRestarted kills the calculator with SIGKILL after a random number of new
// balances, restarts it, and waits until it sends balances again, n times.
func calculatorKilledAndRestarted(ctx context.Context, n int) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := range n {
		if len(s.programs) == 0 {
			return fmt.Errorf("no calculator runs: add `Given the student's balance_calculator.py is running`")
		}
		p := s.programs[len(s.programs)-1]
		if err := awaitNewBalances(ctx, c, p, int64(30+rng.IntN(150))); err != nil {
			return err
		}
		ends, err := c.EndOffsets(ctx, transactions)
		if err != nil {
			return err
		}
		s.kills = append(s.kills, ends[0])
		s.programs = s.programs[:len(s.programs)-1]
		if err := p.Kill(ctx); err != nil {
			return err
		}
		// The killed calculator cannot leave its consumer group; Kafka would remove it when its
		// session times out (kafka-python: 45 s), and until then the restarted one would wait
		// in a rebalance. The harness does at once what the timeout does: it was the only
		// program in a group.
		if _, err := c.ExpelMembers(ctx); err != nil {
			return fmt.Errorf("after killing the calculator: %w", err)
		}
		p, err = s.startProgram(ctx, calculator)
		if err != nil {
			return err
		}
		if err := awaitNewBalances(ctx, c, p, 1); err != nil {
			return fmt.Errorf("after restart %d: %w", i+1, err)
		}
	}
	return nil
}

// awaitNewBalances waits until the calculator has sent n more balances than balance holds now.
func awaitNewBalances(ctx context.Context, c *cluster.Cluster, p *sandbox.Program, n int64) error {
	total := func(ctx context.Context) (int64, error) {
		ends, err := c.EndOffsets(ctx, balances)
		return sum(ends), err
	}
	start, err := total(ctx)
	if err != nil {
		return err
	}
	return programWait(ctx, fmt.Sprintf("%d new balance(s)", n), programTimeout, []*sandbox.Program{p}, func(ctx context.Context) (bool, string, error) {
		now, err := total(ctx)
		return now-start >= n, fmt.Sprintf("%d new", now-start), err
	})
}

func exactlyOneBalancePerTransaction(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	err = s.awaitBalances(ctx, "exactly one balance per transaction in every account, the n-th the balance after n transactions", nil)
	var at []string
	for _, k := range s.kills {
		at = append(at, strconv.FormatInt(k, 10))
	}
	if err == nil {
		if c, cerr := s.requireCluster(); cerr == nil {
			if ends, eerr := c.EndOffsets(ctx, transactions); eerr == nil {
				fmt.Fprintf(s.suite.Out, "exactly-once: %d transactions in %d accounts, each with its balance; the calculator was killed at account 0's transaction %s\n",
					sum(ends), len(ends), strings.Join(at, ", "))
			}
		}
	}
	if c, ok := err.(check); ok && len(s.kills) > 0 {
		c.observed += fmt.Sprintf("\n  the calculator was killed when account 0 had %s transactions: balances are lost or repeated around a restart when it does not go on from where the balances it sent end", strings.Join(at, ", "))
		c.hint = "recover the position and the balances from what balance already holds (or commit offsets in the same Kafka transaction as the balances: send_offsets_to_transaction), and read only committed messages"
		return c
	}
	return err
}

// sum adds up a topic's end offsets: the messages it holds, from empty partitions on.
func sum(ends map[int32]int64) int64 {
	var n int64
	for _, e := range ends {
		n += e
	}
	return n
}
