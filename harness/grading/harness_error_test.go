package grading

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/internal/gradescopetest"
)

// broken is sample with one mandatory scenario ended by the harness's failure.
func broken() []Scenario {
	out := slices.Clone(sample)
	out[0].Status, out[0].Output = HarnessError, "the grader could not start the single cluster: port 9092 in use"
	return out
}

// A harness failure is no grade in any report: each says so, from the same scenarios.
func TestHarnessErrorInEveryReport(t *testing.T) {
	scenarios := broken()
	score := Tally(scenarios)
	if score.Graded() || len(score.Errors) != 1 || !strings.Contains(score.Errors[0], "port 9092") {
		t.Fatalf("score %+v: want not graded, with the reason", score)
	}
	rec := RecordOf("alice", scenarios, time.Second)
	if rec.Status != Error || !strings.Contains(rec.Error, "port 9092") || rec.Done() {
		t.Errorf("record %+v: want status error with the reason, to be graded again", rec)
	}
	gs := ToGradescope(scenarios)
	if len(gs.Tests) != 0 || gs.Score != 0 || !strings.Contains(gs.Output, "could not grade") || !strings.Contains(gs.Output, "port 9092") {
		t.Errorf("results.json %+v: want no test blamed and the reason in the output", gs)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, gs); err != nil {
		t.Fatal(err)
	}
	if err := gradescopetest.Check(buf.Bytes()); err != nil {
		t.Errorf("results.json of a harness error is not Gradescope's format: %v", err)
	}
	if cls := ToClassroom(scenarios); cls.Status != "error" || cls.Tests[0].Status != "error" {
		t.Errorf("classroom %+v: want status error", cls)
	}
	if s := Summary(score); !strings.Contains(s, "could not grade") {
		t.Errorf("summary %q does not say the grading failed", s)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, []Record{rec}); err != nil || !strings.Contains(table.String(), "error") {
		t.Errorf("class table %q does not show the error", table.String())
	}
	junit := readJUnit(t, scenarios)
	if junit.Errors != 1 || junit.Failures != 2 || junit.Skipped != 1 || junit.Tests != len(scenarios) {
		t.Errorf("junit: %d errors, %d failures, %d skipped of %d; want 1, 2, 1 of %d", junit.Errors, junit.Failures, junit.Skipped, junit.Tests, len(scenarios))
	}
}

// JUnit counts what the other reports count: one status per scenario.
func TestJUnitAgrees(t *testing.T) {
	junit := readJUnit(t, sample)
	failed := 0
	for _, sc := range sample {
		if sc.Status == Failed {
			failed++
		}
	}
	if junit.Failures != failed || junit.Errors != 0 || len(junit.Suites) != 4 {
		t.Errorf("junit: %d failures, %d errors in %d suites; want %d, 0 in 4", junit.Failures, junit.Errors, len(junit.Suites), failed)
	}
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && !strings.HasPrefix(c.Failure.Text, "expected") && c.Name == "list" {
				t.Errorf("failure of %q lost its message: %+v", c.Name, c.Failure)
			}
		}
	}
}

func readJUnit(t *testing.T, scenarios []Scenario) junitSuites {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, scenarios); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, buf.String())
	}
	return got
}

// A batch run again grades again what timed out or met a harness error, and keeps grades.
func TestBatchRegradesErrors(t *testing.T) {
	class, out := t.TempDir(), t.TempDir()
	for name, rec := range map[string]Record{
		"graded":  {Student: "graded", Status: Graded, Points: 3, Max: 4},
		"timeout": {Student: "timeout", Status: Timeout, Error: "not done within 15m"},
		"error":   {Student: "error", Status: Error, Error: "the grader could not reach the container engine"},
	} {
		for _, dir := range []string{filepath.Join(class, name), filepath.Join(out, name)} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteRecord(filepath.Join(out, name), rec); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(class, name, "grade.sh"), []byte(writesScore), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := Batch{Dir: class, Out: out, Workers: 1, Timeout: time.Minute, Worker: fake}
	records, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := filepath.Glob(filepath.Join(out, "*.runs"))
	var graded []string
	for _, r := range runs {
		graded = append(graded, strings.TrimSuffix(filepath.Base(r), ".runs"))
	}
	slices.Sort(graded)
	if !slices.Equal(graded, []string{"error", "timeout"}) {
		t.Errorf("graded again: %v, want error and timeout", graded)
	}
	for _, r := range records {
		if r.Status != Graded {
			t.Errorf("%s: %s after the batch ran again", r.Student, r.Short())
		}
	}
}
