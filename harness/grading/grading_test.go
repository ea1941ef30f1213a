package grading

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/internal/gradescopetest"
)

var sample = []Scenario{
	{Feature: "features/02_topics.feature", Name: "create", Tags: []string{"@section-2", "@points:2"}, Status: Passed, Took: time.Second},
	{Feature: "features/02_topics.feature", Name: "list", Tags: []string{"@section-2", "@points:1"}, Status: Failed, Output: "expected: a\nobserved: b\nhint (lab section 2, answers.yaml `list_topics`): c", Took: time.Second},
	{Feature: "features/01_starting_kafka.feature", Name: "zookeeper", Tags: []string{"@section-1", "@points:1"}, Status: Skipped, Output: "no ZooKeeper in 4.x"},
	{Feature: "features/01_starting_kafka.feature", Name: "kraft", Tags: []string{"@section-1", "@points:1"}, Status: Passed},
	{Feature: "features/06_pipeline.feature", Name: "exactly-once", Tags: []string{"@section-6", "@optional", "@exactly-once", "@points:3"}, Status: Failed, Output: "lost balances"},
	{Feature: "features/07_high_availability.feature", Name: "replicated", Tags: []string{"@section-7", "@optional", "@points:2"}, Status: Passed},
	{Feature: "features/07_high_availability.feature", Name: "acks row", Tags: []string{"@section-7", "@optional"}, Status: Passed},
}

func TestTally(t *testing.T) {
	s := Tally(sample)
	// Mandatory 2+1+1 (the skipped ZooKeeper scenario counts for no one); bonus 2 of 3+2.
	if s.Points != 3 || s.Max != 4 || s.Bonus != 2 || s.BonusMax != 5 || s.Total() != 5 {
		t.Errorf("score %s, total %d; want 3/4, bonus 2/5, total 5", s, s.Total())
	}
	if got := s.FailedSections(); got != "2" {
		t.Errorf("FailedSections() = %q, want \"2\" (an optional failure is no failed section)", got)
	}
	if len(s.Sections) != 4 || s.Sections[0].Number != 1 || s.Sections[0].Max != 1 {
		t.Errorf("sections %+v", s.Sections)
	}
	// A failing optional scenario never lowers the mandatory score.
	worse := append([]Scenario{}, sample...)
	worse[5].Status = Failed
	if w := Tally(worse); w.Points != s.Points || w.Bonus != 0 {
		t.Errorf("with the optional scenario failed: %s, want %d mandatory points and no bonus", w, s.Points)
	}
	if got := (Scenario{Tags: []string{"@section-1", "@points:1", "@points:4"}}).Points(); got != 4 {
		t.Errorf("a scenario's own @points wins over its feature's: got %d", got)
	}
}

func TestGradescopeFollowsTheDocumentedFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, ToGradescope(sample)); err != nil {
		t.Fatal(err)
	}
	if err := gradescopetest.Check(buf.Bytes()); err != nil {
		t.Error(err)
	}
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["score"] != 5.0 {
		t.Errorf("score %v, want 5 (3 mandatory points and a bonus of 2)", got["score"])
	}
	tests := got["tests"].([]any)
	if len(tests) != len(sample) {
		t.Fatalf("%d tests, want %d", len(tests), len(sample))
	}
	list := tests[1].(map[string]any)
	if list["status"] != "failed" || list["max_score"] != 1.0 || list["score"] != 0.0 || !strings.Contains(list["output"].(string), "**Hint** (lab section 2") {
		t.Errorf("failed test: %v", list)
	}
	if opt := tests[5].(map[string]any); opt["max_score"] != 0.0 || opt["score"] != 2.0 {
		t.Errorf("a passed optional scenario is extra credit (score 2 of max 0): %v", opt)
	}
	if sk := tests[2].(map[string]any); sk["max_score"] != 0.0 || sk["status"] != nil {
		t.Errorf("a skipped scenario scores nothing either way: %v", sk)
	}
}

// The autograding reporter reads each runner's result as base64 JSON: tests with name, status
// ("pass", "fail", "error"), message and score, and the runner's max_score (its own tests use
// '{ "tests": [{ "name": "Test 1", "status": "pass", "message": null }] }').
func TestClassroomResultAsTheReporterReadsIt(t *testing.T) {
	enc, err := ToClassroom(sample).Base64()
	if err != nil {
		t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version  int    `json:"version"`
		Status   string `json:"status"`
		MaxScore int    `json:"max_score"`
		Tests    []struct {
			Name, Status, Message string
			Score                 int
		} `json:"tests"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Status != "fail" || got.MaxScore != 4 || len(got.Tests) != len(sample)-1 {
		t.Fatalf("runner result %+v", got)
	}
	total := 0
	for _, tc := range got.Tests {
		if tc.Status != "pass" && tc.Status != "fail" && tc.Status != "error" {
			t.Errorf("test %q has status %q", tc.Name, tc.Status)
		}
		total += tc.Score
	}
	if total != 5 {
		t.Errorf("scores add up to %d, want 5 (the reporter's total)", total)
	}
}
