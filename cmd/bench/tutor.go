package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/tutor"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// tutorIdleWindow is how long the tutor's idle CPU is measured: many of its looks, and several
// of the broker's own periodic tasks.
const tutorIdleWindow = 20 * time.Second

// tutorResult is the live tutor's figures.
type tutorResult struct {
	reaction time.Duration // median, a change of Kafka's state to its JSON line
	changes  int           // how many the median is of
	// The tutor process's CPU over the idle window, and the broker's, with the tutor watching
	// and with it paused (SIGSTOP): the tutor's looks cost the broker too.
	cpu, broker, brokerPaused float64
	brokerErr                 error
}

// tutorBench runs `kafka-lab tutor -json` as a student does (it starts the lab's cluster at
// localhost:9092) and measures how soon a change of Kafka's state shows as its JSON line
// (my_first_topic created, then deleted, and so on), and the CPU the tutor takes while the
// cluster is idle.
func tutorBench(ctx context.Context, rt *container.Runtime, img cluster.Image, reps int) (r tutorResult, err error) {
	tmp, err := os.MkdirTemp("", "kafka-lab-bench-tutor-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "kafka-lab")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kafka-lab").CombinedOutput(); err != nil {
		return r, fmt.Errorf("build cmd/kafka-lab: %w\n%s", err, out)
	}
	cmd := exec.CommandContext(ctx, bin, "tutor", "-json")
	cmd.Env = append(os.Environ(), "KAFKA_LAB_IMAGE="+img.Ref)
	// Stopped as a student stops it: SIGTERM, after which it removes the cluster.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	if err := cmd.Start(); err != nil {
		return r, fmt.Errorf("start the tutor: %w", err)
	}
	lines := make(chan timedChange, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var c tutor.Change
			if json.Unmarshal(sc.Bytes(), &c) == nil && c.ID != "" {
				lines <- timedChange{c, time.Now()}
			}
		}
	}()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGCONT) // if paused when an error struck
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if werr := cmd.Wait(); werr != nil && err == nil {
			err = fmt.Errorf("the tutor, stopped with SIGTERM: %w\n%s", werr, stderr.String())
		}
		if kept, kerr := rt.Kept(context.WithoutCancel(ctx)); err == nil && (kerr != nil || len(kept) > 0) {
			err = fmt.Errorf("the tutor left its cluster behind: %v %v", kept, kerr)
		}
	}()

	admin, err := labAdmin(ctx)
	if err != nil {
		return r, fmt.Errorf("%w\nthe tutor wrote:\n%s", err, stderr.String())
	}
	// The first change also shows that the tutor watches: it is not timed.
	var times []time.Duration
	for i := range 2*reps + 2 {
		var at time.Time
		var want tutor.Status
		if i%2 == 0 {
			want = tutor.Done
			// A topic just deleted may be still on its way out: created once it is gone.
			err = wait.Until(ctx, "my_first_topic created", 30*time.Second, 50*time.Millisecond, func(context.Context) (bool, string, error) {
				err := admin.CreateTopic("my_first_topic", &sarama.TopicDetail{NumPartitions: 10, ReplicationFactor: 1}, false)
				at = time.Now()
				return err == nil, "", err
			})
		} else {
			want = tutor.Undone
			err = admin.DeleteTopic("my_first_topic")
			at = time.Now()
		}
		if err != nil {
			return r, err
		}
		got, err := awaitChange(ctx, lines, want)
		if err != nil {
			return r, fmt.Errorf("%w\nthe tutor wrote:\n%s", err, stderr.String())
		}
		if i > 0 {
			times = append(times, got.Sub(at))
		}
	}
	r.reaction, r.changes = median(times), len(times)
	// Idle: no client but the tutor's.
	if err := admin.Close(); err != nil {
		return r, err
	}
	broker, err := brokerCgroup(ctx, rt)
	if err != nil {
		r.brokerErr = err
	}
	pid := cmd.Process.Pid
	r.cpu, r.broker, err = idleCPU(ctx, pid, broker)
	if err != nil {
		return r, err
	}
	if broker != "" {
		if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			return r, err
		}
		_, r.brokerPaused, err = idleCPU(ctx, pid, broker)
		if cerr := cmd.Process.Signal(syscall.SIGCONT); err == nil {
			err = cerr
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

type timedChange struct {
	tutor.Change
	at time.Time
}

// awaitChange reads the tutor's JSON lines until one says a step is now want, and returns
// when it came.
func awaitChange(ctx context.Context, lines <-chan timedChange, want tutor.Status) (time.Time, error) {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case c, ok := <-lines:
			if !ok {
				return time.Time{}, fmt.Errorf("the tutor ended before a step became %s", want)
			}
			if c.Status == want {
				return c.at, nil
			}
		case <-timeout:
			return time.Time{}, fmt.Errorf("no JSON line of a step become %s within 30s", want)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

// labAdmin is an admin client of the tutor's cluster, at the lab's address, once it answers.
func labAdmin(ctx context.Context) (sarama.ClusterAdmin, error) {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Net.DialTimeout = 2 * time.Second
	var admin sarama.ClusterAdmin
	err := wait.Until(ctx, "the tutor's cluster at localhost:9092", 3*time.Minute, 100*time.Millisecond, func(context.Context) (bool, string, error) {
		var err error
		admin, err = sarama.NewClusterAdmin([]string{fmt.Sprintf("localhost:%d", cluster.LabPort)}, cfg)
		return err == nil, "", err
	})
	return admin, err
}

// idleCPU measures, over tutorIdleWindow, the CPU time of process pid and of the cgroup
// broker ("": not measured), each as a share of the window.
func idleCPU(ctx context.Context, pid int, broker string) (proc, cg float64, err error) {
	p0, err := processCPU(pid)
	if err != nil {
		return 0, 0, err
	}
	var c0, c1 time.Duration
	if broker != "" {
		if c0, err = cgroupCPU(broker); err != nil {
			return 0, 0, err
		}
	}
	start := time.Now()
	select { // a measuring window, not a wait for some state
	case <-time.After(tutorIdleWindow):
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	wall := time.Since(start)
	p1, err := processCPU(pid)
	if err != nil {
		return 0, 0, err
	}
	if broker != "" {
		if c1, err = cgroupCPU(broker); err != nil {
			return 0, 0, err
		}
	}
	return float64(p1-p0) / float64(wall), float64(c1-c0) / float64(wall), nil
}

// processCPU is the CPU time process pid has used, user and system (/proc/PID/stat, in ticks
// of 10 ms).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("the tutor's CPU time: %w", err)
	}
	// The fields after the command's name, which is in parentheses and may hold spaces.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("the tutor's CPU time: /proc/%d/stat is %q", pid, b)
	}
	var ticks int64
	for _, s := range f[11:13] { // utime, stime
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("the tutor's CPU time: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// brokerCgroup is the file that counts the CPU time of the tutor's broker container: its
// cgroup's, found through its main process (cgroup v1's cpuacct.usage, or v2's cpu.stat).
func brokerCgroup(ctx context.Context, rt *container.Runtime) (string, error) {
	kept, err := rt.Kept(ctx)
	if err != nil {
		return "", err
	}
	var name string
	for _, k := range kept {
		if strings.Contains(k, "broker") {
			name = k
		}
	}
	if name == "" {
		return "", fmt.Errorf("no broker among the tutor's containers %v", kept)
	}
	out, err := exec.CommandContext(ctx, "docker", "inspect", "-f", "{{.State.Pid}}", name).Output()
	if err != nil {
		return "", fmt.Errorf("docker inspect %s: %w", name, err)
	}
	cg, err := os.ReadFile("/proc/" + strings.TrimSpace(string(out)) + "/cgroup")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		if f[0] == "0" && f[1] == "" { // v2
			return filepath.Join("/sys/fs/cgroup", f[2], "cpu.stat"), nil
		}
		for _, c := range strings.Split(f[1], ",") {
			if c == "cpuacct" {
				for _, dir := range []string{"cpu,cpuacct", "cpuacct"} {
					p := filepath.Join("/sys/fs/cgroup", dir, f[2], "cpuacct.usage")
					if _, err := os.Stat(p); err == nil {
						return p, nil
					}
				}
			}
		}
	}
	return "", fmt.Errorf("no CPU accounting for %s in its cgroups:\n%s", name, cg)
}

// cgroupCPU reads a cgroup's CPU time from the file brokerCgroup found.
func cgroupCPU(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	if filepath.Base(path) == "cpuacct.usage" {
		ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return time.Duration(ns), err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			us, err := strconv.ParseInt(v, 10, 64)
			return time.Duration(us) * time.Microsecond, err
		}
	}
	return 0, errors.New(path + " has no usage_usec")
}

// rows are the tutor's rows of the bench.
func (r tutorResult) rows() []row {
	broker := fmt.Sprintf("%.1f%% / %.1f%%", 100*r.broker, 100*r.brokerPaused)
	if r.brokerErr != nil {
		fmt.Fprintln(os.Stderr, "bench: the broker's CPU:", r.brokerErr)
		broker = "not measured"
	}
	return []row{
		{fmt.Sprintf("tutor: a change in Kafka to its JSON line (median of %d)", r.changes), r.reaction.Round(time.Millisecond).String(), "<= 2s", r.reaction <= 2*time.Second},
		{fmt.Sprintf("tutor: its CPU, cluster idle (%s)", tutorIdleWindow), fmt.Sprintf("%.1f%%", 100*r.cpu), "<= 5%", r.cpu <= 0.05},
		{"  the broker's CPU meanwhile / with the tutor paused", broker, "", true},
	}
}
