package scenario

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/sandbox"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// Check is a failed check as every step reports it: what was expected, what was observed, and
// a hint naming the lab section and the answers.yaml key to look at.
type Check struct {
	Key      string // answers.yaml key whose command is checked
	Program  string // or the program checked, such as balance_calculator.py (lab section 6)
	Expected string
	Observed string
	Hint     string
	Output   string // what the command printed, when it helps
	Tail     string // the ends of a process's streams, already headed
}

// Error is the check's message, which every report shows. What the student's code printed can
// reach each field but Expected, so each is capped as container.Elide says: a report stays
// small whatever a program prints.
func (c Check) Error() string {
	var b strings.Builder
	observed, hint := container.Elide(c.Observed, container.ShownLimit), container.Elide(c.Hint, container.ShownLimit)
	fmt.Fprintf(&b, "expected: %s\nobserved: %s", c.Expected, observed)
	if info, ok := submission.Info(submission.Key(c.Key)); ok {
		fmt.Fprintf(&b, "\nhint (lab section %d, answers.yaml `%s`): %s", info.Section, c.Key, hint)
	} else if c.Program != "" {
		fmt.Fprintf(&b, "\nhint (lab section 6, %s): %s", c.Program, hint)
	} else if c.Hint != "" {
		fmt.Fprintf(&b, "\nhint: %s", hint)
	}
	if out := strings.TrimSpace(c.Output); out != "" {
		fmt.Fprintf(&b, "\n--- it printed:\n%s", container.Elide(TailLines(out, 25), container.ShownLimit))
	}
	if c.Tail != "" {
		fmt.Fprintf(&b, "\n%s", container.Elide(c.Tail, container.TailsLimit))
	}
	return b.String()
}

// Found is a labcheck finding as the Check of the answers.yaml key or program (a name ending
// in .py) it is about, with what the command printed.
func Found(f *labcheck.Finding, keyOrProgram, output string) Check {
	c := Check{Expected: f.Expected, Observed: f.Observed, Hint: f.Hint, Output: output}
	if strings.HasSuffix(keyOrProgram, ".py") {
		c.Program = keyOrProgram
	} else {
		c.Key = keyOrProgram
	}
	return c
}

// AnswerCheck reports a problem with the answer under key.
func AnswerCheck(key string, err error) error {
	info, _ := submission.Info(submission.Key(key))
	return Check{Key: key, Expected: fmt.Sprintf("a `%s` answer: the command you ran in section %d (%s)", key, info.Section, info.Task),
		Observed: err.Error(),
		Hint:     fmt.Sprintf("write the %s.sh command as you typed it in the Kafka folder", info.Tool)}
}

// Failed turns a student's command or program that did not do its job into a Check; other
// errors pass as they are.
func Failed(expected string, err error) error {
	var pf *sandbox.Failure
	if errors.As(err, &pf) {
		return Check{Program: pf.Script, Expected: expected, Observed: pf.Script + " " + pf.What, Hint: pf.Hint, Tail: pf.Output}
	}
	var f *runner.Failure
	if !errors.As(err, &f) {
		return err
	}
	return Check{Key: string(f.Command.Key), Expected: expected, Observed: f.Command.Text + ": " + f.What, Hint: f.Hint, Tail: f.Output}
}

// WithHint gives a Check without a hint this one; other errors pass as they are.
func WithHint(err error, hint string) error {
	var c Check
	if errors.As(err, &c) && c.Hint == "" {
		c.Hint = hint
		return c
	}
	return err
}

// TailLines keeps the last n lines of s, saying how many it left out.
func TailLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("[%d earlier lines not shown]\n%s", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
}

// QuoteAll quotes each value, joined by commas; "nothing" when there is none (as the harness
// words it in its own waits).
var QuoteAll = runner.QuoteAll
