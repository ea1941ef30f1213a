package wait

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUntilReturnsWhenDone(t *testing.T) {
	calls := 0
	err := Until(context.Background(), "three calls", time.Second, time.Millisecond, func(context.Context) (bool, string, error) {
		calls++
		return calls == 3, "", nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("got err=%v after %d calls, want nil after 3", err, calls)
	}
}

func TestUntilTimeoutSaysWhatAndWhatWasSeen(t *testing.T) {
	boom := errors.New("connection refused")
	err := Until(context.Background(), "broker 1 in metadata", 30*time.Millisecond, 5*time.Millisecond, func(context.Context) (bool, string, error) {
		return false, "0 brokers", boom
	})
	if err == nil {
		t.Fatal("want a timeout error")
	}
	for _, want := range []string{"waiting for broker 1 in metadata", "last seen: 0 brokers", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, boom) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v should wrap the last error and the deadline", err)
	}
}

func TestUntilStopsEarlyOnErrStop(t *testing.T) {
	start := time.Now()
	err := Until(context.Background(), "a port", time.Minute, time.Millisecond, func(context.Context) (bool, string, error) {
		return false, "", errors.Join(ErrStop, errors.New("container exited with code 1"))
	})
	if !errors.Is(err, ErrStop) || time.Since(start) > time.Second {
		t.Fatalf("want an early ErrStop, got %v after %s", err, time.Since(start))
	}
}

// TestUntilStretchesOnASlowMachine: a bound stretches by the context's slowness and says so.
func TestUntilStretchesOnASlowMachine(t *testing.T) {
	ctx := WithSlowness(context.Background(), 3)
	start := time.Now()
	err := Until(ctx, "a state that never comes", 20*time.Millisecond, time.Millisecond, func(context.Context) (bool, string, error) {
		return false, "", nil
	})
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Errorf("gave up after %s, want the 20 ms bound stretched to 60 ms", took)
	}
	if err == nil || !strings.Contains(err.Error(), "stretched 3.0x") {
		t.Errorf("error %v should say the limit was stretched", err)
	}
	if f := Slowness(WithSlowness(context.Background(), 0.4)); f != 1 {
		t.Errorf("a faster machine stretches nothing: got %v", f)
	}
	if f := Slowness(WithSlowness(context.Background(), 50)); f != MaxSlowness {
		t.Errorf("slowness 50 = %v, want the cap %v", f, MaxSlowness)
	}
	if d := Scaled(ctx, time.Second); d != 3*time.Second {
		t.Errorf("Scaled(1s) = %v, want 3s", d)
	}
}

// TestMeasureSlownessIsAFactor: the measure is a positive factor (its value is the machine's).
func TestMeasureSlownessIsAFactor(t *testing.T) {
	if f := MeasureSlowness(); f <= 0 || f > 1000 {
		t.Errorf("MeasureSlowness() = %v", f)
	}
}
