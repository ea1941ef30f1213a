// Package container runs the harness's Docker containers: every one labelled with the run that
// made it, removed when the run ends (also on SIGINT/SIGTERM), and swept by the next run when a
// run was killed before it could clean up.
//
// It uses the Docker client of github.com/ory/dockertest/v3, but creates containers itself rather
// than through Pool.RunWithOptions, whose defaults do not fit here: it publishes every exposed
// port on a random host port, pulls any image it cannot find, stops containers with SIGWINCH
// (so `docker stop` waits out its timeout and then kills) and polls for port bindings that
// never come when a container shares another's network (a second per container).
package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/ory/dockertest/v3"
)

// Labels on every container and network the harness makes.
const (
	LabelApp      = "kafka-lab"          // always "1": marks the harness's objects
	LabelRun      = "kafka-lab.run"      // the run's id
	LabelPID      = "kafka-lab.pid"      // the process that owns the run
	LabelPIDStart = "kafka-lab.pidstart" // that process's start time, so a reused pid is not taken for it
	LabelHost     = "kafka-lab.host"     // the machine of that process
	LabelKeep     = "kafka-lab.keep"     // "1" on a cluster started by hand: no sweep removes it
)

// KeptRunID is the run id of the cluster a student starts by hand (see NewKept).
const KeptRunID = "manual"

// Runtime is one run's connection to the Docker engine.
type Runtime struct {
	Pool  *dockertest.Pool
	RunID string

	labels map[string]string
	mu     sync.Mutex
	owned  map[string]string // container id -> name, removed by Close
	// closing refuses new containers once Close has begun; creating counts the creations in
	// flight, which Close waits for, so none is made behind its back (a signal's Close is
	// followed by os.Exit while other goroutines of the run may still be starting things).
	closing  bool
	creating sync.WaitGroup
}

// New connects to the Docker engine (DOCKER_HOST or the default socket) and sweeps the
// containers of runs whose process is gone.
func New(ctx context.Context) (*Runtime, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	if err := pool.Client.PingWithContext(ctx); err != nil {
		return nil, fmt.Errorf("no Docker engine answers (%w): start dockerd, or run `make docker` as root on Debian", err)
	}
	pid := os.Getpid()
	host, _ := os.Hostname()
	rt := &Runtime{
		Pool:  pool,
		RunID: newRunID(),
		owned: map[string]string{},
	}
	rt.labels = map[string]string{
		LabelApp:      "1",
		LabelRun:      rt.RunID,
		LabelPID:      strconv.Itoa(pid),
		LabelPIDStart: processStart(pid),
		LabelHost:     host,
	}
	if _, err := rt.Sweep(ctx); err != nil {
		return nil, err
	}
	return rt, nil
}

// NewKept is New for a cluster that outlives the process that starts it: a student's cluster for
// doing the lab by hand. Its objects are labelled to be kept, so sweeps leave them alone, and
// RemoveKept removes them.
func NewKept(ctx context.Context) (*Runtime, error) {
	rt, err := New(ctx)
	if err != nil {
		return nil, err
	}
	rt.RunID = KeptRunID
	rt.labels[LabelRun] = KeptRunID
	rt.labels[LabelKeep] = "1"
	return rt, nil
}

// Kept lists the names of the kept containers on this engine (see NewKept).
func (rt *Runtime) Kept(ctx context.Context) ([]string, error) {
	list, err := rt.Pool.Client.ListContainers(dc.ListContainersOptions{All: true, Context: ctx,
		Filters: map[string][]string{"label": {LabelApp + "=1", LabelKeep + "=1"}}})
	if err != nil {
		return nil, fmt.Errorf("list kept kafka-lab containers: %w", err)
	}
	var names []string
	for _, c := range list {
		for _, n := range c.Names {
			names = append(names, strings.TrimPrefix(n, "/"))
		}
	}
	return names, nil
}

// RemoveKept removes the kept containers and networks (see NewKept) and says how many
// containers it removed.
func (rt *Runtime) RemoveKept(ctx context.Context) (int, error) {
	return rt.removeWhere(ctx, func(labels map[string]string) bool { return labels[LabelKeep] == "1" })
}

// Labels returns the labels that mark this run's objects.
func (rt *Runtime) Labels() map[string]string {
	out := make(map[string]string, len(rt.labels))
	for k, v := range rt.labels {
		out[k] = v
	}
	return out
}

// Spec describes a container to start.
type Spec struct {
	Name       string // short role name, e.g. "broker-1"; the container is named after the run and it
	Image      string
	Env        []string
	Cmd        []string
	Entrypoint []string
	WorkingDir string
	// NetworkOf shares that container's network namespace: inside, its localhost is ours.
	NetworkOf *Container
	// Network joins a user-defined network under Hostname (for clusters of several namespaces).
	Network  string
	Hostname string
	// Ports binds container ports to fixed ports on the host's 127.0.0.1, never on other addresses.
	Ports map[int]int
	// Limits; zero means none.
	MemoryBytes int64
	PidsLimit   int64
	// Stdin keeps the container's standard input open for StartProcess to write to.
	Stdin bool
	// NanoCPUs limits CPU time (1e9 is one core); zero means none.
	NanoCPUs int64
	// Mounts bind host folders into the container.
	Mounts []Mount
	// Untrusted runs the process as nobody, without capabilities or privilege gain, on a
	// read-only root file system with a small writable /tmp: for student programs.
	Untrusted bool
}

// Mount binds a host folder into a container.
type Mount struct {
	Source, Target string
	ReadOnly       bool
}

// Container is a running (or exited) container of this run.
type Container struct {
	rt   *Runtime
	ID   string
	Name string
}

// Start creates and starts a container. On an error after creation the container is removed.
func (rt *Runtime) Start(ctx context.Context, spec Spec) (*Container, error) {
	c, err := rt.create(ctx, spec)
	if err != nil {
		return nil, err
	}
	if err := rt.Pool.Client.StartContainerWithContext(c.ID, nil, ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("start container %s: %w", c.Name, err), c.Remove(context.WithoutCancel(ctx)))
	}
	return c, nil
}

// create creates the container of spec and makes it the run's, so Close removes it.
func (rt *Runtime) create(ctx context.Context, spec Spec) (*Container, error) {
	name := fmt.Sprintf("kafka-lab-%s-%s", rt.RunID, spec.Name)
	rt.mu.Lock()
	if rt.closing {
		rt.mu.Unlock()
		return nil, fmt.Errorf("create container %s: run %s is being removed", name, rt.RunID)
	}
	rt.creating.Add(1)
	rt.mu.Unlock()
	defer rt.creating.Done()
	hc := &dc.HostConfig{
		Memory:    spec.MemoryBytes,
		PidsLimit: spec.PidsLimit,
		LogConfig: dc.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "20m"}},
	}
	if spec.MemoryBytes > 0 {
		hc.MemorySwap = spec.MemoryBytes // no swap beyond the limit
	}
	if spec.NanoCPUs > 0 {
		// The CFS quota per 100 ms period that NanoCPUs amounts to.
		hc.CPUPeriod = 100_000
		hc.CPUQuota = spec.NanoCPUs * hc.CPUPeriod / 1e9
	}
	for _, m := range spec.Mounts {
		bind := m.Source + ":" + m.Target
		if m.ReadOnly {
			bind += ":ro"
		}
		hc.Binds = append(hc.Binds, bind)
	}
	if spec.Untrusted {
		hc.ReadonlyRootfs = true
		hc.Tmpfs = map[string]string{"/tmp": "rw,noexec,nosuid,size=16m"}
		hc.CapDrop = []string{"ALL"}
		hc.SecurityOpt = []string{"no-new-privileges"}
	}
	cfg := &dc.Config{
		Image:       spec.Image,
		Env:         spec.Env,
		Cmd:         spec.Cmd,
		Entrypoint:  spec.Entrypoint,
		WorkingDir:  spec.WorkingDir,
		Labels:      rt.Labels(),
		StopSignal:  "SIGTERM",
		Hostname:    spec.Hostname,
		OpenStdin:   spec.Stdin,
		StdinOnce:   spec.Stdin, // the input ends when the attached writer closes it
		AttachStdin: spec.Stdin,
	}
	var netCfg *dc.NetworkingConfig
	switch {
	case spec.NetworkOf != nil:
		hc.NetworkMode = "container:" + spec.NetworkOf.ID
		cfg.Hostname = ""
	case spec.Network != "":
		hc.NetworkMode = spec.Network
		netCfg = &dc.NetworkingConfig{EndpointsConfig: map[string]*dc.EndpointConfig{
			spec.Network: {Aliases: []string{spec.Hostname}},
		}}
	}
	if len(spec.Ports) > 0 {
		cfg.ExposedPorts = map[dc.Port]struct{}{}
		hc.PortBindings = map[dc.Port][]dc.PortBinding{}
		for cport, hport := range spec.Ports {
			p := dc.Port(fmt.Sprintf("%d/tcp", cport))
			cfg.ExposedPorts[p] = struct{}{}
			hc.PortBindings[p] = []dc.PortBinding{{HostIP: "127.0.0.1", HostPort: strconv.Itoa(hport)}}
		}
	}
	created, err := rt.Pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: name, Config: cfg, HostConfig: hc, NetworkingConfig: netCfg, Context: ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("create container %s from %s: %w", name, spec.Image, err)
	}
	c := &Container{rt: rt, ID: created.ID, Name: name}
	rt.mu.Lock()
	rt.owned[c.ID] = name
	rt.mu.Unlock()
	return c, nil
}

// State is what the engine says of a container.
type State struct {
	Running   bool
	ExitCode  int
	OOMKilled bool
}

func (s State) String() string {
	switch {
	case s.Running:
		return "running"
	case s.OOMKilled:
		return fmt.Sprintf("killed for using more than its memory limit (exit code %d)", s.ExitCode)
	default:
		return fmt.Sprintf("exited with code %d", s.ExitCode)
	}
}

// State inspects the container.
func (c *Container) State(ctx context.Context) (State, error) {
	info, err := c.rt.Pool.Client.InspectContainerWithContext(c.ID, ctx)
	if err != nil {
		return State{}, fmt.Errorf("inspect %s: %w", c.Name, err)
	}
	return State{Running: info.State.Running, ExitCode: info.State.ExitCode, OOMKilled: info.State.OOMKilled}, nil
}

// Stop sends SIGTERM and waits up to grace for the process to exit, then kills it.
func (c *Container) Stop(ctx context.Context, grace time.Duration) error {
	err := c.rt.Pool.Client.StopContainerWithContext(c.ID, uint(grace.Round(time.Second)/time.Second), ctx)
	var notRunning *dc.ContainerNotRunning
	if err != nil && !errors.As(err, &notRunning) && !gone(err) {
		return fmt.Errorf("stop %s: %w", c.Name, err)
	}
	return nil
}

// Kill sends a signal (SIGKILL when empty) to the container's main process.
func (c *Container) Kill(ctx context.Context, signal string) error {
	sig := dc.SIGKILL
	if signal == "SIGTERM" {
		sig = dc.SIGTERM
	}
	if err := c.rt.Pool.Client.KillContainer(dc.KillContainerOptions{ID: c.ID, Signal: sig, Context: ctx}); err != nil {
		var notRunning *dc.ContainerNotRunning
		if !errors.As(err, &notRunning) {
			return fmt.Errorf("kill %s: %w", c.Name, err)
		}
	}
	return nil
}

// Restart starts a stopped container again, with the same file system.
func (c *Container) Restart(ctx context.Context) error {
	if err := c.rt.Pool.Client.StartContainerWithContext(c.ID, nil, ctx); err != nil {
		var already *dc.ContainerAlreadyRunning
		if !errors.As(err, &already) {
			return fmt.Errorf("start %s again: %w", c.Name, err)
		}
	}
	return nil
}

// Remove force-removes the container (SIGKILL, no grace: its data is thrown away anyway).
// A container already gone or being removed is not an error.
func (c *Container) Remove(ctx context.Context) error {
	err := c.rt.Pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: ctx})
	c.rt.mu.Lock()
	delete(c.rt.owned, c.ID)
	c.rt.mu.Unlock()
	if err != nil && !gone(err) {
		return fmt.Errorf("remove %s: %w", c.Name, err)
	}
	return nil
}

// Logs returns the last lines of the container's stdout and stderr, interleaved.
func (c *Container) Logs(ctx context.Context, lines int) string {
	var buf bytes.Buffer
	err := c.rt.Pool.Client.Logs(dc.LogsOptions{
		Context: ctx, Container: c.ID, OutputStream: &buf, ErrorStream: &buf,
		Stdout: true, Stderr: true, Tail: strconv.Itoa(lines),
	})
	if err != nil {
		return fmt.Sprintf("(no logs of %s: %v)", c.Name, err)
	}
	return buf.String()
}

// Result is what a one-shot container did.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
	State          State
}

// RunOnce starts a container, waits for it to exit (killing it when ctx ends first), collects
// its output and removes it.
func (rt *Runtime) RunOnce(ctx context.Context, spec Spec) (Result, error) {
	p, err := rt.StartProcess(ctx, spec)
	if err != nil {
		return Result{}, err
	}
	defer p.Remove(context.WithoutCancel(ctx))
	st, werr := p.Wait(ctx)
	if werr != nil {
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = p.Kill(kctx, "")
		st, _ = p.Wait(kctx)
	}
	res := Result{Stdout: p.Stdout.String(), Stderr: p.Stderr.String(), ExitCode: st.ExitCode, State: st}
	if werr != nil {
		return res, fmt.Errorf("%s did not finish: %w", strings.Join(spec.Cmd, " "), werr)
	}
	return res, nil
}

// Close removes every container this run started and still owns.
func (rt *Runtime) Close(ctx context.Context) error {
	rt.mu.Lock()
	rt.closing = true
	rt.mu.Unlock()
	rt.creating.Wait()
	rt.mu.Lock()
	ids := make([]string, 0, len(rt.owned))
	for id := range rt.owned {
		ids = append(ids, id)
	}
	rt.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, (&Container{rt: rt, ID: id, Name: id[:12]}).Remove(ctx))
	}
	// Also what a failed create may have left without an id in owned.
	_, err := rt.removeWhere(ctx, func(labels map[string]string) bool { return labels[LabelRun] == rt.RunID })
	return errors.Join(append(errs, err)...)
}

func gone(err error) bool {
	var noSuch *dc.NoSuchContainer
	if errors.As(err, &noSuch) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "No such container") || strings.Contains(msg, "is already in progress") ||
		strings.Contains(msg, "removal of container")
}
