package grading

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/internal/gradescopetest"
)

// readResultsFile reads results.json of dir, checked against Gradescope's format.
func readResultsFile(t *testing.T, dir string) Gradescope {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, GradescopeFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := gradescopetest.Check(data); err != nil {
		t.Errorf("results.json does not follow Gradescope's format: %v\n%s", err, data)
	}
	var g Gradescope
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// Each scenario that ends rewrites results.json, valid for Gradescope, with the tests so far
// and no grade; once stopped, the final reports are not overwritten.
func TestProgressWritesPartialResults(t *testing.T) {
	dir := t.TempDir()
	p := NewProgress(dir)
	for i, sc := range sample {
		p.Ended(sc)
		g := readResultsFile(t, dir)
		if len(g.Tests) != i+1 || g.Score != 0 || !strings.Contains(g.Output, "Not graded yet") {
			t.Errorf("after %d scenario(s): %d tests, score %v, output %q", i+1, len(g.Tests), g.Score, g.Output)
		}
	}
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	if got := p.Stop(); len(got) != len(sample) {
		t.Errorf("Stop returned %d scenarios, want %d", len(got), len(sample))
	}
	if err := WriteReports(dir, sample, RecordOf("alice", sample, 0)); err != nil {
		t.Fatal(err)
	}
	p.Ended(sample[0]) // a scenario that ends late (a lane) must not undo the final reports
	if g := readResultsFile(t, dir); g.Score != 5 || strings.Contains(g.Output, "Not graded") {
		t.Errorf("the final results.json was overwritten: score %v, output %q", g.Score, g.Output)
	}
}

// A harness error so far is said as such, and blames no test.
func TestProgressWithHarnessError(t *testing.T) {
	dir := t.TempDir()
	p := NewProgress(dir)
	for _, sc := range broken() {
		p.Ended(sc)
	}
	if g := readResultsFile(t, dir); len(g.Tests) != 0 || g.Score != 0 || !strings.Contains(g.Output, "could not grade") {
		t.Errorf("partial results with a harness error: %+v", g)
	}
}

// A grading stopped at its time limit keeps the tests that ended, as no grade.
func TestProgressUnfinished(t *testing.T) {
	dir := t.TempDir()
	p := NewProgress(dir)
	p.Ended(sample[0])
	p.Ended(sample[1])
	rec := Record{Student: "alice", Status: Timeout, Error: "not done within 9m0s: stopped"}
	if err := p.Unfinished(rec); err != nil {
		t.Fatal(err)
	}
	g := readResultsFile(t, dir)
	if len(g.Tests) != 2 || g.Score != 0 || !strings.Contains(g.Output, "nothing here is your grade") || !strings.Contains(g.Output, "9m0s") {
		t.Errorf("unfinished results.json: %d tests, score %v, output %q", len(g.Tests), g.Score, g.Output)
	}
	if got, ok := ReadRecord(dir); !ok || got.Status != Timeout {
		t.Errorf("score.json %+v (%v)", got, ok)
	}
	p.Ended(sample[2])
	if g := readResultsFile(t, dir); len(g.Tests) != 2 {
		t.Errorf("a scenario after the deadline rewrote results.json: %d tests", len(g.Tests))
	}
}
