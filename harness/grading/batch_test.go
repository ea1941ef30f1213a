package grading

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fake grades a submission by running the script in its folder's "grade.sh": the batch's
// bookkeeping is tested without Kafka.
func fake(ctx context.Context, submission, out string) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", filepath.Join(submission, "grade.sh"), filepath.Base(submission), out)
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
	dir := class(t, map[string]string{
		"alice": writesScore,
		"bob":   "sleep 60",
		"carol": "echo boom >&2; exit 3",
		".git":  "exit 1",
	})
	out := t.TempDir()
	var log bytes.Buffer
	b := Batch{Dir: dir, Out: out, Workers: 2, Timeout: 2 * time.Second, Command: fake, Log: &log}
	start := time.Now()
	recs, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("a hanging submission held the batch for %v (limit 2 s)", d)
	}
	if len(recs) != 3 {
		t.Fatalf("records %+v", recs)
	}
	want := map[string]string{"alice": Graded, "bob": Timeout, "carol": Error}
	for _, r := range recs {
		if r.Status != want[r.Student] {
			t.Errorf("%s: %s, want %s (%s)", r.Student, r.Status, want[r.Student], r.Error)
		}
	}
	if !strings.Contains(recs[2].Error, "grade.log") {
		t.Errorf("an error points at its log: %q", recs[2].Error)
	}
	csv, err := os.ReadFile(filepath.Join(out, CSVFile))
	if err != nil || !strings.Contains(string(csv), "alice,graded,3,4,1,5,2.0,2,") || strings.Count(string(csv), "\n") != 4 {
		t.Errorf("grades.csv:\n%s (%v)", csv, err)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, recs); err != nil || !strings.Contains(table.String(), "alice    3/4") {
		t.Errorf("table:\n%s", table.String())
	}

	// A second run grades nothing again: every submission has its record.
	if _, err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if runs, _ := os.ReadFile(filepath.Join(out, "alice.runs")); strings.Count(string(runs), "graded") != 1 {
		t.Errorf("alice graded %d times, want once", strings.Count(string(runs), "graded"))
	}
	if !strings.Contains(log.String(), "alice: graded before") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestInterruptedBatchLeavesRunningOnesToGradeAgain(t *testing.T) {
	dir := class(t, map[string]string{"slow": "sleep 60", "zed": writesScore})
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	b := Batch{Dir: dir, Out: out, Workers: 1, Timeout: time.Minute, Command: fake}
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
	b.Command = func(ctx context.Context, submission, out string) *exec.Cmd {
		return exec.CommandContext(ctx, "sh", "-c", writesScore, "sh", filepath.Base(submission), out)
	}
	recs, err = b.Run(context.Background())
	if err != nil || len(recs) != 2 || recs[0].Status != Graded || recs[1].Status != Graded {
		t.Errorf("rerun: %+v, %v", recs, err)
	}
}
