package kafkalab

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/wait"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// Terminals for the tests that use a program as a person does: tmux windows to type into and
// to read (capture-pane), as the person would see them.

// tmuxNeed is tmux, for TestTutor.
var tmuxNeed = integration.Command("tmux", "Debian: apt-get install tmux; bash harness/setup.sh --tests installs it", true, "tmux")

// Each window is this wide: the tutor's lines and the JSON lines fit, so that what the test
// reads is what the program wrote, not the terminal's wrapping of it.
const tmuxWidth, tmuxHeight = 240, 60

// tmuxServer is a tmux server of the test's own (its socket in the test's temporary folder),
// which neither sees nor touches the user's, and is killed after the test.
type tmuxServer struct {
	t      *testing.T
	socket string
	dir    string // where the windows' shells write their commands' exit statuses
	panes  []*pane
}

// startTmux starts a tmux server with one session; its windows open with windowIn.
func startTmux(t *testing.T) *tmuxServer {
	t.Helper()
	dir := t.TempDir()
	s := &tmuxServer{t: t, socket: filepath.Join(dir, "tmux"), dir: dir}
	// No user configuration; a history that keeps the whole run for the JSON lines.
	conf := filepath.Join(dir, "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g history-limit 100000\nset -g remain-on-exit off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.tmux("-f", conf, "new-session", "-d", "-s", "lab", "-x", strconv.Itoa(tmuxWidth), "-y", strconv.Itoa(tmuxHeight), "-n", "first", "sh")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxServer) tmux(args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// window opens a window named name with a shell, bash without the user's files, once its
// prompt shows. Before each prompt, the shell appends the exit status of the command before
// it to a file of the window's: even a command that Ctrl-C killed, after which bash runs
// nothing more of the line typed.
func (s *tmuxServer) window(name string) *pane {
	s.t.Helper()
	p := &pane{s: s, name: name, target: "lab:" + name, statuses: filepath.Join(s.dir, name+".statuses")}
	s.panes = append(s.panes, p)
	s.tmux("new-window", "-d", "-t", "lab:", "-n", name, "env PS1='$ ' PROMPT_COMMAND='echo $? >>"+p.statuses+"' bash --norc --noprofile")
	p.await("the shell's prompt in window "+name, 10*time.Second, func(screen string) bool {
		return strings.HasPrefix(screen, "$ ") && len(p.exits()) > 0
	})
	return p
}

// pane is a tmux window's one pane.
type pane struct {
	s            *tmuxServer
	name, target string
	statuses     string // the file of the exit statuses, one a line
	last         *job   // the last command typed
}

// exits are the exit statuses the pane's shell wrote so far, one per prompt.
func (p *pane) exits() []string {
	b, _ := os.ReadFile(p.statuses) // none yet: no prompt yet
	return strings.Fields(string(b))
}

// typeLine types text and Enter, as a person does.
func (p *pane) typeLine(text string) {
	p.s.t.Helper()
	p.s.tmux("send-keys", "-t", p.target, "-l", "--", text)
	p.s.tmux("send-keys", "-t", p.target, "Enter")
}

// key presses a key: "C-c", "C-d".
func (p *pane) key(k string) {
	p.s.t.Helper()
	p.s.tmux("send-keys", "-t", p.target, k)
}

// screen is what the pane shows now, lines the terminal wrapped joined again.
func (p *pane) screen() string {
	p.s.t.Helper()
	return p.s.tmux("capture-pane", "-p", "-J", "-t", p.target)
}

// all is the pane's whole history and screen, lines the terminal wrapped joined again.
func (p *pane) all() string {
	p.s.t.Helper()
	return p.s.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", p.target)
}

// await reads the screen until cond holds, for at most timeout, and fails the test with the
// last screen if it does not.
func (p *pane) await(what string, timeout time.Duration, cond func(screen string) bool) string {
	p.s.t.Helper()
	var last string
	err := wait.Until(context.Background(), what, timeout, 100*time.Millisecond, func(context.Context) (bool, string, error) {
		last = p.screen()
		return cond(last), "", nil
	})
	if err != nil {
		p.s.t.Fatalf("%v; window %s shows:\n%s", err, p.name, trimScreen(last))
	}
	return last
}

// job is a command typed into a pane's shell.
type job struct {
	p      *pane
	cmd    string
	prompt int // the prompts shown before it
}

// start types cmd into the pane, at the shell's prompt.
func (p *pane) start(cmd string) *job {
	p.s.t.Helper()
	j := &job{p: p, cmd: cmd, prompt: len(p.exits())}
	p.typeLine(cmd)
	p.last = j
	return j
}

// interrupt stops with Ctrl-C what still runs in the panes but except, after a failure: a
// lab tool's container (docker run -it) outlives its docker command killed with tmux.
func (s *tmuxServer) interrupt(except *pane) {
	for _, p := range s.panes {
		if p == except || p.last == nil || p.last.ended() {
			continue
		}
		_ = exec.Command("tmux", "-S", s.socket, "send-keys", "-t", p.target, "C-c").Run()
		if _, err := p.last.awaitEnd(30 * time.Second); err != nil {
			s.t.Log(err)
		}
	}
}

// ended reports whether the job has ended: the shell showed its next prompt.
func (j *job) ended() bool { return len(j.p.exits()) > j.prompt }

// run types cmd and waits for it to end, which must be with status 0.
func (p *pane) run(cmd string, timeout time.Duration) {
	p.s.t.Helper()
	if code := p.start(cmd).wait(timeout); code != 0 {
		p.s.t.Fatalf("%s: exit status %d; window %s shows:\n%s", cmd, code, p.name, trimScreen(p.screen()))
	}
}

// wait waits for the job to end, at most timeout, and returns its exit status.
func (j *job) wait(timeout time.Duration) int {
	j.p.s.t.Helper()
	code, err := j.awaitEnd(timeout)
	if err != nil {
		j.p.s.t.Fatalf("%v; window %s shows:\n%s", err, j.p.name, trimScreen(j.p.screen()))
	}
	return code
}

// awaitEnd waits for the job to end, at most timeout, and returns its exit status.
func (j *job) awaitEnd(timeout time.Duration) (int, error) {
	code := -1
	err := wait.Until(context.Background(), "the end of `"+j.cmd+"` in window "+j.p.name, timeout, 50*time.Millisecond,
		func(context.Context) (bool, string, error) {
			exits := j.p.exits()
			if len(exits) <= j.prompt {
				return false, "", nil
			}
			var err error
			code, err = strconv.Atoi(exits[j.prompt])
			return err == nil, "", err
		})
	return code, err
}

// trimScreen drops a screen's trailing blank lines, for messages.
func trimScreen(s string) string { return strings.TrimRight(s, " \n") }

// normalSpace is s with every run of white space one space: a long line that a program wrapped
// itself reads as the line it wrapped.
func normalSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
