// Package scenariotest gives the steps' unit tests a scenario without Kafka: its shared state
// on a session that says nothing, and the results of commands as if the student's had run.
package scenariotest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/session"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// New returns a scenario's context and its shared state, with no cluster.
func New(t *testing.T) (context.Context, *scenario.State) {
	t.Helper()
	ctx := scenario.New(context.Background(), &session.Session{Out: io.Discard})
	s, err := scenario.From(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, s
}

// Ran is the result of the student's command under key, as if it had printed stdout.
func Ran(t *testing.T, key submission.Key, text, stdout string) *runner.Result {
	t.Helper()
	cmd, err := submission.ParseCommand(key, 0, text)
	if err != nil {
		t.Fatal(err)
	}
	return &runner.Result{Command: cmd, Stdout: stdout}
}

// WantCheck passes a nil err when fail is "", and otherwise wants a scenario.Check whose
// message says fail and each of also.
func WantCheck(t *testing.T, err error, fail string, also ...string) {
	t.Helper()
	if fail == "" {
		if err != nil {
			t.Fatalf("want a pass, got:\n%v", err)
		}
		return
	}
	var c scenario.Check
	if !errors.As(err, &c) {
		t.Fatalf("want a failed check, got %T: %v", err, err)
	}
	for _, w := range append([]string{fail}, also...) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the failure does not say %q:\n%v", w, err)
		}
	}
}
