package cluster

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Sizing is how much memory the Kafka JVMs of a cluster may take: what a 2-core machine with a
// few GiB to itself affords, or, where this process's memory is small (Gradescope's default
// container: 768 MiB for the harness, the four JVMs of the ha cluster and a lab tool), heaps
// that start small and a smaller code cache.
type Sizing struct {
	// BrokerHeap and ControllerHeap are KAFKA_HEAP_OPTS of a broker and of a controller or
	// ZooKeeper node.
	BrokerHeap, ControllerHeap string
	// JVM is KAFKA_JVM_PERFORMANCE_OPTS of every node.
	JVM string
	// Tool is the environment of a lab command the cluster runs, the student's included. It
	// leaves the heap to the script: a server of section 1 needs its own (the log cleaner's
	// buffer alone takes 128 MiB of it).
	Tool []string
	// ServerHeap, where not empty, is KAFKA_HEAP_OPTS of the student's own servers (section 1,
	// section 7's three brokers and their ZooKeeper): in a small container four servers at the
	// scripts' 1 GiB and 512 MiB would be killed by the machine, a failure that is not theirs.
	ServerHeap string
}

// smallMemory is the memory under which the small sizing applies: the ha cluster's four JVMs at
// the roomy sizing commit over a GiB of heap before a tool starts.
const smallMemory = 3 << 30

// jvmOpts: the serial collector suits a 2-core machine and a small heap, and C1 alone a
// broker that starts often and serves a few messages a second: the ha cluster's four JVMs,
// which start side by side, are ready in 6-7 s instead of 8.5-9.3 (measured here), the single
// broker as fast as with C2.
const jvmOpts = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"

// smallJVM adds a smaller code cache.
const smallJVM = jvmOpts + " -XX:ReservedCodeCacheSize=48m"

// toolJVM replaces the scripts' G1 and C2 for a lab command: most run for a second, where the
// serial collector and C1 alone start faster (a tool run 12% faster, measured here) and spend
// no core on compiling code they will not run long enough to need.
const toolJVM = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true"

// SizingFor is the sizing for a machine (or container) with mem bytes of memory; 0 is unknown,
// and sized as roomy.
func SizingFor(mem uint64) Sizing {
	tool := []string{"KAFKA_JVM_PERFORMANCE_OPTS=" + toolJVM}
	if mem == 0 || mem >= smallMemory {
		return Sizing{BrokerHeap: "-Xms256m -Xmx512m", ControllerHeap: "-Xms128m -Xmx256m", JVM: jvmOpts, Tool: tool}
	}
	return Sizing{BrokerHeap: "-Xms32m -Xmx192m", ControllerHeap: "-Xms16m -Xmx128m", JVM: smallJVM, Tool: tool,
		ServerHeap: "-Xms32m -Xmx256m"} // the cleaner's 128 MiB buffer and the lab's few messages
}

// MachineMemory is the memory this process may use: its cgroup's limit (v2, then v1) where it
// has one below the machine's, else the machine's; 0 if neither can be read.
func MachineMemory() uint64 {
	total := meminfoTotal("/proc/meminfo")
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(f); err == nil {
			if limit, ok := cgroupLimit(string(b)); ok && (total == 0 || limit < total) {
				return limit
			}
		}
	}
	return total
}

// cgroupLimit parses a cgroup memory limit file: "max" (v2) or a huge number (v1) is no limit.
func cgroupLimit(s string) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 || n >= 1<<60 {
		return 0, false
	}
	return n, true
}

// meminfoTotal is MemTotal of /proc/meminfo in bytes, 0 if it cannot be read.
func meminfoTotal(path string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				return 0
			}
			kb, err := strconv.ParseUint(fields[0], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
