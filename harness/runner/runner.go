// Package runner runs a student's lab commands against a cluster: each in its own client
// container from the Kafka image, in /opt/kafka and in the broker's network namespace, so the
// command runs as typed. One-shot commands (kafka-topics.sh, kafka-consumer-groups.sh) run to
// their end under a time limit; long-running ones (console producer and consumers) are started,
// fed and read line by line, and stopped.
//
// A command that cannot reach Kafka keeps retrying for a minute or more; the runner recognises
// the client's "could not be established" warnings and stops it early with a message that names
// the address it tried, rather than waiting out the limit.
package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Limits of a student's command.
const (
	// OneShotLimit bounds a one-shot command; a healthy one takes about a second here.
	OneShotLimit = 30 * time.Second
	// KeyLimit bounds the commands of one answers.yaml key together (RunAll): a key may have
	// submission.MaxCommands of them, and at OneShotLimit each they would hold a grading for
	// ten minutes, past its deadline. Past KeyLimit no further command starts, so a key takes
	// at most KeyLimit and one command's limit.
	KeyLimit = 60 * time.Second
	// connectionFailures is how many failed connection attempts make the runner give up on a
	// command: the client's reconnect backoff makes three take about half a second.
	connectionFailures = 3
	stopGrace          = 5 * time.Second
	tailLines          = 15
)

// ConfigFolder is the Kafka folder's config/, where the student's configuration files go.
const ConfigFolder = "/opt/kafka/config"

// LabAddress is where the lab's commands find Kafka.
var LabAddress = fmt.Sprintf("localhost:%d", cluster.LabPort)

// Runner runs commands on one cluster.
type Runner struct {
	Cluster *cluster.Cluster
	// Limit bounds each one-shot command; zero means OneShotLimit.
	Limit time.Duration
	// KeyLimit bounds the commands of RunAll together; zero means KeyLimit.
	KeyLimit time.Duration
	// Config are the student's configuration files, by name, each a host file that everyone
	// may read: every command finds them in the Kafka folder's config/, in place of Kafka's
	// own file of that name, as on the student's machine.
	Config map[string]string
	// Node is the broker in whose network namespace the commands run (see
	// cluster.ClientSpecIn); nil is the first, whose localhost:9092 the lab's commands name.
	Node *cluster.Node
}

// Result is what a one-shot command did.
type Result struct {
	Command submission.Command
	Stdout  string
	Stderr  string
}

// Output is stdout and stderr together, for checks that do not care which stream a tool used
// (kafka-consumer-groups.sh prints "has no active members" on stderr).
func (r Result) Output() string { return r.Stdout + "\n" + r.Stderr }

// Run runs one command to its end. It fails with a *Failure when the command exits non-zero,
// cannot connect, or outlives the limit.
func (r Runner) Run(ctx context.Context, cmd submission.Command) (Result, error) {
	p, err := r.Start(ctx, cmd)
	if err != nil {
		return Result{Command: cmd}, err
	}
	defer p.Remove(context.WithoutCancel(ctx))
	limit := r.Limit
	if limit == 0 {
		limit = OneShotLimit
	}
	fail := p.awaitExit(ctx, limit, "a command of this kind finishes by itself")
	res := Result{Command: cmd, Stdout: p.Stdout.String(), Stderr: p.Stderr.String()}
	return res, fail
}

// awaitExit waits up to limit for the process to exit by itself and returns a *Failure when it
// does not, cannot connect, or exits non-zero; a process still running is stopped.
func (p *Process) awaitExit(ctx context.Context, limit time.Duration, why string) error {
	werr := wait.Until(ctx, "the command to finish", limit, 50*time.Millisecond, func(context.Context) (bool, string, error) {
		if !p.Running() {
			return true, "", nil
		}
		if f := p.connectionProblem(); f != nil {
			return false, "", fmt.Errorf("%w: %w", wait.ErrStop, f)
		}
		return false, "", nil
	})
	st, serr := p.Process.Stop(context.WithoutCancel(ctx), stopGrace)
	var f *Failure
	switch {
	case errors.As(werr, &f):
		return f.withOutput(p)
	case werr != nil:
		return p.failure(fmt.Sprintf("still running after %s, so it was stopped: %s", wait.Scaled(ctx, limit).Round(time.Second), why), "")
	case serr != nil:
		return serr
	case st.ExitCode != 0:
		return p.failure(st.String(), "")
	}
	return nil
}

// RunAll runs commands in order, stopping at the first that fails, and starting none once
// they have taken the key's limit together.
func (r Runner) RunAll(ctx context.Context, cmds []submission.Command) ([]Result, error) {
	budget := r.KeyLimit
	if budget == 0 {
		budget = KeyLimit
	}
	budget = wait.Scaled(ctx, budget)
	start := time.Now()
	var out []Result
	for i, c := range cmds {
		if i > 0 && time.Since(start) > budget {
			return out, &Failure{Command: c, What: fmt.Sprintf("was not run: the %d command(s) before it took more than %s, as long as the commands of one key may take together",
				i, budget.Round(time.Second)),
				Hint: "put only the commands you ran in the lab; each of them finishes in a second or two"}
		}
		res, err := r.Run(ctx, c)
		out = append(out, res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Process is a student's command running in its client container.
type Process struct {
	*container.Process
	Command submission.Command
	// Kafka is the version of the Kafka image the command runs from ("" when unknown), for
	// hints that depend on it.
	Kafka string
}

// Start starts a command and returns at once; the caller reads its output, writes its input,
// and must Stop (or Remove) it.
func (r Runner) Start(ctx context.Context, cmd submission.Command) (*Process, error) {
	node := r.Node
	if node == nil {
		node = r.Cluster.Brokers()[0]
	}
	spec := r.Cluster.StudentSpecIn(node, cmd.Args...)
	spec.Stdin = true
	for _, name := range slices.Sorted(maps.Keys(r.Config)) {
		spec.Mounts = append(spec.Mounts, container.Mount{Source: r.Config[name], Target: ConfigFolder + "/" + name, ReadOnly: true})
	}
	p, err := r.Cluster.StartClient(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", describe(cmd), err)
	}
	return &Process{Process: p, Command: cmd, Kafka: r.Cluster.Image.KafkaVersion}, nil
}

// Await waits until cond holds for the lines the process has printed on stdout. It gives up
// early when the process exits or cannot connect. The error is a *Failure saying what was
// awaited and what happened.
func (p *Process) Await(ctx context.Context, what string, timeout time.Duration, cond func(lines []string) (bool, string)) error {
	err := wait.Until(ctx, what, timeout, 50*time.Millisecond, func(context.Context) (bool, string, error) {
		ok, seen := cond(p.Stdout.Lines())
		if ok {
			return true, seen, nil
		}
		if perr := p.Problem(ctx); perr != nil {
			return false, seen, fmt.Errorf("%w: %w", wait.ErrStop, perr)
		}
		return false, seen, nil
	})
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return p.failure(strings.TrimPrefix(firstLine(err.Error()), "timed out "), "")
}

// Problem says what went wrong with a process that should keep running: it exited, or it
// cannot connect. Nil while all is well.
func (p *Process) Problem(ctx context.Context) error {
	if f := p.connectionProblem(); f != nil {
		return f.withOutput(p)
	}
	if !p.Running() {
		st, _ := p.Wait(ctx)
		return p.failure(st.String()+", but it should keep running until stopped", exitHint(p.Command.Args))
	}
	return nil
}

// Finish closes the process's standard input, as Ctrl-D does, and waits up to limit for it to
// exit by itself; it fails as Run does.
func (p *Process) Finish(ctx context.Context, limit time.Duration) error {
	if err := p.CloseStdin(); err != nil {
		return err
	}
	return p.awaitExit(ctx, limit, "it should exit once its input ends")
}

// ProducerLimit bounds a console producer from the end of its input to its exit (Type); it
// flushes within linger.ms (1 s) when all is well.
const ProducerLimit = 20 * time.Second

// Type types lines into the process's input, each as a line in a terminal, then ends the
// input and waits up to limit for the process to exit, as Finish does. A line it cannot take
// is an error that says what became of the process.
func (p *Process) Type(ctx context.Context, lines []string, limit time.Duration) error {
	for _, l := range lines {
		if err := p.WriteLine(l); err != nil {
			return fmt.Errorf("%w\n%v", err, p.Problem(ctx))
		}
	}
	return p.Finish(ctx, limit)
}

// Stop ends the process as Ctrl-C does, waits for its last output, and removes its container.
func (p *Process) Stop(ctx context.Context) error {
	_, err := p.Process.Stop(ctx, stopGrace)
	return errors.Join(err, p.Remove(context.WithoutCancel(ctx)))
}

// Failure is a student's command that did not do its job: what happened, a hint in a student's
// terms, and the end of what it printed.
type Failure struct {
	Command submission.Command
	What    string
	Hint    string
	Output  string
}

func (f *Failure) Error() string {
	return container.Explain(describe(f.Command)+":", f.What, f.Hint, f.Output)
}

// failure is a Failure of p. Without a hint of its own it gets what the tool's own error line
// says (for an option spelt as a later Kafka spells it, which spelling this one takes), else the
// bootstrap-server hint, else a way to see the error by hand.
func (p *Process) failure(what, hint string) *Failure {
	out := p.Stdout.String() + "\n" + p.Stderr.String()
	if hint == "" {
		hint = renamedHint(p.Command.Tool, p.Kafka, out)
	}
	if hint == "" {
		hint = toolHint(out)
	}
	if hint == "" {
		hint = p.bootstrapHint()
	}
	if hint == "" {
		hint = "run the command by hand against the lab's Kafka (make cluster) and read what it prints"
	}
	return (&Failure{Command: p.Command, What: what, Hint: hint}).withOutput(p)
}

func (f *Failure) withOutput(p *Process) *Failure {
	f.Output = p.tail()
	return f
}

// "Connection to node -1 (localhost/127.0.0.1:9094) could not be established."
var notEstablished = regexp.MustCompile(`Connection to node -?\d+ \(([^)]*)\) could not be established`)

// connectionProblem returns a Failure once the client has failed to connect often enough that
// it will not succeed.
func (p *Process) connectionProblem() *Failure {
	ms := notEstablished.FindAllStringSubmatch(p.Stderr.String(), -1)
	if len(ms) < connectionFailures {
		return nil
	}
	addr := ms[len(ms)-1][1]
	if host, port, ok := strings.Cut(addr, "/"); ok {
		addr = host + port[strings.LastIndex(port, ":"):]
	}
	return &Failure{Command: p.Command,
		What: fmt.Sprintf("could not connect to Kafka at %s (tried %d times), so it was stopped", addr, len(ms)),
		Hint: fmt.Sprintf("the lab's Kafka answers on %s: --bootstrap-server %s (lab section 1)", LabAddress, LabAddress)}
}

// bootstrapHint points at a --bootstrap-server that is not the lab's address, for the tools
// that are clients of Kafka (not the servers of lab section 1 or the storage format).
func (p *Process) bootstrapHint() string {
	switch p.Command.Tool {
	case "kafka-server-start", "zookeeper-server-start", "kafka-storage":
		return ""
	}
	args := p.Command.Args
	for i, a := range args {
		var v string
		switch {
		case (a == "--bootstrap-server" || a == "--broker-list") && i+1 < len(args):
			v = args[i+1]
		case strings.HasPrefix(a, "--bootstrap-server="):
			v = strings.TrimPrefix(a, "--bootstrap-server=")
		default:
			continue
		}
		if v != LabAddress && v != fmt.Sprintf("127.0.0.1:%d", cluster.LabPort) {
			return fmt.Sprintf("it connects to %s, but the lab's Kafka answers on %s", v, LabAddress)
		}
		return ""
	}
	if !strings.Contains(strings.Join(args, " "), "--bootstrap-server") {
		return fmt.Sprintf("the command has no --bootstrap-server %s", LabAddress)
	}
	return ""
}

// tail is the end of the process's output, to show under an error.
func (p *Process) tail() string {
	return p.Tails("`"+p.Command.Text+"`", tailLines)
}

// describe names a command as the student wrote it and where.
func describe(c submission.Command) string {
	if c.Line == 0 {
		return fmt.Sprintf("the harness's `%s`", c.Text)
	}
	return fmt.Sprintf("`%s` (answers.yaml line %d)", c.Key, c.Line)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
