package container

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Local processes: for graders that have no Docker engine (Gradescope runs each submission in a
// container of its own, where Docker cannot nest), NewLocal runs every container of the run as
// a process of this machine, from a Kafka distribution folder that harness/image/dist.sh writes:
// the image's /opt/kafka (bin, libs, config), its /etc/kafka/docker and kafka-python. Kafka, the
// lab's commands and the student's programs are the same; what a container gave is kept as far
// as a plain process can have it:
//
//   - Files: each process has a folder of its own, its root, laid out as the image: bin and libs
//     link to the distribution, config is a copy, data and /tmp are its own, a read-only mount is
//     a copy. Absolute paths under the image's folders in its command, environment and working
//     folder (and in the copied properties files) are taken inside that root.
//   - Network: none of its own. Every process shares the host's loopback, so a cluster binds the
//     lab's ports on the host itself (see Facts.SharesHostNetwork), and one local run at a time
//     may hold them: NewLocal takes a lock and says who holds it.
//   - Untrusted processes (the student's programs and commands) run under a user id of their
//     own, never root nor the harness's (NewLocal refuses a harness that is not root unless
//     SameUserEnv accepts it), with limits on address space, processes and file size, and on
//     the memory of all the user id's processes together (a watch, see watch in localmem.go); the
//     run's distribution is a copy they can read (hard links), wherever the original is. When
//     its last container ends, nothing of the user id is left: no process, no file in the
//     folders every user may write (/tmp, /var/tmp, /dev/shm, ...), no IPC object; a user id
//     that keeps something is not handed out again (see localuser.go). There is no CPU quota,
//     no network isolation and no read-only root without cgroups and namespaces: weaker than
//     the container, which is why Docker stays the default.
//   - Lifetime: each process leads its own process group and gets SIGKILL when the harness dies
//     (Pdeathsig); the next run sweeps what a dead run left: its folder, the processes marked
//     with its run id in their environment, and what is left of the student user ids that no
//     live run holds.
//   - Student user ids are the machine's, whatever the run's folder (TMPDIR): a run claims each
//     id it hands out with a lock of its own in StudentClaims, held until the id's last container
//     is removed, and kills and removes only what ids it holds have (see claimUID).

// LocalDir is the folder of every local run on this machine.
func LocalDir() string { return filepath.Join(os.TempDir(), "kafka-lab-local") }

// studentUIDs are the user ids untrusted programs run under, one per program, so that a
// program's processes can be counted, limited and killed apart from everything else.
const (
	studentUIDBase  = 61000
	studentUIDCount = 1000
	studentGID      = 65534 // nogroup
)

// Environment marks of local processes: how a sweep finds what a dead run left. (Not KAFKA_*:
// the image's entry point would make those server properties.)
const (
	envRun  = "KAFKALAB_RUN"
	envRoot = "KAFKALAB_ROOT"
)

// logLimit caps a local process's log file, as Docker's json-file max-size does.
const logLimit = 20 << 20

// imageDirs are the image's folders that a local process finds inside its own root.
var imageDirs = []string{"/opt/kafka", "/etc/kafka", "/var/lib/kafka", "/mnt/shared", "/tmp"}

// LocalOptions are what a local run is told besides its distribution.
type LocalOptions struct {
	// SameUser lets a harness that is not root run the submission's programs and commands
	// under its own user id, with its files (SameUserEnv, grade's -local-same-user).
	SameUser bool
}

// LocalOptionsFromEnv are the options the environment sets (SameUserEnv), for the commands
// and tests that take them from there.
func LocalOptionsFromEnv() LocalOptions {
	return LocalOptions{SameUser: os.Getenv(SameUserEnv) == "1"}
}

// NewLocal starts a run whose containers are local processes from the Kafka distribution in
// dist (see the comment above). It sweeps what dead local runs left.
func NewLocal(ctx context.Context, dist string, o LocalOptions) (*Runtime, error) {
	dist, err := filepath.Abs(dist)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"libs", "bin", "config", "etc", "python"} {
		if st, err := os.Stat(filepath.Join(dist, d)); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s is not a kafka-lab Kafka distribution (no %s/): build one with harness/image/dist.sh", dist, d)
		}
	}
	asRoot := os.Geteuid() == 0
	if err := mayRunStudents(os.Geteuid(), o.SameUser, "/etc/passwd"); err != nil {
		return nil, err
	}
	if !asRoot {
		fmt.Fprintf(os.Stderr, "kafka-lab: WARNING: %s=1: the submission's programs and commands run as this user (uid %d) and can read and change its files\n", SameUserEnv, os.Geteuid())
	}
	base := LocalDir()
	if err := ownDir(base); err != nil {
		return nil, err
	}
	lock, err := lockFile(filepath.Join(base, "ports.lock"))
	if err != nil {
		return nil, err
	}
	eng := &localEngine{dist: dist, base: base, lock: lock, asRoot: asRoot, claimDir: StudentClaims, procs: map[string]*localProc{}}
	rt := newRuntime(eng)
	eng.runID = rt.RunID
	eng.dir = filepath.Join(base, rt.RunID)
	fail := func(err error) (*Runtime, error) {
		_ = os.RemoveAll(eng.dir)
		eng.unlock()
		return nil, err
	}
	if err := os.Mkdir(eng.dir, 0o755); err != nil {
		return fail(err)
	}
	labels, _ := json.Marshal(rt.Labels())
	if err := os.WriteFile(filepath.Join(eng.dir, "labels.json"), labels, 0o644); err != nil {
		return fail(err)
	}
	// A copy every student user id can read, wherever the distribution is (root's home is not
	// theirs to read): hard links where it can, which cost nothing.
	shared := filepath.Join(eng.dir, "dist")
	if err := linkTree(dist, shared); err != nil {
		return fail(fmt.Errorf("the run's Kafka distribution: %w", err))
	}
	eng.dist, eng.python = shared, filepath.Join(shared, "python")
	if _, err := rt.Sweep(ctx); err != nil {
		return fail(err)
	}
	// What a student user id that no live run holds has is left from a dead run, or escaped
	// one. A user id that keeps something is not handed out (see studentUID).
	if asRoot {
		if err := sweepStudents(eng.claimDir); err != nil {
			fmt.Fprintf(os.Stderr, "kafka-lab: WARNING: %v\n", err)
		}
	}
	return rt, nil
}

// SameUserEnv, set to 1, lets a harness that is not root run local processes, the student's
// too, under its own user id (see NewLocal).
const SameUserEnv = "KAFKA_LAB_LOCAL_SAME_USER"

// ownDir makes dir, or takes it as it is, only when it is a folder of this user that no one
// else may write: not a link, not someone's trap in the shared /tmp.
func ownDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, _ := st.Sys().(*syscall.Stat_t)
	switch {
	case !st.IsDir():
		return fmt.Errorf("%s is not a folder (%s): remove it; kafka-lab keeps its local runs there", dir, st.Mode().Type())
	case sys != nil && int(sys.Uid) != os.Geteuid():
		return fmt.Errorf("%s belongs to uid %d, not to this user (uid %d): remove it; kafka-lab keeps its local runs there", dir, sys.Uid, os.Geteuid())
	case st.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%s may be written by others (mode %v): remove it; kafka-lab keeps its local runs there", dir, st.Mode().Perm())
	}
	return nil
}

// mayRunStudents says whether a harness of user id euid may run a student's programs: as root,
// under the student user ids, if no account of the machine (passwd) has one of them; as another
// user, only when sameUser (SameUserEnv) accepts it, since the programs would run as that user.
func mayRunStudents(euid int, sameUser bool, passwd string) error {
	if euid != 0 {
		if !sameUser {
			return fmt.Errorf("local Kafka processes: the submission's programs and commands would run as this user (uid %d), with its files: run as root, which gives each a user id of its own, or set %s=1 to accept that", euid, SameUserEnv)
		}
		return nil
	}
	return studentUIDsFree(passwd)
}

// studentUIDsFree checks that no account of this machine has one of the student user ids: a
// program would run as that account, with its files.
func studentUIDsFree(passwd string) error {
	data, err := os.ReadFile(passwd)
	if err != nil {
		return nil // no accounts file: nothing to clash with
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 {
			continue
		}
		if uid, err := strconv.Atoi(f[2]); err == nil && uid >= studentUIDBase && uid < studentUIDBase+studentUIDCount {
			return fmt.Errorf("local Kafka processes: the account %s has uid %d, in the range kafka-lab gives student programs (%d-%d): their programs would run as it", f[0], uid, studentUIDBase, studentUIDBase+studentUIDCount-1)
		}
	}
	return nil
}

// lockFile takes an exclusive lock on path, or says which process holds it. It is not a link,
// and it is this user's.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, fmt.Errorf("the lock of local runs: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || int(st.Sys().(*syscall.Stat_t).Uid) != os.Geteuid() {
		f.Close()
		return nil, fmt.Errorf("the lock of local runs, %s, is not a file of this user: remove it", path)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		return nil, fmt.Errorf("another kafka-lab run with local Kafka processes (pid %s) holds this machine's lab ports (9092-9094): wait for it to end", strings.TrimSpace(string(holder)))
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

type localEngine struct {
	dist, base string
	dir        string // this run's folder
	runID      string
	python     string // this run's copy of kafka-python
	asRoot     bool

	mu       sync.Mutex
	lock     *os.File
	procs    map[string]*localProc // by id: the process's root
	students int                   // student user ids handed out
	claimDir string                // where student user ids are claimed (StudentClaims)
	claims   map[int]*os.File      // the student user ids this run holds (see claimUID)
	unclean  map[int]bool          // student user ids that kept something of a program: never handed out again
	watched  map[int]bool          // student user ids whose memory is watched (see watch in localmem.go)
	// terminals is the user id of the student's terminals that share a /tmp (by its source):
	// one machine's terminals are one user, as in Docker, where each runs as nobody, so what
	// one writes to /tmp (a storage format) the next can use (the broker it formatted for).
	terminals map[string]int
}

// localProc is one container as a process: made by create, (re)started by start.
type localProc struct {
	root string
	argv []string
	env  []string
	dir  string
	uid  int // a student user id, or 0: runs as the harness
	// memory is the container's memory limit, which its user id's processes share with the
	// other running containers of that user id (see watch in localmem.go); 0 for no limit.
	memory int64

	mu             sync.Mutex
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *limitedFile
	cmd            *exec.Cmd
	done           chan struct{} // closed when the current start has exited
	state          State
	oomKilled      bool // its user id went over its memory limit (see overMemory)
}

// unlock lets go of the lab's ports and of every student user id the run holds: it ends.
func (e *localEngine) unlock() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lock != nil {
		e.lock.Close()
		e.lock = nil
	}
	for uid := range e.claims {
		e.release(uid)
	}
}

func (e *localEngine) create(_ context.Context, name string, spec Spec, _ map[string]string) (string, error) {
	root := filepath.Join(e.dir, name)
	if _, err := os.Stat(root); err == nil {
		return "", fmt.Errorf("container %s already exists", name)
	}
	p := &localProc{root: root, done: make(chan struct{})}
	close(p.done) // not started
	if err := e.layOut(p, spec); err != nil {
		_ = os.RemoveAll(root)
		return "", err
	}
	e.mu.Lock()
	e.procs[root] = p
	e.mu.Unlock()
	return root, nil
}

// studentUID hands out a student user id of its own to an untrusted process, or the one of
// the terminals it shares its /tmp with: one that no process of this run has had, and that
// nothing of an earlier program (a process, a file, an IPC object) is left of (see freeUID).
func (e *localEngine) studentUID(spec Spec) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	shared := ""
	for _, m := range spec.Mounts {
		if path.Clean(m.Target) == "/tmp" && !m.ReadOnly {
			shared = m.Source
		}
	}
	if uid, ok := e.terminals[shared]; ok && shared != "" {
		return uid, nil
	}
	for range studentUIDCount {
		uid := studentUIDBase + e.students%studentUIDCount
		e.students++
		if e.usedUID(uid) || !e.claim(uid) {
			continue
		}
		if !e.freeUID(uid) {
			e.release(uid)
			continue
		}
		if shared != "" {
			if e.terminals == nil {
				e.terminals = map[string]int{}
			}
			e.terminals[shared] = uid
		}
		return uid, nil
	}
	return 0, errNoStudentUID
}

// usedUID says whether a container of this run has the student user id uid. Called with e.mu
// held.
func (e *localEngine) usedUID(uid int) bool {
	for _, q := range e.procs {
		if q.uid == uid {
			return true
		}
	}
	for _, u := range e.terminals {
		if u == uid {
			return true
		}
	}
	return false
}

// layOut makes the process's root and translates its command, environment and folder.
func (e *localEngine) layOut(p *localProc, spec Spec) error {
	if spec.Untrusted && e.asRoot {
		uid, err := e.studentUID(spec)
		if err != nil {
			return err
		}
		p.uid, p.memory = uid, spec.MemoryBytes
	}
	targets := append([]string(nil), imageDirs...)
	for _, m := range spec.Mounts {
		targets = append(targets, m.Target)
	}
	tr := func(s string) string { return translate(s, p.root, targets) }
	kafka := filepath.Join(p.root, "opt/kafka")
	// A folder mounted as /tmp (terminals that share theirs) replaces the process's own.
	sharedTmp := mountsTmp(spec)
	for _, d := range []string{"opt/kafka/logs", "var/lib/kafka/data", "mnt/shared/config", "etc/kafka", "tmp"} {
		if d == "tmp" && sharedTmp {
			continue
		}
		if err := os.MkdirAll(filepath.Join(p.root, d), 0o755); err != nil {
			return err
		}
	}
	for link, target := range map[string]string{
		filepath.Join(kafka, "bin"):               filepath.Join(e.dist, "bin"),
		filepath.Join(kafka, "libs"):              filepath.Join(e.dist, "libs"),
		filepath.Join(p.root, "etc/kafka/docker"): filepath.Join(e.dist, "etc"),
	} {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	// The properties that name a folder of the image (log.dirs=/tmp/kafka-logs, ZooKeeper's
	// dataDir) name the process's own.
	props := func(path string, data []byte) []byte {
		if !strings.HasSuffix(path, ".properties") {
			return data
		}
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(strings.TrimSpace(l), "#") {
				lines[i] = k + "=" + tr(v)
			}
		}
		return []byte(strings.Join(lines, "\n"))
	}
	if err := copyTree(filepath.Join(e.dist, "config"), filepath.Join(kafka, "config"), props); err != nil {
		return err
	}
	for _, m := range spec.Mounts {
		dst := filepath.Join(p.root, m.Target)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if m.ReadOnly {
			// A copy the program can read and not change, whoever owns the original. A student's
			// configuration file in the Kafka folder names folders of the image as Kafka's own do.
			var edit func(string, []byte) []byte
			if strings.HasPrefix(path.Clean(m.Target), "/opt/kafka/config/") {
				edit = props
			}
			if err := copyTree(m.Source, dst, edit); err != nil {
				return fmt.Errorf("mount %s: %w", m.Source, err)
			}
		} else if err := os.Symlink(m.Source, dst); err != nil {
			return err
		}
	}
	tmp := filepath.Join(p.root, "tmp")
	if p.uid != 0 && !sharedTmp {
		if err := os.Chown(tmp, p.uid, studentGID); err != nil {
			return err
		}
		if err := os.Chmod(tmp, 0o700); err != nil {
			return err
		}
	}

	p.dir = kafka // the image's working folder
	if spec.WorkingDir != "" {
		p.dir = tr(spec.WorkingDir)
	}
	argv := append(append([]string(nil), spec.Entrypoint...), spec.Cmd...)
	if len(argv) == 0 {
		argv = []string{"/etc/kafka/docker/run"} // the image's CMD
	}
	for i, a := range argv {
		argv[i] = tr(a)
	}
	switch {
	case filepath.IsAbs(argv[0]):
	case strings.Contains(argv[0], "/"):
		argv[0] = filepath.Join(p.dir, argv[0])
	default:
		// On the image's PATH, not the harness's: a python3 of root's own (pyenv, say) is no
		// program a student user id may run.
		path, err := lookPath(argv[0], imagePath)
		if err != nil {
			return err
		}
		argv[0] = path
	}
	if spec.Untrusted {
		// Limits of the container, as far as rlimits go: address space (virtual, so a few times
		// the memory), processes of the program's user id, size of a file it writes.
		var limits []string
		if spec.MemoryBytes > 0 {
			limits = append(limits, fmt.Sprintf("ulimit -v %d", 4*spec.MemoryBytes>>10))
		}
		if spec.PidsLimit > 0 && p.uid != 0 {
			limits = append(limits, fmt.Sprintf("ulimit -u %d", spec.PidsLimit))
		}
		fileBytes := spec.FileBytes
		if fileBytes == 0 {
			fileBytes = 16 << 20
		}
		limits = append(limits, fmt.Sprintf("ulimit -f %d", fileBytes>>10), "ulimit -c 0", `exec "$@"`)
		argv = append([]string{"/bin/bash", "-c", strings.Join(limits, " && "), "sandbox"}, argv...)
	}
	p.argv = argv

	p.env = []string{
		"PATH=" + imagePath,
		"LANG=C.UTF-8",
		"HOME=" + tmp,
		"PYTHONPATH=" + e.python,
		"MALLOC_ARENA_MAX=2",
		envRun + "=" + e.runID,
		envRoot + "=" + p.root,
	}
	if jh := os.Getenv("JAVA_HOME"); jh != "" {
		p.env = append(p.env, "JAVA_HOME="+jh)
	}
	for _, kv := range spec.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			p.env = append(p.env, k+"="+tr(v))
		}
	}
	return nil
}

// imagePath is the PATH of local processes, as in the image.
const imagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// lookPath finds an executable on path.
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s in %s on this machine", name, path)
}

// translate takes a path, KEY=path or a comma-separated list of them under one of the folders
// in targets to the same path under root; anything else is left as it is.
func translate(s, root string, targets []string) string {
	if k, v, ok := strings.Cut(s, "="); ok && !strings.HasPrefix(s, "/") {
		return k + "=" + translate(v, root, targets)
	}
	parts := strings.Split(s, ",")
	for i, part := range parts {
		for _, t := range targets {
			if part == t || strings.HasPrefix(part, t+"/") {
				parts[i] = root + part
				break
			}
		}
	}
	return strings.Join(parts, ",")
}

func (e *localEngine) proc(id string) (*localProc, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.procs[id]
	if !ok {
		return nil, fmt.Errorf("no local container %s", filepath.Base(id))
	}
	return p, nil
}

func (e *localEngine) attach(_ context.Context, id string, stdin io.Reader, stdout, stderr io.Writer) (func() error, error) {
	p, err := e.proc(id)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.stdin, p.stdout, p.stderr = stdin, stdout, stderr
	p.mu.Unlock()
	return func() error {
		p.mu.Lock()
		done := p.done
		p.mu.Unlock()
		<-done
		return nil
	}, nil
}

func (e *localEngine) start(_ context.Context, id string) error {
	p, err := e.proc(id)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
	default:
		return nil // running
	}
	if p.log == nil {
		f, err := os.OpenFile(filepath.Join(p.root, "output.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		p.log = &limitedFile{f: f}
	}
	cmd := &exec.Cmd{Path: p.argv[0], Args: p.argv, Env: p.env, Dir: p.dir}
	var stdinW *os.File
	if p.stdin != nil {
		// An OS pipe fed from here, so that Wait never waits on a copy from the caller's reader.
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer r.Close()
		cmd.Stdin, stdinW = r, w
	}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if p.stdout != nil {
		cmd.Stdout = io.MultiWriter(p.stdout, p.log)
		cmd.Stderr = io.MultiWriter(p.stderr, p.log)
	}
	// A child that keeps the output pipes open (a grandchild left running) does not hold up
	// the exit.
	cmd.WaitDelay = 2 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if p.uid != 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(p.uid), Gid: studentGID, Groups: []uint32{}}
	}
	if err := cmd.Start(); err != nil {
		if stdinW != nil {
			stdinW.Close()
		}
		return err
	}
	p.cmd, p.done, p.state, p.oomKilled = cmd, make(chan struct{}), State{Running: true}, false
	if p.uid != 0 && p.memory > 0 {
		go e.watch(p.uid) // after start lets go of p.mu: the watch takes e.mu, then p.mu
	}
	if stdinW != nil {
		go func(in io.Reader) {
			_, _ = io.Copy(stdinW, in) // ends when the caller closes its end or the process exits
			stdinW.Close()
		}(p.stdin)
	}
	go func(done chan struct{}) {
		_ = cmd.Wait()
		st := State{ExitCode: cmd.ProcessState.ExitCode(), FinishedAt: time.Now()}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			st.ExitCode = 128 + int(ws.Signal()) // as Docker reports a container killed by a signal
		}
		p.mu.Lock()
		st.OOMKilled = p.oomKilled
		p.state = st
		p.mu.Unlock()
		if p.uid != 0 && !e.uidRunning(p.uid) {
			// Whatever the program left: processes still running, files in /tmp, /var/tmp,
			// /dev/shm, IPC objects.
			e.retire(p.uid)
		}
		close(done)
	}(p.done)
	return nil
}

func (e *localEngine) state(_ context.Context, id string) (State, error) {
	p, err := e.proc(id)
	if err != nil {
		return State{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state, nil
}

// signal sends sig to the process group of the process's current start, if it runs.
func (p *localProc) signal(sig syscall.Signal) (done chan struct{}, running bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return p.done, false
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	return p.done, true
}

func (e *localEngine) stop(ctx context.Context, id string, grace time.Duration) error {
	p, err := e.proc(id)
	if err != nil {
		return err
	}
	done, running := p.signal(syscall.SIGTERM)
	if !running {
		return nil
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	p.signal(syscall.SIGKILL)
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *localEngine) kill(_ context.Context, id string, signal string) error {
	p, err := e.proc(id)
	if err != nil {
		return err
	}
	sig := syscall.SIGKILL
	if signal == "SIGTERM" {
		sig = syscall.SIGTERM
	}
	p.signal(sig)
	return nil
}

func (e *localEngine) remove(ctx context.Context, id string) error {
	e.mu.Lock()
	p, ok := e.procs[id]
	delete(e.procs, id)
	e.mu.Unlock()
	if ok {
		done, _ := p.signal(syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
		}
		p.mu.Lock()
		if p.log != nil {
			p.log.f.Close()
		}
		p.mu.Unlock()
		if p.uid != 0 {
			e.mu.Lock()
			e.releaseUnused(p.uid)
			e.mu.Unlock()
		}
	} else {
		// A container of a dead run (a sweep): its processes carry its root in their environment.
		killMarked(envRoot + "=" + id)
	}
	if err := os.RemoveAll(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func (e *localEngine) logs(_ context.Context, id string, lines int) (string, error) {
	data, err := os.ReadFile(filepath.Join(id, "output.log"))
	if err != nil {
		return "", err
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n") + "\n", nil
}

// runs returns the folder and labels of every local run on this machine.
func (e *localEngine) runs() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, _ := os.ReadDir(e.base)
	for _, d := range entries {
		dir := filepath.Join(e.base, d.Name())
		data, err := os.ReadFile(filepath.Join(dir, "labels.json"))
		if err != nil {
			continue
		}
		var labels map[string]string
		if json.Unmarshal(data, &labels) == nil {
			out[dir] = labels
		}
	}
	return out
}

func (e *localEngine) list(context.Context) ([]listed, error) {
	var out []listed
	for dir, labels := range e.runs() {
		entries, _ := os.ReadDir(dir)
		for _, c := range entries {
			if c.IsDir() && c.Name() != "dist" {
				out = append(out, listed{id: filepath.Join(dir, c.Name()), name: c.Name(), labels: labels})
			}
		}
	}
	return out, nil
}

func (e *localEngine) createNetwork(context.Context, string, map[string]string) error { return nil }

// removeNetwork: there is no network to remove.
func (e *localEngine) removeNetwork(context.Context, string) error { return nil }

// facts: every process shares the host's network, and runs the run's copy of the distribution.
func (e *localEngine) facts() Facts { return Facts{SharesHostNetwork: true, Dist: e.dist} }

// imagePresent: the distribution stands for every image.
func (e *localEngine) imagePresent(context.Context, string) (bool, error) { return true, nil }

// imageLabels: the distribution is no image and has none.
func (e *localEngine) imageLabels(context.Context, string) (map[string]string, error) {
	return nil, nil
}

func (e *localEngine) pullImage(_ context.Context, ref string) error {
	return fmt.Errorf("local processes run the Kafka distribution %s, not image %s: they pull no image", e.dist, ref)
}

// distDirs are the image's folders that the distribution holds, by their folder in it (see
// layOut).
var distDirs = map[string]string{
	"/opt/kafka/bin":    "bin",
	"/opt/kafka/libs":   "libs",
	"/opt/kafka/config": "config",
	"/etc/kafka/docker": "etc",
}

// listImage reads the distribution's folders that stand for the image's.
func (e *localEngine) listImage(_ context.Context, _ *Runtime, _ string, dirs []string) (ImageListing, error) {
	var names strings.Builder
	for _, d := range dirs {
		sub, ok := distDirs[filepath.Clean(d)]
		if !ok {
			return ImageListing{}, fmt.Errorf("the Kafka distribution %s has no %s of the image", e.dist, d)
		}
		entries, err := os.ReadDir(filepath.Join(e.dist, sub))
		if err != nil {
			return ImageListing{}, fmt.Errorf("look inside distribution %s: %w", e.dist, err)
		}
		for _, entry := range entries {
			names.WriteString(entry.Name() + "\n")
		}
	}
	return ImageListing{Source: "dist:" + e.dist, Names: names.String()}, nil
}

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on Linux whatever the
// kernel's own tick.
const userHZ = 100

// stats adds up the processes of the container's process group, from /proc.
func (e *localEngine) stats(_ context.Context, id string) (Stats, error) {
	p, err := e.proc(id)
	if err != nil {
		return Stats{}, err
	}
	p.mu.Lock()
	var pgid int
	select {
	case <-p.done:
	default:
		pgid = p.cmd.Process.Pid // the group's leader (Setpgid)
	}
	p.mu.Unlock()
	if pgid == 0 {
		return Stats{}, fmt.Errorf("local container %s is not running: a process that exited has no stats", filepath.Base(id))
	}
	var st Stats
	var found bool
	eachProcess(func(pid int) {
		group, ticks, err := procStat(pid)
		if err != nil || group != pgid {
			return // gone meanwhile, or another group's
		}
		rss, hwm, err := procMemory(pid)
		if err != nil {
			return
		}
		found = true
		st.Memory += rss
		st.PeakMemory += hwm
		st.CPU += time.Duration(ticks) * time.Second / userHZ // as ProcessCPU
	})
	if !found {
		return Stats{}, fmt.Errorf("no process of local container %s in /proc", filepath.Base(id))
	}
	return st, nil
}

// ProcessCPU is the CPU time a process of this machine has spent so far, user and system, from
// /proc/PID/stat (the bench's measure of the Docker engine's own processes).
func ProcessCPU(pid int) (time.Duration, error) {
	_, ticks, err := procStat(pid)
	return time.Duration(ticks) * time.Second / userHZ, err
}

// procStat reads a process's group and CPU time (user and system, in USER_HZ ticks) from
// /proc/PID/stat.
func procStat(pid int) (pgrp int, ticks uint64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name, in parentheses, may hold spaces and parentheses: fields start after
	// the last ')'. They are state ppid pgrp ... utime (the 12th after it) stime.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	if pgrp, err = strconv.Atoi(f[2]); err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: process group: %w", pid, err)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: CPU time: %w", pid, err)
	}
	return pgrp, utime + stime, nil
}

// procMemory reads a process's resident size now and at its peak from /proc/PID/status.
func procMemory(pid int) (rss, peak uint64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak, nil
}

// removeNetworks has no networks to remove; it removes the folders of the matching runs (and
// any process still marked with their id), and releases the ports when the run is this one.
func (e *localEngine) removeNetworks(_ context.Context, match func(map[string]string) bool) error {
	var errs []error
	for dir, labels := range e.runs() {
		if !match(labels) {
			continue
		}
		killMarked(envRun + "=" + labels[LabelRun])
		errs = append(errs, os.RemoveAll(dir))
		if dir == e.dir {
			e.unlock()
		}
	}
	return errors.Join(errs...)
}

// killMarked SIGKILLs every process whose environment holds mark.
func killMarked(mark string) {
	want := []byte(mark + "\x00")
	eachProcess(func(pid int) {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err == nil && bytes.Contains(append(env, 0), want) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// uidRunning says whether a process of the student user id uid still runs: another terminal
// of the same machine, whose processes a terminal that exits must leave alone.
func (e *localEngine) uidRunning(uid int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, q := range e.procs {
		if q.uid != uid {
			continue
		}
		q.mu.Lock()
		running := q.state.Running
		q.mu.Unlock()
		if running {
			return true
		}
	}
	return false
}

// killUID SIGKILLs every process of a student user id: kill(-1) as that user reaches exactly
// them, even those that left the process group or forked meanwhile.
func (e *localEngine) killUID(uid int) {
	cmd := exec.Command("/bin/bash", "-c", "kill -9 -1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: studentGID, Groups: []uint32{}}}
	_ = cmd.Run() // it kills itself too
}

func eachProcess(f func(pid int)) {
	entries, _ := os.ReadDir("/proc")
	for _, d := range entries {
		if pid, err := strconv.Atoi(d.Name()); err == nil && pid != os.Getpid() {
			f(pid)
		}
	}
}

// copyTree copies the folder src (itself possibly a link) to dst, readable by everyone, a link
// to a file inside copied as the file, passing each file's content through edit when it is not
// nil.
func copyTree(src, dst string, edit func(path string, data []byte) []byte) error {
	return walkCopy(src, dst, edit, false)
}

// linkTree makes dst a copy of the folder src that everyone can read: hard links to its files
// where they are readable by everyone and on the same file system, copies otherwise.
func linkTree(src, dst string) error { return walkCopy(src, dst, nil, true) }

func walkCopy(src, dst string, edit func(path string, data []byte) []byte, hardLink bool) error {
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := os.Stat(path) // a link inside is copied as its file
		if err != nil {
			return err
		}
		if hardLink && info.Mode().IsRegular() && info.Mode().Perm()&0o004 != 0 && os.Link(path, target) == nil {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if edit != nil {
			data = edit(path, data)
		}
		mode := os.FileMode(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		return os.WriteFile(target, data, mode)
	})
}

// limitedFile is a process's log file, which stops growing at logLimit.
type limitedFile struct {
	mu   sync.Mutex
	f    *os.File
	size int
}

func (l *limitedFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size < logLimit {
		n, _ := l.f.Write(p[:min(len(p), logLimit-l.size)])
		l.size += n
	}
	return len(p), nil
}
