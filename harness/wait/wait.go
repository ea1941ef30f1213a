// Package wait polls for observable state with a bound, and says what it waited for when the
// bound is reached.
package wait

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrStop, returned (wrapped) by a check, ends the wait at once: the awaited state can no longer
// come (the container exited, say).
var ErrStop = errors.New("stopped waiting")

// Check reports whether the awaited state holds. observed describes what it saw, for the timeout
// message; a non-nil error is remembered as the last error and the wait goes on, unless it wraps
// ErrStop.
type Check func(ctx context.Context) (done bool, observed string, err error)

// Until calls check every interval until it reports done, ctx ends or timeout passes. The error
// names what was awaited, how long it waited, the last observation and the last error. The
// timeout stretches by ctx's slowness (WithSlowness).
func Until(ctx context.Context, what string, timeout, interval time.Duration, check Check) error {
	note := stretchNote(ctx)
	ctx, cancel := context.WithTimeout(ctx, Scaled(ctx, timeout))
	defer cancel()
	start := time.Now()
	var observed string
	var lastErr error
	for {
		done, obs, err := check(ctx)
		if done && err == nil {
			return nil
		}
		if obs != "" {
			observed = obs
		}
		if err != nil {
			lastErr = err
			if errors.Is(err, ErrStop) {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
		select {
		case <-ctx.Done():
			msg := fmt.Sprintf("timed out after %s%s waiting for %s", time.Since(start).Round(time.Millisecond), note, what)
			if observed != "" {
				msg += "; last seen: " + observed
			}
			return errors.Join(errors.New(msg), lastErr, ctx.Err())
		case <-time.After(interval):
		}
	}
}
