package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/kafka-lab/kafka-lab/features"
	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/labcluster"
	"github.com/kafka-lab/kafka-lab/harness/termsafe"
	"github.com/kafka-lab/kafka-lab/harness/tutor"
)

const tutorUsage = `usage: %s [flags] [single|ha]

Starts the lab's Kafka as "kafka-lab cluster up" does (single, the default: one broker at
localhost:9092, for sections 2-6; ha: section 7's three brokers), prints how to reach it, and
shows the lab's steps, section by section, each ticked as Kafka's state shows it done, with the
spec's hint when a step is done in a way the lab does not ask. It only looks: it creates,
deletes and changes nothing in the cluster, and joins none of your groups.

Do the lab in other terminals, with the lab's commands and your own programs. Ctrl-C (or q)
stops the tutor: it removes the cluster and prints the steps done and not done.

On a terminal the checklist updates in place (no colours under NO_COLOR); otherwise each change
is one line of text, or with -json one line of JSON.

Exit status: 0 stopped and the cluster removed, 1 failed (the cluster did not start, or was not
removed: "kafka-lab cluster down" removes it), 2 usage, 130 interrupted while the cluster
started.

Flags:
`

// tutorDown is what the cluster's instructions say removes it.
const tutorDown = "Ctrl-C in the tutor (it removes the cluster)"

// Tutor runs `kafka-lab tutor` and returns the exit status.
func Tutor(name string, args []string) int {
	c := &tutorCmd{name: name, stdout: os.Stdout, stderr: stderr, env: os.Environ(),
		terminal: term.IsTerminal(os.Stdout.Fd()), up: labUp, down: labcluster.Down}
	if c.terminal {
		c.width, _, _ = term.GetSize(os.Stdout.Fd())
	}
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.BoolVar(&c.json, "json", false, "print each change of a step as a line of JSON (on stdout; the cluster's instructions go to stderr)")
	flags.StringVar(&c.out, "out", "", "at exit, write what the tutor saw (every step's state and every change) to this file as JSON")
	flags.DurationVar(&c.interval, "interval", tutor.DefaultInterval, "how often to look at Kafka")
	flags.Usage = func() {
		fmt.Fprintf(stderr, tutorUsage, name)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return exitUsage(err)
	}
	switch {
	case flags.NArg() > 1:
		flags.Usage()
		return 2
	case flags.NArg() == 1:
		c.topology = cluster.Topology(flags.Arg(0))
	default:
		c.topology = cluster.Single
	}
	if c.topology != cluster.Single && c.topology != cluster.HA {
		fmt.Fprintf(stderr, "%s: no tutor for %q: single or ha\n", name, flags.Arg(0))
		return 2
	}
	// Ctrl-C where the terminal sends it as a signal (stdin not a terminal, or -json and plain
	// lines, which leave the terminal as it is), SIGTERM from a program, or the terminal closed:
	// each stops the tutor, which then removes the cluster.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return c.run(ctx, stop)
}

// tutorCluster is what the tutor needs of a started cluster.
type tutorCluster struct {
	kafka   tutor.Kafka
	version string // Kafka's
	addrs   string // where programs on the host reach it
	close   func() // closes the harness's connections
}

// labUp starts the cluster by hand with the harness's connections kept. started says whether
// containers may run despite an error (Up failed after the start, writing its instructions):
// a *RunningError is another cluster by hand, which is not the tutor's to remove.
func labUp(ctx context.Context, o labcluster.Options) (c tutorCluster, started bool, err error) {
	info, err := labcluster.Up(ctx, o)
	if len(info.Brokers) > 0 {
		c = tutorCluster{kafka: info.Kafka, version: info.Image.KafkaVersion, addrs: info.Bootstrap, close: info.Close}
		started = true
	}
	return c, started, err
}

// tutorCmd is one run of the tutor.
type tutorCmd struct {
	name     string
	topology cluster.Topology
	json     bool
	out      string
	interval time.Duration

	stdout   io.Writer // the checklist, plain lines or JSON lines
	stderr   io.Writer // messages, and the instructions under -json
	env      []string
	terminal bool // stdout is a terminal: the checklist, drawn in place
	width    int  // the terminal's, for the summary; 0 unknown
	// teaOptions are the checklist's bubbletea options (tests give it input and output).
	teaOptions []tea.ProgramOption

	up   func(context.Context, labcluster.Options) (tutorCluster, bool, error)
	down func(context.Context) (int, error)
}

// run starts the cluster, watches it until ctx ends or the student stops the checklist, then
// removes the cluster and prints the steps done and not done. unsignal stops catching the
// signals that end ctx: a second Ctrl-C then ends the process during the removal.
func (c *tutorCmd) run(ctx context.Context, unsignal func()) int {
	info := c.stdout
	if c.json {
		info = c.stderr // stdout carries JSON only
	}
	cl, started, err := c.up(ctx, labcluster.Options{Topology: c.topology, Out: info, DownCommand: tutorDown, Connected: true})
	if err != nil && !started && ctx.Err() != nil {
		fmt.Fprintf(c.stderr, "%s: interrupted while the cluster started: nothing is left running\n", c.name)
		return 130
	}
	var running *labcluster.RunningError
	if errors.As(err, &running) {
		running.DownCommand = "kafka-lab cluster down" // a Ctrl-C in this tutor would not remove it
	}
	if err != nil {
		status := c.exit(err)
		if started {
			status = max(status, c.remove(ctx, unsignal))
		}
		return status
	}
	t := tutor.New(c.topology, cl.version, cl.kafka)
	watchErr := c.watch(ctx, t, cl)
	cl.close()
	status := c.remove(ctx, unsignal)
	rep := t.Report()
	c.summary(rep.Steps)
	if c.out != "" {
		if err := writeTutorReport(c.out, rep); err != nil {
			status = max(status, c.exit(err))
		} else {
			fmt.Fprintf(c.stderr, "what the tutor saw: %s\n", c.out)
		}
	}
	if watchErr != nil {
		status = max(status, c.exit(watchErr))
	}
	return status
}

// remove removes the cluster, unbothered by ctx's end (the signal that asked for it), within
// a minute; a signal more stops catching them, so that a second Ctrl-C ends the process.
func (c *tutorCmd) remove(ctx context.Context, unsignal func()) int {
	unsignal()
	fmt.Fprintf(c.stderr, "removing the cluster...\n")
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	n, err := c.down(dctx)
	if err != nil {
		return c.exit(fmt.Errorf("%w; `kafka-lab cluster down` removes it", err))
	}
	fmt.Fprintf(c.stderr, "removed %d container(s)\n", n)
	return 0
}

// watch runs the tutor until ctx ends or the student stops the checklist, drawing the steps as
// the output asks.
func (c *tutorCmd) watch(ctx context.Context, t *tutor.Tutor, cl tutorCluster) error {
	switch {
	case c.json:
		out := &jsonLines{w: c.stdout, errs: c.stderr}
		return t.Watch(ctx, c.interval, out.show)
	case !c.terminal:
		out := &plainLines{w: c.stdout}
		return t.Watch(ctx, c.interval, out.show)
	}
	header := fmt.Sprintf("kafka-lab tutor: %s cluster, Kafka %s at %s", c.topology, cl.version, strings.ReplaceAll(cl.addrs, ",", ", "))
	opts := append([]tea.ProgramOption{
		// ctx's signals stop the watch, which stops the checklist (its last frame drawn).
		tea.WithoutSignalHandler(),
		tea.WithColorProfile(tutorProfile(true, c.env)),
		tea.WithEnvironment(c.env),
		// The steps change at most once per look at Kafka: a few frames a second keep an idle
		// tutor idle (bubbletea's default is 60).
		tea.WithFPS(10),
	}, c.teaOptions...)
	p := tea.NewProgram(newChecklist(header, sectionTitles(features.FS, features.Dir), t.States()), opts...)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var watchErr error
	wg.Go(func() {
		watchErr = t.Watch(wctx, c.interval, func(states []tutor.StepState, _ []tutor.Change, err error) {
			p.Send(statesMsg{states: states, err: err})
		})
		p.Send(stopMsg{}) // ctx ended (a signal): the checklist draws its last frame and quits
	})
	fmt.Fprintln(c.stdout) // a line between the cluster's instructions and the checklist
	_, err := p.Run()
	cancel()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("the checklist: %w", err)
	}
	return watchErr
}

// plainLines writes the steps for what is not a terminal (a log, a pipe): the checklist once,
// then one line per change.
type plainLines struct {
	w       io.Writer
	started bool
	lastErr string
}

func (o *plainLines) show(states []tutor.StepState, changes []tutor.Change, err error) {
	var b strings.Builder
	if !o.started {
		o.started = true
		fmt.Fprintf(&b, "the lab's steps (%d), each changing as Kafka shows it done:\n", len(states))
		for _, s := range states {
			b.WriteString(plainLine(s.Since, s))
		}
	}
	for _, ch := range changes {
		b.WriteString(plainLine(ch.Time, ch.StepState))
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case msg != "" && msg != o.lastErr:
		fmt.Fprintf(&b, "%s Kafka does not answer (%s): trying again\n", time.Now().Format(time.TimeOnly), termsafe.Line(msg))
	case msg == "" && o.lastErr != "":
		fmt.Fprintf(&b, "%s Kafka answers again\n", time.Now().Format(time.TimeOnly))
	}
	o.lastErr = msg
	io.WriteString(o.w, b.String())
}

// plainLine is a step's state as one line: the time, the status, the step's ID and title, and
// what Kafka showed and the hint when there are.
func plainLine(at time.Time, s tutor.StepState) string {
	line := fmt.Sprintf("%s %-6s %s %s", at.Format(time.TimeOnly), s.Status, s.ID, termsafe.Line(s.Title))
	if s.Observed != "" {
		line += "; seen: " + termsafe.Line(s.Observed)
	}
	if s.Hint != "" {
		line += "; hint: " + termsafe.Line(s.Hint)
	}
	return line + "\n"
}

// jsonLines writes each step's state as a line of JSON (a tutor.Change): every step's at the
// start, then each change. A failed look at Kafka goes to errs, as text.
type jsonLines struct {
	w, errs io.Writer
	started bool
	lastErr string
}

func (o *jsonLines) show(states []tutor.StepState, changes []tutor.Change, err error) {
	var buf bytes.Buffer
	if !o.started {
		o.started = true
		for _, s := range states {
			writeJSONLine(&buf, tutor.Change{Time: s.Since, StepState: s})
		}
	}
	for _, ch := range changes {
		writeJSONLine(&buf, ch)
	}
	o.w.Write(buf.Bytes())
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if msg != "" && msg != o.lastErr {
		fmt.Fprintf(o.errs, "Kafka does not answer (%s): trying again\n", termsafe.Line(msg))
	}
	o.lastErr = msg
}

func writeJSONLine(buf *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // a Change always encodes
	}
	buf.Write(jsonTerminalSafe(b))
	buf.WriteByte('\n')
}

// jsonTerminalSafe escapes in JSON text what encoding/json leaves as is but a terminal acts on
// (DEL, C1 controls, bidirectional overrides: see termsafe), as \uXXXX: the same JSON to a
// tool, and text a person who runs -json on a terminal can read safely.
func jsonTerminalSafe(b []byte) []byte {
	if termsafe.Clean(string(b)) {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if termsafe.Clean(string(b[:size])) {
			out.Write(b[:size])
		} else {
			fmt.Fprintf(&out, `\u%04x`, r) // json.Marshal wrote valid UTF-8 with no C0 control raw
		}
		b = b[size:]
	}
	return out.Bytes()
}

// exit prints err, if any, and returns the exit status for it.
func (c *tutorCmd) exit(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(c.stderr, "%s: %v\n", c.name, err)
	return 1
}

// summary prints the steps done and not done, coloured as the checklist on a terminal; under
// -json, on stderr without colours, stdout being for JSON.
func (c *tutorCmd) summary(states []tutor.StepState) {
	w := &colorprofile.Writer{Forward: c.stdout, Profile: tutorProfile(c.terminal, c.env)}
	if c.json {
		w = &colorprofile.Writer{Forward: c.stderr, Profile: colorprofile.NoTTY}
	}
	st := newTutorStyles()
	var done, left []tutor.StepState
	for _, s := range states {
		if s.Status == tutor.Done {
			done = append(done, s)
		} else {
			left = append(left, s)
		}
	}
	width := 0 // the terminal wraps
	if c.terminal && !c.json {
		width = c.width
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n", st.header.Render(fmt.Sprintf("Done: %d of %d steps", len(done), len(states))))
	for _, s := range done {
		line := fmt.Sprintf("  %s §%d %s", st.done.Render(symbol(s.Status)), s.Section, termsafe.Line(s.Title))
		b.WriteString(wrapIndent(line, width, "       ") + "\n")
	}
	if len(left) > 0 {
		fmt.Fprintf(&b, "%s\n", st.header.Render(fmt.Sprintf("Not done: %d", len(left))))
	}
	for _, s := range left {
		line := fmt.Sprintf("  %s §%d %s", st.status(s.Status).Render(symbol(s.Status)), s.Section, termsafe.Line(s.Title))
		switch {
		case s.Status == tutor.Unseen:
			line += " (" + unseenNote(s) + ")"
		case s.Hint != "":
			line += ": " + termsafe.Line(s.Hint)
		}
		b.WriteString(wrapIndent(line, width, "       ") + "\n")
	}
	io.WriteString(w, b.String())
}

// writeTutorReport writes rep to path as indented JSON.
func writeTutorReport(path string, rep tutor.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("write the tutor's report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the tutor's report: %w", err)
	}
	return nil
}
