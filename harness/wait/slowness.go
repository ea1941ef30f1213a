package wait

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// The harness's bounds (a command's 30 s, a cluster's start, a program's first message) are set
// for the machine they were measured on: 2 cores to itself. A slower machine (Gradescope's
// half-core container, a loaded laptop) would hit them with correct work and blame the student.
// So the bounds stretch by the machine's slowness, measured when a run starts. The lab's own
// windows (the generator's 5 s, one message a second) are the lab's clock and never stretch.

type slownessKey struct{}

// MaxSlowness caps the stretch: past it the machine is too slow to grade on, and the bounds
// would only make a hanging command wait longer.
const MaxSlowness = 6.0

// WithSlowness returns a context whose bounds (Until's timeouts, and those its users take from
// Scaled) stretch by f; below 1 counts as 1.
func WithSlowness(ctx context.Context, f float64) context.Context {
	return context.WithValue(ctx, slownessKey{}, min(max(f, 1), MaxSlowness))
}

// Slowness is the stretch ctx carries (1 when none).
func Slowness(ctx context.Context) float64 {
	if f, ok := ctx.Value(slownessKey{}).(float64); ok {
		return f
	}
	return 1
}

// Scaled is bound d stretched by ctx's slowness.
func Scaled(ctx context.Context, d time.Duration) time.Duration {
	return time.Duration(float64(d) * Slowness(ctx))
}

// stretchNote says, for a timeout message, that the bound was stretched.
func stretchNote(ctx context.Context) string {
	if f := Slowness(ctx); f > 1 {
		return fmt.Sprintf(" (a limit stretched %.1fx: this machine is that much slower than the harness's reference)", f)
	}
	return ""
}

// calibrationWork is CPU work that takes referenceTime on the reference machine (2 cores, idle),
// split across the machine's CPUs as a JVM start or a broker spreads its threads: a CPU quota
// (a container's 0.5 CPU) slows it as it slows them.
const (
	calibrationRounds = 64000 // SHA-256 of 4 KiB blocks, in total
	referenceTime     = 100 * time.Millisecond
)

// MeasureSlowness measures how much slower than the reference this machine runs now: the wall
// time of a fixed amount of parallel work, taken twice (the faster counts: a hiccup of the
// machine is not its speed), over the reference's time. The work spans several of a CPU
// quota's 100 ms periods, so that a quota shows; it takes about 0.2 s on the reference.
func MeasureSlowness() float64 {
	best := time.Duration(1<<63 - 1)
	for range 2 {
		best = min(best, calibrate())
	}
	return float64(best) / float64(referenceTime)
}

func calibrate() time.Duration {
	n := runtime.NumCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		rounds := calibrationRounds / n
		if i < calibrationRounds%n {
			rounds++
		}
		wg.Go(func() {
			block := make([]byte, 4096)
			for range rounds {
				sum := sha256.Sum256(block)
				copy(block, sum[:])
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
