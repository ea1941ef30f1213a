package grading

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeWorkerEnv makes the test binary a batch's worker (see TestMain) that grades a
// submission by running the script in its folder's "grade.sh": the batch's bookkeeping is
// tested without Kafka. The script gets the student's name, the report folder and, in
// $WORKER, the worker's process id.
const fakeWorkerEnv = "KAFKA_LAB_FAKE_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(fakeWorkerEnv) == "1" {
		err := Serve(os.Stdin, os.Stdout, os.Stderr, func(job Job) error {
			cmd := exec.Command("sh", filepath.Join(job.Submission, "grade.sh"), filepath.Base(job.Submission), job.Out)
			cmd.Env = append(os.Environ(), fmt.Sprintf("WORKER=%d", os.Getpid()))
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			return cmd.Run()
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func fake() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fakeWorkerEnv+"=1")
	return cmd
}

func class(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, script := range scripts {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "grade.sh"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const writesScore = `echo graded >> "$2/../$1.runs"; printf '{"student":"%s","status":"graded","points":3,"max":4,"bonus":1,"bonus_max":5,"seconds":2,"failed_sections":"2"}' "$1" > "$2/score.json"`

func TestBatchRecordsTimeoutsAndErrorsAndResumes(t *testing.T) {
	t.Parallel() // it waits out a time limit
	dir := class(t, map[string]string{
		"alice": writesScore,
		"bob":   "sleep 60",
		"carol": "echo boom >&2; exit 3",
		".git":  "exit 1",
	})
	out := t.TempDir()
	var log bytes.Buffer
	// 5 s: long enough for alice's and carol's shells to finish on a loaded machine (2 s was
	// not, once), short enough that bob's sleep is stopped well before it ends.
	b := Batch{Dir: dir, Out: out, Workers: 2, Timeout: 5 * time.Second, Worker: fake, Log: &log}
	start := time.Now()
	recs, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 40*time.Second {
		t.Errorf("a hanging submission held the batch for %v (limit 5 s)", d)
	}
	if len(recs) != 4 {
		t.Fatalf("records %+v", recs)
	}
	// .git is not graded, and says so (TestEveryEntryOfTheClassFolderIsListed).
	want := map[string]string{"alice": Graded, "bob": Timeout, "carol": Error, ".git": Error}
	for _, r := range recs {
		if r.Status != want[r.Student] {
			t.Errorf("%s: %s, want %s (%s)", r.Student, r.Status, want[r.Student], r.Error)
		}
	}
	if !strings.Contains(recs[3].Error, "grade.log") {
		t.Errorf("an error points at its log: %q", recs[3].Error)
	}
	// What a worker says while it grades a submission is in that submission's log only.
	if l := readLog(t, out, "carol"); !strings.Contains(l, "boom") {
		t.Errorf("carol's grade.log:\n%s", l)
	}
	if l := readLog(t, out, "alice"); strings.Contains(l, "boom") {
		t.Errorf("alice's grade.log has carol's output:\n%s", l)
	}
	if res, err := os.ReadFile(filepath.Join(out, "bob", GradescopeFile)); err != nil || !strings.Contains(string(res), "nothing here is your grade") {
		t.Errorf("bob's results.json after a timeout: %s (%v)", res, err)
	}
	csv, err := os.ReadFile(filepath.Join(out, CSVFile))
	if err != nil || !strings.Contains(string(csv), `"alice","graded","3","4","1","5","2.0","2",""`) || strings.Count(string(csv), "\n") != 5 {
		t.Errorf("grades.csv:\n%s (%v)", csv, err)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, recs); err != nil || !strings.Contains(table.String(), "alice    3/4") {
		t.Errorf("table:\n%s", table.String())
	}

	// A second run grades again only what has no grade (bob's timeout, carol's error), not
	// alice. Bob's submission is done in time now: his time limit is not waited out again.
	if err := os.WriteFile(filepath.Join(dir, "bob", "grade.sh"), []byte(writesScore), 0o755); err != nil {
		t.Fatal(err)
	}
	recs, err = b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if runs, _ := os.ReadFile(filepath.Join(out, "alice.runs")); strings.Count(string(runs), "graded") != 1 {
		t.Errorf("alice graded %d times, want once", strings.Count(string(runs), "graded"))
	}
	if runs, _ := os.ReadFile(filepath.Join(out, "bob.runs")); strings.Count(string(runs), "graded") != 1 {
		t.Errorf("bob graded %d times in time, want once: the rerun", strings.Count(string(runs), "graded"))
	}
	for _, want := range []string{"alice: graded before", "bob: graded again (last time: timeout", "carol: graded again (last time: error"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if len(recs) != 4 || recs[2].Student != "bob" || recs[2].Status != Graded {
		t.Errorf("records of the rerun %+v: want bob graded", recs)
	}
}

func TestInterruptedBatchLeavesRunningOnesToGradeAgain(t *testing.T) {
	// The batch is interrupted once slow's grading runs: its script says so through a FIFO.
	started := filepath.Join(t.TempDir(), "started")
	if err := syscall.Mkfifo(started, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := class(t, map[string]string{"slow": "echo > " + started + "; sleep 60", "zed": writesScore})
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, _ = os.ReadFile(started) // returns once the script has written and closed it
		cancel()
	}()
	b := Batch{Dir: dir, Out: out, Workers: 1, Timeout: time.Minute, Worker: fake}
	recs, err := b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "run it again") {
		t.Errorf("err = %v, want an interruption that says to run again", err)
	}
	if len(recs) != 0 {
		t.Errorf("records of an interrupted batch: %+v", recs)
	}
	if _, ok := ReadRecord(filepath.Join(out, "slow")); ok {
		t.Error("the interrupted submission has a record: it would not be graded again")
	}
	// The rerun grades both.
	if err := os.WriteFile(filepath.Join(dir, "slow", "grade.sh"), []byte(writesScore), 0o755); err != nil {
		t.Fatal(err)
	}
	recs, err = b.Run(context.Background())
	if err != nil || len(recs) != 2 || recs[0].Status != Graded || recs[1].Status != Graded {
		t.Errorf("rerun: %+v, %v", recs, err)
	}
}

func readLog(t *testing.T, out, student string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, student, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestBatchReusesWorkers: a worker grades one submission after another; one stopped past the
// time limit is replaced for the next.
func TestBatchReusesWorkers(t *testing.T) {
	t.Parallel() // it waits out a time limit
	logsWorker := `echo "$WORKER" > "$2/../$1.worker"; ` + writesScore
	dir := class(t, map[string]string{"a": logsWorker, "b": logsWorker, "c": "sleep 60", "d": logsWorker, "e": logsWorker})
	out := t.TempDir()
	b := Batch{Dir: dir, Out: out, Workers: 1, Timeout: 2 * time.Second, Worker: fake}
	recs, err := b.Run(context.Background())
	if err != nil || len(recs) != 5 {
		t.Fatalf("records %+v, %v", recs, err)
	}
	worker := map[string]string{}
	for _, s := range []string{"a", "b", "d", "e"} {
		data, err := os.ReadFile(filepath.Join(out, s+".worker"))
		if err != nil {
			t.Fatal(err)
		}
		worker[s] = strings.TrimSpace(string(data))
	}
	if worker["a"] != worker["b"] || worker["d"] != worker["e"] {
		t.Errorf("workers %v: a and b, d and e should share one", worker)
	}
	if worker["a"] == worker["d"] {
		t.Errorf("workers %v: the worker stopped at c's time limit graded d", worker)
	}
	if recs[2].Status != Timeout {
		t.Errorf("c: %s, want a timeout", recs[2].Short())
	}
}

// TestWorkerThatDiesIsAnError: a worker that exits in the middle of a submission leaves it an
// error (graded again next time), and the next submission gets a new worker.
func TestWorkerThatDiesIsAnError(t *testing.T) {
	dir := class(t, map[string]string{"a": `kill -9 "$WORKER"`, "b": writesScore})
	out := t.TempDir()
	b := Batch{Dir: dir, Out: out, Workers: 1, Timeout: time.Minute, Worker: fake}
	recs, err := b.Run(context.Background())
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %+v, %v", recs, err)
	}
	if recs[0].Status != Error || !strings.Contains(recs[0].Error, "worker ended") || recs[1].Status != Graded {
		t.Errorf("records %+v, want a an error for a (its worker ended) and b graded", recs)
	}
}

// TestSwitchWriterFilesWholeJobs: what a worker writes on its stderr, in pieces cut anywhere,
// lands in the log of the job it was about, with JobEnd taken out and marking the end, as the
// batch switches logs between jobs.
func TestSwitchWriterFilesWholeJobs(t *testing.T) {
	for _, c := range []struct{ alice, wantAlice string }{
		{"alice: starting\nalice: 3/4 points\n", "alice: starting\nalice: 3/4 points\n"},
		{"alice: no line end", "alice: no line end"},
	} {
		for cut := 1; cut <= len(c.alice)+len(JobEnd); cut++ {
			s := newSwitchWriter()
			write := func(text string) {
				for text != "" {
					n := min(cut, len(text))
					s.Write([]byte(text[:n]))
					text = text[n:]
				}
			}
			var alice, bob bytes.Buffer
			s.set(&alice)
			write(c.alice + JobEnd)
			select {
			case <-s.ended:
			default:
				t.Fatalf("cut %d: JobEnd written and not seen", cut)
			}
			s.set(&bob)
			write("bob: starting\nbob: half a line")
			s.set(nil)
			if alice.String() != c.wantAlice || bob.String() != "bob: starting\nbob: half a line" {
				t.Fatalf("cut %d: alice's log %q, bob's %q", cut, alice.String(), bob.String())
			}
		}
	}
}
