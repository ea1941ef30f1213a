package kafkalab

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/spec"
)

// attacksDir holds adversarial submissions: each tries to read what is not its own, to reach
// beyond its run, or to tie up the grader. Each must be graded like any broken submission: its
// scenarios fail with a message that says what to hand in instead, the loot never shows, and
// the run goes on. (Attacks that need two runs side by side, or the platform without Docker,
// are tested where those are: harness/container's TestRunsAreApart, TestGradescopeBundle.)
const attacksDir = "testdata/attacks"

func TestAttacks(t *testing.T) {
	integration(t, "grades adversarial submissions against real Kafka in Docker")
	// What git cannot hold is made here: a FIFO and a 50 MB answers.yaml (sparse).
	gen := t.TempDir()
	fifo, huge := filepath.Join(gen, "fifo-answers"), filepath.Join(gen, "huge-answers")
	for _, d := range []string{fifo, huge} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(fifo, "answers.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(huge, "answers.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(huge, "answers.yaml"), 50<<20); err != nil {
		t.Fatal(err)
	}
	at := func(name string) string { return filepath.Join(attacksDir, name) }
	section2 := []string{createTopic, listTopics, describeTopic}
	gen6, calc6 := "@section-6 && @generator && ~@calculator", "@section-6 && @calculator && ~@generator"
	cases := []submissionCase{
		{dir: "answers-link", path: at("answers-link"), fail: section2,
			say: []string{"answers.yaml is a link to /etc/passwd", "hand in the file itself"}, hide: []string{"root:x:0:0"}},
		{dir: "fifo-answers", path: fifo, fail: section2, say: []string{"answers.yaml is a FIFO"}},
		{dir: "huge-answers", path: huge, fail: section2, say: []string{"answers.yaml has 50 MiB, more than the 64 KiB"}},
		{dir: "config-provider", path: at("config-provider"), tags: "@section-3", scenarios: 4, fail: []string{producer},
			say: []string{"DirectoryConfigProvider is not allowed"}, hide: []string{"log4j.appender.stderr.Target"}},
		{dir: "program-links (generator)", path: at("program-links"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			say: []string{"transaction_generator.py is a link to /dev/zero"}},
		{dir: "program-links (calculator)", path: at("program-links"), tags: calc6, scenarios: 1, fail: []string{calculatorSums},
			say: []string{"balance_calculator.py is a link to /etc/passwd"}, hide: []string{"root:x:0:0"}},
		{dir: "spoofed-assignment", path: at("spoofed-assignment"), tags: calc6, scenarios: 1, fail: []string{calculatorSums},
			say: []string{"subscribed to transactions, which Kafka has, but its Kafka client never gave it a partition"}},
		{dir: "forged-timestamps", path: at("forged-timestamps"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			say: []string{"stamped", "timestamp_ms"}},
		// Requests of 100 MiB announced on eight connections (the generator), and besides those a
		// thousand connections from as many addresses announcing 4 MiB each (the calculator, once
		// it has sent its first balances): the broker stays up (cluster.RequestMax,
		// RequestsQueued; a broker that died of it would be said to have "ran out of memory", see
		// cluster.Blame), and the scenario is the program's failure, not the harness's error.
		// Together, a calculator that stalls the broker as the generator starts is the student's
		// failure too (cluster.Stalled; whether the stall comes before is a race, so the message
		// is not checked here: TestWeighStall is its test).
		{dir: "broker-memory (calculator)", path: at("broker-memory"), tags: calc6, scenarios: 1, fail: []string{calculatorSums},
			hide: []string{"ran out of memory"}},
		{dir: "broker-memory (generator)", path: at("broker-memory"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			hide: []string{"ran out of memory"}},
		{dir: "broker-memory (together)", path: at("broker-memory"), tags: "@section-6 && @generator && @calculator", scenarios: 1,
			fail: []string{together}, hide: []string{"ran out of memory"}},
	}
	s := quietSuite(t)
	grade(t, s, "@section-2", 3, cases)
}

// TestAttackOnAnotherCluster grades, as a batch's worker does, a submission whose calculator
// (section 6, in a lane of its own beside sections 1-5) looks for the other brokers on its
// network and sets a cluster-wide dynamic default on each that refuses every connection from
// 127.0.0.1, where the lab's commands connect from (issue 28); then the reference. Each cluster
// has a network of its own, so the calculator never reaches the main lane's broker: the
// attack's own section 2 passes (its commands would be refused, "still running after 30s").
// And were it reached, the worker would not keep that cluster for the next student
// (Reusable): the reference scores as ever.
func TestAttackOnAnotherCluster(t *testing.T) {
	integration(t, "grades an adversarial submission and the reference after it against real Kafka in Docker")
	// With the calculator's scenario, section 6 runs in its lane.
	g := spec.NewGrader(spec.Options{Paths: []string{"features"}, Tags: "@section-2,@section-6 && @calculator && ~@generator"})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := g.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	for _, sub := range []string{filepath.Join(attacksDir, "other-cluster"), filepath.Join(submissionsDir, "reference")} {
		graded, err := g.Grade(sub, "progress")
		if err != nil {
			t.Fatal(err)
		}
		if len(graded.Scenarios) != 4 {
			t.Fatalf("%s: %d scenarios graded, want section 2's 3 and the calculator's", sub, len(graded.Scenarios))
		}
		for _, s := range graded.Scenarios {
			if s.Status != grading.Passed {
				t.Errorf("%s: %q %s:\n%s", sub, s.Name, s.Status, s.Output)
			}
		}
	}
}
