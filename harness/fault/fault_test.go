package fault

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestHarness(t *testing.T) {
	if Harness("start", nil) != nil {
		t.Error("nil must stay nil")
	}
	base := errors.New("connection refused")
	err := Harness("reach the container engine", base)
	if !Is(err) || !errors.Is(err, base) {
		t.Errorf("%v: want a harness failure wrapping its cause", err)
	}
	if !strings.Contains(err.Error(), "could not reach the container engine") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("message %q says neither what nor why", err)
	}
	wrapped := fmt.Errorf("step: %w", err)
	if !Is(wrapped) || Harness("again", wrapped) != wrapped {
		t.Error("a wrapped harness failure is one, and is not wrapped twice")
	}
	if Is(base) || Is(fmt.Errorf("expected: 10 partitions")) {
		t.Error("a plain error is the submission's verdict, not the harness's")
	}
}
