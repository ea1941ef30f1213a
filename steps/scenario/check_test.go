package scenario

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

func TestCheckSaysWhereToLook(t *testing.T) {
	c := Check{Key: "create_topic", Expected: "a topic", Observed: "none", Hint: "use --create", Output: strings.Repeat("line\n", 40)}
	msg := c.Error()
	for _, w := range []string{"expected: a topic\nobserved: none", "hint (lab section 2, answers.yaml `create_topic`): use --create", "[15 earlier lines not shown]"} {
		if !strings.Contains(msg, w) {
			t.Errorf("the message does not say %q:\n%s", w, msg)
		}
	}
	if msg := (Check{Program: "balance_calculator.py", Expected: "x", Observed: "y", Hint: "z"}).Error(); !strings.Contains(msg, "hint (lab section 6, balance_calculator.py): z") {
		t.Errorf("a program's check: %s", msg)
	}
}

func TestFailedTurnsACommandsFailureIntoACheck(t *testing.T) {
	cmd, err := submission.ParseCommand(submission.CreateTopic, 0, "bin/kafka-topics.sh --create --topic t --bootstrap-server localhost:9093")
	if err != nil {
		t.Fatal(err)
	}
	f := &runner.Failure{Command: cmd, What: "could not connect to localhost:9093", Hint: "the lab's Kafka is at localhost:9092"}
	var c Check
	if err := Failed("a topic", fmt.Errorf("running it: %w", f)); !errors.As(err, &c) || c.Key != "create_topic" || c.Hint != f.Hint {
		t.Errorf("Failed = %#v; want a check of create_topic with the runner's hint", err)
	}
	other := errors.New("docker: no such container")
	if err := Failed("a topic", other); err != other {
		t.Errorf("Failed(%v) = %v; the harness's errors pass as they are", other, err)
	}
	if err := Failed("a topic", nil); err != nil {
		t.Errorf("Failed(nil) = %v", err)
	}
}

func TestWithHint(t *testing.T) {
	var c Check
	if errors.As(WithHint(Check{Expected: "x"}, "try y"), &c); c.Hint != "try y" {
		t.Errorf("hint %q; want it given", c.Hint)
	}
	if errors.As(WithHint(Check{Hint: "own"}, "try y"), &c); c.Hint != "own" {
		t.Errorf("hint %q; a check's own hint stays", c.Hint)
	}
}

func TestDomainState(t *testing.T) {
	type mine struct{ n int }
	ctx := Put(t.Context(), &mine{n: 1})
	if m, err := Get[mine](ctx); err != nil || m.n != 1 {
		t.Errorf("Get = %v, %v", m, err)
	}
	type other struct{}
	if _, err := Get[other](ctx); err == nil {
		t.Error("Get of a state no domain put: want an error")
	}
	if _, err := From(ctx); err == nil {
		t.Error("From without New: want an error")
	}
}

// TestCheckIsCapped: whatever a program printed into a check's fields, its message, which every
// report shows, stays small.
func TestCheckIsCapped(t *testing.T) {
	huge := strings.Repeat("x", 7<<20)
	c := Check{Program: "transaction_generator.py", Expected: "a rate", Observed: huge, Hint: huge, Output: huge, Tail: huge}
	if msg := c.Error(); len(msg) > 64<<10 || strings.Count(msg, "bytes elided") != 4 {
		t.Errorf("a check of 7 MiB fields has %d bytes, %d elisions", len(msg), strings.Count(msg, "bytes elided"))
	}
}
