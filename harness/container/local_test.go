package container

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests run real processes of this machine from a small distribution of shell scripts:
// what NewLocal does with any process, Kafka's or a student's.

func TestTranslate(t *testing.T) {
	targets := append(append([]string(nil), imageDirs...), "/submission")
	for in, want := range map[string]string{
		"/opt/kafka":                                 "/r/opt/kafka",
		"bin/kafka-topics.sh":                        "bin/kafka-topics.sh",
		"/opt/kafkaesque":                            "/opt/kafkaesque",
		"KAFKA_LOG_DIRS=/var/lib/kafka/data":         "KAFKA_LOG_DIRS=/r/var/lib/kafka/data",
		"log.dirs=/tmp/a,/tmp/b":                     "log.dirs=/r/tmp/a,/r/tmp/b",
		"/submission/balance_calculator.py":          "/r/submission/balance_calculator.py",
		"--bootstrap-server":                         "--bootstrap-server",
		"PLAINTEXT://localhost:9092,HOST://x:1":      "PLAINTEXT://localhost:9092,HOST://x:1",
		"/usr/bin/python3":                           "/usr/bin/python3",
		"/etc/kafka/docker/run":                      "/r/etc/kafka/docker/run",
		"acks=all":                                   "acks=all",
		"/tmp":                                       "/r/tmp",
		"/mnt/shared/config/server.properties":       "/r/mnt/shared/config/server.properties",
		"KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:9092": "KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:9092",
	} {
		if got := translate(in, "/r", targets); got != want {
			t.Errorf("translate(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeDist writes a distribution whose bin/ holds the given scripts.
func fakeDist(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dist := t.TempDir()
	for _, d := range []string{"libs", "bin", "config", "etc", "python"} {
		if err := os.MkdirAll(filepath.Join(dist, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dist, "bin", name), []byte("#!/bin/bash\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dist, "config", "server.properties"), []byte("# c\nlog.dirs=/tmp/kafka-logs\nnum.io.threads=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dist
}

func localRuntime(t *testing.T, dist string) *Runtime {
	t.Helper()
	rt, err := NewLocal(context.Background(), dist, LocalOptionsFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(localOf(rt).dir); err == nil {
			t.Errorf("the run's folder %s is still there after Close", localOf(rt).dir)
		}
	})
	return rt
}

// TestLocalStudentConfigFiles: a student's configuration file mounted into the Kafka folder's
// config/ replaces Kafka's own of that name, and names the image's folders (log.dirs=/tmp/...)
// as Kafka's own files do: the process's, never the host's.
func TestLocalStudentConfigFiles(t *testing.T) {
	rt := localRuntime(t, fakeDist(t, map[string]string{"show.sh": `cat config/server.properties config/server-1.properties`}))
	src := filepath.Join(t.TempDir(), "server-1.properties")
	if err := os.WriteFile(src, []byte("broker.id=1\nlog.dirs=/tmp/kafka-logs-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(mine, []byte("broker.id=0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := rt.RunOnce(context.Background(), Spec{Name: "show", WorkingDir: "/opt/kafka", Cmd: []string{"bin/show.sh"},
		Mounts: []Mount{{Source: src, Target: "/opt/kafka/config/server-1.properties", ReadOnly: true},
			{Source: mine, Target: "/opt/kafka/config/server.properties", ReadOnly: true}}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	root := filepath.Join(localOf(rt).dir, "kafka-lab-"+rt.RunID+"-show")
	if want := "broker.id=0\nbroker.id=1\nlog.dirs=" + root + "/tmp/kafka-logs-1\n"; res.Stdout != want {
		t.Errorf("output:\n%s\nwant:\n%s", res.Stdout, want)
	}
}

func TestLocalProcessesLiveInTheirOwnRoot(t *testing.T) {
	rt := localRuntime(t, fakeDist(t, map[string]string{
		"where.sh": `pwd; echo "data=$KAFKA_LOG_DIRS"; grep log.dirs config/server.properties; echo hi > /dev/null`,
		"echo.sh":  `while read -r l; do echo "got $l"; done; echo "end" >&2`,
	}))
	ctx := context.Background()
	res, err := rt.RunOnce(ctx, Spec{Name: "where", WorkingDir: "/opt/kafka", Cmd: []string{"bin/where.sh"},
		Env: []string{"KAFKA_LOG_DIRS=/var/lib/kafka/data"}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	root := filepath.Join(localOf(rt).dir, "kafka-lab-"+rt.RunID+"-where")
	for _, want := range []string{root + "/opt/kafka\n", "data=" + root + "/var/lib/kafka/data\n", "log.dirs=" + root + "/tmp/kafka-logs\n"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.Stdout)
		}
	}
	if _, err := os.Stat(root); err == nil {
		t.Errorf("RunOnce left %s", root)
	}

	// Standard input line by line, the end of input, both streams.
	p, err := rt.StartProcess(ctx, Spec{Name: "echo", Cmd: []string{"bin/echo.sh"}, Stdin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove(ctx)
	for _, l := range []string{"a", "b"} {
		if err := p.WriteLine(l); err != nil {
			t.Fatal(err)
		}
	}
	_ = p.CloseStdin()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := p.Wait(wctx)
	if err != nil || st.ExitCode != 0 {
		t.Fatalf("%v %v", st, err)
	}
	if got := strings.Join(p.Stdout.Lines(), ","); got != "got a,got b" {
		t.Errorf("stdout %q", got)
	}
	if got := p.Stderr.String(); got != "end\n" {
		t.Errorf("stderr %q", got)
	}
	if logs := p.Logs(ctx, 10); !strings.Contains(logs, "got b") || !strings.Contains(logs, "end") {
		t.Errorf("logs %q", logs)
	}
}

func TestLocalStopKillRestartKeepFiles(t *testing.T) {
	rt := localRuntime(t, fakeDist(t, map[string]string{
		// Counts its starts in its data folder; a clean exit on SIGTERM, as Kafka's.
		"serve.sh": `n=$(cat $KAFKA_LOG_DIRS/n 2>/dev/null || echo 0); echo $((n+1)) > $KAFKA_LOG_DIRS/n; echo "start $((n+1))"
trap 'exit 0' TERM; while true; do sleep 0.1; done`,
	}))
	ctx := context.Background()
	c, err := rt.Start(ctx, Spec{Name: "serve", Entrypoint: []string{"/opt/kafka/bin/serve.sh"}, Env: []string{"KAFKA_LOG_DIRS=/var/lib/kafka/data"}})
	if err != nil {
		t.Fatal(err)
	}
	awaitLog := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(c.Logs(ctx, 10), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the logs: %q", want, c.Logs(ctx, 10))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	awaitLog("start 1")
	if err := c.Stop(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.State(ctx); st.Running || st.ExitCode != 0 {
		t.Errorf("after Stop: %v, want a clean exit", st)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	awaitLog("start 2")
	if err := c.Kill(ctx, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for st, _ := c.State(ctx); st.Running; st, _ = c.State(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("still running after SIGKILL")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st, _ := c.State(ctx); st.ExitCode != 137 {
		t.Errorf("after SIGKILL: %v, want code 137 as Docker says", st)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	awaitLog("start 3")
	if names, _ := rt.Containers(ctx); len(names) != 1 {
		t.Errorf("containers %v", names)
	}
}

func TestLocalRunsOneAtATime(t *testing.T) {
	dist := fakeDist(t, nil)
	localRuntime(t, dist)
	if _, err := NewLocal(context.Background(), dist, LocalOptionsFromEnv()); err == nil || !strings.Contains(err.Error(), "holds this machine's lab ports") {
		t.Fatalf("a second local run at once: %v", err)
	}
}

// A dead run's processes and folder go at the next run's start.
func TestLocalSweepsWhatADeadRunLeft(t *testing.T) {
	base := LocalDir()
	dead := filepath.Join(base, "deadbeef")
	if err := os.MkdirAll(filepath.Join(dead, "kafka-lab-deadbeef-broker-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	labels, _ := json.Marshal(map[string]string{LabelApp: "1", LabelRun: "deadbeef", LabelPID: "999999999", LabelHost: host})
	if err := os.WriteFile(filepath.Join(dead, "labels.json"), labels, 0o644); err != nil {
		t.Fatal(err)
	}
	left := exec.Command("sleep", "300")
	left.Env = []string{envRun + "=deadbeef"}
	if err := left.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- left.Wait() }()
	defer left.Process.Kill()

	localRuntime(t, fakeDist(t, nil))
	if _, err := os.Stat(dead); err == nil {
		t.Error("the dead run's folder is still there")
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Error("the dead run's process still runs")
	}
}

// An untrusted program runs under a user id of its own, and whatever it leaves running, even
// in a new session, is killed when it exits.
func TestLocalUntrustedLeavesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("student user ids need root")
	}
	rt := localRuntime(t, fakeDist(t, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := rt.RunOnce(ctx, Spec{Name: "prog", Untrusted: true, MemoryBytes: 64 << 20, PidsLimit: 16,
		Cmd: []string{"/bin/bash", "-c", "id -u; setsid sleep 300 & touch /opt/kafka/bin/x 2>&1 || echo refused; ulimit -u"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(res.Stdout)
	if len(lines) < 3 {
		t.Fatalf("output %q %q", res.Stdout, res.Stderr)
	}
	uid := lines[0]
	if n, _ := strconv.Atoi(uid); n < studentUIDBase {
		t.Errorf("ran as uid %s, want a student user id", uid)
	}
	if !strings.Contains(res.Stdout, "refused") {
		t.Errorf("it could write into the distribution: %q", res.Stdout)
	}
	if lines[len(lines)-1] != "16" {
		t.Errorf("process limit %s, want 16", lines[len(lines)-1])
	}
	eachProcess(func(pid int) {
		var st syscall.Stat_t
		stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		zombie := strings.Contains(string(stat), ") Z ") // dead, waiting for init to reap it
		if syscall.Stat("/proc/"+strconv.Itoa(pid), &st) == nil && strconv.Itoa(int(st.Uid)) == uid && !zombie {
			t.Errorf("process %d of uid %s survived its program", pid, uid)
		}
	})
}

// Terminals that share a /tmp (section 1's start commands) see each other's files there, and
// the run's folder for it is gone with the run.
func TestLocalSharedTmp(t *testing.T) {
	// Paths of the image in a command's arguments are taken into the process's root.
	dist := fakeDist(t, map[string]string{"write.sh": `echo hello > "$1"`, "read.sh": `cat "$1"`})
	rt, err := NewLocal(context.Background(), dist, LocalOptionsFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	shared, err := rt.TempDir("terminals")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mounts := []Mount{{Source: shared, Target: "/tmp"}}
	if _, err := rt.RunOnce(ctx, Spec{Name: "w", WorkingDir: "/opt/kafka", Cmd: []string{"bin/write.sh", "/tmp/note"}, Mounts: mounts}); err != nil {
		t.Fatal(err)
	}
	res, err := rt.RunOnce(ctx, Spec{Name: "r", WorkingDir: "/opt/kafka", Cmd: []string{"bin/read.sh", "/tmp/note"}, Mounts: mounts})
	if err != nil || strings.TrimSpace(res.Stdout) != "hello" {
		t.Errorf("the second terminal read %q (%v), want the first one's hello", res.Stdout, err)
	}
	if data, err := os.ReadFile(filepath.Join(shared, "note")); err != nil || string(data) != "hello\n" {
		t.Errorf("the shared folder holds %q (%v), want the note", data, err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(shared); !os.IsNotExist(err) {
		t.Errorf("the run's folder %s outlives the run (%v)", shared, err)
	}
}

// Who may run a student's programs as local processes: root, when no account has a student
// user id; another user only when it says it accepts running them as itself.
func TestMayRunStudents(t *testing.T) {
	passwd := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(passwd, []byte("root:x:0:0::/root:/bin/bash\nta:x:61005:100::/home/ta:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := mayRunStudents(0, false, passwd); err == nil || !strings.Contains(err.Error(), "the account ta has uid 61005") {
		t.Errorf("an account in the student range: %v", err)
	}
	if err := mayRunStudents(0, false, "/nonexistent"); err != nil {
		t.Errorf("root, no clash: %v", err)
	}
	if err := mayRunStudents(1000, false, passwd); err == nil || !strings.Contains(err.Error(), SameUserEnv) {
		t.Errorf("not root: %v; want a refusal naming %s", err, SameUserEnv)
	}
	if err := mayRunStudents(1000, true, passwd); err != nil {
		t.Errorf("not root, accepted: %v", err)
	}
}

// The folder of local runs is taken only when it is this user's own folder, and the lock only
// when it is this user's file: not a link another user planted in /tmp.
func TestOwnDirAndLockRefuseTraps(t *testing.T) {
	base := t.TempDir()
	target := filepath.Join(base, "elsewhere")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := ownDir(link); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("a link: %v", err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := ownDir(open); err == nil || !strings.Contains(err.Error(), "may be written by others") {
		t.Errorf("a folder all may write: %v", err)
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(base, "other")
		if err := os.Mkdir(other, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := ownDir(other); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Errorf("a folder of another user: %v", err)
		}
	}
	if err := ownDir(filepath.Join(base, "fresh")); err != nil {
		t.Errorf("a new folder: %v", err)
	}
	if err := os.Symlink(filepath.Join(target, "file"), filepath.Join(base, "lock")); err != nil {
		t.Fatal(err)
	}
	if f, err := lockFile(filepath.Join(base, "lock")); err == nil {
		f.Close()
		t.Error("the lock followed a link")
	}
	if _, err := os.Stat(filepath.Join(target, "file")); err == nil {
		t.Error("the lock created the link's target")
	}
}

// TestLocalFacts: local processes report that they share the host's network and run their
// distribution, read it for any image, pull none, and measure a process group from /proc.
func TestLocalFacts(t *testing.T) {
	rt := localRuntime(t, fakeDist(t, map[string]string{
		"busy.sh": `i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo busy done; exec sleep 60`,
	}))
	ctx := context.Background()
	f := rt.Facts()
	if !f.SharesHostNetwork || f.Dist == "" {
		t.Errorf("facts %+v: want a shared network and the distribution", f)
	}
	if got := f.PeerAddr("controller", 9095); got != "localhost:9095" {
		t.Errorf("PeerAddr = %s, want localhost:9095", got)
	}
	if got := f.ListenPort(19092, 40001); got != 40001 || f.ListenHost() != "127.0.0.1" {
		t.Errorf("ListenPort = %d, ListenHost = %q: want the host port on the loopback", got, f.ListenHost())
	}
	if ok, err := rt.ImagePresent(ctx, "kafka-lab/no-such-image:0"); !ok || err != nil {
		t.Errorf("ImagePresent = %v, %v: the distribution stands for every image", ok, err)
	}
	if err := rt.PullImage(ctx, "kafka-lab/no-such-image:0"); err == nil {
		t.Error("PullImage: no error; local processes pull nothing")
	}
	look, err := rt.ListImage(ctx, "kafka-lab/no-such-image:0", "/opt/kafka/libs", "/opt/kafka/bin")
	if err != nil || look.Source != "dist:"+f.Dist || look.Names != "busy.sh\n" {
		t.Errorf("ListImage = %+v, %v: want the distribution's bin/busy.sh", look, err)
	}
	if _, err := rt.ListImage(ctx, "any", "/usr/bin"); err == nil {
		t.Error("ListImage of a folder the distribution lacks: no error")
	}

	c, err := rt.Start(ctx, Spec{Name: "busy", Entrypoint: []string{"/opt/kafka/bin/busy.sh"}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(c.Logs(ctx, 10), "busy done") {
		if time.Now().After(deadline) {
			t.Fatalf("busy.sh did not finish its loop: %q", c.Logs(ctx, 10))
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Memory == 0 || st.PeakMemory < st.Memory || st.CPU == 0 {
		t.Errorf("stats %+v: want memory in use, a peak at least as high, CPU time spent", st)
	}
	if err := c.Stop(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stats(ctx); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("Stats of a stopped process: %v, want 'not running'", err)
	}
}

// The student's terminals that share a /tmp are one user, as in Docker (nobody): what one
// writes there (a storage format) the next can use. Any other untrusted process is a user of
// its own.
func TestStudentUIDOfTerminals(t *testing.T) {
	e := &localEngine{asRoot: true}
	term := Spec{Untrusted: true, Mounts: []Mount{{Source: "/run/terminals-1", Target: "/tmp"}}}
	other := Spec{Untrusted: true, Mounts: []Mount{{Source: "/run/terminals-2", Target: "/tmp/"}}}
	prog := Spec{Untrusted: true, Mounts: []Mount{{Source: "/run/submission", Target: "/submission", ReadOnly: true}}}
	uid := func(spec Spec) int {
		t.Helper()
		u, err := e.studentUID(spec)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	a, b := uid(term), uid(term)
	c, d, f := uid(other), uid(prog), uid(prog)
	if a != b {
		t.Errorf("two terminals of one machine: uids %d and %d, want one", a, b)
	}
	if len(map[int]bool{a: true, c: true, d: true, f: true}) != 4 {
		t.Errorf("uids %d, %d, %d, %d: want another machine's terminals and each program a user of its own", a, c, d, f)
	}
}

// The attack: a program leaves files in /tmp, /var/tmp and /dev/shm (one a link to a file of
// the grader's), a System V shared memory segment and a process in a session of its own; the
// next run's program, under the same (reused) student user id, looks for them. Nothing of the
// first may be left when it ends, and the second finds nothing.
func TestLocalStudentLeavesNoFilesBehind(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("student user ids need root")
	}
	tag := "kl-attack-" + strconv.Itoa(os.Getpid())
	dist := fakeDist(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	leave := fmt.Sprintf(`id -u; echo loot > /tmp/%[1]s; mkdir /var/tmp/%[1]s; echo loot > /var/tmp/%[1]s/f
head -c 1000000 /dev/zero > /dev/shm/%[1]s; ln -s /etc/hostname /tmp/%[1]s-link; ipcmk -M 4096 >/dev/null
setsid sleep 300 >/dev/null 2>&1 &`, tag)
	rt, err := NewLocal(ctx, dist, LocalOptionsFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.RunOnce(ctx, Spec{Name: "leaves", Untrusted: true, MemoryBytes: 64 << 20, PidsLimit: 16, Cmd: []string{"/bin/bash", "-c", leave}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	uid, _ := strconv.Atoi(strings.TrimSpace(res.Stdout))
	if !studentUIDInRange(uid) {
		t.Fatalf("ran as uid %q, want a student user id", res.Stdout)
	}
	if left := leftBy(isUID(uid)); left != "" {
		t.Errorf("uid %d still has %s after its program ended", uid, left)
	}
	if _, err := os.Stat("/etc/hostname"); err != nil {
		t.Errorf("the removal followed a link: %v", err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// The next run hands out the same user id.
	rt = localRuntime(t, dist)
	look := fmt.Sprintf(`id -u; ls -d /tmp/%[1]s* /var/tmp/%[1]s /dev/shm/%[1]s 2>/dev/null; ipcs -m | grep -c "^0x" || true; pgrep -u "$(id -u)" -x sleep`, tag)
	res, err = rt.RunOnce(ctx, Spec{Name: "looks", Untrusted: true, MemoryBytes: 64 << 20, PidsLimit: 16, Cmd: []string{"/bin/bash", "-c", look}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Stdout, tag) {
		t.Errorf("the next program found the files of the last:\n%s", res.Stdout)
	}
	if lines := strings.Fields(res.Stdout); len(lines) == 0 || lines[0] != strconv.Itoa(uid) {
		t.Errorf("the next program ran as %q, want uid %d again: it was clean", res.Stdout, uid)
	}
	if objs := uidIPC(isUID(uid)); len(objs) > 0 {
		t.Errorf("uid %d still has IPC objects %v", uid, objs)
	}
}

// A student user id that keeps something of a program (here a file that cannot be removed) is
// not handed to the next program.
func TestLocalUncleanUIDIsNotReused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("student user ids need root")
	}
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("no chattr")
	}
	stuck := filepath.Join("/tmp", "kl-unclean-"+strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(stuck, []byte("loot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("chattr", "-i", stuck).Run()
		_ = os.Remove(stuck)
	})
	if err := os.Chown(stuck, studentUIDBase, studentGID); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chattr", "+i", stuck).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s", err, out)
	}
	rt := localRuntime(t, fakeDist(t, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := rt.RunOnce(ctx, Spec{Name: "next", Untrusted: true, Cmd: []string{"/bin/bash", "-c", "id -u; cat " + stuck}})
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(strings.Fields(res.Stdout + " x")[0])
	if uid == studentUIDBase || !studentUIDInRange(uid) {
		t.Errorf("the next program ran as uid %d (%q), want a student user id other than %d, which still has %s", uid, res.Stdout, studentUIDBase, stuck)
	}
}

// The attack: a program of six children, each well within the address-space limit, holds more
// than its memory limit together; or files on /dev/shm (memory), each within the file size
// limit. The program is killed, its state saying why, long before it would end.
func TestLocalMemoryOfAllProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("student user ids need root")
	}
	rt := localRuntime(t, fakeDist(t, nil))
	tag := "kl-shm-" + strconv.Itoa(os.Getpid())
	for name, cmd := range map[string]string{
		"children": `for i in 1 2 3 4 5 6; do python3 -c "import time; b = b'x' * (100 << 20); time.sleep(30)" & done; wait`,
		"shm":      fmt.Sprintf(`for i in $(seq 20); do head -c 15000000 /dev/zero > /dev/shm/%s-$i; done; sleep 30`, tag),
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			res, err := rt.RunOnce(ctx, Spec{Name: name, Untrusted: true, MemoryBytes: 256 << 20, PidsLimit: 64, FileBytes: 16 << 20,
				Cmd: []string{"/bin/bash", "-c", cmd}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.State.OOMKilled {
				t.Errorf("after %v: %v, want killed for its memory; stderr %q", time.Since(start).Round(time.Millisecond), res.State, res.Stderr)
			}
			if d := time.Since(start); d > 25*time.Second {
				t.Errorf("killed after %v, not long before its end (30 s)", d)
			}
		})
	}
	if files, _ := filepath.Glob("/dev/shm/" + tag + "*"); len(files) > 0 {
		t.Errorf("files left on /dev/shm: %v", files)
	}
}
