package pipeline

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// fakeKafka keeps topics in memory; calc, when set, plays a calculator on every read.
type fakeKafka struct {
	mu       sync.Mutex
	parts    []int32
	topics   map[string][]cluster.Message
	calc     func(k *fakeKafka)
	expelled int
	missing  map[string]bool // topics Partitions does not know
}

func newFakeKafka(parts int) *fakeKafka {
	k := &fakeKafka{topics: map[string][]cluster.Message{}}
	for p := range int32(parts) {
		k.parts = append(k.parts, p)
	}
	return k
}

func (k *fakeKafka) ReadAll(_ context.Context, topic string) ([]cluster.Message, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.calc != nil {
		k.calc(k)
	}
	return append([]cluster.Message(nil), k.topics[topic]...), nil
}

func (k *fakeKafka) Send(_ context.Context, topic string, msgs ...cluster.Message) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, m := range msgs {
		if m.Timestamp.IsZero() {
			m.Timestamp = time.Now()
		}
		m.Offset = 0
		for _, o := range k.topics[topic] {
			if o.Partition == m.Partition {
				m.Offset++
			}
		}
		k.topics[topic] = append(k.topics[topic], m)
	}
	return nil
}

func (k *fakeKafka) EndOffsets(_ context.Context, topic string) (map[int32]int64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.calc != nil {
		k.calc(k)
	}
	out := map[int32]int64{}
	for _, p := range k.parts {
		out[p] = 0
	}
	for _, m := range k.topics[topic] {
		out[m.Partition]++
	}
	return out, nil
}

func (k *fakeKafka) Partitions(topic string) ([]int32, error) {
	if k.missing[topic] {
		return nil, errors.New("kafka server: Request was for a topic or partition that does not exist on this broker")
	}
	return k.parts, nil
}
func (k *fakeKafka) GroupsBehind(context.Context, string) (string, error) { return "", nil }
func (k *fakeKafka) ExpelMembers(context.Context) (int, error)            { k.expelled++; return 1, nil }
func (k *fakeKafka) count(topic string, p int32) (n int) {
	for _, m := range k.topics[topic] {
		if m.Partition == p {
			n++
		}
	}
	return n
}

// correct is a calculator that sends each account's running balance to its own partition.
func correct(k *fakeKafka) {
	for _, p := range k.parts {
		var sum int64
		i := 0
		for _, m := range k.topics[Transactions] {
			if m.Partition != p {
				continue
			}
			v, _ := strconv.ParseInt(m.Value, 10, 64)
			sum += v
			if i >= k.count(Balances, p) {
				k.topics[Balances] = append(k.topics[Balances], cluster.Message{Partition: p, Value: strconv.FormatInt(sum, 10), Timestamp: time.Now()})
			}
			i++
		}
	}
}

type fakeProgram struct {
	name            string
	problem         error
	killed, stopped bool
}

func (p *fakeProgram) Name() string                  { return p.name }
func (p *fakeProgram) Problem(context.Context) error { return p.problem }
func (p *fakeProgram) Tail() string                  { return "--- " + p.name + " printed: nothing" }
func (p *fakeProgram) Kill(context.Context) error    { p.killed = true; return nil }
func (p *fakeProgram) Stop(context.Context) error    { p.stopped = true; return nil }

func newRun(k *fakeKafka) (*Run, *[]*fakeProgram) {
	var started []*fakeProgram
	return &Run{Kafka: k, Start: func(_ context.Context, script string) (Program, error) {
		p := &fakeProgram{name: script}
		started = append(started, p)
		return p, nil
	}}, &started
}

func TestAwaitGivesUpWhenAProgramStops(t *testing.T) {
	exited := errors.New("exited with status 1")
	p := &fakeProgram{name: Calculator, problem: exited}
	began := time.Now()
	err := Await(context.Background(), "a balance", time.Minute, []Program{p}, func(context.Context) (bool, string, error) {
		return false, "nothing yet", nil
	})
	var u *Unmet
	if !errors.As(err, &u) || !errors.Is(err, exited) || u.Program != Calculator || u.Tail == "" {
		t.Fatalf("Await = %v; want an Unmet of %s wrapping its problem, with its tail", err, Calculator)
	}
	if time.Since(began) > 10*time.Second {
		t.Errorf("Await took %s: it must give up at once", time.Since(began))
	}
}

func TestAwaitCalculatorSendsZerosUntilEveryAccountHasABalance(t *testing.T) {
	k := newFakeKafka(3)
	k.calc = correct
	r, _ := newRun(k)
	p, _ := r.StartProgram(context.Background(), Calculator)
	if err := r.AwaitCalculator(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, part := range k.parts {
		if k.count(Balances, part) == 0 {
			t.Errorf("account %d has no balance", part)
		}
	}
	// The zeros are the calculator's to skip: balances that follow check out.
	if err := r.SendRounds(context.Background(), map[int32][]string{0: {"5", "-3"}, 1: {"10"}, 2: {"-10"}}); err != nil {
		t.Fatal(err)
	}
	if err := r.AwaitBalances(context.Background(), "balances", nil); err != nil {
		t.Errorf("AwaitBalances = %v; want nil for a correct calculator", err)
	}
}

func TestAwaitCalculatorCatchesWritesToTheWrongTopicOrPartition(t *testing.T) {
	for _, tc := range []struct {
		name string
		calc func(k *fakeKafka)
		want any
	}{
		{"to transactions", func(k *fakeKafka) {
			if len(k.topics[Transactions]) > 0 && len(k.topics[Transactions]) < 10 {
				k.topics[Transactions] = append(k.topics[Transactions], cluster.Message{Partition: 0, Value: "0", Timestamp: time.Now()})
			}
		}, new(*Foreign)},
		{"all to partition 0", func(k *fakeKafka) {
			for range len(k.topics[Transactions]) - len(k.topics[Balances]) {
				k.topics[Balances] = append(k.topics[Balances], cluster.Message{Partition: 0, Value: "0", Timestamp: time.Now()})
			}
		}, new(*Misplaced)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newFakeKafka(3)
			k.calc = tc.calc
			r, _ := newRun(k)
			p, _ := r.StartProgram(context.Background(), Calculator)
			err := r.AwaitCalculator(context.Background(), p)
			if err == nil || !errors.As(err, tc.want) {
				t.Fatalf("AwaitCalculator = %v; want a %T", err, tc.want)
			}
		})
	}
}

func TestAwaitBalancesReportsASettledWrongCalculator(t *testing.T) {
	k := newFakeKafka(2)
	k.calc = func(k *fakeKafka) { // one balance per transaction, always 1
		for range len(k.topics[Transactions]) - len(k.topics[Balances]) {
			k.topics[Balances] = append(k.topics[Balances], cluster.Message{Partition: int32(len(k.topics[Balances]) % 2), Value: "1", Timestamp: time.Now()})
		}
	}
	r, _ := newRun(k)
	if err := r.SendRounds(context.Background(), map[int32][]string{0: {"5"}, 1: {"7"}}); err != nil {
		t.Fatal(err)
	}
	// Settling takes a quiet spell: shortened here, as a fast machine's would be.
	ctx := wait.WithSlowness(context.Background(), 0.1)
	err := r.AwaitBalances(ctx, "balances", nil)
	var u *Unbalanced
	if !errors.As(err, &u) || len(u.Problems) != 2 || u.Late != 0 {
		t.Fatalf("AwaitBalances = %#v; want both accounts reported once the calculator settled", err)
	}
}

// A calculator that sends each transaction as its balance is named so, from every account's
// ledger.
func TestAwaitBalancesDiagnoses(t *testing.T) {
	k := newFakeKafka(2)
	k.calc = func(k *fakeKafka) {
		for _, m := range k.topics[Transactions][len(k.topics[Balances]):] {
			k.topics[Balances] = append(k.topics[Balances], cluster.Message{Partition: m.Partition, Value: m.Value, Timestamp: time.Now()})
		}
	}
	r, _ := newRun(k)
	if err := r.SendRounds(context.Background(), map[int32][]string{0: {"5", "2"}, 1: {"7", "-1"}}); err != nil {
		t.Fatal(err)
	}
	err := r.AwaitBalances(wait.WithSlowness(context.Background(), 0.1), "balances", nil)
	var u *Unbalanced
	if !errors.As(err, &u) || !strings.Contains(u.Diagnosis, "each balance is its transaction's own value") {
		t.Fatalf("AwaitBalances = %#v; want the mistake named", err)
	}
}

func TestKillAndRestart(t *testing.T) {
	k := newFakeKafka(10) // the flow sends 200 transactions a second
	k.calc = correct
	r, started := newRun(k)
	ctx := context.Background()
	if _, err := r.StartProgram(ctx, Calculator); err != nil {
		t.Fatal(err)
	}
	if err := r.StartFlow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.KillAndRestart(ctx, 2, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	if err := r.StopFlow(); err != nil {
		t.Fatal(err)
	}
	if len(*started) != 3 || !(*started)[0].killed || !(*started)[1].killed || (*started)[2].killed {
		t.Errorf("programs started %d; want the first two killed, the third running", len(*started))
	}
	if len(r.Kills()) != 2 || k.expelled != 2 {
		t.Errorf("kills %v, expelled %d; want 2 each", r.Kills(), k.expelled)
	}
	if err := r.Stop(ctx); err != nil || !(*started)[2].stopped {
		t.Errorf("Stop = %v; the running calculator stopped: %v", err, (*started)[2].stopped)
	}
	if err := r.StopFlow(); err == nil {
		t.Error("StopFlow without a flow: want an error that says which step starts one")
	}
}

func TestTimeSpanRefusesForgedTimestamps(t *testing.T) {
	k := newFakeKafka(1)
	_ = k.Send(context.Background(), Transactions, cluster.Message{Value: "1", Timestamp: time.Now().Add(-time.Hour)})
	_, _, err := TimeSpan(context.Background(), k, Transactions)
	var f *Forged
	if !errors.As(err, &f) || !errors.Is(err, wait.ErrStop) {
		t.Fatalf("TimeSpan = %v; want a Forged that stops the wait", err)
	}
}

func TestGeneratorWindow(t *testing.T) {
	k := newFakeKafka(1)
	r, _ := newRun(k)
	p := &fakeProgram{name: Generator}
	start := time.Now()
	for i := range 3 {
		_ = k.Send(context.Background(), Transactions, cluster.Message{Value: "1", Timestamp: start.Add(time.Duration(i) * time.Second)})
	}
	if err := r.AwaitFirstTransaction(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if !r.WindowStart().Equal(start) {
		t.Errorf("window starts %s; want the first transaction's stamp %s", r.WindowStart(), start)
	}
	if err := r.AwaitWindow(context.Background(), p, 2*time.Second); err != nil {
		t.Errorf("AwaitWindow = %v; transactions 2 s after the first end a 2 s window", err)
	}
}

// assigningProgram is a fakeProgram whose consumers subscribed to topics and never got a
// partition of them (unassigned), as launcher.py shows it.
type assigningProgram struct {
	fakeProgram
	unassigned []string
}

func (p *assigningProgram) Unassigned() []string { return p.unassigned }

// A program whose consumer never got a partition fails as the student's, whatever it says of
// itself: the lines that say so are the program's own, and a program that prints them must not
// turn its failure into "no grade".
func TestAwaitSaysAProgramWasNeverAssigned(t *testing.T) {
	never := func(context.Context) (bool, string, error) { return false, "no balance yet", nil }
	for _, tc := range []struct {
		name       string
		unassigned []string
		harness    bool   // the harness's failure (fault), graded again: never, here
		say        string // what the error says
	}{
		{"never assigned a partition of a topic that exists", []string{Transactions}, false, "never gave it a partition of them"},
		{"subscribed to a topic Kafka does not have", []string{"transaction"}, false, "subscribed to transaction, which Kafka does not have"},
		{"assigned, and still no balance", nil, false, "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newFakeKafka(10)
			k.missing = map[string]bool{"transaction": true}
			r, _ := newRun(k)
			p := &assigningProgram{fakeProgram: fakeProgram{name: Calculator}, unassigned: tc.unassigned}
			err := r.await(context.Background(), "a balance for every account", 200*time.Millisecond, []Program{p}, never)
			if fault.Is(err) != tc.harness || err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("await = %v; want harness's failure %v, saying %q", err, tc.harness, tc.say)
			}
		})
	}
	// A program that stopped by itself is its own story, whatever its consumer got.
	r, _ := newRun(newFakeKafka(10))
	p := &assigningProgram{fakeProgram: fakeProgram{name: Calculator, problem: errors.New("exited with status 1")}, unassigned: []string{Transactions}}
	if err := r.await(context.Background(), "a balance", time.Minute, []Program{p}, never); fault.Is(err) {
		t.Errorf("await = %v: a program that exited is not the harness's failure", err)
	}
}

// crashedOn is a program's crash on a value it could not read, as *sandbox.Failure reports it.
type crashedOn string

func (c crashedOn) Error() string {
	return "crashed (exit status 1): ValueError: invalid literal for int() with base 10: b'" + string(c) + "'"
}
func (c crashedOn) UnreadableValue() (string, bool) { return string(c), true }

// A calculator that crashes on a value the generator wrote: the generator is named as its
// writer, with the message; without a generator in the run, or for a value not in
// transactions, the crash is reported as it is.
func TestAwaitBalancesNamesTheWriterOfAnUnreadableValue(t *testing.T) {
	for _, tc := range []struct {
		name      string
		generator bool
		value     string
		writer    string
	}{
		{"the generator's", true, "3.5", Generator},
		{"no generator ran", false, "3.5", ""},
		{"not in transactions", true, "abc", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newFakeKafka(2)
			r, started := newRun(k)
			ctx := context.Background()
			if tc.generator {
				g, _ := r.StartProgram(ctx, Generator)
				if err := r.StopProgram(ctx, g); err != nil {
					t.Fatal(err)
				}
			}
			if err := k.Send(ctx, Transactions, cluster.Message{Partition: 1, Value: "2"}, cluster.Message{Partition: 1, Value: "3.5"}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.StartProgram(ctx, Calculator); err != nil {
				t.Fatal(err)
			}
			(*started)[len(*started)-1].problem = crashedOn(tc.value)
			err := r.AwaitBalances(ctx, "balances", nil)
			var u *Unreadable
			switch {
			case tc.writer == "" && errors.As(err, &u):
				t.Errorf("AwaitBalances = %v; want the crash alone", err)
			case tc.writer == "":
				var un *Unmet
				if !errors.As(err, &un) {
					t.Errorf("AwaitBalances = %v; want the crash", err)
				}
			case !errors.As(err, &u) || u.Writer != tc.writer || u.Value != tc.value || u.Partition != 1 || u.Offset != 1:
				t.Errorf("AwaitBalances = %#v; want %s named as the writer of %s at partition 1 offset 1", err, tc.writer, tc.value)
			}
		})
	}
}

// echo is a calculator that does not add up: it sends each transaction's own value as the
// account's balance (testdata/submissions/no-accumulation).
func echo(k *fakeKafka) {
	for _, p := range k.parts {
		i := 0
		for _, m := range k.topics[Transactions] {
			if m.Partition != p {
				continue
			}
			if i >= k.count(Balances, p) {
				k.topics[Balances] = append(k.topics[Balances], cluster.Message{Partition: p, Value: m.Value, Timestamp: time.Now()})
			}
			i++
		}
	}
}

// slowStartGenerator plays the "together" scenario on a loaded machine: the calculator took
// 6 s to send its first balances, so the harness's first zero is stamped 6 s before the
// generator's first transaction; the generator then sends a round a second (one round every
// other read of the topics, stamped a second apart: the fake's clock runs faster) until stopped. It returns the fake, the run after
// AwaitCalculator, the generator's first stamp and a stop function.
func slowStartGenerator(t *testing.T, calc func(*fakeKafka)) (*fakeKafka, *Run, time.Time, func() int) {
	t.Helper()
	ctx := context.Background()
	k := newFakeKafka(3)
	k.calc = calc
	r, _ := newRun(k)
	p, _ := r.StartProgram(ctx, Calculator)
	if err := r.AwaitCalculator(ctx, p); err != nil {
		t.Fatal(err)
	}
	g0 := time.Now()
	k.mu.Lock()
	for i := range k.topics[Transactions] {
		k.topics[Transactions][i].Timestamp = g0.Add(-6 * time.Second)
	}
	k.mu.Unlock()
	rounds, reads, running := 0, 0, true
	k.calc = func(k *fakeKafka) {
		reads++
		if running && reads%2 == 1 {
			for _, part := range k.parts {
				// Never 0, so that a sum and a value differ from the second transaction on.
				v := strconv.Itoa(1 + (rounds+int(part))%10)
				k.topics[Transactions] = append(k.topics[Transactions],
					cluster.Message{Partition: part, Value: v, Timestamp: g0.Add(time.Duration(rounds) * time.Second)})
			}
			rounds++
		}
		calc(k)
	}
	stop := func() int {
		k.mu.Lock()
		defer k.mu.Unlock()
		running = false
		return rounds
	}
	return k, r, g0, stop
}

// The generator's window starts at its own first transaction, not at the harness's zeros that
// came before it: a calculator slow to start must not shorten the window to one round, in
// which a calculator that does not add up looks right.
func TestGeneratorWindowIgnoresTheHarnessZeros(t *testing.T) {
	t.Parallel() // each waits out a window of polls: side by side, not one after the other
	ctx := context.Background()
	_, r, g0, stop := slowStartGenerator(t, echo)
	gen := &fakeProgram{name: Generator}
	if err := r.AwaitFirstTransaction(ctx, gen); err != nil {
		t.Fatal(err)
	}
	if !r.WindowStart().Equal(g0) {
		t.Errorf("window starts %s; want the generator's first transaction, stamped %s (the harness's zeros are %s before)",
			r.WindowStart().Format(time.StampMilli), g0.Format(time.StampMilli), 6*time.Second)
	}
	if err := r.AwaitWindow(ctx, gen, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if rounds := stop(); rounds < 6 {
		t.Errorf("the generator sent %d round(s) in its 5 s window; want at least 6", rounds)
	}
	err := r.AwaitBalances(ctx, "balances", nil)
	var u *Unbalanced
	if !errors.As(err, &u) {
		t.Fatalf("AwaitBalances = %v; want an Unbalanced for a calculator that does not add up", err)
	}
}

// A correct calculator that started as slowly passes the same scenario.
func TestGeneratorWindowAfterASlowCalculatorKeepsACorrectOne(t *testing.T) {
	t.Parallel() // each waits out a window of polls: side by side, not one after the other
	ctx := context.Background()
	_, r, _, stop := slowStartGenerator(t, correct)
	gen := &fakeProgram{name: Generator}
	if err := r.AwaitFirstTransaction(ctx, gen); err != nil {
		t.Fatal(err)
	}
	if err := r.AwaitWindow(ctx, gen, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := r.AwaitBalances(ctx, "balances", nil); err != nil {
		t.Errorf("AwaitBalances = %v; want nil for a correct calculator", err)
	}
}
