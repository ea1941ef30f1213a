package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// OutputLimit is how much of a stream a Process keeps. A client that prints more (a student
// command in a loop, say) keeps running, but what it prints beyond this is dropped and counted,
// so a flood cannot fill the harness's memory.
const OutputLimit = 8 << 20

// ShownLimit caps each piece of a process's output that a message shows (a stream's tail, a
// line it printed): its head and its tail are kept, the middle elided (Elide), as Autolab's
// grader does. Every report (results.json, score.json, junit.xml, cucumber.json, classroom.json,
// the class page, the text) is written from the same messages, so all of them keep the same;
// one line of 7 MiB made each of them 22 MB.
const ShownLimit = 8 << 10

// Elide returns s if it has at most limit bytes, else its first and last limit/2 bytes (cut
// between characters) with "… N bytes elided …" between them.
func Elide(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	head, tail := limit/2, len(s)-(limit-limit/2)
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return fmt.Sprintf("%s\n… %d bytes elided …\n%s", s[:head], tail-head, s[tail:])
}

// Output collects one stream of a process, line by line, as it arrives.
type Output struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	size    int
	dropped int
}

// Write implements io.Writer; it never fails, so the container's stream is always drained.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := len(p)
	if room := OutputLimit - o.size; len(p) > room {
		o.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	o.size += len(p)
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		o.lines = append(o.lines, strings.TrimSuffix(string(o.partial[:i]), "\r"))
		o.partial = o.partial[i+1:]
	}
	return n, nil
}

// Lines returns the complete lines received so far.
func (o *Output) Lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.lines...)
}

// String returns everything received so far, an unfinished last line included.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	for _, l := range o.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.Write(o.partial)
	return b.String()
}

// Tail returns the last n lines, saying how many came before them and how much was dropped,
// at most ShownLimit of them (Elide).
func (o *Output) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(o.String(), "\n"), "\n")
	var b strings.Builder
	if len(lines) > n {
		fmt.Fprintf(&b, "[%d earlier lines not shown]\n", len(lines)-n)
		lines = lines[len(lines)-n:]
	}
	b.WriteString(Elide(strings.Join(lines, "\n"), ShownLimit))
	if d := o.Dropped(); d > 0 {
		fmt.Fprintf(&b, "\n[%d more bytes dropped: output is kept up to %d MiB]", d, OutputLimit>>20)
	}
	return b.String()
}

// Dropped is how many bytes went beyond OutputLimit.
func (o *Output) Dropped() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// Process is a container whose output the caller reads while it runs, and whose standard input
// it can write to: a console producer fed line by line, a consumer read line by line.
type Process struct {
	*Container
	Stdout, Stderr *Output

	stdin  *io.PipeWriter
	exited chan struct{}
	ended  time.Time // when the harness saw it exit
	state  State
	err    error // of waiting for the exit
}

// StartProcess starts a container with its output streams attached before it starts, so no
// line is missed. With spec.Stdin, WriteLine feeds its standard input and CloseStdin ends it.
func (rt *Runtime) StartProcess(ctx context.Context, spec Spec) (*Process, error) {
	c, err := rt.create(ctx, spec)
	if err != nil {
		return nil, err
	}
	p := &Process{Container: c, Stdout: &Output{}, Stderr: &Output{}, exited: make(chan struct{})}
	var stdin io.Reader
	if spec.Stdin {
		stdin, p.stdin = io.Pipe()
	}
	wait, err := rt.eng.attach(ctx, c.ID, stdin, p.Stdout, p.Stderr)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("attach to %s: %w", c.Name, err), c.Remove(context.WithoutCancel(ctx)))
	}
	if err := rt.eng.start(ctx, c.ID); err != nil {
		return nil, errors.Join(fmt.Errorf("start container %s: %w", c.Name, err), c.Remove(context.WithoutCancel(ctx)))
	}
	go func() {
		werr := wait()
		p.ended = time.Now()
		ictx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.state, p.err = c.State(ictx)
		if werr != nil && p.err == nil {
			p.err = werr
		}
		close(p.exited)
	}()
	return p, nil
}

// WriteLine writes one line to the process's standard input.
func (p *Process) WriteLine(line string) error {
	if p.stdin == nil {
		return fmt.Errorf("%s was started without standard input", p.Name)
	}
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		return fmt.Errorf("write to %s: %w", p.Name, err)
	}
	return nil
}

// CloseStdin ends the process's standard input, as Ctrl-D does in a terminal.
func (p *Process) CloseStdin() error {
	if p.stdin == nil {
		return nil
	}
	return p.stdin.Close()
}

// Running says whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Ended is when the process exited, as the harness saw it; zero while it runs.
func (p *Process) Ended() time.Time {
	select {
	case <-p.exited:
		return p.ended
	default:
		return time.Time{}
	}
}

// Wait waits for the process to exit, or for ctx to end.
func (p *Process) Wait(ctx context.Context) (State, error) {
	select {
	case <-p.exited:
		return p.state, p.err
	case <-ctx.Done():
		return State{Running: true}, fmt.Errorf("%s still running: %w", p.Name, ctx.Err())
	}
}

// Stop ends the process as Ctrl-C does (SIGTERM runs the same shutdown hooks in a JVM), kills
// it if it has not exited within grace, and waits for its output to be complete. The container
// stays until Remove, so its state can still be read.
func (p *Process) Stop(ctx context.Context, grace time.Duration) (State, error) {
	if err := p.Container.Stop(ctx, grace); err != nil {
		return State{}, err
	}
	return p.Wait(ctx)
}

// Tails returns the ends of the process's stdout and stderr, each headed with its stream and
// name, to show under a failure.
func (p *Process) Tails(name string, lines int) string {
	var b strings.Builder
	for _, s := range []struct {
		stream string
		out    *Output
	}{{"stdout", p.Stdout}, {"stderr", p.Stderr}} {
		if t := strings.TrimSpace(s.out.Tail(lines)); t != "" {
			fmt.Fprintf(&b, "--- %s of %s:\n%s\n", s.stream, name, t)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Explain words a process that did not do its job: who, what happened, a hint, and the end of
// its output. What and the hint may quote its output, so each is capped as a piece of it is
// (ShownLimit); output holds a few streams' tails.
func Explain(who, what, hint, output string) string {
	msg := who + " " + Elide(what, ShownLimit)
	if hint != "" {
		msg += "; hint: " + Elide(hint, ShownLimit)
	}
	if output != "" {
		msg += "\n" + Elide(output, TailsLimit)
	}
	return msg
}

// TailsLimit caps the tails of a message's processes together: a few streams' ShownLimit.
const TailsLimit = 4 * ShownLimit
