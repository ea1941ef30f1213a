// Package evidence gathers what a failed scenario leaves to look at: the end of its Kafka
// nodes' logs and of what the student's programs and commands printed, each bounded and made
// safe to show (student output may carry terminal escapes), for a report to attach.
package evidence

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/termsafe"
)

// Bounds: every report of a grading (cucumber.json among them) stays small whatever the student
// prints (see container.ShownLimit); the end of a log is what says why it failed.
const (
	// PerLog is the most bytes kept of one log: its end.
	PerLog = 8 << 10
	// Total is the most bytes of all of a scenario's logs together.
	Total = 32 << 10
	// nodeLines is how many lines of a node's log are asked of the engine, before PerLog.
	nodeLines = 400
)

// Log is one piece of evidence: a file name and its text.
type Log struct {
	Name string
	Text string
}

// Cluster is what evidence reads of a scenario's cluster.
type Cluster interface {
	Nodes() []*cluster.Node
	StudentRuns() []cluster.StudentRun
}

// Gather returns the logs of c's Kafka nodes, then what each of the student's runs on c
// printed, each at most PerLog, all at most Total: the latest runs first in line for the
// room, listed in the order they started. What did not fit is named in a last log.
func Gather(ctx context.Context, c Cluster) []Log {
	var nodes []Log
	for _, n := range c.Nodes() {
		if n.Role == "namespace" || n.Container == nil {
			continue // holds a network namespace, runs nothing
		}
		text := fmt.Sprintf("Kafka %s %d (%s), the end of its log:\n", n.Role, n.ID, n.Container.Name) +
			n.Container.Logs(ctx, nodeLines)
		nodes = append(nodes, Log{Name: n.Container.Name + ".log", Text: text})
	}
	var runs []Log
	for _, r := range c.StudentRuns() {
		runs = append(runs, Log{Name: r.Container + ".log", Text: runText(r)})
	}
	return bound(nodes, runs)
}

// runText is what a student's run printed, with what it was and when it ran.
func runText(r cluster.StudentRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, started at %s", r.What, r.Started.Format("15:04:05.000"))
	if !r.Ended.IsZero() {
		fmt.Fprintf(&b, ", exited at %s", r.Ended.Format("15:04:05.000"))
	}
	b.WriteString("\n")
	var out, errs string
	if r.Stdout != nil {
		out = r.Stdout.String()
	}
	if r.Stderr != nil {
		errs = r.Stderr.String()
	}
	// Each stream half the room (less the lines around them), or all of it when the other
	// printed nothing.
	room := PerLog - b.Len() - 64
	half := room / 2
	if out == "" || errs == "" {
		half = room
	}
	for _, s := range []struct{ name, text string }{{"stdout", out}, {"stderr", errs}} {
		if s.text == "" {
			fmt.Fprintf(&b, "--- %s: nothing\n", s.name)
			continue
		}
		fmt.Fprintf(&b, "--- %s:\n%s\n", s.name, Tail(s.text, half))
	}
	return b.String()
}

// bound makes each log safe and at most PerLog, and keeps the nodes' logs, then the latest
// runs', while they fit in Total; a last log names what did not.
func bound(nodes, runs []Log) []Log {
	room := Total
	var out []Log
	var left []string
	take := func(l Log) bool {
		l.Text = Tail(termsafe.Text(l.Text), PerLog)
		if len(l.Text) > room {
			left = append(left, l.Name)
			return false
		}
		room -= len(l.Text)
		out = append(out, l)
		return true
	}
	for _, l := range nodes {
		take(l)
	}
	var kept []Log
	for _, l := range slices.Backward(runs) {
		n := len(out)
		if take(l) {
			kept = append(kept, out[n])
			out = out[:n]
		}
	}
	slices.Reverse(kept)
	out = append(out, kept...)
	if len(left) > 0 {
		out = append(out, Log{Name: "not-attached.txt", Text: fmt.Sprintf(
			"%d more log(s), left out to keep the report small (at most %d KiB of logs a scenario):\n%s\n",
			len(left), Total>>10, termsafe.Text(strings.Join(left, "\n")))})
	}
	return out
}

// Tail returns the end of s in at most limit bytes: from the start of a line where one begins
// within them, never in the middle of a character, saying how much came before.
func Tail(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const note = "[… %d earlier bytes not shown]\n"
	room := limit - len(fmt.Sprintf(note, len(s)))
	if room <= 0 {
		return ""
	}
	start := len(s) - room
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	if i := strings.IndexByte(s[start:], '\n'); i >= 0 && i < len(s)-start-1 {
		start += i + 1
	}
	return fmt.Sprintf(note, start) + s[start:]
}
