package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCgroupLimit(t *testing.T) {
	for in, want := range map[string]uint64{
		"805306368\n":         805306368,
		"max\n":               0, // v2: no limit
		"9223372036854771712": 0, // v1: no limit
		"":                    0,
	} {
		got, ok := cgroupLimit(in)
		if got != want || ok != (want != 0) {
			t.Errorf("cgroupLimit(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
}

func TestMeminfoTotal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meminfo")
	if err := os.WriteFile(path, []byte("MemTotal:       24542168 kB\nMemFree:  1 kB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := meminfoTotal(path); got != 24542168<<10 {
		t.Errorf("meminfoTotal = %d", got)
	}
	if got := meminfoTotal(filepath.Join(t.TempDir(), "none")); got != 0 {
		t.Errorf("meminfoTotal of no file = %d, want 0", got)
	}
}

// Gradescope's default container (768 MiB) gets the small sizing, its 3 GiB one and an
// unknown machine the roomy one; a lab command never has its heap set.
func TestSizingFor(t *testing.T) {
	small := SizingFor(768 << 20)
	if !strings.Contains(small.JVM, "TieredStopAtLevel=1") || !strings.Contains(small.JVM, "ReservedCodeCacheSize") {
		t.Errorf("768 MiB: %+v, want the small sizing", small)
	}
	if small.ServerHeap == "" {
		t.Errorf("768 MiB: the student's servers keep their scripts' heaps (1 GiB a broker), four of which the machine cannot hold")
	}
	if !strings.Contains(small.BrokerHeap, "-Xms32m") {
		t.Errorf("768 MiB: broker heap %q should start small", small.BrokerHeap)
	}
	for _, mem := range []uint64{768 << 20, 3 << 30, 24 << 30, 0} {
		for _, e := range SizingFor(mem).Tool {
			if strings.HasPrefix(e, "KAFKA_HEAP_OPTS=") {
				t.Errorf("%d bytes: a lab command's heap is set (%s): a server of section 1 needs its script's", mem, e)
			}
		}
	}
	for _, mem := range []uint64{3 << 30, 24 << 30, 0} {
		if s := SizingFor(mem); s.BrokerHeap != "-Xms256m -Xmx512m" || strings.Contains(s.JVM, "ReservedCodeCacheSize") || s.ServerHeap != "" {
			t.Errorf("%d bytes: %+v, want the roomy sizing", mem, s)
		}
	}
}
