package grading

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/internal/prairielearntest"
)

func TestPrairieLearnFollowsTheDocumentedFormat(t *testing.T) {
	p := ToPrairieLearn(sample)
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := prairielearntest.Check(data); err != nil {
		t.Error(err)
	}
	// 3 of 4 mandatory points; the bonus is listed, not counted, and the element's headline
	// (the tests' points over their maximum) agrees with the score.
	if !p.Gradable || p.Score == nil || *p.Score != 0.75 {
		t.Errorf("gradable %v, score %v; want 0.75", p.Gradable, p.Score)
	}
	if pts, maxPts, err := prairielearntest.Points(data); err != nil || pts != 3 || maxPts != 4 {
		t.Errorf("tests add up to %v/%v (%v), want 3/4", pts, maxPts, err)
	}
	list := p.Tests[1]
	if list.Points != 0 || list.MaxPoints != 1 || !strings.HasPrefix(list.Message, "expected: a\nobserved: b\nhint") {
		t.Errorf("a failed test: %+v", list)
	}
	if opt := p.Tests[5]; opt.MaxPoints != 0 || !strings.Contains(opt.Message, "bonus passed") {
		t.Errorf("a passed optional test: %+v", opt)
	}
	// What the student's program printed is the output, apart from the check's words.
	withTail := []Scenario{{Name: "calc", Tags: []string{"@section-6", "@points:2"}, Status: Failed,
		Output: "expected: x\nobserved: y\nhint (lab section 6, balance_calculator.py): z\n--- stderr of balance_calculator.py:\nTraceback"}}
	if tc := ToPrairieLearn(withTail).Tests[0]; tc.Output != "--- stderr of balance_calculator.py:\nTraceback" || strings.Contains(tc.Message, "Traceback") {
		t.Errorf("message %q, output %q", tc.Message, tc.Output)
	}
}

func TestPrairieLearnNotGradable(t *testing.T) {
	p := ToPrairieLearn(broken())
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := prairielearntest.Check(data); err != nil {
		t.Error(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["gradable"] != false || raw["score"] != nil || len(p.Tests) != 0 || !strings.Contains(p.Message, "port 9092") {
		t.Errorf("a harness error: %s; want not gradable, no score, no test, the reason", data)
	}
	dir := t.TempDir()
	if err := WriteUnfinished(dir, Record{Student: "alice", Status: Timeout, Error: "not done within 9m0s: stopped"}); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(filepath.Join(dir, PrairieLearnFile))
	if err != nil || prairielearntest.Check(data) != nil || !strings.Contains(string(data), `"gradable": false`) {
		t.Errorf("an unfinished grading's prairielearn.json (%v):\n%s", err, data)
	}
}

// Outputs past PrairieLearn's 1 MB are cut, saying so, so that the file is taken whole.
func TestPrairieLearnLimit(t *testing.T) {
	huge := strings.Repeat("a line a program printed again and again\n", 20000) // 800 KB each
	scenarios := []Scenario{
		{Name: "one", Tags: []string{"@section-6", "@points:2"}, Status: Failed, Output: "expected: x\nobserved: y\n--- stdout of p.py:\n" + huge + "the last line"},
		{Name: "two", Tags: []string{"@section-6", "@points:2"}, Status: Failed, Output: "expected: x\nobserved: y\n--- stdout of q.py:\n" + huge},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "results", "results.json") // PrairieLearn does not make the folder
	if err := WritePrairieLearn(path, ToPrairieLearn(scenarios)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := prairielearntest.Check(data); err != nil {
		t.Error(err)
	}
	s := string(data)
	if !strings.Contains(s, "bytes cut by kafka-lab") || !strings.Contains(s, "the last line") || !strings.Contains(s, "expected: x") {
		t.Errorf("cut results keep neither the note, the end nor the check (%d bytes)", len(data))
	}
}
