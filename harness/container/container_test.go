package container_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// helperEnv makes the test binary act as a harness run that starts one container and holds it
// until it is signalled, so tests can kill a run from outside as a user or CI would.
const helperEnv = "KAFKA_LAB_CONTAINER_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "hold":
		os.Exit(holdContainer())
	case "keep":
		os.Exit(keepContainer())
	}
	os.Exit(m.Run())
}

func holdContainer() int {
	ctx := context.Background()
	rt, err := container.New(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rt.CloseOnSignal()
	if _, err := rt.Start(ctx, container.Spec{Name: "held", Image: cluster.ImageFromEnv(), Entrypoint: []string{"sleep", "600"}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("run", rt.RunID)
	select {}
}

// keepContainer starts a kept container, as `make cluster` does, and exits without removing it.
func keepContainer() int {
	ctx := context.Background()
	rt, err := container.NewKept(ctx)
	if err == nil {
		_, err = rt.Start(ctx, container.Spec{Name: "kept", Image: cluster.ImageFromEnv(), Entrypoint: []string{"sleep", "600"}})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// holder is a helper run in another process.
type holder struct {
	cmd    *exec.Cmd
	runID  string
	exited chan struct{} // closed when the process has exited and been waited for
}

// waitExit waits up to d for the process to exit and returns its exit code.
func (h *holder) waitExit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-h.exited:
		return h.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("helper run %s did not exit within %s", h.runID, d)
		return -1
	}
}

// startHolder starts a helper run and returns it once its container runs.
func startHolder(t *testing.T) *holder {
	t.Helper()
	h := &holder{cmd: exec.Command(os.Args[0], "-test.run=^$"), exited: make(chan struct{})}
	h.cmd.Env = append(os.Environ(), helperEnv+"=hold")
	h.cmd.Stderr = os.Stderr
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	go func() { _ = h.cmd.Wait(); close(h.exited) }()
	t.Cleanup(func() {
		// SIGTERM lets a still-running helper remove its container.
		_ = h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.exited:
		case <-time.After(30 * time.Second):
			_ = h.cmd.Process.Kill()
		}
	})
	if err != nil {
		t.Fatalf("helper run gave no run id: %v", err)
	}
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "run ")
	if !ok {
		t.Fatalf("helper run printed %q", line)
	}
	h.runID = id
	return h
}

func containersOfRun(t *testing.T, rt *container.Runtime, id string) []dc.APIContainers {
	t.Helper()
	list, err := container.DockerClient(rt).ListContainers(dc.ListContainersOptions{
		All: true, Filters: map[string][]string{"label": {container.LabelRun + "=" + id}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// newRuntime gates t (a Docker engine) and starts a run in Docker for it.
func newRuntime(t *testing.T) *container.Runtime {
	t.Helper()
	integration.Require(t, integration.Docker)
	rt, err := container.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

func TestSweepRemovesContainersOfAKilledRun(t *testing.T) {
	observer := newRuntime(t)
	h := startHolder(t)
	id := h.runID
	_ = h.cmd.Process.Signal(syscall.SIGKILL) // no chance to clean up
	h.waitExit(t, 30*time.Second)
	if n := len(containersOfRun(t, observer, id)); n != 1 {
		t.Fatalf("a killed run should have left its container behind, found %d", n)
	}
	// The next run sweeps it.
	next := newRuntime(t)
	if n := len(containersOfRun(t, next, id)); n != 0 {
		t.Fatalf("the next run did not sweep %d container(s) of killed run %s", n, id)
	}
}

func TestSweepLeavesLiveRunsAlone(t *testing.T) {
	integration.Require(t, integration.Docker)
	id := startHolder(t).runID
	rt := newRuntime(t)
	if n := len(containersOfRun(t, rt, id)); n != 1 {
		t.Fatalf("a live run's container was swept: %d left", n)
	}
}

// A cluster started by hand outlives its command and every later run's sweep, until RemoveKept.
func TestKeptContainersSurviveSweepsUntilRemoved(t *testing.T) {
	integration.Require(t, integration.Docker)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=keep")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	rt := newRuntime(t) // sweeps
	t.Cleanup(func() { _, _ = rt.RemoveKept(context.Background()) })
	kept, err := rt.Kept(context.Background())
	if err != nil || len(kept) != 1 || kept[0] != "kafka-lab-manual-kept" {
		t.Fatalf("after the sweep, kept containers %v (%v), want [kafka-lab-manual-kept]", kept, err)
	}
	if n, err := rt.RemoveKept(context.Background()); err != nil || n != 1 {
		t.Fatalf("RemoveKept removed %d (%v), want 1", n, err)
	}
	if kept, _ := rt.Kept(context.Background()); len(kept) != 0 {
		t.Errorf("still kept after RemoveKept: %v", kept)
	}
}

func TestInterruptRemovesTheRunsContainers(t *testing.T) {
	integration.Require(t, integration.Docker)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			rt := newRuntime(t)
			h := startHolder(t)
			id := h.runID
			if err := h.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code, want := h.waitExit(t, 30*time.Second), 128+int(sig); code != want {
				t.Errorf("exit code %d, want %d", code, want)
			}
			if n := len(containersOfRun(t, rt, id)); n != 0 {
				t.Fatalf("%v left %d container(s) of run %s", sig, n, id)
			}
		})
	}
}

func TestRunOnceCollectsOutputAndRemoves(t *testing.T) {
	rt := newRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := rt.RunOnce(ctx, container.Spec{
		Name: "once", Image: cluster.ImageFromEnv(),
		Entrypoint: []string{"/bin/sh", "-c"}, Cmd: []string{"echo out; echo err >&2; exit 3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "out\n" || res.Stderr != "err\n" || res.ExitCode != 3 {
		t.Errorf("got %+v, want stdout out, stderr err, exit 3", res)
	}
	if n := len(containersOfRun(t, rt, rt.RunID)); n != 0 {
		t.Errorf("RunOnce left %d container(s)", n)
	}
}

func TestRunOnceStopsAtTheDeadline(t *testing.T) {
	rt := newRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := rt.RunOnce(ctx, container.Spec{Name: "hang", Image: cluster.ImageFromEnv(), Entrypoint: []string{"sleep", "600"}})
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("want a 'did not finish' error, got %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %s to give up", d)
	}
	if n := len(containersOfRun(t, rt, rt.RunID)); n != 0 {
		t.Errorf("a hung one-shot left %d container(s)", n)
	}
}

// Containers on a network of the run find each other by host name (the ha topology's brokers
// and controller will), and the network goes with the run.
func TestNetworkJoinsByHostname(t *testing.T) {
	integration.Require(t, integration.Docker)
	rt, err := container.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	net, err := rt.CreateNetwork(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Start(ctx, container.Spec{Name: "a", Image: cluster.ImageFromEnv(), Entrypoint: []string{"sleep", "60"}, Network: net, Hostname: "controller"}); err != nil {
		t.Fatal(err)
	}
	res, err := rt.RunOnce(ctx, container.Spec{Name: "b", Image: cluster.ImageFromEnv(), Entrypoint: []string{"getent", "hosts", "controller"}, Network: net, Hostname: "broker-1"})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("controller not found by name: %v %+v", err, res)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := container.DockerClient(rt).NetworkInfo(net); err == nil {
		t.Errorf("network %s outlived the run", net)
	}
	// A run being removed starts nothing more: a container made behind Close's back would
	// outlive the run.
	if c, err := rt.Start(ctx, container.Spec{Name: "late", Image: cluster.ImageFromEnv(), Entrypoint: []string{"sleep", "60"}}); err == nil || !strings.Contains(err.Error(), "being removed") {
		t.Errorf("Start after Close: %v, %v; want a refusal", c, err)
		if c != nil {
			_ = c.Remove(ctx)
		}
	}
}

// probe is a program that says whether it can open a TCP connection to an address.
const probe = `import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
    print("connected")
except OSError as e:
    print("refused:", e)
`

// TestRunsAreApart: a program of one run cannot connect to a container of another run, while
// a program of that run can; and a run's network has no NAT to outside addresses.
func TestRunsAreApart(t *testing.T) {
	integration.Require(t, integration.Docker)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := newRuntime(t), newRuntime(t)
	listener, err := b.Start(ctx, container.Spec{Name: "broker", Image: cluster.ImageFromEnv(),
		Entrypoint: []string{"python3", "-c", "import socket, time\ns = socket.create_server(('', 9092))\nwhile True:\n    s.accept()"}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := container.DockerClient(b).InspectContainerWithContext(listener.ID, ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ip string
	for _, ep := range info.NetworkSettings.Networks {
		ip = ep.IPAddress
	}
	if len(info.NetworkSettings.Networks) != 1 || ip == "" {
		t.Fatalf("the broker is not on one network: %+v", info.NetworkSettings.Networks)
	}
	dial := func(rt *container.Runtime, name string) string {
		res, err := rt.RunOnce(ctx, container.Spec{Name: name, Image: cluster.ImageFromEnv(), Untrusted: true,
			Entrypoint: []string{"python3", "-c", probe, ip, "9092"}})
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(res.Stdout + res.Stderr)
	}
	// Retried while the listener starts; its own run reaches it.
	var own string
	for range 20 {
		if own = dial(b, "neighbour"); own == "connected" {
			break
		}
	}
	if own != "connected" {
		t.Fatalf("a program of the broker's own run cannot reach it: %s", own)
	}
	if got := dial(a, "intruder"); got == "connected" {
		t.Errorf("a program of another run connected to the broker at %s:9092", ip)
	}
	for _, rt := range []*container.Runtime{a, b} {
		if _, ok := info.NetworkSettings.Networks[b.Network()]; !ok || rt.Network() == "" {
			t.Fatalf("the broker is not on its run's network %q: %+v", b.Network(), info.NetworkSettings.Networks)
		}
		n, err := container.DockerClient(rt).NetworkInfo(rt.Network())
		if err != nil {
			t.Fatal(err)
		}
		if n.Options[container.NoNAT] != "false" || n.Internal {
			t.Errorf("network %s: options %v, internal %v; want no NAT and published ports", n.Name, n.Options, n.Internal)
		}
		// Where the engine's rules can be read, none masquerades the network's addresses.
		if out, err := exec.Command("iptables", "-t", "nat", "-S", "POSTROUTING").Output(); err == nil && len(n.IPAM.Config) > 0 {
			for _, rule := range strings.Split(string(out), "\n") {
				if strings.Contains(rule, n.IPAM.Config[0].Subnet) && strings.Contains(rule, "MASQUERADE") {
					t.Errorf("network %s is masqueraded: %s", n.Name, rule)
				}
			}
		}
	}
}

// TestUntrustedIsUnprivileged: an untrusted container runs as nobody, on a read-only root.
func TestUntrustedIsUnprivileged(t *testing.T) {
	integration.Require(t, integration.Docker)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rt := newRuntime(t)
	res, err := rt.RunOnce(ctx, container.Spec{Name: "untrusted", Image: cluster.ImageFromEnv(), Untrusted: true,
		Entrypoint: []string{"sh", "-c", "id -u; touch /opt/kafka/x 2>&1 || echo read-only; touch /tmp/x && echo tmp"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(res.Stdout)
	if len(lines) == 0 || lines[0] != "65534" || !strings.Contains(res.Stdout, "read-only") || !strings.HasSuffix(strings.TrimSpace(res.Stdout), "tmp") {
		t.Errorf("untrusted container: %q %q; want uid 65534, a read-only root and a writable /tmp", res.Stdout, res.Stderr)
	}
}

// TestRemoveReturnsWhenGone: two removes of one container at once (a renewed cluster's old
// broker removed in the background while a signal's Close removes the run) both return only
// once the container is gone, so that nothing of a run outlives its process.
func TestRemoveReturnsWhenGone(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	// A process that ignores SIGTERM keeps the engine busy removing it for a while.
	c, err := rt.Start(ctx, container.Spec{Name: "removed-twice", Image: cluster.ImageFromEnv(),
		Entrypoint: []string{"sh", "-c", "trap '' TERM; sleep 600"}})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			err := c.Remove(ctx)
			if err == nil && len(containersOfRun(t, rt, rt.RunID)) != 0 {
				err = fmt.Errorf("Remove returned while %s is still there", c.Name)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestDockerFacts: in Docker each container has a network of its own, found by its host name;
// an image is present or not without a pull; ListImage looks inside it; Stats measures memory.
func TestDockerFacts(t *testing.T) {
	rt := newRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := rt.Facts()
	if f.SharesHostNetwork || f.Dist != "" {
		t.Errorf("facts %+v: want networks of their own and images", f)
	}
	if got := f.PeerAddr("controller", 9093); got != "controller:9093" {
		t.Errorf("PeerAddr = %s, want controller:9093", got)
	}
	if got := f.ListenPort(19092, 40001); got != 19092 || f.ListenHost() != "" {
		t.Errorf("ListenPort = %d, ListenHost = %q: want the published container port on any address", got, f.ListenHost())
	}
	if ok, err := rt.ImagePresent(ctx, cluster.ImageFromEnv()); !ok || err != nil {
		t.Fatalf("ImagePresent(%s) = %v, %v", cluster.ImageFromEnv(), ok, err)
	}
	if ok, err := rt.ImagePresent(ctx, "kafka-lab/no-such-image:0"); ok || err != nil {
		t.Errorf("ImagePresent of a missing image = %v, %v; want false, no error", ok, err)
	}
	look, err := rt.ListImage(ctx, cluster.ImageFromEnv(), "/opt/kafka/bin", "/no/such/folder")
	if err != nil || look.Source != cluster.ImageFromEnv() || !strings.Contains(look.Names, "kafka-topics.sh\n") || look.Stderr == "" {
		t.Errorf("ListImage = %+v, %v: want bin's kafka-topics.sh and a complaint about the missing folder", look, err)
	}
	c, err := rt.Start(ctx, container.Spec{Name: "measured", Image: cluster.ImageFromEnv(), Entrypoint: []string{"sleep", "60"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory == 0 {
		t.Errorf("stats %+v: want memory in use", st)
	}
}
