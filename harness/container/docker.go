package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// engine is what a Runtime needs of the place its containers run. dockerEngine runs them in
// Docker; localEngine runs them as processes of this machine (see NewLocal).
type engine interface {
	// create makes a container that has not started yet and returns its id.
	create(ctx context.Context, name string, spec Spec, labels map[string]string) (string, error)
	// attach connects the streams of a created container before it starts (stdin may be nil);
	// the returned wait returns once it has exited and all its output has been written.
	attach(ctx context.Context, id string, stdin io.Reader, stdout, stderr io.Writer) (wait func() error, err error)
	// start starts a created or exited container; one already running is left as it is.
	start(ctx context.Context, id string) error
	state(ctx context.Context, id string) (State, error)
	// stop sends SIGTERM, waits up to grace, then kills; a container not running is no error.
	stop(ctx context.Context, id string, grace time.Duration) error
	kill(ctx context.Context, id string, signal string) error
	// remove kills and removes; a container already gone is no error.
	remove(ctx context.Context, id string) error
	logs(ctx context.Context, id string, lines int) (string, error)
	// list lists every kafka-lab container of any run.
	list(ctx context.Context) ([]listed, error)
	createNetwork(ctx context.Context, name string, labels map[string]string) error
	// removeNetwork removes the network name; one already gone is no error.
	removeNetwork(ctx context.Context, name string) error
	removeNetworks(ctx context.Context, match func(map[string]string) bool) error

	// facts says what differs about this engine's containers (see Facts).
	facts() Facts
	// imagePresent says whether image ref is there to run; pullImage fetches it.
	imagePresent(ctx context.Context, ref string) (bool, error)
	// imageLabels returns the labels of image ref, which must be present.
	imageLabels(ctx context.Context, ref string) (map[string]string, error)
	pullImage(ctx context.Context, ref string) error
	// listImage lists folders of image ref; rt runs the container that takes, where one does.
	listImage(ctx context.Context, rt *Runtime, ref string, dirs []string) (ImageListing, error)
	// stats measures a container's use of memory and CPU.
	stats(ctx context.Context, id string) (Stats, error)
}

// listed is a container as list finds it.
type listed struct {
	id, name string
	labels   map[string]string
}

// dockerEngine runs containers in the Docker engine, through dockertest's client. It creates
// them itself rather than through Pool.RunWithOptions, whose defaults do not fit (see the
// package comment).
type dockerEngine struct {
	pool *dockertest.Pool
}

func (d *dockerEngine) create(ctx context.Context, name string, spec Spec, labels map[string]string) (string, error) {
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
	user := ""
	if spec.Untrusted {
		user = untrustedUser
		hc.ReadonlyRootfs = true
		if !mountsTmp(spec) {
			// Writable by nobody (mode 1777); exec allowed, as the JVM's native libraries
			// (snappy, zstd) load from there: nothing of it is privileged.
			hc.Tmpfs = map[string]string{"/tmp": "rw,nosuid,nodev,mode=1777,size=64m"}
		}
		hc.CapDrop = []string{"ALL"}
		hc.SecurityOpt = []string{"no-new-privileges"}
	}
	cfg := &dc.Config{
		Image:       spec.Image,
		Env:         spec.Env,
		Cmd:         spec.Cmd,
		Entrypoint:  spec.Entrypoint,
		WorkingDir:  spec.WorkingDir,
		Labels:      labels,
		User:        user,
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
		ep := &dc.EndpointConfig{}
		if spec.Hostname != "" {
			ep.Aliases = []string{spec.Hostname}
		}
		netCfg = &dc.NetworkingConfig{EndpointsConfig: map[string]*dc.EndpointConfig{spec.Network: ep}}
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
	created, err := d.pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: name, Config: cfg, HostConfig: hc, NetworkingConfig: netCfg, Context: ctx,
	})
	if err != nil {
		return "", err
	}
	return created.ID, nil
}

func (d *dockerEngine) attach(ctx context.Context, id string, stdin io.Reader, stdout, stderr io.Writer) (func() error, error) {
	opts := dc.AttachToContainerOptions{
		Container: id, OutputStream: stdout, ErrorStream: stderr,
		Stdout: true, Stderr: true, Stream: true, Success: make(chan struct{}),
	}
	if stdin != nil {
		opts.InputStream, opts.Stdin = stdin, true
	}
	attach, err := d.pool.Client.AttachToContainerNonBlocking(opts)
	if err != nil {
		return nil, err
	}
	select {
	case <-opts.Success:
		opts.Success <- struct{}{}
	case <-ctx.Done():
		attach.Close()
		return nil, ctx.Err()
	}
	return func() error {
		// The attach ends when the container exits (or is removed); waiting on it too makes
		// sure every byte the process wrote has reached stdout and stderr.
		_, werr := d.pool.Client.WaitContainer(id)
		_ = attach.Wait()
		return werr
	}, nil
}

func (d *dockerEngine) start(ctx context.Context, id string) error {
	err := d.pool.Client.StartContainerWithContext(id, nil, ctx)
	var already *dc.ContainerAlreadyRunning
	if err != nil && !errors.As(err, &already) {
		return err
	}
	return nil
}

func (d *dockerEngine) state(ctx context.Context, id string) (State, error) {
	info, err := d.pool.Client.InspectContainerWithContext(id, ctx)
	if err != nil {
		return State{}, err
	}
	st := State{Running: info.State.Running, ExitCode: info.State.ExitCode, OOMKilled: info.State.OOMKilled}
	if !st.Running {
		st.FinishedAt = info.State.FinishedAt // Docker's "0001-01-01" for one never started: zero
	}
	return st, nil
}

func (d *dockerEngine) stop(ctx context.Context, id string, grace time.Duration) error {
	err := d.pool.Client.StopContainerWithContext(id, uint(grace.Round(time.Second)/time.Second), ctx)
	var notRunning *dc.ContainerNotRunning
	if err != nil && !errors.As(err, &notRunning) && !gone(err) {
		return err
	}
	return nil
}

func (d *dockerEngine) kill(ctx context.Context, id string, signal string) error {
	sig := dc.SIGKILL
	if signal == "SIGTERM" {
		sig = dc.SIGTERM
	}
	err := d.pool.Client.KillContainer(dc.KillContainerOptions{ID: id, Signal: sig, Context: ctx})
	var notRunning *dc.ContainerNotRunning
	if err != nil && !errors.As(err, &notRunning) {
		return err
	}
	return nil
}

func (d *dockerEngine) remove(ctx context.Context, id string) error {
	err := d.pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: id, Force: true, RemoveVolumes: true, Context: ctx})
	switch {
	case err == nil:
		return nil
	case beingRemoved(err):
		// Another remove of this run (a renewed cluster's old broker, removed in the
		// background) got there first: done only when the container is gone, so that nothing
		// of the run is left when its Close returns and the process exits.
		return d.awaitGone(ctx, id)
	case gone(err):
		return nil
	}
	return err
}

// awaitGone waits until the engine no longer knows the container, or ctx ends.
func (d *dockerEngine) awaitGone(ctx context.Context, id string) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := d.pool.Client.InspectContainerWithContext(id, ctx)
		if err != nil && noSuchContainer(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %.12s still being removed: %w", id, ctx.Err())
		case <-tick.C:
		}
	}
}

func (d *dockerEngine) logs(ctx context.Context, id string, lines int) (string, error) {
	var buf strings.Builder
	err := d.pool.Client.Logs(dc.LogsOptions{
		Context: ctx, Container: id, OutputStream: &buf, ErrorStream: &buf,
		Stdout: true, Stderr: true, Tail: strconv.Itoa(lines),
	})
	return buf.String(), err
}

func (d *dockerEngine) list(ctx context.Context) ([]listed, error) {
	filter := map[string][]string{"label": {LabelApp + "=1"}}
	list, err := d.pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: filter, Context: ctx})
	if err != nil {
		return nil, err
	}
	out := make([]listed, 0, len(list))
	for _, c := range list {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		out = append(out, listed{id: c.ID, name: name, labels: c.Labels})
	}
	return out, nil
}

// facts: each container has a network namespace of its own, and runs its image.
func (d *dockerEngine) facts() Facts { return Facts{} }

func (d *dockerEngine) imagePresent(_ context.Context, ref string) (bool, error) {
	_, err := d.pool.Client.InspectImage(ref)
	switch {
	case errors.Is(err, dc.ErrNoSuchImage):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

func (d *dockerEngine) imageLabels(_ context.Context, ref string) (map[string]string, error) {
	img, err := d.pool.Client.InspectImage(ref)
	if err != nil {
		return nil, err
	}
	if img.Config == nil {
		return nil, nil
	}
	return img.Config.Labels, nil
}

func (d *dockerEngine) pullImage(ctx context.Context, ref string) error {
	repo, tag, _ := strings.Cut(ref, ":")
	if tag == "" {
		tag = "latest"
	}
	return d.pool.Client.PullImage(dc.PullImageOptions{Repository: repo, Tag: tag, Context: ctx}, dc.AuthConfiguration{})
}

// listImage runs a container of the image that lists the folders.
func (d *dockerEngine) listImage(ctx context.Context, rt *Runtime, ref string, dirs []string) (ImageListing, error) {
	res, err := rt.RunOnce(ctx, Spec{
		Name:       "inspect-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10),
		Image:      ref,
		Entrypoint: []string{"/bin/sh", "-c", `for d in "$@"; do ls "$d"; done`, "ls"},
		Cmd:        dirs,
	})
	if err != nil {
		return ImageListing{}, err
	}
	return ImageListing{Source: ref, Names: res.Stdout, Stderr: res.Stderr}, nil
}

// stats takes one sample of the engine's stats. Docker's peak memory is cgroup v1's max_usage:
// v2 reports no peak through the stats API.
func (d *dockerEngine) stats(ctx context.Context, id string) (Stats, error) {
	samples := make(chan *dc.Stats, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- d.pool.Client.Stats(dc.StatsOptions{ID: id, Stats: samples, Stream: false, Context: ctx, Timeout: 10 * time.Second})
	}()
	var last *dc.Stats
	for s := range samples { // closed when Stats returns
		last = s
	}
	if err := <-errc; err != nil {
		return Stats{}, err
	}
	if last == nil {
		return Stats{}, errors.New("the Docker engine sent no stats")
	}
	return Stats{
		Memory:     last.MemoryStats.Usage,
		PeakMemory: last.MemoryStats.MaxUsage,
		CPU:        time.Duration(last.CPUStats.CPUUsage.TotalUsage), // nanoseconds
	}, nil
}

// untrustedUser is nobody:nogroup, by number: the image needs no account for it.
const untrustedUser = "65534:65534"

// NoNAT is the bridge option that turns off masquerading: a run's network has no way out.
const NoNAT = "com.docker.network.bridge.enable_ip_masquerade"

func (d *dockerEngine) createNetwork(ctx context.Context, name string, labels map[string]string) error {
	_, err := d.pool.Client.CreateNetwork(dc.CreateNetworkOptions{
		Name: name, Driver: "bridge", Labels: labels, Context: ctx,
		Options: map[string]any{NoNAT: "false"},
	})
	return err
}

func (d *dockerEngine) removeNetwork(_ context.Context, name string) error {
	if err := d.pool.Client.RemoveNetwork(name); err != nil && !strings.Contains(err.Error(), "No such network") {
		return err
	}
	return nil
}

func (d *dockerEngine) removeNetworks(_ context.Context, match func(map[string]string) bool) error {
	nets, err := d.pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {LabelApp + "=1": true}})
	if err != nil {
		return fmt.Errorf("list kafka-lab networks: %w", err)
	}
	var errs []error
	for _, n := range nets {
		if match(n.Labels) {
			if err := d.pool.Client.RemoveNetwork(n.ID); err != nil && !strings.Contains(err.Error(), "No such network") {
				errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// mountsTmp says whether one of spec's mounts is /tmp.
func mountsTmp(spec Spec) bool {
	for _, m := range spec.Mounts {
		if path.Clean(m.Target) == "/tmp" {
			return true
		}
	}
	return false
}

// gone says whether a Docker error means the container no longer exists or is being removed.
func gone(err error) bool { return noSuchContainer(err) || beingRemoved(err) }

// noSuchContainer says whether a Docker error means the engine does not know the container.
func noSuchContainer(err error) bool {
	var noSuch *dc.NoSuchContainer
	return errors.As(err, &noSuch) || strings.Contains(err.Error(), "No such container")
}

// beingRemoved says whether a Docker error means another request is removing the container.
func beingRemoved(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "is already in progress") || strings.Contains(msg, "removal of container")
}
