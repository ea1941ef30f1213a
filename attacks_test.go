package kafkalab

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
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
	oauthHits := oauthServer(t)
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
		{dir: "many-commands", path: at("many-commands"), fail: []string{createTopic},
			say: []string{"`create_topic` has 1136 commands, more than the 20 a key may have"}},
		{dir: "oauth-url", path: at("oauth-url"), tags: "@section-3", scenarios: 4, fail: []string{producer},
			say: []string{"is not allowed"}, hide: []string{oauthLoot}},
		{dir: "program-links (generator)", path: at("program-links"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			say: []string{"transaction_generator.py is a link to /dev/zero"}},
		{dir: "program-links (calculator)", path: at("program-links"), tags: calc6, scenarios: 1, fail: []string{calculatorSums},
			say: []string{"balance_calculator.py is a link to /etc/passwd"}, hide: []string{"root:x:0:0"}},
		{dir: "spoofed-assignment", path: at("spoofed-assignment"), tags: calc6, scenarios: 1, fail: []string{calculatorSums},
			say: []string{"subscribed to transactions, which Kafka has, but its Kafka client never gave it a partition"}},
		{dir: "huge-output", path: at("huge-output"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			say: []string{"RuntimeError: yyyy", "bytes elided"}},
		{dir: "forged-timestamps", path: at("forged-timestamps"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			say: []string{"stamped", "timestamp_ms"}},
		// Requests of 100 MiB announced on eight connections (the generator), and besides those a
		// thousand connections from as many addresses announcing 4 MiB each (the calculator, once
		// it has sent its first balances): the broker stays up (cluster.RequestMax,
		// RequestsQueued; a broker that died of it would be said to have "ran out of memory", see
		// cluster.Blame), and the scenario is the program's failure, not the harness's error.
		// A calculator that stalls the broker as the generator starts is the student's failure too
		// (cluster.Stalled): whether the stall comes before the generator's start is a race, so it
		// has no case here (50 s of CI for no message checked); TestWeighStall is its test.
		{dir: "broker-memory (calculator)", path: at("broker-memory"), tags: calc6, scenarios: 1, fail: []string{calculatorSums},
			hide: []string{"ran out of memory"}},
		{dir: "broker-memory (generator)", path: at("broker-memory"), tags: gen6, scenarios: 1, fail: []string{generatorRate},
			hide: []string{"ran out of memory"}},
	}
	s := quietSuite(t)
	grade(t, s, "@section-2", 3, cases)
	if n := oauthHits.Load(); n > 0 {
		t.Errorf("oauth-url: a student's command sent %d request(s) to the loopback server of its answers.yaml", n)
	}
}

// oauthLoot is what the loopback server of the oauth-url attack answers.
const oauthLoot = "kafka-lab-loot-from-the-graders-loopback"

// oauthServer serves the token URL of the oauth-url attack on this machine's loopback
// (127.0.0.1:39217, as its answers.yaml says) and counts the requests that reach it. With local
// processes the student's commands share this loopback; in Docker a command's 127.0.0.1 is its
// broker's, so there the refusal in the message is what tells (harness/runner's
// TestStudentCommandsFetchNoURL sends a command to the host's own address too).
func oauthServer(t *testing.T) *atomic.Int32 {
	t.Helper()
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:39217")
	if err != nil {
		t.Fatalf("the oauth-url attack's loopback server: %v (free port 39217)", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, oauthLoot, http.StatusBadRequest)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &hits
}

// TestAttackOutputReportsStaySmall grades the huge-output attack, a generator that prints one
// line of 7 MiB and then fails with an error of 7 MiB, as a class of one with cmd/grade: every
// report the batch writes stays small, and shows the output's head and tail.
func TestAttackOutputReportsStaySmall(t *testing.T) {
	integration(t, "grades a class with cmd/grade against real Kafka in Docker")
	tmp := t.TempDir()
	class, out := filepath.Join(tmp, "class"), filepath.Join(tmp, "grades")
	if err := os.CopyFS(filepath.Join(class, "huge-output"), os.DirFS(filepath.Join(attacksDir, "huge-output"))); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(buildGrade(t), "batch", "-workers", "1", "-timeout", "10m",
		"-tags", "@section-6 && @generator && ~@calculator", "-out", out, class)
	cmd.Env = append(os.Environ(), "KAFKA_LAB_SUBMISSION=")
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("grade batch: %v\n%s", err, container.Elide(string(log), 64<<10))
	}
	const most = 256 << 10
	sizes := map[string]int64{}
	err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		sizes[rel] = info.Size()
		if info.Size() > most {
			t.Errorf("%s has %d bytes, more than %d", rel, info.Size(), most)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	student := func(name string) string { return filepath.Join("huge-output", name) }
	for _, f := range []string{student(grading.GradescopeFile), student(grading.RecordFile), student(grading.JUnitFile),
		student("cucumber.json"), student(grading.ClassroomFile), student("classroom.b64"), student(grading.PrairieLearnFile),
		student(grading.SummaryFile), student(grading.LogFile), grading.IndexFile, grading.CSVFile} {
		if _, ok := sizes[f]; !ok {
			t.Errorf("no %s among the reports: %v", f, sizes)
		}
	}
	if res := readFile(t, filepath.Join(out, student(grading.GradescopeFile))); !strings.Contains(res, "bytes elided") {
		t.Errorf("results.json does not show the output's head and tail:\n%s", container.Elide(res, 8<<10))
	}
	t.Logf("report sizes: %v", sizes)
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
