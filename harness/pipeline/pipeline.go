// Package pipeline runs lab section 6 against a cluster: the student's transaction generator
// and balance calculator as programs, the harness's own transactions (a table's rounds, or a
// background flow), the kills and restarts of the calculator, and the waits that read both
// topics until the programs have done their job or cannot any more. It knows nothing of godog:
// it returns what it saw as typed errors (Unmet, Forged, Foreign, Misplaced, Unbalanced), and
// the step definitions turn them into the student's messages.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/ledger"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// The lab's names: the programs and their topics.
const (
	Generator    = "transaction_generator.py"
	Calculator   = "balance_calculator.py"
	Transactions = "transactions"
	Balances     = "balance"
)

// Bounds of the waits, each stretched on a slow machine (wait.Scaled).
const (
	// ProgramTimeout bounds a program's start to its first message: python3, kafka-python, a
	// connection.
	ProgramTimeout = 30 * time.Second
	// SettleTimeout bounds the wait for a calculator to settle (ledger.Settled): to catch up
	// with what was sent, a restart and its group's rebalance included. The feature says it.
	SettleTimeout = 60 * time.Second
	// settledAfter is how long a calculator sends no new balance, with no group on its way,
	// before it has sent all it will.
	settledAfter = 3 * time.Second
	// poll is how often a wait reads the topics again.
	poll = 250 * time.Millisecond
	// clockSlack is how far from the harness's clock a message's timestamp may be: the lab's
	// producers let kafka-python stamp each message as it is sent, and a scenario lasts minutes.
	clockSlack = 10 * time.Minute
	// flowEvery is the flow's pace: a round to every account every 50 ms, 200 transactions a
	// second, enough that each restart of the calculator misses some.
	flowEvery = 50 * time.Millisecond
)

// Kafka is what of a cluster the pipeline uses; *cluster.Kafka has it.
type Kafka interface {
	ReadAll(ctx context.Context, topic string) ([]cluster.Message, error)
	Send(ctx context.Context, topic string, msgs ...cluster.Message) error
	EndOffsets(ctx context.Context, topic string) (map[int32]int64, error)
	Partitions(topic string) ([]int32, error)
	// GroupsBehind says which consumer group of topic is still on its way ("" if none).
	GroupsBehind(ctx context.Context, topic string) (string, error)
	// ExpelMembers removes every member of every consumer group, as a session timeout would.
	ExpelMembers(ctx context.Context) (int, error)
}

// Program is one of the student's running programs; *sandbox.Program is one.
type Program interface {
	Name() string
	// Problem is non-nil once the program has stopped by itself, with its story.
	Problem(ctx context.Context) error
	// Tail is the end of what it printed, headed with its name.
	Tail() string
	Kill(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Run is one scenario's pipeline: the programs it started, the transactions worth 0 it sent
// while a calculator got ready, the kills, and the generator's window.
type Run struct {
	Kafka Kafka
	// Start starts one of the student's programs by its script's name.
	Start func(ctx context.Context, script string) (Program, error)

	programs    []Program
	started     map[string]bool // the scripts started in the run, running or not
	zeros       map[int32]int
	kills       []int64
	windowStart time.Time
	flow        *flow
}

// StartProgram starts one of the student's programs; Stop stops it.
func (r *Run) StartProgram(ctx context.Context, script string) (Program, error) {
	p, err := r.Start(ctx, script)
	if err != nil {
		return nil, err
	}
	r.programs = append(r.programs, p)
	if r.started == nil {
		r.started = map[string]bool{}
	}
	r.started[script] = true
	return p, nil
}

// StopProgram stops a program before the run ends, as Ctrl-C would.
func (r *Run) StopProgram(ctx context.Context, p Program) error {
	r.forget(p)
	return p.Stop(ctx)
}

func (r *Run) forget(p Program) {
	for i, q := range r.programs {
		if q == p {
			r.programs = append(r.programs[:i], r.programs[i+1:]...)
			return
		}
	}
}

// Running returns the last program started that still belongs to the run, or nil.
func (r *Run) Running() Program {
	if len(r.programs) == 0 {
		return nil
	}
	return r.programs[len(r.programs)-1]
}

// Kills are account 0's transaction counts each time the calculator was killed.
func (r *Run) Kills() []int64 { return r.kills }

// WindowStart is when the generator's first transaction was stamped (zero before one).
func (r *Run) WindowStart() time.Time { return r.windowStart }

// Stop stops the flow and every program, all at once (each may take its grace to stop).
func (r *Run) Stop(ctx context.Context) error {
	var errs []error
	if r.flow != nil {
		errs = append(errs, r.StopFlow())
	}
	errs = append(errs, container.StopAll(ctx, r.programs))
	r.programs = nil
	return errors.Join(errs...)
}

// Unmet is a wait whose condition the programs did not meet: one stopped (Err wraps its
// problem), the wait saw something final (Err wraps a Forged, say), or time ran out.
type Unmet struct {
	Program string // the first program waited on
	What    string // what was waited for
	Err     error
	Tail    string // the ends of the programs' output
}

func (u *Unmet) Error() string { return u.Err.Error() }
func (u *Unmet) Unwrap() error { return u.Err }

// Await waits for cond while the programs run, giving up at once, with their own story, when
// one of them stops, and when a read would load more than its cap (reading again would read
// as much).
func Await(ctx context.Context, what string, timeout time.Duration, programs []Program, cond wait.Check) error {
	err := wait.Until(ctx, what, timeout, poll, func(ctx context.Context) (bool, string, error) {
		for _, p := range programs {
			if perr := p.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
			}
		}
		done, seen, err := cond(ctx)
		var tooMuch *cluster.TooMuchError
		if errors.As(err, &tooMuch) && !errors.Is(err, wait.ErrStop) {
			err = fmt.Errorf("%w: %w", wait.ErrStop, err)
		}
		return done, seen, err
	})
	if err == nil {
		return nil
	}
	u := &Unmet{What: what, Err: err}
	var tails []string
	for _, p := range programs {
		tails = append(tails, p.Tail())
	}
	if len(programs) > 0 {
		u.Program = programs[0].Name()
	}
	u.Tail = strings.Join(tails, "\n")
	return u
}

// Assigner is a program whose consumers' subscriptions and assignments are known;
// *sandbox.Program is one.
type Assigner interface {
	// Unassigned returns the topics its consumers subscribed to when their Kafka client never
	// gave them a partition, nil otherwise.
	Unassigned() []string
}

// await is Await, with a wait that ran out explained by what the program's consumers got from
// their Kafka client: subscribed to a topic that does not exist, or to topics that exist but
// never given a partition of them.
//
// Both are the student's failure. The lines that say so come from the program's own process
// (launcher.py), so a program can print them: were a never-given partition the harness's
// failure, a program could turn its own failure into "no grade", graded again by every batch.
// The one way an honest program met it, kafka-python's metadata race on a loaded machine, is
// mended at its source by launcher.py (close_metadata_race; `make soak` found no verdict that
// moved since).
func (r *Run) await(ctx context.Context, what string, timeout time.Duration, programs []Program, cond wait.Check) error {
	err := Await(ctx, what, timeout, programs, cond)
	var u *Unmet
	if !errors.As(err, &u) || errors.Is(err, wait.ErrStop) || !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, p := range programs {
		a, ok := p.(Assigner)
		if !ok {
			continue
		}
		topics := a.Unassigned()
		if len(topics) == 0 {
			continue
		}
		var missing []string
		for _, t := range topics {
			if ps, perr := r.Kafka.Partitions(t); perr != nil || len(ps) == 0 {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			u.Err = fmt.Errorf("%w; %s subscribed to %s, which Kafka does not have", u.Err, p.Name(), strings.Join(missing, ", "))
			continue
		}
		u.Err = fmt.Errorf("%w; %s subscribed to %s, which Kafka has, but its Kafka client never gave it a partition of them",
			u.Err, p.Name(), strings.Join(topics, ", "))
	}
	return err
}

// Forged is a message whose timestamp is far from the clock: the lab's windows would end at
// once or never.
type Forged struct {
	Topic     string
	Partition int32
	Offset    int64
	Stamp     time.Time
	Off       time.Duration // from the harness's clock
}

func (f *Forged) Error() string {
	return fmt.Sprintf("partition %d offset %d of %s is stamped %s, %s from now", f.Partition, f.Offset, f.Topic, f.Stamp.UTC().Format(time.RFC3339), f.Off.Round(time.Second))
}

// TimeSpan returns the timestamps of the first and last messages of a topic (zero if none), or
// a Forged (wrapped in wait.ErrStop) for a message stamped far from the clock.
func TimeSpan(ctx context.Context, k Kafka, topic string) (first, last time.Time, err error) {
	return timeSpan(ctx, k, topic, nil)
}

// timeSpan is TimeSpan without the first skip[p] messages of each partition p.
func timeSpan(ctx context.Context, k Kafka, topic string, skip map[int32]int) (first, last time.Time, err error) {
	msgs, err := k.ReadAll(ctx, topic)
	now := time.Now()
	seen := map[int32]int{}
	for _, m := range msgs {
		if seen[m.Partition]++; seen[m.Partition] <= skip[m.Partition] {
			continue
		}
		if d := m.Timestamp.Sub(now); d > clockSlack || d < -clockSlack {
			return first, last, fmt.Errorf("%w: %w", wait.ErrStop, &Forged{Topic: topic, Partition: m.Partition, Offset: m.Offset, Stamp: m.Timestamp, Off: d})
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

// generatorSpan is the time span of the generator's transactions: those of transactions
// without the zeros the harness sent first while a calculator got ready (AwaitCalculator). They
// are stamped when the calculator started, maybe seconds before the generator did: counted,
// they would start the generator's window early, and end it after one round of transactions,
// in which a calculator that does not add up sends the right balances.
func (r *Run) generatorSpan(ctx context.Context) (first, last time.Time, err error) {
	return timeSpan(ctx, r.Kafka, Transactions, r.zeros)
}

// AwaitFirstTransaction waits for the generator's first transaction and notes its timestamp:
// the window starts there. The harness's zeros before it are not the generator's
// (generatorSpan).
func (r *Run) AwaitFirstTransaction(ctx context.Context, p Program) error {
	return r.await(ctx, "the first transaction", ProgramTimeout, []Program{p}, func(ctx context.Context) (bool, string, error) {
		first, _, err := r.generatorSpan(ctx)
		r.windowStart = first
		return err == nil && !first.IsZero(), "no message in transactions yet", err
	})
}

// AwaitWindow waits until the generator has sent for window after its first transaction: the
// window is over once a message stamped after it arrives, time as Kafka saw it.
func (r *Run) AwaitWindow(ctx context.Context, p Program, window time.Duration) error {
	what := fmt.Sprintf("%d seconds of transactions", int(window.Seconds()))
	return r.await(ctx, what, window+ProgramTimeout, []Program{p}, func(ctx context.Context) (bool, string, error) {
		_, last, err := r.generatorSpan(ctx)
		return err == nil && last.Sub(r.windowStart) >= window, fmt.Sprintf("transactions up to %s after the first", last.Sub(r.windowStart).Round(time.Millisecond)), err
	})
}

// Accounts reads both topics and returns each account's transactions and balances.
func Accounts(ctx context.Context, k Kafka) (map[int32]ledger.Account, error) {
	out := map[int32]ledger.Account{}
	for _, topic := range []string{Transactions, Balances} {
		msgs, err := k.ReadAll(ctx, topic)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			a := out[m.Partition]
			if topic == Transactions {
				a.Transactions = append(a.Transactions, m.Value)
			} else {
				a.Balances = append(a.Balances, m.Value)
			}
			out[m.Partition] = a
		}
	}
	return out, nil
}

// Foreign is a calculator that wrote to transactions, the generator's topic.
type Foreign struct{ Observed, Tail string }

func (f *Foreign) Error() string { return f.Observed }

// Misplaced is a calculator that sent an account's balances to another account's partition.
type Misplaced struct{ Observed, Tail string }

func (m *Misplaced) Error() string { return m.Observed }

// AwaitCalculator sends transactions worth 0 to the accounts without a balance until every
// account has one. It stops early when an account has more balances than transactions (they
// are going to the wrong partitions: Misplaced) or transactions holds what the harness did not
// send (Foreign). An account with none yet says nothing: a calculator in a consumer group may
// be given its partitions a few at a time.
func (r *Run) AwaitCalculator(ctx context.Context, p Program) error {
	parts, err := r.Kafka.Partitions(Transactions)
	if err != nil {
		return err
	}
	if r.zeros == nil {
		r.zeros = map[int32]int{}
	}
	var found error
	err = r.await(ctx, "a balance for every account", ProgramTimeout, []Program{p}, func(ctx context.Context) (bool, string, error) {
		accs, err := Accounts(ctx, r.Kafka)
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
			if n := len(a.Transactions) - r.zeros[part]; n > 0 {
				extra = append(extra, fmt.Sprintf("%d in partition %d (the last: %q)", n, part, a.Transactions[len(a.Transactions)-1]))
			}
		}
		if len(extra) > 0 {
			found = &Foreign{Observed: "messages in transactions that the harness did not send: " + strings.Join(extra, ", "), Tail: p.Tail()}
			return false, found.Error(), fmt.Errorf("%w: %w", wait.ErrStop, found)
		}
		if len(over) > 0 {
			found = &Misplaced{Observed: fmt.Sprintf("more balances than transactions in partition(s) %v of balance; none yet in %v", over, empty), Tail: p.Tail()}
			return false, found.Error(), fmt.Errorf("%w: %w", wait.ErrStop, found)
		}
		if len(empty) == 0 {
			return true, "", nil
		}
		var msgs []cluster.Message
		for _, part := range empty {
			msgs = append(msgs, cluster.Message{Partition: part, Value: "0"})
			r.zeros[part]++
		}
		return false, fmt.Sprintf("no balance yet for account(s) %v", empty), r.Kafka.Send(ctx, Transactions, msgs...)
	})
	if found != nil {
		return found
	}
	return err
}

// SendRounds sends each account's transactions round by round, as the generator does: one
// transaction to every account, then the next.
func (r *Run) SendRounds(ctx context.Context, sent map[int32][]string) error {
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
		if err := r.Kafka.Send(ctx, Transactions, msgs...); err != nil {
			return err
		}
	}
}

// Unbalanced is a calculator that settled, or ran out of time, with accounts whose balances
// do not check out.
type Unbalanced struct {
	Problems []string // "account N: what is wrong"
	// Diagnosis names the mistake behind them, read from every account (ledger.Diagnose); ""
	// when none is named.
	Diagnosis string
	// Late is the limit it reached without settling (zero when it settled).
	Late time.Duration
	Tail string
}

func (u *Unbalanced) Error() string { return strings.Join(u.Problems, "; ") }

// AwaitBalances waits until every account's balances check out (ledger.Account.Check, and
// extra, when given, for the account), or until the calculator has settled (ledger.Settled)
// with some that do not, and reports those (Unbalanced).
func (r *Run) AwaitBalances(ctx context.Context, expected string, extra func(int32, ledger.Account) string) error {
	parts, err := r.Kafka.Partitions(Transactions)
	if err != nil {
		return err
	}
	var problems []string
	var accounts map[int32]ledger.Account
	settled := false
	began := time.Now()
	lastCount, lastChange := -1, began
	// A slow machine's calculator pauses longer between balances without having stopped.
	quietFor := wait.Scaled(ctx, settledAfter)
	err = r.await(ctx, expected, SettleTimeout, r.programs, func(ctx context.Context) (bool, string, error) {
		accs, err := Accounts(ctx, r.Kafka)
		if err != nil {
			return false, "", err
		}
		accounts = accs
		count := 0
		for _, a := range accs {
			count += len(a.Balances)
		}
		if count != lastCount {
			lastCount, lastChange = count, time.Now()
		}
		problems = problems[:0]
		for _, p := range parts {
			msg := accs[p].Check(r.zeros[p])
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
			if progress.Behind, err = r.Kafka.GroupsBehind(ctx, Transactions); err != nil {
				return false, "", err
			}
		}
		var why string
		if settled, why = ledger.Settled(progress, quietFor); settled {
			return false, "", fmt.Errorf("%w: settled: %s", wait.ErrStop, why)
		}
		return false, fmt.Sprintf("%d account(s) wrong so far; not settled: %s", len(problems), why), nil
	})
	if fault.Is(err) {
		return err
	}
	if err != nil && len(problems) == 0 {
		return r.unreadable(ctx, err)
	}
	if err == nil {
		return nil
	}
	u := &Unbalanced{Problems: problems, Diagnosis: ledger.Diagnose(accounts, r.zeros)}
	if len(r.programs) > 0 {
		u.Tail = r.programs[0].Tail()
	}
	if limit := wait.Scaled(ctx, SettleTimeout); !settled && time.Since(began) >= limit {
		u.Late = limit
	}
	return u
}

// Unreadable is a program that crashed on a value it could not read as a number, which
// another program of the student's wrote to transactions: the cause is the writer's.
type Unreadable struct {
	Value     string // as it was sent
	Writer    string // the script that wrote it, such as transaction_generator.py
	Partition int32
	Offset    int64
	Err       error // the crash, an *Unmet
}

func (u *Unreadable) Error() string {
	return fmt.Sprintf("%s wrote %q to %s (partition %d, offset %d): %v", u.Writer, u.Value, Transactions, u.Partition, u.Offset, u.Err)
}
func (u *Unreadable) Unwrap() error { return u.Err }

// unreadable turns a program's crash on a value it could not read (its error has an
// UnreadableValue, as *sandbox.Failure does) into an Unreadable, when the value is in
// transactions and the generator ran in this run, so wrote it: the harness sends integers
// only. Any other error passes as it is.
func (r *Run) unreadable(ctx context.Context, err error) error {
	var crash interface{ UnreadableValue() (string, bool) }
	if !errors.As(err, &crash) || !r.started[Generator] {
		return err
	}
	v, ok := crash.UnreadableValue()
	if !ok {
		return err
	}
	msgs, rerr := r.Kafka.ReadAll(ctx, Transactions)
	if rerr != nil {
		return err
	}
	for _, m := range msgs {
		if m.Value == v {
			return &Unreadable{Value: v, Writer: Generator, Partition: m.Partition, Offset: m.Offset, Err: err}
		}
	}
	return err
}

// flow sends transactions to every account in the background until stopped.
type flow struct {
	stop chan struct{}
	done chan error
}

// StartFlow starts sending random transactions to every account in the background, until
// StopFlow.
func (r *Run) StartFlow(ctx context.Context) error {
	parts, err := r.Kafka.Partitions(Transactions)
	if err != nil {
		return err
	}
	f := &flow{stop: make(chan struct{}), done: make(chan error, 1)}
	r.flow = f
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	go func() {
		tick := time.NewTicker(flowEvery)
		defer tick.Stop()
		for {
			var msgs []cluster.Message
			for _, p := range parts {
				msgs = append(msgs, cluster.Message{Partition: p, Value: strconv.Itoa(rng.IntN(21) - 10)})
			}
			if err := r.Kafka.Send(context.WithoutCancel(ctx), Transactions, msgs...); err != nil {
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

// StopFlow stops the flow and returns the error that ended it early, if one did.
func (r *Run) StopFlow() error {
	if r.flow == nil {
		return errors.New("no transactions flow: add `Given transactions keep flowing to every account`")
	}
	close(r.flow.stop)
	err := <-r.flow.done
	r.flow = nil
	return err
}

// KillAndRestart kills the calculator with SIGKILL after a random number of new balances,
// restarts it, and waits until it sends balances again, n times.
func (r *Run) KillAndRestart(ctx context.Context, n int, rng *rand.Rand) error {
	for i := range n {
		p := r.Running()
		if p == nil {
			return errors.New("no calculator runs: add `Given the student's balance_calculator.py is running`")
		}
		if err := r.awaitNewBalances(ctx, p, int64(30+rng.IntN(150)), ""); err != nil {
			return err
		}
		ends, err := r.Kafka.EndOffsets(ctx, Transactions)
		if err != nil {
			return err
		}
		r.kills = append(r.kills, ends[0])
		r.forget(p)
		if err := p.Kill(ctx); err != nil {
			return err
		}
		// The killed calculator cannot leave its consumer group; Kafka would remove it when its
		// session times out (kafka-python: 45 s), and until then the restarted one would wait
		// in a rebalance. The harness does at once what the timeout does: it was the only
		// program in a group.
		if _, err := r.Kafka.ExpelMembers(ctx); err != nil {
			return fmt.Errorf("after killing the calculator: %w", err)
		}
		if p, err = r.StartProgram(ctx, Calculator); err != nil {
			return err
		}
		if err := r.awaitNewBalances(ctx, p, 1, fmt.Sprintf(" after restart %d", i+1)); err != nil {
			return err
		}
	}
	return nil
}

// awaitNewBalances waits until the calculator has sent n more balances than balance holds now.
func (r *Run) awaitNewBalances(ctx context.Context, p Program, n int64, when string) error {
	total := func(ctx context.Context) (int64, error) {
		ends, err := r.Kafka.EndOffsets(ctx, Balances)
		return Sum(ends), err
	}
	start, err := total(ctx)
	if err != nil {
		return err
	}
	return r.await(ctx, fmt.Sprintf("%d new balance(s)%s", n, when), ProgramTimeout, []Program{p}, func(ctx context.Context) (bool, string, error) {
		now, err := total(ctx)
		return now-start >= n, fmt.Sprintf("%d new", now-start), err
	})
}

// Sum adds up a topic's end offsets: the messages it holds, from empty partitions on.
func Sum(ends map[int32]int64) int64 {
	var n int64
	for _, e := range ends {
		n += e
	}
	return n
}
