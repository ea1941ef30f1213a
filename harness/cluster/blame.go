package cluster

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/fault"
)

// Death is what the harness knows of a node that exited though the harness did not stop it.
type Death struct {
	Node  string          // its container, such as kafka-lab-1a2b3c4d-broker-1
	Kafka string          // what it is to Kafka: "broker 1", "controller 0", "zookeeper"
	State container.State // how it ended, and when (FinishedAt; zero if unknown)
	Log   string          // the end of its log
}

// StudentRun is one of the student's programs or commands started on the cluster since its
// last Reset, and when it ran.
type StudentRun struct {
	What    string    // "your program balance_calculator.py", "your command `bin/...`"
	Started time.Time // when the harness started it
	Ended   time.Time // when it exited; zero while it runs
}

// studentRuns records the student's programs and commands as StartClient starts them.
type studentRuns struct {
	mu   sync.Mutex
	runs []studentRun
}

type studentRun struct {
	what    string
	program bool // a Python program, which may send Kafka any bytes; else a Kafka tool
	started time.Time
	proc    *container.Process
}

func (r *studentRuns) add(spec container.Spec, p *container.Process) {
	what, program := describeRun(spec)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, studentRun{what: what, program: program, started: time.Now(), proc: p})
}

// runningPrograms is the runs of Python programs whose processes have not exited.
func (r *studentRuns) runningPrograms() []studentRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []studentRun
	for _, run := range r.runs {
		if run.program && run.proc.Running() {
			out = append(out, run)
		}
	}
	return out
}

func (r *studentRuns) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = nil
}

// StudentRuns lists the student's programs and commands started on the cluster since its last
// Reset (the scenario's), in the order they started.
func (c *Cluster) StudentRuns() []StudentRun {
	c.runs.mu.Lock()
	defer c.runs.mu.Unlock()
	out := make([]StudentRun, 0, len(c.runs.runs))
	for _, r := range c.runs.runs {
		out = append(out, StudentRun{What: r.what, Started: r.started, Ended: r.proc.Ended()})
	}
	return out
}

// Stalled is a student's program or command that could not start because Kafka stopped
// answering while the student's other code ran, and answered again once that was stopped.
type Stalled struct {
	By   []string // what ran, as StudentRun.What
	Seen string   // what the harness's wait saw last
}

func (s *Stalled) Error() string {
	return fmt.Sprintf("Kafka stopped answering while %s ran, and answered again once it was stopped (%s). "+
		"Connections that announce requests and never finish them hold the memory Kafka keeps for requests, "+
		"and then it reads no one's: talk to Kafka through a Kafka client, as the lab does", strings.Join(s.By, " and "), s.Seen)
}

// stalled weighs err, AwaitVisible's failure before a student's program or command starts
// (the harness's, fault.Harness), like a node's death (Blame): a broker that answers no one
// while the student's other code runs may be held by it (see RequestsQueued: a client can fill
// a node's request memory, and the node then reads nothing until it is freed). So the
// student's running programs are stopped and the wait tried again (weighStall). Only the
// programs: a command is a Kafka tool, whose requests are Kafka's own, and a slow machine
// must not be blamed on a console consumer that happened to run.
func (c *Cluster) stalled(ctx context.Context, err error) error {
	running := c.runs.runningPrograms()
	var by []string
	for _, r := range running {
		by = append(by, r.what)
	}
	stop := func(ctx context.Context) {
		for _, r := range running {
			_, _ = r.proc.Stop(ctx, time.Second) // the scenario fails here; its clean-up removes it
		}
	}
	return weighStall(ctx, err, by, stop, c.kafka.AwaitVisible)
}

// weighStall decides whose err, a wait on Kafka that failed, is: with the student's code by
// running, it waits again (retry) first, for a slow moment of a loaded machine passes by itself
// and is nobody's (nil: go on). Only if Kafka still does not answer is that code stopped and the
// wait tried once more: if Kafka then answers, the failure is the student's (*Stalled); if it
// still does not, or nothing of the student's ran, err stays as it is (the harness's).
func weighStall(ctx context.Context, err error, by []string, stop func(context.Context), retry func(context.Context) error) error {
	if len(by) == 0 || ctx.Err() != nil {
		return err
	}
	if retry(ctx) == nil {
		return nil
	}
	stop(ctx)
	if again := retry(ctx); again != nil {
		return err
	}
	seen := err.Error()
	var f *fault.Error
	if errors.As(err, &f) {
		seen = f.Err.Error() // not "the grader could not": this one is the student's
	}
	var names []string
	for _, b := range by {
		if !slices.Contains(names, b) {
			names = append(names, b)
		}
	}
	return &Stalled{By: names, Seen: seen}
}

// describeRun names a student's program or command from its container spec, for a message,
// and says whether it is a program (see sandbox.Start: python3 runs /submission/<script>).
func describeRun(spec container.Spec) (what string, program bool) {
	if n := len(spec.Entrypoint); n > 0 && strings.HasPrefix(spec.Entrypoint[n-1], "/submission/") {
		return "your program " + strings.TrimPrefix(spec.Entrypoint[n-1], "/submission/"), true
	}
	return "your command `" + strings.Join(spec.Cmd, " ") + "`", false
}

// Deaths lists the cluster's nodes that exited though the harness did not take them down, with
// how and when each ended and the end of its log. Empty when all run; always empty for Own,
// whose Kafka is the student's (a broker of theirs that dies fails their own scenario).
func (c *Cluster) Deaths(ctx context.Context) ([]Death, error) {
	if c.Topology == Own {
		return nil, nil
	}
	var deaths []Death
	for _, n := range c.nodes {
		if n.down {
			continue
		}
		st, err := n.Container.State(ctx)
		if err != nil {
			return nil, err
		}
		if !st.Running {
			deaths = append(deaths, Death{Node: n.Container.Name, Kafka: n.kafkaName(), State: st, Log: n.Container.Logs(ctx, 200)})
		}
	}
	return deaths, nil
}

// outOfHeap is the line a node's JVM leaves when a Java allocation fails: with
// -XX:+ExitOnOutOfMemoryError (jvmOpts) "Terminating due to java.lang.OutOfMemoryError: Java
// heap space", and the JVM exits (code 3). These are the failures a client's requests can
// cause: Kafka allocates on the heap the size each request announces (an array past the VM's
// limit for a size near 2 GiB). Not "unable to create native thread" nor "Metaspace": those are
// the machine's limits or Kafka's own code, which no client's bytes grow.
var outOfHeap = regexp.MustCompile(`java\.lang\.OutOfMemoryError: (Java heap space|GC overhead limit exceeded|Requested array size exceeds VM limit)`)

// afterRun is how long after a program or command exited a node's death can still be its
// doing: the broker may be reading what it was sent when the connection closes, and the
// harness sees the exit a moment after it happens.
const afterRun = 5 * time.Second

// Blame decides whose the nodes' deaths are, from the evidence: the student's when every node
// that died ran out of its Java heap (its log says so; see outOfHeap) while one of the
// student's programs or commands ran against the cluster. The harness sizes each node for
// the harness's own traffic, the same for every submission, and the bounds of bounds.go keep
// what a well-behaved client makes a node allocate small; so a heap that runs out while the
// student's code runs is that code's doing. It returns the student's message then, and ok.
//
// Anything else is the harness's (ok false): a node killed by the kernel or a signal (exit code
// 137, or OOMKilled: the machine short of memory; nothing of the student's can signal a node,
// which runs as another user in another container), any other exit, a death before the
// student's code started or well after it ended, or one whose time is unknown: no evidence
// that the student's code caused it.
func Blame(deaths []Death, runs []StudentRun) (msg string, ok bool) {
	if len(deaths) == 0 {
		return "", false
	}
	var says []string
	for _, d := range deaths {
		if d.State.OOMKilled || d.State.ExitCode == 137 || d.State.FinishedAt.IsZero() {
			return "", false
		}
		line := outOfHeap.FindString(d.Log)
		if line == "" {
			return "", false
		}
		during := runningAt(runs, d.State.FinishedAt)
		if len(during) == 0 {
			return "", false
		}
		var names []string
		first := d.State.FinishedAt
		for _, r := range during {
			if !slices.Contains(names, r.What) {
				names = append(names, r.What)
			}
			if r.Started.Before(first) {
				first = r.Started
			}
		}
		says = append(says, fmt.Sprintf("Kafka's %s ran out of memory while %s ran (%s after it started): its log says %q",
			d.Kafka, strings.Join(names, " and "), d.State.FinishedAt.Sub(first).Round(time.Second), line))
	}
	return strings.Join(says, "; "), true
}

// runningAt is the runs that were running at t, or had ended at most afterRun before.
func runningAt(runs []StudentRun, t time.Time) []StudentRun {
	var at []StudentRun
	for _, r := range runs {
		if !t.Before(r.Started) && (r.Ended.IsZero() || !t.After(r.Ended.Add(afterRun))) {
			at = append(at, r)
		}
	}
	return at
}

// kafkaName is what the node is to Kafka, for the student: "broker 1", "controller 0".
func (n *Node) kafkaName() string {
	switch {
	case strings.Contains(n.Role, "broker"):
		return fmt.Sprintf("broker %d", n.ID)
	case n.Role == "controller":
		return fmt.Sprintf("controller %d", n.ID)
	}
	return n.Role
}
