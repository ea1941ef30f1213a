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
