// Package sandbox runs a student's Python program against a cluster, in a container of its
// own: python3 with kafka-python and confluent-kafka, from the Kafka image when it is kafka-lab's and from the
// program image otherwise (cluster.ChooseProgramImage: the official apache/kafka has no
// Python), the submission folder mounted read-only, the broker's network namespace (so
// bootstrap_servers='localhost:9092' works and nothing else is reachable that the broker does
// not reach), as nobody, without capabilities, on a read-only root file system, with limits on
// memory, CPU, processes and output. It runs from a copy of the folder's regular files
// (submission.Stage), never the folder itself. Time is bounded by the caller, which stops the
// program.
//
// What a program did wrong is said in a student's words: a syntax error, a missing module, no
// Kafka at the address it used, a crash, too much memory or output.
package sandbox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// Limits of one program.
const (
	MemoryLimit = 256 << 20
	CPULimit    = 0.5e9 // half a core, in nano-CPUs: two programs and a broker share 2 cores
	PidsLimit   = 64
	stopGrace   = 3 * time.Second
	tailLines   = 20
)

// launcher runs the script as `python3 script` would, after what the harness needs to grade it
// fairly: kafka-python's warnings on stderr, SIGTERM that ends the program, each consumer's
// subscription and assignment on stderr (Assigned), and kafka-python 3.0.12's metadata race
// closed (see launcher.py).
//
//go:embed launcher.py
var launcher string

// connectionFailures is how many failed bootstrap connections make a program one that cannot
// reach Kafka: kafka-python's backoff makes three take about two seconds, librdkafka's
// (confluent-kafka) well under one.
const connectionFailures = 3

// kafka-python 3.x: "Bootstrap connection to bootstrap-0 failed: ..."; 2.x: "Connect attempt to
// <BrokerConnection ...> returned error 111."; librdkafka (confluent-kafka), on stderr of its
// own: "localhost:9094/bootstrap: Connect to ipv4#127.0.0.1:9094 failed: Connection refused".
var connectFailed = regexp.MustCompile(`Bootstrap connection to \S+ failed|Connect attempt to .* returned error|: Connect to \S+ failed`)

// bootstrapServers finds the addresses a program passes to its client, for the hint:
// kafka-python's bootstrap_servers='...' or confluent-kafka's {'bootstrap.servers': '...'}.
var bootstrapServers = regexp.MustCompile(`(?:bootstrap_servers\s*=|['"]bootstrap\.servers['"]\s*:)\s*\[?\s*['"]([^'"]+)['"]`)

// confluent finds a program that uses confluent-kafka.
var confluent = regexp.MustCompile(`(?m)^\s*(?:from|import)\s+confluent_kafka\b`)

// Installed is what a program can import besides Python's standard library, as the student
// reads it in a failure.
var Installed = fmt.Sprintf("only Python's standard library, kafka-python %s (import kafka) and confluent-kafka %s "+
	"(import confluent_kafka) are installed: other modules are not available", cluster.KafkaPythonVersion, cluster.ConfluentKafkaVersion)

// Program is a student's program running in its sandbox.
type Program struct {
	*container.Process
	// Script is the program's file name in the submission, e.g. "balance_calculator.py".
	Script string
	source string
}

// StageDirPrefix names the run's folders (container.Runtime.TempDir) that hold a program's
// copy of the submission.
const StageDirPrefix = "submission"

// Cluster is what of a cluster a program needs: a folder to stage the submission in, the spec
// of a program's container, and to start it as the student's; *cluster.Cluster has it.
type Cluster interface {
	TempDir(prefix string) (string, error)
	ProgramSpec() container.Spec
	// MarkUntrusted says that a student's program connects (see cluster.Reset).
	MarkUntrusted()
	StartClient(ctx context.Context, spec container.Spec) (*container.Process, error)
}

// Start starts dir/script with python3. A missing file is an error that says what to add.
func Start(ctx context.Context, c Cluster, dir, script string) (*Program, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("submission folder %s: %w", dir, err)
	}
	source, err := submission.ReadFile(abs, script, submission.ProgramLimit)
	var ferr *submission.FileError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Failure{Script: script, What: fmt.Sprintf("the submission has no %s", script),
			Hint: fmt.Sprintf("add the %s you wrote in lab section 6 to the submission folder", script)}
	case errors.As(err, &ferr):
		return nil, &Failure{Script: script, What: ferr.What, Hint: ferr.Fix}
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", script, err)
	}
	// The program runs from a copy of the folder's regular files, never from the folder itself.
	staged, err := c.TempDir(StageDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("stage the submission: %w", err)
	}
	if _, err := submission.Stage(abs, staged); err != nil {
		return nil, fmt.Errorf("stage the submission: %w", err)
	}
	spec := c.ProgramSpec()
	spec.Name = strings.TrimSuffix(script, ".py") + spec.Name[len("client"):]
	spec.Entrypoint = []string{"python3", "-c", launcher, "/submission/" + script}
	spec.WorkingDir = "/submission"
	spec.Env = []string{"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "HOME=/tmp"}
	spec.Mounts = []container.Mount{{Source: staged, Target: "/submission", ReadOnly: true}}
	spec.MemoryBytes, spec.NanoCPUs, spec.PidsLimit = MemoryLimit, CPULimit, PidsLimit
	spec.Untrusted = true
	// Whatever the program leaves in Kafka must not reach the next scenario (see Reset).
	c.MarkUntrusted()
	p, err := c.StartClient(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", script, err)
	}
	return &Program{Process: p, Script: script, source: string(source)}, nil
}

// Problem says what went wrong with a program that should keep running: it exited or was
// killed, or it floods its output (then it is stopped). Nil while all is well.
func (p *Program) Problem(ctx context.Context) error {
	if p.Stdout.Dropped() > 0 || p.Stderr.Dropped() > 0 {
		_ = p.Stop(ctx)
		return p.failure(fmt.Sprintf("printed more than %d MiB, so it was stopped", container.OutputLimit>>20),
			"print a line per message at most")
	}
	if n := len(connectFailed.FindAllString(p.Stderr.String(), -1)); n >= connectionFailures {
		_ = p.Stop(ctx)
		return p.failure(fmt.Sprintf("could not connect to Kafka (%d failed attempts), so it was stopped", n), p.connectHint())
	}
	if p.Running() {
		return nil
	}
	st, err := p.Wait(ctx)
	if err != nil {
		return err
	}
	return p.exited(st)
}

// "  File "/submission/x.py", line 3" in a traceback (with local processes the folder is the
// program's own copy, .../submission).
var tracebackLine = regexp.MustCompile(`File "(?:[^"]*)/submission/([^"]+)", line (\d+)`)

// exited explains an exit from the program's state and the end of its traceback.
func (p *Program) exited(st container.State) *Failure {
	if strings.Contains(p.Stderr.String(), "Resource temporarily unavailable") &&
		(strings.Contains(p.Stderr.String(), "fork") || strings.Contains(p.Stderr.String(), "can't start new thread")) {
		return p.failure(fmt.Sprintf("started more than %d processes or threads and was stopped (%s)", PidsLimit, st),
			"the lab's programs need one process: a loop, no fork")
	}
	// Killed by the container's memory limit, or (local processes, an address-space limit)
	// refused memory by Python.
	if st.OOMKilled || strings.HasPrefix(lastLine(p.Stderr.String()), "MemoryError") {
		return p.failure(fmt.Sprintf("used more than its %d MiB of memory and was killed", MemoryLimit>>20),
			"keep only what the program needs, such as one balance per account")
	}
	last := lastLine(p.Stderr.String())
	where := ""
	if m := tracebackLine.FindAllStringSubmatch(p.Stderr.String(), -1); m != nil {
		where = fmt.Sprintf(" (%s line %s)", m[len(m)-1][1], m[len(m)-1][2])
	}
	switch {
	case strings.HasPrefix(last, "SyntaxError") || strings.HasPrefix(last, "IndentationError"):
		return p.failure("does not run: "+last+where, "python3 -m py_compile "+p.Script+" shows the error")
	case strings.HasPrefix(last, "ModuleNotFoundError") || strings.HasPrefix(last, "ImportError"):
		return p.failure("does not start: "+last+where, Installed)
	case strings.Contains(last, "NoBrokersAvailable"):
		return p.failure("could not connect to Kafka"+where, p.connectHint())
	case st.ExitCode == 0:
		return p.failure("exited, but it should keep running until stopped", "loop forever, as the lab's programs do")
	case last != "":
		f := p.failure(fmt.Sprintf("crashed (%s): %s%s", st, last, where), "")
		f.unreadable, f.hasUnreadable = unreadableValue(last)
		return f
	}
	return p.failure(fmt.Sprintf("stopped (%s)", st), "")
}

// Stop ends the program as Ctrl-C does and removes its container.
func (p *Program) Stop(ctx context.Context) error {
	_, err := p.Process.Stop(ctx, stopGrace)
	return errors.Join(err, p.Remove(context.WithoutCancel(ctx)))
}

// Kill kills the program at once (SIGKILL), as a crash would, and removes its container.
func (p *Program) Kill(ctx context.Context) error {
	err := p.Process.Kill(ctx, "SIGKILL")
	_, _ = p.Wait(ctx)
	return errors.Join(err, p.Remove(context.WithoutCancel(ctx)))
}

// Failure is a program that did not do its job.
type Failure struct {
	Script string
	What   string
	Hint   string
	Output string // the tails of its stdout and stderr

	// unreadable is the value int() or float() could not read when the program crashed so.
	unreadable    string
	hasUnreadable bool
}

// UnreadableValue is the value the program crashed on because int() or float() could not read
// it (a message value such as 3.5, as it was sent), so that whoever wrote it can be named.
func (f *Failure) UnreadableValue() (string, bool) { return f.unreadable, f.hasUnreadable }

func (f *Failure) Error() string { return container.Explain(f.Script, f.What, f.Hint, f.Output) }

func (p *Program) failure(what, hint string) *Failure {
	return &Failure{Script: p.Script, What: what, Hint: hint, Output: p.Tail()}
}

// Tail is the end of what the program printed, each stream headed, to show under a failure.
func (p *Program) Tail() string { return p.Tails(p.Script, tailLines) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// connectHint names the lab's address, in the program's client's spelling, and the other
// addresses the program uses.
func (p *Program) connectHint() string {
	hint := "connect with bootstrap_servers='localhost:9092' (lab section 1)"
	if confluent.MatchString(p.source) {
		hint = "connect with 'bootstrap.servers': 'localhost:9092' (lab section 1)"
	}
	var other []string
	for _, m := range bootstrapServers.FindAllStringSubmatch(p.source, -1) {
		if m[1] != "localhost:9092" && m[1] != "127.0.0.1:9092" && !slices.Contains(other, m[1]) {
			other = append(other, m[1])
		}
	}
	if len(other) > 0 {
		hint += "; it uses " + strings.Join(other, ", ")
	}
	return hint
}

// Name is the script the program runs, such as balance_calculator.py.
func (p *Program) Name() string { return p.Script }

// The lines launcher.py prints for each consumer of the program.
const (
	subscribedLine = "kafka-lab: subscribed to "
	assignedLine   = "kafka-lab: partitions assigned: "
)

// Unassigned returns the topics the program's consumers subscribed to when their Kafka client
// never gave them a partition (launcher.py says both): nil when the program subscribed to
// nothing (it assigns partitions itself, or only produces) or got a partition at some point.
// It explains a wait that ran out to the student; the program can print these lines itself,
// so they never excuse one.
func (p *Program) Unassigned() []string { return unassigned(p.Stderr.String()) }

func unassigned(stderr string) []string {
	var topics []string
	for _, line := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, subscribedLine); ok {
			for _, t := range strings.Split(rest, ", ") {
				if t = strings.TrimSpace(t); t != "" && !slices.Contains(topics, t) {
					topics = append(topics, t)
				}
			}
		}
		if rest, ok := strings.CutPrefix(line, assignedLine); ok && strings.TrimSpace(rest) != "none" {
			return nil
		}
	}
	return topics
}
