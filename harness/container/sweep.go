package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// processStart returns the start time of a process in clock ticks since boot (field 22 of
// /proc/PID/stat), or "" where there is no /proc.
func processStart(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		fields := strings.Fields(s[i+1:])
		if len(fields) > 19 {
			return fields[19]
		}
	}
	return ""
}

// ownerAlive reports whether the process named by a container's labels still runs.
func ownerAlive(labels map[string]string) bool {
	pid, err := strconv.Atoi(labels[LabelPID])
	if err != nil || pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	want := labels[LabelPIDStart]
	return want == "" || processStart(pid) == "" || processStart(pid) == want
}

// Sweep removes the containers and networks of earlier runs on this machine whose process is
// gone (killed before it could clean up). Runs of live processes are left alone, so two runs
// can share an engine, and so is a cluster started by hand (see NewKept), and the containers of
// a run that may keep a failed scenario's (KeepFailures), which KeepCommand removes. It returns
// how many containers it removed.
func (rt *Runtime) Sweep(ctx context.Context) (int, error) {
	host := rt.labels[LabelHost]
	return rt.removeWhere(ctx, func(labels map[string]string) bool {
		return labels[LabelHost] == host && labels[LabelRun] != rt.RunID && labels[LabelKeep] == "" && !ownerAlive(labels)
	})
}

// removeWhere force-removes every labelled container, then network, whose labels match.
func (rt *Runtime) removeWhere(ctx context.Context, match func(map[string]string) bool) (int, error) {
	list, err := rt.eng.list(ctx)
	if err != nil {
		return 0, fmt.Errorf("list kafka-lab containers: %w", err)
	}
	var errs []error
	removed := 0
	for _, c := range list {
		if !match(c.labels) {
			continue
		}
		if err := rt.eng.remove(ctx, c.id); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.name, err))
			continue
		}
		removed++
	}
	errs = append(errs, rt.eng.removeNetworks(ctx, match))
	return removed, errors.Join(errs...)
}

// CreateNetwork makes a network of this run; Close removes it. It is a bridge of its own that
// no other run joins, with no way out: no NAT to outside addresses (the engine's isolation
// rules keep bridges apart), while ports published on the host's 127.0.0.1 still reach its
// containers, which an --internal network would not allow. (Local processes all share the
// host's network: there it only returns the name.)
func (rt *Runtime) CreateNetwork(ctx context.Context, name string) (string, error) {
	full := fmt.Sprintf("kafka-lab-%s-%s", rt.RunID, name)
	if err := rt.eng.createNetwork(ctx, full, rt.Labels()); err != nil {
		return "", fmt.Errorf("create network %s: %w", name, err)
	}
	return full, nil
}

// RemoveNetwork removes a network of this run made by CreateNetwork, once the containers on it
// are gone: a batch renews clusters, each on a network of its own, and the engine's address
// pools hold a few dozen networks. One already removed is no error.
func (rt *Runtime) RemoveNetwork(ctx context.Context, network string) error {
	if err := rt.eng.removeNetwork(ctx, network); err != nil {
		return fmt.Errorf("remove network %s: %w", network, err)
	}
	return nil
}

// runNetwork is the network of the run's containers that have no other: made once, on first
// use, so that they are apart from every other run's. (A cluster's nodes are on a network of
// the cluster's own, see cluster.Start: two clusters of one run do not reach each other.)
func (rt *Runtime) runNetwork(ctx context.Context) (string, error) {
	rt.netMu.Lock()
	defer rt.netMu.Unlock()
	if rt.network == "" {
		network, err := rt.CreateNetwork(ctx, "net")
		if err != nil {
			return "", err
		}
		rt.network = network
	}
	return rt.network, nil
}

// Network is the run's own network (see CreateNetwork), "" before its first container.
func (rt *Runtime) Network() string {
	rt.netMu.Lock()
	defer rt.netMu.Unlock()
	return rt.network
}

var interrupted atomic.Bool

// Interrupted says whether a runtime of this process got SIGINT or SIGTERM (see CloseOnSignal):
// its containers are being removed and the process is about to exit, so whatever the run is
// still doing is not to be trusted.
func Interrupted() bool { return interrupted.Load() }

// CloseOnSignal removes this run's containers when the process gets SIGINT or SIGTERM, then
// exits with 128+signal, as a shell would report it. The returned function stops listening.
func (rt *Runtime) CloseOnSignal() (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			interrupted.Store(true)
			fmt.Fprintf(os.Stderr, "\nkafka-lab: %v: removing the containers of run %s\n", sig, rt.RunID)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := rt.Close(ctx); err != nil {
				fmt.Fprintf(os.Stderr, "kafka-lab: %v\n", err)
			}
			cancel()
			code := 130
			if sig == syscall.SIGTERM {
				code = 143
			}
			os.Exit(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
