package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kafka-lab/kafka-lab/features"
	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcluster"
	"github.com/kafka-lab/kafka-lab/harness/tutor"
)

func TestTutorUsageStatuses(t *testing.T) {
	var buf strings.Builder
	old := stderr
	stderr = &buf
	defer func() { stderr = old }()
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"tutor", "-help"}, 0},
		{[]string{"tutor", "sideways"}, 2},
		{[]string{"tutor", "zookeeper"}, 2}, // section 1 is the student's own servers: no steps to tick
		{[]string{"tutor", "single", "extra"}, 2},
		{[]string{"tutor", "-json=maybe"}, 2},
		{[]string{"tutor", "-interval", "soon"}, 2},
		{[]string{"tutor", "-no-such-flag"}, 2},
	} {
		if got := Main(c.args); got != c.want {
			t.Errorf("kafka-lab %v: exit %d, want %d", c.args, got, c.want)
		}
	}
	for _, f := range []string{"-json", "-out", "NO_COLOR", "Ctrl-C"} {
		if !strings.Contains(buf.String(), f) {
			t.Errorf("tutor -help does not name %s", f)
		}
	}
	if !regexp.MustCompile(`(?m)^  tutor \[single\|ha\]`).MatchString(mainUsage) {
		t.Error("kafka-lab's usage does not list tutor")
	}
}

var tutorT0 = time.Date(2026, 12, 7, 14, 3, 4, 0, time.UTC)

// someStates are steps of two sections in every status.
func someStates() []tutor.StepState {
	st := func(sec int, id, title string, s tutor.Status, observed, hint string) tutor.StepState {
		return tutor.StepState{Step: tutor.Step{Section: sec, ID: id, Title: title}, Status: s, Observed: observed, Hint: hint, Since: tutorT0}
	}
	return []tutor.StepState{
		st(2, "2.topic", "my_first_topic exists", tutor.Done, "", ""),
		st(2, "2.partitions", "my_first_topic has 10 partitions", tutor.Wrong, "my_first_topic has 1 partition",
			"created without --partitions: delete it and create it again with --partitions 10"),
		st(3, "3.messages", "messages in my_first_topic", tutor.Undone, "no topic my_first_topic", "it was done: messages in my_first_topic"),
		st(3, "3.read", "a console consumer read them", tutor.Unseen, "Kafka keeps no trace of it", "kafka-lab check -section 3 checks it"),
		st(3, "3.two", "two console consumers at once", tutor.Todo, "", ""),
	}
}

func plainView(m checklist) string { return ansi.Strip(m.render()) }

func TestChecklistDrawsEveryStatus(t *testing.T) {
	m := newChecklist("kafka-lab tutor: single cluster, Kafka 3.9.1 at localhost:9092", map[int]string{2: "Topics"}, someStates())
	m = update(t, m, tea.WindowSizeMsg{Width: 200, Height: 50})
	got := plainView(m)
	want := `kafka-lab tutor: single cluster, Kafka 3.9.1 at localhost:9092

Section 2: Topics
  ✓ my_first_topic exists
  ✗ my_first_topic has 10 partitions
    seen: my_first_topic has 1 partition
    hint: created without --partitions: delete it and create it again with --partitions 10
Section 3
  ↺ messages in my_first_topic
    seen: no topic my_first_topic
    hint: it was done: messages in my_first_topic
  – a console consumer read them
    kafka-lab check -section 3 checks it
  ○ two console consumers at once

1 of 5 steps done · q or Ctrl-C: stop and remove the cluster`
	if got != want {
		t.Errorf("the checklist:\n%s\nwant:\n%s", got, want)
	}
}

func update(t *testing.T, m checklist, msg tea.Msg) checklist {
	t.Helper()
	next, _ := m.Update(msg)
	return next.(checklist)
}

func TestChecklistUpdatesInPlace(t *testing.T) {
	states := someStates()
	m := update(t, newChecklist("h", nil, states[:2]), tea.WindowSizeMsg{Width: 200, Height: 50})
	states[1].Status, states[1].Observed, states[1].Hint = tutor.Done, "", ""
	m = update(t, m, statesMsg{states: states[:2]})
	if got := plainView(m); !strings.Contains(got, "  ✓ my_first_topic has 10 partitions") || strings.Contains(got, "hint") ||
		!strings.Contains(got, "2 of 2 steps done") {
		t.Errorf("after the step was done:\n%s", got)
	}
	m = update(t, m, statesMsg{states: states[:2], err: errors.New("dial tcp 127.0.0.1:9092: connection refused")})
	if got := plainView(m); !strings.Contains(got, "Kafka does not answer (dial tcp 127.0.0.1:9092: connection refused): trying again") {
		t.Errorf("a failed look is not shown:\n%s", got)
	}
	m = update(t, m, statesMsg{states: states[:2]})
	if got := plainView(m); strings.Contains(got, "does not answer") {
		t.Errorf("Kafka answers again, still shown as not:\n%s", got)
	}
}

func TestChecklistStopsOnCtrlCAndQ(t *testing.T) {
	for _, key := range []tea.KeyPressMsg{{Code: 'c', Mod: tea.ModCtrl}, {Code: 'q', Text: "q"}, {Code: tea.KeyEscape}} {
		next, cmd := newChecklist("h", nil, someStates()).Update(key)
		if cmd == nil {
			t.Errorf("%s: no command", key)
			continue
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", key)
		}
		if got := plainView(next.(checklist)); !strings.Contains(got, "stopping: removing the cluster") {
			t.Errorf("%s: the last frame does not say the cluster goes:\n%s", key, got)
		}
	}
	if _, cmd := newChecklist("h", nil, someStates()).Update(tea.KeyPressMsg{Code: 'x', Text: "x"}); cmd != nil {
		t.Error("x quits")
	}
}

// A narrow terminal wraps a hint under its step; a short one folds the sections done, so that
// the steps left stay on the screen.
func TestChecklistFitsTheTerminal(t *testing.T) {
	m := update(t, newChecklist("h", nil, someStates()), tea.WindowSizeMsg{Width: 44, Height: 50})
	for l := range strings.SplitSeq(plainView(m), "\n") {
		if ansi.StringWidth(l) > 44 {
			t.Errorf("line wider than the terminal's 44 columns: %q", l)
		}
	}
	if got := plainView(m); !strings.Contains(got, "    hint: created without --partitions:\n      delete it") {
		t.Errorf("the hint does not wrap under its step:\n%s", got)
	}

	states := someStates()
	states[1].Status = tutor.Done
	m = update(t, newChecklist("h", nil, states), tea.WindowSizeMsg{Width: 100, Height: 10})
	got := plainView(m)
	if !strings.Contains(got, "Section 2  ✓ all 2 steps done") || strings.Contains(got, "my_first_topic exists") {
		t.Errorf("section 2, done, is not folded on a short terminal:\n%s", got)
	}
	if !strings.Contains(got, "↺ messages in my_first_topic") {
		t.Errorf("section 3, not done, is folded:\n%s", got)
	}
}

// What the student's cluster holds (a topic's or a group's name, in what Kafka showed and in
// a hint) reaches the terminal as text: no escape sequence of it is acted on.
func TestTutorOutputIsTerminalSafe(t *testing.T) {
	evil := "x\x1b]0;owned\x07\u202e\u009b2J"
	s := tutor.StepState{Step: tutor.Step{Section: 2, ID: "2.partitions", Title: "t" + evil}, Status: tutor.Wrong, Observed: evil, Hint: evil, Since: tutorT0}
	check := func(where, out string) {
		t.Helper()
		for _, bad := range []string{"\x1b]", "\x07", "\u202e", "\u009b"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s writes %q raw:\n%q", where, bad, out)
			}
		}
	}
	check("the checklist", newChecklist(evil, nil, []tutor.StepState{s}).render())
	check("a plain line", plainLine(tutorT0, s))
	var sum bytes.Buffer
	(&tutorCmd{stdout: &sum, terminal: true, env: []string{"TERM=xterm-256color"}}).summary([]tutor.StepState{s})
	check("the summary", sum.String())

	var buf bytes.Buffer
	(&jsonLines{w: &buf, errs: io.Discard}).show([]tutor.StepState{s}, nil, nil)
	check("a JSON line", buf.String())
	var c tutor.Change
	if err := json.Unmarshal(buf.Bytes(), &c); err != nil {
		t.Fatalf("%q: %v", buf.String(), err)
	}
	if c.Observed != evil || c.Title != "t"+evil {
		t.Errorf("the JSON line's text changed: %q, want %q", c.Observed, evil)
	}
}

// The sections' headings are the features' names.
func TestSectionTitles(t *testing.T) {
	got := sectionTitles(features.FS, features.Dir)
	for sec, want := range map[int]string{2: "Creating, listing and describing a topic", 7: "Ensuring high availability: three brokers, replication, brokers down and acks"} {
		if got[sec] != want {
			t.Errorf("section %d: %q, want %q", sec, got[sec], want)
		}
	}
	if len(got) != 7 {
		t.Errorf("%d sections named, want 7: %v", len(got), got)
	}
}

func TestTutorPlainLines(t *testing.T) {
	var buf bytes.Buffer
	o := &plainLines{w: &buf}
	states := someStates()[:2]
	o.show(states, nil, nil)
	ch := tutor.Change{Time: tutorT0.Add(time.Second), StepState: states[1]}
	ch.Status, ch.Observed, ch.Hint = tutor.Done, "my_first_topic has 10 partitions", ""
	o.show(states, []tutor.Change{ch}, nil)
	o.show(states, nil, errors.New("no broker"))
	o.show(states, nil, nil)
	got := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d (Kafka)`).ReplaceAllString(buf.String(), "TIME $1")
	want := `the lab's steps (2), each changing as Kafka shows it done:
14:03:04 done   2.topic my_first_topic exists
14:03:04 wrong  2.partitions my_first_topic has 10 partitions; seen: my_first_topic has 1 partition; hint: created without --partitions: delete it and create it again with --partitions 10
14:03:05 done   2.partitions my_first_topic has 10 partitions; seen: my_first_topic has 10 partitions
TIME Kafka does not answer (no broker): trying again
TIME Kafka answers again
`
	if got != want {
		t.Errorf("plain lines:\n%s\nwant:\n%s", got, want)
	}
}

func TestTutorJSONLines(t *testing.T) {
	var buf, errs bytes.Buffer
	o := &jsonLines{w: &buf, errs: &errs}
	states := someStates()
	o.show(states, nil, nil)
	ch := tutor.Change{Time: tutorT0.Add(time.Second), StepState: states[4]}
	ch.Status = tutor.Done
	o.show(states, []tutor.Change{ch}, nil)
	o.show(states, nil, errors.New("no broker"))
	o.show(states, nil, errors.New("no broker"))
	var got []tutor.Change
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var c tutor.Change
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, c)
	}
	if len(got) != len(states)+1 {
		t.Fatalf("%d lines, want every step's (%d) then the change", len(got), len(states))
	}
	if got[1].ID != "2.partitions" || got[1].Status != tutor.Wrong || got[1].Hint == "" || !got[1].Time.Equal(tutorT0) {
		t.Errorf("a step's first line: %+v", got[1])
	}
	if last := got[len(got)-1]; last.ID != "3.two" || last.Status != tutor.Done || !last.Time.Equal(tutorT0.Add(time.Second)) {
		t.Errorf("the change's line: %+v", last)
	}
	if strings.Count(errs.String(), "Kafka does not answer (no broker)") != 1 {
		t.Errorf("a failed look, twice the same, on stderr: %q", errs.String())
	}
}

func TestTutorProfile(t *testing.T) {
	for _, c := range []struct {
		terminal bool
		env      []string
		want     colorprofile.Profile
	}{
		{false, []string{"TERM=xterm-256color"}, colorprofile.NoTTY},
		{true, []string{"TERM=xterm-256color"}, colorprofile.ANSI256},
		{true, []string{"TERM=xterm-256color", "NO_COLOR=1"}, colorprofile.ASCII},
		{true, []string{"TERM=xterm-256color", "NO_COLOR=yes"}, colorprofile.ASCII}, // no-color.org: any value
		{true, []string{"TERM=xterm-256color", "NO_COLOR="}, colorprofile.ANSI256},
		{true, []string{"TERM=dumb"}, colorprofile.NoTTY},
	} {
		if got := tutorProfile(c.terminal, c.env); got != c.want {
			t.Errorf("terminal %v, %q: %v, want %v", c.terminal, c.env, got, c.want)
		}
	}
	// NO_COLOR keeps the marks and the bold, drops the colours.
	var buf bytes.Buffer
	(&tutorCmd{stdout: &buf, terminal: true, env: []string{"TERM=xterm-256color", "NO_COLOR=1"}}).summary(someStates())
	if regexp.MustCompile(`\x1b\[[0-9;]*3[0-9]`).MatchString(buf.String()) {
		t.Errorf("colours under NO_COLOR: %q", buf.String())
	}
	if !strings.Contains(buf.String(), "✓") {
		t.Errorf("no marks under NO_COLOR: %q", buf.String())
	}
}

// On a terminal of known width, the summary's long lines wrap under their text.
func TestTutorSummaryWraps(t *testing.T) {
	var buf bytes.Buffer
	(&tutorCmd{stdout: &buf, terminal: true, width: 60, env: []string{"NO_COLOR=1"}}).summary(someStates())
	got := ansi.Strip(buf.String())
	if !strings.Contains(got, "  ✗ §2 my_first_topic has 10 partitions: created without\n       --partitions: delete it") {
		t.Errorf("the summary on 60 columns:\n%s", got)
	}
}

func TestTutorSummary(t *testing.T) {
	var buf bytes.Buffer
	(&tutorCmd{stdout: &buf}).summary(someStates())
	want := `
Done: 1 of 5 steps
  ✓ §2 my_first_topic exists
Not done: 4
  ✗ §2 my_first_topic has 10 partitions: created without --partitions: delete it and create it again with --partitions 10
  ↺ §3 messages in my_first_topic: it was done: messages in my_first_topic
  – §3 a console consumer read them (kafka-lab check -section 3 checks it)
  ○ §3 two console consumers at once
`
	if buf.String() != want {
		t.Errorf("the summary:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// fakeKafka is a cluster with nothing in it that ends the run (the student's Ctrl-C) at its
// looks-th look.
type fakeKafka struct {
	mu    sync.Mutex
	n     int
	looks int
	stop  func()
}

func (k *fakeKafka) Topics(context.Context) (map[string]int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n++; k.n == k.looks {
		k.stop()
	}
	return map[string]int{}, nil
}
func (k *fakeKafka) Groups(context.Context) ([]cluster.Group, error) { return nil, nil }
func (k *fakeKafka) EndOffsets(context.Context, string) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (k *fakeKafka) CommittedOffsets(context.Context, string, string) (map[int32]int64, error) {
	return map[int32]int64{}, nil
}
func (k *fakeKafka) ReadFrom(context.Context, string, map[int32]int64, int) ([]cluster.Message, map[int32]int64, error) {
	return nil, map[int32]int64{}, nil
}
func (k *fakeKafka) PartitionStates(...string) ([]cluster.PartitionState, error) { return nil, nil }
func (k *fakeKafka) LiveBrokers() ([]int32, error)                               { return []int32{1}, nil }

// fakeRun is a tutor run on fakeKafka: the cluster it starts and removes are recorded.
type fakeRun struct {
	cmd              *tutorCmd
	stdout, stderr   bytes.Buffer
	upOptions        labcluster.Options
	closed, removed  bool
	upErr            error
	startedDespite   bool
	ctx              context.Context
	cancel, unsignal func()
}

func newFakeRun(t *testing.T) *fakeRun {
	r := &fakeRun{}
	r.ctx, r.cancel = context.WithCancel(t.Context())
	k := &fakeKafka{looks: 3, stop: r.cancel}
	r.cmd = &tutorCmd{name: "kafka-lab tutor", topology: cluster.Single, interval: time.Millisecond,
		stdout: &r.stdout, stderr: &r.stderr, env: []string{"TERM=xterm-256color"},
		up: func(_ context.Context, o labcluster.Options) (tutorCluster, bool, error) {
			r.upOptions = o
			fmt.Fprintln(o.Out, "Kafka 3.9.1 is up.")
			return tutorCluster{kafka: k, version: "3.9.1", addrs: "localhost:9092", close: func() { r.closed = true }}, r.startedDespite, r.upErr
		},
		down: func(context.Context) (int, error) {
			r.removed = true
			return 1, nil
		}}
	r.unsignal = func() {}
	return r
}

func (r *fakeRun) run() int { return r.cmd.run(r.ctx, r.unsignal) }

func TestTutorRunPlainRemovesTheCluster(t *testing.T) {
	r := newFakeRun(t)
	r.cmd.out = filepath.Join(t.TempDir(), "tutor.json")
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.stderr.String())
	}
	if o := r.upOptions; !o.Connected || o.Topology != cluster.Single || o.Out != &r.stdout || !strings.Contains(o.DownCommand, "Ctrl-C") {
		t.Errorf("the cluster's options: %+v", o)
	}
	if !r.closed || !r.removed {
		t.Errorf("connections closed %v, cluster removed %v", r.closed, r.removed)
	}
	out := r.stdout.String()
	if !strings.HasPrefix(out, "Kafka 3.9.1 is up.\nthe lab's steps (") || !strings.Contains(out, "\nDone: 0 of ") {
		t.Errorf("stdout:\n%s", out)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("escape sequences in plain lines: %q", out)
	}
	if !strings.Contains(r.stderr.String(), "removed 1 container(s)") {
		t.Errorf("stderr:\n%s", r.stderr.String())
	}
	b, err := os.ReadFile(r.cmd.out)
	if err != nil {
		t.Fatal(err)
	}
	var rep tutor.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("the report: %v\n%s", err, b)
	}
	if rep.Topology != "single" || rep.Kafka != "3.9.1" || rep.End.Before(rep.Start) {
		t.Errorf("the report: %+v", rep)
	}
}

func TestTutorRunJSONKeepsStdoutForJSON(t *testing.T) {
	r := newFakeRun(t)
	r.cmd.json = true
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.stderr.String())
	}
	if r.upOptions.Out != &r.stderr || !strings.Contains(r.stderr.String(), "Kafka 3.9.1 is up.") {
		t.Errorf("the instructions are not on stderr: %q", r.stderr.String())
	}
	sc := bufio.NewScanner(&r.stdout)
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Errorf("not a JSON line: %q", sc.Text())
		}
	}
	if !r.removed {
		t.Error("the cluster is left")
	}
	if !strings.Contains(r.stderr.String(), "\nDone: 0 of ") {
		t.Errorf("no summary on stderr:\n%s", r.stderr.String())
	}
}

// A cluster by hand that runs already is the student's: the tutor says so and leaves it. One
// that started but failed after (its instructions not written) is removed.
func TestTutorRunFailedStart(t *testing.T) {
	r := newFakeRun(t)
	r.upErr = &labcluster.RunningError{Containers: []string{"kafka-lab-x"}, DownCommand: tutorDown}
	if code := r.run(); code != 1 || r.removed {
		t.Errorf("another cluster by hand: exit %d, removed %v", code, r.removed)
	}
	if !strings.Contains(r.stderr.String(), "a cluster started by hand is running already (kafka-lab-x): `kafka-lab cluster down` removes it") {
		t.Errorf("stderr: %q", r.stderr.String())
	}
	r = newFakeRun(t)
	r.upErr = context.Canceled
	r.cancel() // Ctrl-C while the cluster started: Up removed what it had started
	if code := r.run(); code != 130 || r.removed {
		t.Errorf("interrupted while the cluster started: exit %d, removed %v", code, r.removed)
	}
	r = newFakeRun(t)
	r.upErr, r.startedDespite = errors.New("write instructions: broken pipe"), true
	if code := r.run(); code != 1 || !r.removed {
		t.Errorf("started, then failed: exit %d, removed %v", code, r.removed)
	}
}

// The checklist on a terminal: drawn by bubbletea, stopped by the student's q (a Ctrl-C is
// the same key to it), or by a signal that ends the run; either way the cluster is removed
// and the summary printed.
func TestTutorRunChecklist(t *testing.T) {
	for _, c := range []struct {
		name  string
		input io.Reader
		looks int
	}{
		{"q", strings.NewReader("q"), 0},
		{"SIGTERM", nil, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newFakeRun(t)
			r.cmd.terminal = true
			k := &fakeKafka{looks: c.looks, stop: r.cancel}
			up := r.cmd.up
			r.cmd.up = func(ctx context.Context, o labcluster.Options) (tutorCluster, bool, error) {
				cl, started, err := up(ctx, o)
				cl.kafka = k
				return cl, started, err
			}
			var screen bytes.Buffer
			r.cmd.teaOptions = []tea.ProgramOption{tea.WithInput(c.input), tea.WithOutput(&screen), tea.WithWindowSize(100, 40)}
			if code := r.run(); code != 0 {
				t.Fatalf("exit %d\n%s", code, r.stderr.String())
			}
			if !r.removed {
				t.Error("the cluster is left")
			}
			if got := ansi.Strip(screen.String()); !strings.Contains(got, "kafka-lab tutor: single cluster, Kafka 3.9.1 at localhost:9092") ||
				!strings.Contains(got, "stopping: removing the cluster") {
				t.Errorf("the screen:\n%s", got)
			}
			if !strings.Contains(r.stdout.String(), "Done: 0 of ") {
				t.Errorf("no summary after the checklist:\n%s", r.stdout.String())
			}
		})
	}
}
