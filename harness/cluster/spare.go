package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// A single cluster that a student's program touched is renewed after the scenario (see Reset):
// a fresh broker, about 5 s of every section 6 scenario when started then. So the moment a
// program connects, a spare broker starts in the background, while the scenario runs on the
// lab's clock, and Renew swaps it in. Only where each container has a network of its own
// (Docker): where containers share the host's (local processes), the spare could not hold the
// lab's 9092 beside the broker that holds it.

// spare is a fresh cluster of the same topology, starting or started.
type spare struct {
	done chan struct{}
	c    *Cluster // set when done, if it started
	err  error
}

// spares holds a cluster's spare, if any, and the old nodes being removed.
type spares struct {
	mu   sync.Mutex
	next *spare
	// off: no spare starts, as nothing would use it (SetSpares).
	off bool
	gen int // how many clusters were started for this one: names the spare's containers
	// slowness is the machine's (wait.Slowness) when the cluster started: the spare's start
	// has no context of a scenario to take it from.
	slowness float64
	// retiring removes the nodes a Renew replaced, in the background; Close waits for it.
	retiring sync.WaitGroup
	retireMu sync.Mutex
	retired  []error
}

// startSpare starts a spare in the background, unless one is there already or the cluster
// cannot have one beside it: not with fixed host ports (Options.HostPorts) either, which the
// spare could not hold beside the broker.
func (c *Cluster) startSpare() {
	if c.Topology != Single || !c.place.sideBySide() || len(c.opts.HostPorts) > 0 {
		return
	}
	c.spares.mu.Lock()
	defer c.spares.mu.Unlock()
	if c.spares.next != nil || c.spares.off {
		return
	}
	c.spares.gen++
	s := &spare{done: make(chan struct{})}
	c.spares.next = s
	fresh := newCluster(c.Topology, c.Image, c.rt, c.opts)
	fresh.suffix = fmt.Sprintf("-%d", c.spares.gen)
	go func() {
		defer close(s.done)
		// Bounded by the start's own wait (StartTimeout); the run's Close waits for it.
		ctx := wait.WithSlowness(context.Background(), c.spares.slowness)
		if s.err = fresh.start(ctx); s.err == nil {
			s.c = fresh
		}
	}()
}

// SetSpares says whether anything will use the cluster after its current scenario: not after a
// grading's last scenario on it, when a program that connects had a spare start that only its
// Close would remove. A spare already there stays, for Renew or Close. On by default.
func (c *Cluster) SetSpares(on bool) {
	c.spares.mu.Lock()
	defer c.spares.mu.Unlock()
	c.spares.off = !on
}

// take waits for the spare and returns it, or nil when there is none or it did not start
// (Renew then starts a cluster itself).
func (sp *spares) take(ctx context.Context) (*Cluster, error) {
	sp.mu.Lock()
	s := sp.next
	sp.next = nil
	sp.mu.Unlock()
	if s == nil {
		return nil, nil
	}
	select {
	case <-s.done:
	case <-ctx.Done():
		go func() { // not abandoned: removed once started
			<-s.done
			if s.c != nil {
				_ = s.c.Close(context.Background())
			}
		}()
		return nil, ctx.Err()
	}
	return s.c, s.err
}

// close removes the spare, once its start ended.
func (sp *spares) close(ctx context.Context) error {
	fresh, _ := sp.take(ctx)
	if fresh == nil {
		return nil
	}
	return fresh.Close(ctx)
}

// retire removes old nodes in the background: nothing reaches them any more (the scenario's
// clients are stopped), and the next scenario need not wait for their removal.
func (sp *spares) retire(old *Cluster) {
	sp.retiring.Go(func() {
		if err := old.Close(context.Background()); err != nil {
			sp.retireMu.Lock()
			sp.retired = append(sp.retired, err)
			sp.retireMu.Unlock()
		}
	})
}

// waitRetired waits for the removals retire started and returns their errors.
func (sp *spares) waitRetired() error {
	sp.retiring.Wait()
	sp.retireMu.Lock()
	defer sp.retireMu.Unlock()
	err := errors.Join(sp.retired...)
	sp.retired = nil
	return err
}

// AwaitSpare waits until the spare started for the next Renew is ready (or failed to start) and
// says whether there is one: a measure of Renew alone (cmd/bench) needs it started.
func (c *Cluster) AwaitSpare(ctx context.Context) (bool, error) {
	c.spares.mu.Lock()
	s := c.spares.next
	c.spares.mu.Unlock()
	if s == nil {
		return false, nil
	}
	select {
	case <-s.done:
		return s.c != nil, s.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}
