package evidence

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
)

func TestTail(t *testing.T) {
	if got := Tail("short\n", 100); got != "short\n" {
		t.Errorf("Tail of what fits = %q, want it whole", got)
	}
	lines := strings.Repeat("an early line\n", 100) + "the last line\n"
	got := Tail(lines, 100)
	if len(got) > 100 || !strings.HasSuffix(got, "the last line\n") || !strings.HasPrefix(got, "[… ") {
		t.Errorf("Tail = %q; want at most 100 bytes, saying what came before, ending with the last line", got)
	}
	if body := got[strings.IndexByte(got, '\n')+1:]; !strings.HasPrefix(body, "an early line\n") {
		t.Errorf("Tail = %q; want it to begin at a line's start", got)
	}
	// One long line of multi-byte characters: cut between characters.
	got = Tail(strings.Repeat("é", 1000), 101)
	if len(got) > 101 || !utf8.ValidString(got) {
		t.Errorf("Tail = %q (%d bytes); want valid UTF-8 in at most 101", got, len(got))
	}
}

func output(t *testing.T, s string) *container.Output {
	t.Helper()
	o := &container.Output{}
	if _, err := o.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestRunTextIsBoundedAndSafe(t *testing.T) {
	started := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)
	r := cluster.StudentRun{
		What: "your program balance_calculator.py", Started: started, Ended: started.Add(time.Second),
		Container: "kafka-lab-1a2b-client",
		Stdout:    output(t, strings.Repeat("x", 1<<20)+"\nthe end of stdout\n"),
		Stderr:    output(t, "Traceback:\n\x1b]0;owned\x07\x1b[2J ValueError\n"),
	}
	logs := bound(nil, []Log{{Name: r.Container + ".log", Text: runText(r)}})
	if len(logs) != 1 {
		t.Fatalf("%d logs, want 1", len(logs))
	}
	text := logs[0].Text
	if len(text) > PerLog {
		t.Errorf("the log has %d bytes, more than %d", len(text), PerLog)
	}
	for _, want := range []string{"your program balance_calculator.py", "19:00:00.000", "exited at 19:00:01.000",
		"the end of stdout", "ValueError", "earlier bytes not shown"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log does not say %q:\n%s", want, text)
		}
	}
	if strings.ContainsAny(text, "\x1b\x07") {
		t.Errorf("the log carries terminal escapes: %q", text)
	}
	if !strings.Contains(runText(cluster.StudentRun{What: "your command `x`", Started: started}), "--- stdout: nothing") {
		t.Error("a run that printed nothing does not say so")
	}
}

func TestBoundKeepsNodesAndTheLatestRuns(t *testing.T) {
	big := strings.Repeat("a log line\n", 2*PerLog/11)
	nodes := []Log{{Name: "broker-1.log", Text: big}}
	var runs []Log
	for i := range 12 {
		runs = append(runs, Log{Name: fmt.Sprintf("run-%02d.log", i), Text: big})
	}
	logs := bound(nodes, runs)
	total := 0
	var names []string
	for _, l := range logs {
		total += len(l.Text)
		names = append(names, l.Name)
	}
	if total > Total+1024 {
		t.Errorf("%d bytes of logs, more than %d", total, Total)
	}
	last := logs[len(logs)-1]
	if last.Name != "not-attached.txt" || !strings.Contains(last.Text, "run-00.log") || strings.Contains(last.Text, "run-11.log") {
		t.Errorf("logs %v; the last should name the earliest runs left out:\n%s", names, last.Text)
	}
	if names[0] != "broker-1.log" || names[len(names)-2] != "run-11.log" {
		t.Errorf("logs %v; want the broker's first, then the latest runs in the order they started", names)
	}
}
