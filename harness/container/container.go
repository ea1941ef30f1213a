// Package container runs the harness's containers: every one labelled with the run that made
// it, removed when the run ends (also on SIGINT/SIGTERM), and swept by the next run when a run
// was killed before it could clean up.
//
// They run in Docker (New, docker.go), or where no Docker engine runs, such as Gradescope, as
// local processes from a Kafka distribution folder (NewLocal, local.go); the engine interface
// is the seam between the two. What differs between them and matters above (whether containers
// share the host's network, how one container addresses another, images, measurements) the
// Runtime reports as data and methods (Facts, ImagePresent, ListImage, Container.Stats), so
// that no code above this package asks which engine it has.
//
// The Docker engine uses the client of github.com/ory/dockertest/v3, but creates containers
// itself rather than through Pool.RunWithOptions, whose defaults do not fit here: it publishes
// every exposed port on a random host port, pulls any image it cannot find, stops containers
// with SIGWINCH (so `docker stop` waits out its timeout and then kills) and polls for port
// bindings that never come when a container shares another's network (a second per container).
package container

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ory/dockertest/v3"
)

// Labels on every container and network the harness makes.
const (
	LabelApp      = "kafka-lab"          // always "1": marks the harness's objects
	LabelRun      = "kafka-lab.run"      // the run's id
	LabelPID      = "kafka-lab.pid"      // the process that owns the run
	LabelPIDStart = "kafka-lab.pidstart" // that process's start time, so a reused pid is not taken for it
	LabelHost     = "kafka-lab.host"     // the machine of that process
	LabelKeep     = "kafka-lab.keep"     // "1" on a cluster started by hand, "on-failure" on a run that may keep a failed scenario's (KeepFailures): no sweep removes either
)

// KeptRunID is the run id of the cluster a student starts by hand (see NewKept).
const KeptRunID = "manual"

// Runtime is one run's connection to where its containers run: the Docker engine (New), or
// local processes from a Kafka distribution folder (NewLocal).
type Runtime struct {
	RunID string

	eng engine

	labels map[string]string
	mu     sync.Mutex
	owned  map[string]string // container id -> name, removed by Close
	kept   map[string]string // container id -> name, left by Close (Keep)
	naming map[string]bool   // names of containers being created
	// closing refuses new containers once Close has begun; creating counts the creations in
	// flight, which Close waits for, so none is made behind its back (a signal's Close is
	// followed by os.Exit while other goroutines of the run may still be starting things).
	closing  bool
	creating sync.WaitGroup
	// dirs are the run's host folders (TempDir), removed by Close.
	dirs []string
	// network is the run's own network (see runNetwork), made on first use.
	netMu   sync.Mutex
	network string
}

// TempDir makes a host folder that lives as long as the run: Close removes it, after the
// containers that may use it.
func (rt *Runtime) TempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("kafka-lab-%s-%s-", rt.RunID, prefix))
	if err != nil {
		return "", fmt.Errorf("a folder of the run: %w", err)
	}
	rt.mu.Lock()
	rt.dirs = append(rt.dirs, dir)
	rt.mu.Unlock()
	return dir, nil
}

// RemoveTempDirs removes the run's folders made by TempDir(prefix) so far: a worker that grades
// one submission after another drops the copies of the last one before the next.
func (rt *Runtime) RemoveTempDirs(prefix string) error {
	start := fmt.Sprintf("kafka-lab-%s-%s-", rt.RunID, prefix)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var errs []error
	kept := rt.dirs[:0]
	for _, d := range rt.dirs {
		if !strings.HasPrefix(filepath.Base(d), start) {
			kept = append(kept, d)
			continue
		}
		errs = append(errs, os.RemoveAll(d))
	}
	rt.dirs = kept
	return errors.Join(errs...)
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
	rt := newRuntime(&dockerEngine{pool: pool})
	if _, err := rt.Sweep(ctx); err != nil {
		return nil, err
	}
	return rt, nil
}

// newRuntime is a run on eng, labelled with a new run id and this process.
func newRuntime(eng engine) *Runtime {
	pid := os.Getpid()
	host, _ := os.Hostname()
	rt := &Runtime{RunID: newRunID(), eng: eng, owned: map[string]string{}, naming: map[string]bool{}}
	rt.labels = map[string]string{
		LabelApp:      "1",
		LabelRun:      rt.RunID,
		LabelPID:      strconv.Itoa(pid),
		LabelPIDStart: processStart(pid),
		LabelHost:     host,
	}
	return rt
}

// Facts are what differs between the places a run's containers can run (Docker, local
// processes) and matters to the code above this package, as data: that code reads these rather
// than asking which engine it has.
type Facts struct {
	// SharesHostNetwork: the containers have no network of their own but share the host's
	// (local processes). A port a container listens on is then the host's own port, so a fixed
	// port such as the lab's 9092 is held by one container of one run at a time: two clusters
	// cannot run side by side, the nodes of one cluster need ports of their own, and another
	// program of the machine on such a port would take the connections. Otherwise (Docker) each
	// container has a network namespace of its own, Spec.Ports publishes its ports on the host,
	// and containers find each other by Spec.Hostname on a network of the run.
	SharesHostNetwork bool
	// Dist is the Kafka distribution folder the containers run from, whatever their image
	// (local processes, see NewLocal); "" in Docker, where they run their image.
	Dist string
}

// Facts says what differs about where the run's containers run (see Facts).
func (rt *Runtime) Facts() Facts { return rt.eng.facts() }

// ListenHost is the address a server in a container binds: any ("") in a network namespace of
// its own; the loopback where the host's network is shared, so that nothing outside the
// machine reaches it.
func (f Facts) ListenHost() string {
	if f.SharesHostNetwork {
		return "127.0.0.1"
	}
	return ""
}

// ListenPort is the port a server in a container listens on for the harness to reach it at
// 127.0.0.1:hostPort, its Spec.Ports mapping containerPort to hostPort: containerPort, which
// Docker publishes as hostPort; hostPort itself where the host's network is shared and nothing
// is published.
func (f Facts) ListenPort(containerPort, hostPort int) int {
	if f.SharesHostNetwork {
		return hostPort
	}
	return containerPort
}

// PeerAddr is the address at which the run's other containers reach a server listening on port
// in the container with Spec.Hostname hostname: hostname:port on their network, or
// localhost:port where every container shares the host's network and names mean nothing.
func (f Facts) PeerAddr(hostname string, port int) string {
	if f.SharesHostNetwork {
		hostname = "localhost"
	}
	return net.JoinHostPort(hostname, strconv.Itoa(port))
}

// ImagePresent says whether the image ref is there to run, without pulling it. Local processes
// run their distribution whatever the image: it is always there.
func (rt *Runtime) ImagePresent(ctx context.Context, ref string) (bool, error) {
	return rt.eng.imagePresent(ctx, ref)
}

// ImageLabels returns the labels of the image ref, which must be present; local processes,
// whose distribution is no image, have none.
func (rt *Runtime) ImageLabels(ctx context.Context, ref string) (map[string]string, error) {
	labels, err := rt.eng.imageLabels(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("labels of image %s: %w", ref, err)
	}
	return labels, nil
}

// PullImage fetches the image ref into the engine (Docker); local processes pull nothing and
// say so.
func (rt *Runtime) PullImage(ctx context.Context, ref string) error {
	return rt.eng.pullImage(ctx, ref)
}

// ImageListing is what ListImage found in an image.
type ImageListing struct {
	// Source names what was looked at: the image, or "dist:FOLDER" for local processes, which
	// run their Kafka distribution whatever the image.
	Source string
	// Names are the names in the folders, one a line, folder after folder.
	Names string
	// Stderr is what the listing wrote besides (a folder the image lacks, say).
	Stderr string
}

// ListImage lists the folders dirs (absolute, as a container sees them) of the image ref, which
// must be present: Docker has no way to read an image's files but a container of it, which
// ListImage runs; local processes read their distribution's folders.
func (rt *Runtime) ListImage(ctx context.Context, ref string, dirs ...string) (ImageListing, error) {
	return rt.eng.listImage(ctx, rt, ref, dirs)
}

// NewKept is New for a cluster that outlives the process that starts it: a student's cluster for
// doing the lab by hand. Its objects are labelled to be kept, so sweeps leave them alone, and
// RemoveKept removes them.
func NewKept(ctx context.Context) (*Runtime, error) {
	// (Docker only: a local process cannot outlive the run that owns it.)
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
	return rt.names(ctx, func(labels map[string]string) bool { return labels[LabelKeep] == "1" })
}

// Containers lists the names of this run's containers, running or not, as the engine has them.
func (rt *Runtime) Containers(ctx context.Context) ([]string, error) {
	return rt.names(ctx, func(labels map[string]string) bool { return labels[LabelRun] == rt.RunID })
}

func (rt *Runtime) names(ctx context.Context, match func(map[string]string) bool) ([]string, error) {
	list, err := rt.eng.list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list kafka-lab containers: %w", err)
	}
	var names []string
	for _, c := range list {
		if match(c.labels) {
			names = append(names, c.name)
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
	// Ports binds container ports to fixed ports on the host's 127.0.0.1, never on other
	// addresses. Where containers share the host's network nothing is bound: the server listens
	// on the host port itself (see Facts.ListenPort).
	Ports map[int]int
	// Limits; zero means none.
	MemoryBytes int64
	PidsLimit   int64
	// Stdin keeps the container's standard input open for StartProcess to write to.
	Stdin bool
	// NanoCPUs limits CPU time (1e9 is one core); zero means none.
	NanoCPUs int64
	// FileBytes caps the size of a file an untrusted local process writes (RLIMIT_FSIZE);
	// zero means 16 MiB. (Docker bounds its /tmp instead.)
	FileBytes int64
	// Mounts bind host folders into the container.
	Mounts []Mount
	// Untrusted runs the process as an unprivileged user (nobody in Docker, a student user id
	// of its own with local processes), without capabilities or privilege gain, on a read-only
	// root file system with a small writable /tmp (unless a mount is /tmp): for whatever the
	// student wrote, their programs and their commands.
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
	if err := rt.eng.start(ctx, c.ID); err != nil {
		return nil, errors.Join(fmt.Errorf("start container %s: %w", c.Name, err), c.Remove(context.WithoutCancel(ctx)))
	}
	return c, nil
}

// create creates the container of spec and makes it the run's, so Close removes it.
func (rt *Runtime) create(ctx context.Context, spec Spec) (*Container, error) {
	rt.mu.Lock()
	if rt.closing {
		rt.mu.Unlock()
		return nil, fmt.Errorf("create container %s: run %s is being removed", spec.Name, rt.RunID)
	}
	name := rt.freeName(fmt.Sprintf("kafka-lab-%s-%s", rt.RunID, spec.Name))
	rt.naming[name] = true
	rt.creating.Add(1)
	rt.mu.Unlock()
	defer func() {
		rt.mu.Lock()
		delete(rt.naming, name)
		rt.mu.Unlock()
		rt.creating.Done()
	}()
	if spec.NetworkOf == nil && spec.Network == "" {
		network, err := rt.runNetwork(ctx)
		if err != nil {
			return nil, fmt.Errorf("create container %s: %w", name, err)
		}
		spec.Network = network
	}
	id, err := rt.eng.create(ctx, name, spec, rt.Labels())
	if err != nil {
		return nil, fmt.Errorf("create container %s from %s: %w", name, spec.Image, err)
	}
	c := &Container{rt: rt, ID: id, Name: name}
	rt.mu.Lock()
	rt.owned[c.ID] = name
	rt.mu.Unlock()
	return c, nil
}

// freeName returns name, or name with a number after it when a container of the run already
// has it: clusters of one run side by side (session lanes) name their containers alike.
// rt.mu is held.
func (rt *Runtime) freeName(name string) string {
	taken := func(n string) bool {
		if rt.naming[n] {
			return true
		}
		for _, o := range rt.owned {
			if o == n {
				return true
			}
		}
		for _, k := range rt.kept { // left for a look, still there
			if k == n {
				return true
			}
		}
		return false
	}
	free := name
	for i := 2; taken(free); i++ {
		free = fmt.Sprintf("%s-%d", name, i)
	}
	return free
}

// StopAll stops each of things at once (each may take its grace to stop) and waits for all.
func StopAll[T interface{ Stop(context.Context) error }](ctx context.Context, things []T) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, t := range things {
		wg.Go(func() {
			err := t.Stop(ctx)
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// State is what the engine says of a container.
type State struct {
	Running   bool
	ExitCode  int
	OOMKilled bool
	// FinishedAt is when the container last exited (zero while it runs or if unknown): whose
	// a node's death is depends on what ran at that moment (see cluster.Blame).
	FinishedAt time.Time
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
	st, err := c.rt.eng.state(ctx, c.ID)
	if err != nil {
		return State{}, fmt.Errorf("inspect %s: %w", c.Name, err)
	}
	return st, nil
}

// Stop sends SIGTERM and waits up to grace for the process to exit, then kills it.
func (c *Container) Stop(ctx context.Context, grace time.Duration) error {
	if err := c.rt.eng.stop(ctx, c.ID, grace); err != nil {
		return fmt.Errorf("stop %s: %w", c.Name, err)
	}
	return nil
}

// Kill sends a signal (SIGKILL when empty) to the container's main process.
func (c *Container) Kill(ctx context.Context, signal string) error {
	if err := c.rt.eng.kill(ctx, c.ID, signal); err != nil {
		return fmt.Errorf("kill %s: %w", c.Name, err)
	}
	return nil
}

// Restart starts a stopped container again, with the same file system.
func (c *Container) Restart(ctx context.Context) error {
	if err := c.rt.eng.start(ctx, c.ID); err != nil {
		return fmt.Errorf("start %s again: %w", c.Name, err)
	}
	return nil
}

// Remove force-removes the container (SIGKILL, no grace: its data is thrown away anyway).
// A container already gone or being removed is not an error.
func (c *Container) Remove(ctx context.Context) error {
	err := c.rt.eng.remove(ctx, c.ID)
	c.rt.mu.Lock()
	delete(c.rt.owned, c.ID)
	c.rt.mu.Unlock()
	if err != nil {
		return fmt.Errorf("remove %s: %w", c.Name, err)
	}
	return nil
}

// Logs returns the last lines of the container's stdout and stderr, interleaved.
func (c *Container) Logs(ctx context.Context, lines int) string {
	out, err := c.rt.eng.logs(ctx, c.ID, lines)
	if err != nil {
		return fmt.Sprintf("(no logs of %s: %v)", c.Name, err)
	}
	return out
}

// Stats is a container's use of the machine, as its engine measures it.
type Stats struct {
	// Memory is the bytes in use now.
	Memory uint64
	// PeakMemory is the most bytes in use so far; 0 where the engine does not say (Docker
	// on cgroup v2). For local processes, the peak resident size of each process, summed.
	PeakMemory uint64
	// CPU is the CPU time used so far, user and system.
	CPU time.Duration
}

// Stats measures the container's use of memory and CPU. For local processes it is the
// container's process group (a process that left the group is not counted), and the
// container must be running.
func (c *Container) Stats(ctx context.Context) (Stats, error) {
	st, err := c.rt.eng.stats(ctx, c.ID)
	if err != nil {
		return Stats{}, fmt.Errorf("stats of %s: %w", c.Name, err)
	}
	return st, nil
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
	owned := make([]*Container, 0, len(rt.owned))
	for id, name := range rt.owned {
		owned = append(owned, &Container{rt: rt, ID: id, Name: name})
	}
	rt.mu.Unlock()
	var errs []error
	for _, c := range owned {
		errs = append(errs, c.Remove(ctx))
	}
	if rt.KeptSome() {
		// The kept containers stay, and with them the networks they are on and the folders
		// they mount: KeepCommand removes them all.
		return errors.Join(errs...)
	}
	// Also what a failed create may have left without an id in owned.
	_, err := rt.removeWhere(ctx, func(labels map[string]string) bool { return labels[LabelRun] == rt.RunID })
	errs = append(errs, err)
	rt.mu.Lock()
	dirs := rt.dirs
	rt.dirs = nil
	rt.mu.Unlock()
	for _, d := range dirs {
		errs = append(errs, os.RemoveAll(d))
	}
	return errors.Join(errs...)
}
