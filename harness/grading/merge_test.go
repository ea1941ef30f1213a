package grading

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMergeJoinsReportFolders: folders written by gradings apart (a graded one, one with a
// harness error, a timeout) join into the class's records; a missing folder, one without a
// record, one with a broken record and a student graded twice each become an error record
// with the reason, and the rest goes on.
func TestMergeJoinsReportFolders(t *testing.T) {
	root := t.TempDir()
	folder := func(name string) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	alice := folder("alice")
	scenarios := []Scenario{
		{Name: "topic", Tags: []string{"@section-2", "@points:2"}, Status: Passed},
		{Name: "list", Tags: []string{"@section-2", "@points:1"}, Status: Failed},
		{Name: "eos", Tags: []string{"@section-6", "@points:3", "@optional"}, Status: Passed},
	}
	if err := WriteReports(alice, scenarios, RecordOf("alice", scenarios, 40*time.Second)); err != nil {
		t.Fatal(err)
	}
	bob := folder("bob")
	if err := WriteReports(bob, []Scenario{{Name: "topic", Tags: []string{"@section-2", "@points:2"}, Status: HarnessError, Output: "no engine"}},
		RecordOf("bob", []Scenario{{Name: "topic", Status: HarnessError, Output: "no engine"}}, time.Second)); err != nil {
		t.Fatal(err)
	}
	carol := folder("carol")
	if err := WriteUnfinished(carol, Record{Student: "carol", Status: Timeout, Error: "not done within 15m0s: stopped"}); err != nil {
		t.Fatal(err)
	}
	dave := folder("dave") // its pod died before score.json
	if err := os.WriteFile(filepath.Join(dave, LogFile), []byte("killed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	erin := folder("erin")
	if err := os.WriteFile(filepath.Join(erin, RecordFile), []byte(`{"student": "erin", "points": `), 0o644); err != nil {
		t.Fatal(err)
	}
	again := folder("alice-rerun")
	if err := WriteRecord(again, Record{Student: "alice", Status: Graded, Points: 3, Max: 3}); err != nil {
		t.Fatal(err)
	}
	frank := folder("frank")
	if err := WriteRecord(frank, Record{Student: "frank", Status: Graded, Points: 1, Max: 3, FailedSections: "2"}); err != nil {
		t.Fatal(err)
	}

	records, err := Merge([]string{frank, alice, bob, carol, dave, erin, filepath.Join(root, "gone"), again})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Record{}
	var order []string
	for _, r := range records {
		got[r.Student] = r
		order = append(order, r.Student)
	}
	if want := "alice bob carol dave erin frank gone"; strings.Join(order, " ") != want {
		t.Errorf("students %q, want %q (sorted, one record each)", strings.Join(order, " "), want)
	}
	for student, want := range map[string]struct{ status, reason string }{
		"alice": {Error, "two folders"},
		"bob":   {Error, "no engine"},
		"carol": {Timeout, "not done within"},
		"dave":  {Error, "did not finish; see " + filepath.Join(dave, LogFile)},
		"erin":  {Error, "is not a grade record"},
		"gone":  {Error, "no such file"},
		"frank": {Graded, ""},
	} {
		r := got[student]
		if r.Status != want.status || !strings.Contains(r.Error, want.reason) {
			t.Errorf("%s: %s %q, want %s with %q", student, r.Status, r.Error, want.status, want.reason)
		}
	}

	// Without the duplicate, alice's record is her grading's, bonus and all.
	records, err = Merge([]string{alice, frank})
	if err != nil || len(records) != 2 {
		t.Fatalf("records %+v, %v", records, err)
	}
	if a := records[0]; a.Status != Graded || a.Points != 2 || a.Max != 3 || a.Bonus != 3 || a.BonusMax != 3 || a.FailedSections != "2" {
		t.Errorf("alice: %+v", a)
	}

	// The class table and grades.csv are the batch's.
	out := filepath.Join(root, "class")
	if err := WriteClassCSV(out, records); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(out, CSVFile))
	if err != nil || !strings.Contains(string(csv), `"alice","graded","2","3","3","3","40.0","2",""`+"\n"+`"frank","graded","1","3",`) {
		t.Errorf("grades.csv:\n%s (%v)", csv, err)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, records); err != nil || !strings.Contains(table.String(), "alice    2/3    3/3") {
		t.Errorf("table:\n%s", table.String())
	}

	if _, err := Merge(nil); err == nil {
		t.Error("a merge of no folder made a table")
	}
}
