package container

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// What a student user id leaves behind, and how much memory it holds: with local processes a
// program runs on the grader's machine, where a container would have kept its files and its
// memory to itself. A student user id is handed to the next program only when nothing of the
// last one remains (no process, no file in a folder every user may write, no System V IPC
// object), as Autolab's Tango removes the grading user's files; and the memory of all its
// processes together is bounded, not each process's (see watchMemory).

// studentUIDInRange says whether uid is one kafka-lab gives student programs.
func studentUIDInRange(uid int) bool {
	return uid >= studentUIDBase && uid < studentUIDBase+studentUIDCount
}

var (
	placesOnce sync.Once
	places     []string
)

// sharedPlaces are the folders of this machine that every user may write (/tmp, /var/tmp,
// /dev/shm, /run/lock, /dev/mqueue, ...): where a student user id can leave files. They are
// found once per process: a walk of every writable local file system, placesDepth folders deep
// (a whole walk of / took 7 s, for folders that are where the FHS puts them: /tmp/.X11-unix,
// /var/crash, /var/lib/php/sessions), that enters only the folders every user may enter (a
// folder a student cannot reach is no place for it), and leaves out kafka-lab's own folders
// (a run's, removed with it).
func sharedPlaces() []string {
	placesOnce.Do(func() { places = findSharedPlaces("/proc/self/mountinfo") })
	return places
}

// pseudoFS are the file systems with no files a user could leave.
var pseudoFS = map[string]bool{"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true, "devpts": true,
	"securityfs": true, "debugfs": true, "tracefs": true, "bpf": true, "pstore": true, "configfs": true,
	"fusectl": true, "binfmt_misc": true, "autofs": true, "nsfs": true, "efivarfs": true, "selinuxfs": true}

// placesDepth is how deep below a mount point sharedPlaces looks.
const placesDepth = 4

func findSharedPlaces(mountinfo string) []string {
	var mounts []string
	if data, err := os.ReadFile(mountinfo); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
			pre, post, ok := strings.Cut(line, " - ")
			f, g := strings.Fields(pre), strings.Fields(post)
			if !ok || len(f) < 6 || len(g) < 1 || pseudoFS[g[0]] {
				continue
			}
			if opts := "," + f[5] + ","; strings.Contains(opts, ",ro,") {
				continue
			}
			mounts = append(mounts, unescapeMount(f[4]))
		}
	}
	if len(mounts) == 0 {
		mounts = []string{"/", "/tmp", "/var/tmp", "/dev/shm"}
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range mounts {
		var top syscall.Stat_t
		if syscall.Lstat(m, &top) != nil {
			continue
		}
		_ = filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			var st syscall.Stat_t
			if syscall.Lstat(path, &st) != nil || st.Dev != top.Dev {
				return filepath.SkipDir // another file system: walked as a mount of its own
			}
			if strings.HasPrefix(filepath.Base(path), "kafka-lab-") {
				return filepath.SkipDir
			}
			if st.Mode&0o002 != 0 && !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
			if rel, _ := filepath.Rel(m, path); st.Mode&0o001 == 0 || strings.Count(rel, "/") >= placesDepth-1 && rel != "." {
				return filepath.SkipDir // others may not enter it, or deep enough
			}
			return nil
		})
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// uidFiles lists the entries of the shared places that belong to a user id that want accepts.
// An entry is all there is to find: a student can write only in the shared places and in the
// folders it owns, which are removed whole.
func uidFiles(want func(uid int) bool) []string {
	var out []string
	for _, place := range sharedPlaces() {
		entries, err := os.ReadDir(place)
		if err != nil {
			continue
		}
		for _, d := range entries {
			path := filepath.Join(place, d.Name())
			var st syscall.Stat_t
			if syscall.Lstat(path, &st) == nil && want(int(st.Uid)) {
				out = append(out, path)
			}
		}
	}
	return out
}

// ipcObject is a System V IPC object: kind is ipcrm's flag for it (-m, -q, -s).
type ipcObject struct {
	kind string
	id   string
}

// uidIPC lists the System V shared memory segments, message queues and semaphore sets that a
// user id that want accepts owns or created (/proc/sysvipc).
func uidIPC(want func(uid int) bool) []ipcObject {
	var out []ipcObject
	for file, kind := range map[string]string{"shm": "-m", "msg": "-q", "sem": "-s"} {
		data, err := os.ReadFile("/proc/sysvipc/" + file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		var cols map[string]int
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if cols == nil {
				cols = map[string]int{}
				for i, name := range f {
					cols[name] = i
				}
				continue
			}
			for _, col := range []string{"uid", "cuid"} {
				i, ok := cols[col]
				if !ok || i >= len(f) {
					continue
				}
				if uid, err := strconv.Atoi(f[i]); err == nil && want(uid) && len(f) > 1 {
					out = append(out, ipcObject{kind: kind, id: f[1]})
					break
				}
			}
		}
	}
	return out
}

// uidProcesses lists the live processes whose real user id want accepts (a setuid program
// keeps its caller's real id); zombies, already dead, are left out.
func uidProcesses(want func(uid int) bool) []int {
	var out []int
	eachProcess(func(pid int) {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return
		}
		uid, state := -1, ""
		for _, line := range strings.Split(string(data), "\n") {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "Uid":
				if f := strings.Fields(v); len(f) > 0 {
					uid, _ = strconv.Atoi(f[0])
				}
			case "State":
				state = strings.TrimSpace(v)
			}
		}
		if uid >= 0 && want(uid) && !strings.HasPrefix(state, "Z") {
			out = append(out, pid)
		}
	})
	return out
}

// leftBy says what a user id that want accepts still has on this machine ("" when nothing):
// processes, files in the shared places, System V IPC objects.
func leftBy(want func(uid int) bool) string {
	var what []string
	if pids := uidProcesses(want); len(pids) > 0 {
		what = append(what, fmt.Sprintf("%d process(es)", len(pids)))
	}
	if files := uidFiles(want); len(files) > 0 {
		what = append(what, fmt.Sprintf("files %s", strings.Join(files[:min(len(files), 3)], ", ")))
	}
	if objs := uidIPC(want); len(objs) > 0 {
		what = append(what, fmt.Sprintf("%d System V IPC object(s)", len(objs)))
	}
	return strings.Join(what, ", ")
}

// removeLeft kills every process of a user id that want accepts, waits (a few seconds at
// most) for them to be gone, then removes their files in the shared places and their System V
// IPC objects. It says what is left, "" when nothing.
func removeLeft(want func(uid int) bool) string {
	ctx := context.Background()
	// A killed process is gone once its parent reaps it: a program's own processes are reaped
	// by the harness (its leader) or by init.
	_ = wait.Until(ctx, "the processes of a student user id to end", 5*time.Second, 10*time.Millisecond, func(context.Context) (bool, string, error) {
		pids := uidProcesses(want)
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		return len(pids) == 0, fmt.Sprintf("processes %v", pids), nil
	})
	for _, path := range uidFiles(want) {
		// RemoveAll follows no link: what a student left can point anywhere.
		_ = os.RemoveAll(path)
	}
	for _, o := range uidIPC(want) {
		_ = exec.Command("ipcrm", o.kind, o.id).Run()
	}
	return leftBy(want)
}

func isUID(uid int) func(int) bool { return func(u int) bool { return u == uid } }

// StudentClaims is the folder where local runs claim student user ids, a lock file per id.
// It is the machine's, not under TMPDIR: runs with folders of their own (a test's private
// TMPDIR, another user's) share the user ids all the same.
var StudentClaims = filepath.Join("/tmp", "kafka-lab-students")

// claimUID takes the lock of a student user id in dir, or says that a live run holds it (nil).
// A run kills and removes only what the ids it holds have: never another live run's program.
func claimUID(dir string, uid int) (*os.File, error) {
	if err := ownDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, strconv.Itoa(uid))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, fmt.Errorf("the claim of student user id %d: %w", uid, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || int(st.Sys().(*syscall.Stat_t).Uid) != os.Geteuid() {
		f.Close()
		return nil, fmt.Errorf("the claim of student user id %d, %s, is not a file of this user: remove it", uid, path)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, nil // a live run's
	}
	return f, nil
}

// claim makes uid this run's, unless another live run holds it. Called with e.mu held.
func (e *localEngine) claim(uid int) bool {
	if e.claims[uid] != nil {
		return true
	}
	f, err := claimUID(e.claimDir, uid)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kafka-lab: WARNING: %v\n", err)
	}
	if f == nil {
		return false
	}
	if e.claims == nil {
		e.claims = map[int]*os.File{}
	}
	e.claims[uid] = f
	return true
}

// release lets another run have uid. Called with e.mu held.
func (e *localEngine) release(uid int) {
	if f := e.claims[uid]; f != nil {
		f.Close()
		delete(e.claims, uid)
	}
}

// releaseUnused releases uid once no container of the run has it and no terminals of the run
// share it (a later terminal of theirs is that user again). Called with e.mu held.
func (e *localEngine) releaseUnused(uid int) {
	if e.usedUID(uid) || slices.Contains(slices.Collect(maps.Values(e.terminals)), uid) {
		return
	}
	e.release(uid)
}

// studentIDsLeft lists the student user ids that have something on this machine: a process, a
// file in the shared places, an IPC object.
func studentIDsLeft() []int {
	seen := map[int]bool{}
	note := func(uid int) bool {
		if studentUIDInRange(uid) {
			seen[uid] = true
		}
		return false // noted, not listed
	}
	uidProcesses(note)
	uidFiles(note)
	uidIPC(note)
	return slices.Sorted(maps.Keys(seen))
}

// sweepStudents removes what student user ids left on this machine (a dead run's, or one that
// escaped), each claimed in dir for its sweep: an id a live run holds is its own, left alone.
func sweepStudents(dir string) error {
	var kept []string
	for _, uid := range studentIDsLeft() {
		f, err := claimUID(dir, uid)
		if err != nil {
			return err
		}
		if f == nil {
			continue // a live run's
		}
		if left := removeLeft(isUID(uid)); left != "" {
			kept = append(kept, fmt.Sprintf("%d (%s)", uid, left))
		}
		f.Close()
	}
	if len(kept) > 0 {
		return fmt.Errorf("student user ids still have something after a sweep: %s", strings.Join(kept, ", "))
	}
	return nil
}

// retire ends a student user id's run: every process is killed and every file it left in the
// shared places removed. One that cannot be cleaned is not handed out again (see studentUID).
func (e *localEngine) retire(uid int) {
	e.killUID(uid)
	if left := removeLeft(isUID(uid)); left != "" {
		e.mu.Lock()
		if e.unclean == nil {
			e.unclean = map[int]bool{}
		}
		e.unclean[uid] = true
		e.mu.Unlock()
		fmt.Fprintf(os.Stderr, "kafka-lab: student user id %d still has %s after its program ended: it is not used again\n", uid, left)
	}
}

// freeUID says whether a student user id may be handed to a new program: nothing of an
// earlier one remains (after trying to remove it). Called with e.mu held.
func (e *localEngine) freeUID(uid int) bool {
	if e.unclean[uid] {
		return false
	}
	if leftBy(isUID(uid)) == "" {
		return true
	}
	if left := removeLeft(isUID(uid)); left != "" {
		if e.unclean == nil {
			e.unclean = map[int]bool{}
		}
		e.unclean[uid] = true
		fmt.Fprintf(os.Stderr, "kafka-lab: student user id %d still has %s from an earlier program: taking another\n", uid, left)
		return false
	}
	return true
}

// errNoStudentUID: every student user id is taken or unclean.
var errNoStudentUID = errors.New("no student user id is free: each still has processes or files of an earlier program (see the warnings above)")
