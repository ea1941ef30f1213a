package container

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The memory of a student user id as a whole. An address-space limit (ulimit -v) is per
// process: six children of one program each held their own 1 GiB. A cgroup would bound them
// together, but a grader in a container cannot make one (in Docker /sys/fs/cgroup is mounted
// read-only), so the harness watches instead: every memoryTick it adds up the proportional
// resident size (PSS) of every process of the user id and the files it keeps in memory (tmpfs:
// /dev/shm), and past the sum of the memory limits of that user id's running containers it
// kills them all, as a cgroup's OOM killer would, and their state says OOMKilled (see watch).

// memoryTick is how often the memory of a student user id is added up: between two looks a
// program can allocate more, bounded by its address space per process.
const memoryTick = 100 * time.Millisecond

// tmpfsMagic is statfs's type of a tmpfs, whose files are memory.
const tmpfsMagic = 0x01021994

// watch watches the memory of a student user id until none of its containers runs. Called
// without any lock held: its first look at the engine takes e.mu.
func (e *localEngine) watch(uid int) {
	e.mu.Lock()
	if e.watched[uid] {
		e.mu.Unlock()
		return
	}
	if e.watched == nil {
		e.watched = map[int]bool{}
	}
	e.watched[uid] = true
	e.mu.Unlock()
	t := time.NewTicker(memoryTick)
	defer t.Stop()
	for range t.C {
		budget := e.memoryBudget(uid)
		if budget == 0 {
			return // memoryBudget stopped the watch under e.mu: a start after it watches anew
		}
		if used := uidMemory(uid); used > budget {
			e.overMemory(uid)
		}
	}
}

// memoryBudget is the sum of the memory limits of the running containers of a user id (the
// student's terminals share one: each has its own limit, as in Docker). When none runs it
// ends the user id's watch.
func (e *localEngine) memoryBudget(uid int) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var sum uint64
	for _, q := range e.procs {
		if q.uid != uid || q.memory <= 0 {
			continue
		}
		q.mu.Lock()
		if q.state.Running {
			sum += uint64(q.memory)
		}
		q.mu.Unlock()
	}
	if sum == 0 {
		delete(e.watched, uid)
	}
	return sum
}

// overMemory kills every process of a user id over its memory, its containers' state saying
// they were killed for it.
func (e *localEngine) overMemory(uid int) {
	e.mu.Lock()
	for _, q := range e.procs {
		if q.uid == uid {
			q.mu.Lock()
			if q.state.Running {
				q.oomKilled = true
			}
			q.mu.Unlock()
		}
	}
	e.mu.Unlock()
	e.killUID(uid)
}

// uidMemory adds up the memory a user id holds: the PSS of each of its processes (RSS where
// smaps_rollup is missing) and the size of its files on a tmpfs among the shared places.
func uidMemory(uid int) uint64 {
	var sum uint64
	for _, pid := range uidProcesses(isUID(uid)) {
		sum += processMemory(pid)
	}
	for _, place := range sharedPlaces() {
		var sfs syscall.Statfs_t
		if syscall.Statfs(place, &sfs) != nil || sfs.Type != tmpfsMagic {
			continue
		}
		entries, _ := os.ReadDir(place)
		for _, d := range entries {
			top := filepath.Join(place, d.Name())
			var st syscall.Stat_t
			if syscall.Lstat(top, &st) != nil || int(st.Uid) != uid {
				continue
			}
			_ = filepath.WalkDir(top, func(path string, _ fs.DirEntry, err error) error {
				var st syscall.Stat_t
				if err == nil && syscall.Lstat(path, &st) == nil {
					sum += uint64(st.Blocks) * 512
				}
				return nil
			})
		}
	}
	return sum
}

// processMemory is a process's proportional set size (its resident pages, each shared page
// divided among the processes that map it: a forked child's copy-on-write pages count once),
// or its resident size.
func processMemory(pid int) uint64 {
	key := "Pss:"
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		key = "VmRSS:"
		if data, err = os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err != nil {
			return 0
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
