package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestReplaceFigures(t *testing.T) {
	page := "# Bench\n\nintro\n\n" + beginFigures + "\nold figures\n" + endFigures + "\n\nafter\n"
	rows := []row{
		{"single cluster ready", "4.1s", "", true},
		{"  ready / bare docker run", "0.58", "<= 1.3", true},
		{"  / java -version | in the same container", "2.90", "<= 1.5", false},
	}
	got, err := replaceFigures([]byte(page), figures(time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC), "kafka-lab/kafka:3.9.1", "3.9.1", 3, rows))
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{
		"# Bench\n\nintro\n\n" + beginFigures + "\nLast run: 2026-12-07, ",
		"image kafka-lab/kafka:3.9.1 (Kafka 3.9.1), medians of 3.",
		"| single cluster ready | 4.1s |  |\n",
		"| &emsp;ready / bare docker run | 0.58 | within <= 1.3 |\n",
		"| &emsp;/ java -version \\| in the same container | 2.90 | **OVER** <= 1.5 |\n" + endFigures + "\n\nafter\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "old figures") {
		t.Errorf("the old figures stayed:\n%s", s)
	}
	if _, err := replaceFigures([]byte("# Bench\n"), "x"); err == nil {
		t.Error("a page without the markers took the figures")
	}
}

// TestBenchPageHasMarkers: make bench writes into docs/bench.md, so the page keeps the markers.
func TestBenchPageHasMarkers(t *testing.T) {
	page, err := os.ReadFile("../../docs/bench.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replaceFigures(page, "x\n"); err != nil {
		t.Errorf("docs/bench.md: %v", err)
	}
	if _, err := replaceBetween(page, beginJavaFigures, endJavaFigures, "x\n"); err != nil {
		t.Errorf("docs/bench.md, make bench-java's: %v", err)
	}
}

func TestContainerID(t *testing.T) {
	id := strings.Repeat("ab12", 16)
	for name, want := range map[string]string{id: id, "docker-" + id + ".scope": id, "init.scope": "", "docker": "", strings.Repeat("xy12", 16): ""} {
		got, ok := containerID(name)
		if got != want || ok != (want != "") {
			t.Errorf("containerID(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestCPUSplitRest(t *testing.T) {
	c := cpuSplit{machine: 60 * time.Second, kafka: 25 * time.Second, commands: 14 * time.Second, programs: 2 * time.Second, engine: 4 * time.Second}
	if got := c.rest(); got != 15*time.Second {
		t.Errorf("rest = %v, want 15s", got)
	}
	if got := c.scaled(3).machine; got != 20*time.Second {
		t.Errorf("scaled(3).machine = %v, want 20s", got)
	}
}
