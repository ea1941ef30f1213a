package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
)

// cpuSampler tells where the machine's CPU goes while it runs: each container's CPU, read from
// its cgroup every 50 ms (a container is removed at the end of its work, and what it spent after
// the last look is left to "the rest"), by what the container does, and the Docker engine's
// own (dockerd, containerd).
type cpuSampler struct {
	root   string // the folder of the containers' cgroups ("": none found, nothing sampled)
	v1     bool   // cgroup v1's cpuacct.usage (ns) rather than v2's cpu.stat (usage_usec)
	engine []int  // the engine's processes
	// dockerRoot is the engine's folder (/var/lib/docker), where it keeps each container's name.
	dockerRoot string
	start      time.Duration
	host0      time.Duration

	mu    sync.Mutex
	last  map[string]time.Duration // by container id, what its cgroup said last
	names map[string]string        // by container id
	stop  chan struct{}
	done  chan struct{}
}

// cgroupRoots are where Docker puts its containers' cgroups: cgroup v1, v2 with systemd, v2 with
// cgroupfs.
var cgroupRoots = []struct {
	dir string
	v1  bool
}{
	{"/sys/fs/cgroup/cpuacct/docker", true},
	{"/sys/fs/cgroup/system.slice", false},
	{"/sys/fs/cgroup/docker", false},
}

func startCPUSampler() (*cpuSampler, error) {
	s := &cpuSampler{last: map[string]time.Duration{}, names: map[string]string{}, stop: make(chan struct{}), done: make(chan struct{})}
	for _, r := range cgroupRoots {
		if _, err := os.Stat(r.dir); err == nil {
			s.root, s.v1 = r.dir, r.v1
			break
		}
	}
	s.engine = processesNamed("dockerd", "containerd")
	if out, err := exec.Command("docker", "info", "--format", "{{.DockerRootDir}}").Output(); err == nil {
		s.dockerRoot = strings.TrimSpace(string(out))
	}
	var err error
	if s.host0, err = hostCPU(); err != nil {
		return nil, err
	}
	s.start = s.engineCPU()
	go s.loop()
	return s, nil
}

func (s *cpuSampler) loop() {
	defer close(s.done)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		s.look()
		select {
		case <-s.stop:
			s.look()
			return
		case <-t.C:
		}
	}
}

// look reads every container's cgroup once, and names the containers it has not seen.
func (s *cpuSampler) look() {
	if s.root == "" {
		return
	}
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		id, ok := containerID(e.Name())
		if !ok {
			continue
		}
		used, ok := s.read(filepath.Join(s.root, e.Name()))
		if !ok {
			continue
		}
		s.mu.Lock()
		s.last[id] = used
		_, named := s.names[id]
		s.mu.Unlock()
		if !named {
			if name, ok := s.containerName(id); ok {
				s.mu.Lock()
				s.names[id] = name
				s.mu.Unlock()
			}
		}
	}
}

// containerName is the name of the container id: from the engine's own record of it where this
// process can read it (a file read costs no CPU worth counting), else from docker inspect (a
// process and a request to the engine, which the split then counts).
func (s *cpuSampler) containerName(id string) (string, bool) {
	if s.dockerRoot != "" {
		if b, err := os.ReadFile(filepath.Join(s.dockerRoot, "containers", id, "config.v2.json")); err == nil {
			var c struct{ Name string }
			if json.Unmarshal(b, &c) == nil && c.Name != "" {
				return strings.TrimPrefix(c.Name, "/"), true
			}
		}
	}
	out, err := exec.Command("docker", "inspect", "--format", "{{.Name}}", id).Output()
	if err != nil {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "/"), true
}

// containerID is the container's id in a cgroup folder's name: the id itself (v1, cgroupfs) or
// docker-<id>.scope (systemd).
func containerID(name string) (string, bool) {
	name = strings.TrimSuffix(strings.TrimPrefix(name, "docker-"), ".scope")
	if len(name) != 64 {
		return "", false
	}
	for _, r := range name {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return "", false
		}
	}
	return name, true
}

func (s *cpuSampler) read(dir string) (time.Duration, bool) {
	if s.v1 {
		b, err := os.ReadFile(filepath.Join(dir, "cpuacct.usage"))
		if err != nil {
			return 0, false
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return time.Duration(ns), err == nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
			us, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Duration(us) * time.Microsecond, err == nil
		}
	}
	return 0, false
}

// cpuSplit is the machine's CPU over a sampled stretch, by who spent it.
type cpuSplit struct {
	machine, kafka, commands, programs, otherContainers, engine time.Duration
	// The containers of each part, a grading's (a mean where several were sampled together).
	nKafka, nCommands, nPrograms, nOther float64
	sampled                              bool // the containers' cgroups were found
}

// rest is what no container and not the engine spent: the harness, runc and the containers'
// shims, the kernel's network work, and what containers spent after their last sample.
func (c cpuSplit) rest() time.Duration {
	return c.machine - c.kafka - c.commands - c.programs - c.otherContainers - c.engine
}

// Stop ends the sampling and splits what it saw.
func (s *cpuSampler) Stop() (cpuSplit, error) {
	close(s.stop)
	<-s.done
	host1, err := hostCPU()
	if err != nil {
		return cpuSplit{}, err
	}
	split := cpuSplit{machine: host1 - s.host0, engine: s.engineCPU() - s.start, sampled: s.root != ""}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, used := range s.last {
		switch name := s.names[id]; {
		case strings.Contains(name, "broker") || strings.Contains(name, "controller"):
			split.kafka += used
			split.nKafka++
		case strings.Contains(name, "-client-"):
			split.commands += used
			split.nCommands++
		case strings.Contains(name, "generator") || strings.Contains(name, "calculator"):
			split.programs += used
			split.nPrograms++
		default:
			split.otherContainers += used
			split.nOther++
		}
	}
	return split, nil
}

// plus is the two splits' sum.
func (c cpuSplit) plus(o cpuSplit) cpuSplit {
	return cpuSplit{c.machine + o.machine, c.kafka + o.kafka, c.commands + o.commands, c.programs + o.programs,
		c.otherContainers + o.otherContainers, c.engine + o.engine,
		c.nKafka + o.nKafka, c.nCommands + o.nCommands, c.nPrograms + o.nPrograms, c.nOther + o.nOther, o.sampled}
}

// scaled is the split divided by n: one grading's of n sampled together.
func (c cpuSplit) scaled(n int) cpuSplit {
	d, f := time.Duration(n), float64(n)
	return cpuSplit{c.machine / d, c.kafka / d, c.commands / d, c.programs / d, c.otherContainers / d, c.engine / d,
		c.nKafka / f, c.nCommands / f, c.nPrograms / f, c.nOther / f, c.sampled}
}

// containers is how many containers the split saw.
func (c cpuSplit) containers() float64 { return c.nKafka + c.nCommands + c.nPrograms + c.nOther }

// engineCPU is the CPU the engine's processes have spent (a process gone meanwhile counts 0).
func (s *cpuSampler) engineCPU() time.Duration {
	var t time.Duration
	for _, pid := range s.engine {
		if used, err := container.ProcessCPU(pid); err == nil {
			t += used
		}
	}
	return t
}

// processesNamed lists the processes whose command is one of names.
func processesNamed(names ...string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			continue
		}
		for _, n := range names {
			if strings.TrimSpace(string(comm)) == n {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// gradeSampled is grade, every section, reps times: the median wall time and machine CPU of a
// grading, and where that CPU went (the mean of the reps).
func gradeSampled(img cluster.Image, submission string, reps int) (wall, cpu time.Duration, split cpuSplit, err error) {
	var walls, cpus []time.Duration
	var sum cpuSplit
	for range reps {
		s, err := startCPUSampler()
		if err != nil {
			return 0, 0, split, err
		}
		w, _, gerr := grade(img, submission, "")
		one, serr := s.Stop()
		if gerr != nil {
			return 0, 0, split, gerr
		}
		if serr != nil {
			return 0, 0, split, serr
		}
		walls, cpus = append(walls, w), append(cpus, one.machine)
		sum = sum.plus(one)
	}
	return median(walls), median(cpus), sum.scaled(reps), nil
}
