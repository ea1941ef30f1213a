package container_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// A process's stdin reaches it line by line while it runs, its output comes back as lines
// before it exits, and closing stdin ends it as Ctrl-D would.
func TestProcessStdinAndLines(t *testing.T) {
	rt := newRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := rt.StartProcess(ctx, container.Spec{
		Name: "cat", Image: cluster.ImageFromEnv(), Stdin: true,
		Entrypoint: []string{"/bin/sh", "-c", "echo ready >&2; while read l; do echo \"got $l\"; done; echo bye"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove(context.Background())
	for i := 1; i <= 3; i++ {
		if err := p.WriteLine(fmt.Sprintf("line %d", i)); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("got line %d", i)
		if err := wait.Until(ctx, want, 10*time.Second, 20*time.Millisecond, func(context.Context) (bool, string, error) {
			l := p.Stdout.Lines()
			return len(l) == i && l[i-1] == want, strings.Join(l, "|"), nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if !p.Running() {
		t.Fatal("exited before its input ended")
	}
	if err := p.CloseStdin(); err != nil {
		t.Fatal(err)
	}
	st, err := p.Wait(ctx)
	if err != nil || st.Running || st.ExitCode != 0 {
		t.Fatalf("after stdin closed: %v, %v", st, err)
	}
	if got := p.Stdout.Lines(); got[len(got)-1] != "bye" {
		t.Errorf("stdout %q does not end with bye", got)
	}
	if got := p.Stderr.String(); got != "ready\n" {
		t.Errorf("stderr %q, want ready", got)
	}
}

// A flood of output is cut at OutputLimit and counted; the process is not blocked by it.
func TestProcessOutputIsBounded(t *testing.T) {
	rt := newRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := rt.StartProcess(ctx, container.Spec{
		Name: "flood", Image: cluster.ImageFromEnv(),
		Entrypoint: []string{"/bin/sh", "-c", fmt.Sprintf("head -c %d /dev/zero | tr '\\0' 'x' | fold -w 1000", 3*container.OutputLimit/2)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove(context.Background())
	if st, err := p.Wait(ctx); err != nil || st.ExitCode != 0 {
		t.Fatalf("flood: %v %v", st, err)
	}
	if d := p.Stdout.Dropped(); d < container.OutputLimit/3 {
		t.Errorf("dropped %d bytes, want about %d", d, container.OutputLimit/2)
	}
	if tail := p.Stdout.Tail(2); !strings.Contains(tail, "bytes dropped") {
		t.Errorf("tail does not say output was dropped: %q", tail[len(tail)-80:])
	}
}

// Stop is Ctrl-C: the process ends and its state stays readable until Remove.
func TestProcessStop(t *testing.T) {
	rt := newRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := rt.StartProcess(ctx, container.Spec{Name: "sleeper", Image: cluster.ImageFromEnv(),
		Entrypoint: []string{"/bin/sh", "-c", "trap 'echo stopping; exit 0' TERM; echo ready; while :; do sleep 0.1; done"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove(context.Background())
	if err := wait.Until(ctx, "the trap to be set", 10*time.Second, 20*time.Millisecond, func(context.Context) (bool, string, error) {
		return len(p.Stdout.Lines()) > 0, "", nil
	}); err != nil {
		t.Fatal(err)
	}
	st, err := p.Stop(ctx, 5*time.Second)
	if err != nil || st.Running {
		t.Fatalf("stop: %v %v", st, err)
	}
	if got := p.Stdout.String(); got != "ready\nstopping\n" {
		t.Errorf("stdout %q: the process did not get SIGTERM", got)
	}
}

// TestElide: a long output keeps its head and its tail, cut between characters, and says how
// much it left out; a short one is as it was.
func TestElide(t *testing.T) {
	if got := container.Elide("short", 8); got != "short" {
		t.Errorf("Elide(short) = %q", got)
	}
	s := "ab" + strings.Repeat("é", 10) + "yz" // é is 2 bytes
	got := container.Elide(s, 9)
	if !strings.HasPrefix(got, "abé\n… ") || !strings.HasSuffix(got, " bytes elided …\néyz") || !utf8.ValidString(got) {
		t.Errorf("Elide(%q, 9) = %q", s, got)
	}
	if want := fmt.Sprintf("… %d bytes elided …", len(s)-len("abéyzé")); !strings.Contains(got, want) {
		t.Errorf("Elide(%q, 9) = %q, want %q", s, got, want)
	}
	// One line of 7 MiB, as a program printed it: its tail is shown capped.
	var o container.Output
	line := strings.Repeat("x", 7<<20)
	fmt.Fprintf(&o, "%s\n", line)
	if tail := o.Tail(15); len(tail) > container.ShownLimit+100 || !strings.Contains(tail, "bytes elided") {
		t.Errorf("the tail of one line of 7 MiB has %d bytes", len(tail))
	}
}

// TestProcessCPU: the CPU time of this process, read from /proc, grows as it works.
func TestProcessCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("no /proc here")
	}
	before, err := container.ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		after, err := container.ProcessCPU(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after > before {
			return
		}
		for i := 0; i < 1e7; i++ { // some work, for the clock's next tick
			sinkCPU += i
		}
	}
	t.Error("ProcessCPU did not grow over 5 s of work")
}

var sinkCPU int
