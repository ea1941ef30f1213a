package grading

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEveryEntryOfTheClassFolderIsListed: an entry of the class folder that is not a folder
// of its own (a link to another student's folder, a link to /, a file, a FIFO, a hidden one)
// is neither graded nor skipped without a word: it has a record that says why, in the
// batch's log, its table, grades.csv and the class report. The link to alice does not grade
// alice a second time.
func TestEveryEntryOfTheClassFolderIsListed(t *testing.T) {
	dir := class(t, map[string]string{"alice": writesScore})
	for link, to := range map[string]string{"to-alice": "alice", "to-root": "/"} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "bob.zip"), []byte("PK"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".DS_Store"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var log bytes.Buffer
	// A FIFO opened would block the batch: the deadline turns that into a failure.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := Batch{Dir: dir, Out: out, Workers: 1, Timeout: 30 * time.Second, Worker: fake, Log: &log}
	recs, err := b.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	why := map[string]string{
		".DS_Store": "hidden",
		"bob.zip":   "a file, not a folder",
		"fifo":      "a FIFO, not a folder",
		"to-alice":  "a link to alice, not a folder",
		"to-root":   "a link to /, not a folder",
	}
	if len(recs) != len(why)+1 {
		t.Errorf("%d records, want one for each of the %d entries: %+v", len(recs), len(why)+1, recs)
	}
	for _, r := range recs {
		switch w, ok := why[r.Student]; {
		case r.Student == "alice":
			if r.Status != Graded {
				t.Errorf("alice: %s (%s), want graded", r.Status, r.Error)
			}
		case !ok:
			t.Errorf("a record of no entry: %+v", r)
		case r.Status != Error || !strings.HasPrefix(r.Error, "not graded: "+w):
			t.Errorf("%s: %s %q, want an error that says %q", r.Student, r.Status, r.Error, w)
		}
	}
	if runs, _ := os.ReadFile(filepath.Join(out, "alice.runs")); strings.Count(string(runs), "graded") != 1 {
		t.Errorf("alice graded %d times, want once", strings.Count(string(runs), "graded"))
	}
	if _, err := os.Stat(filepath.Join(out, "to-alice.runs")); err == nil {
		t.Errorf("the link to alice was graded as a student of its own")
	}

	f, err := os.Open(filepath.Join(out, CSVFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	csvRows := map[string]string{}
	for _, row := range rows[1:] {
		csvRows[row[0]] = row[len(row)-1]
	}
	var table bytes.Buffer
	if err := WriteTable(&table, recs); err != nil {
		t.Fatal(err)
	}
	if err := WriteClassReport(out, recs, nil); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	_, notGraded, _ := strings.Cut(string(page), `<table id="not-graded">`)
	notGraded, _, _ = strings.Cut(notGraded, "</table>")
	for name, w := range why {
		if !strings.Contains(csvRows[name], w) {
			t.Errorf("grades.csv: %s's row says %q, want %q", name, csvRows[name], w)
		}
		if !strings.Contains(table.String(), name+" ") || !strings.Contains(log.String(), name+": not graded: "+w) {
			t.Errorf("%s is missing from the table or the log:\n%s\n%s", name, table.String(), log.String())
		}
		if !strings.Contains(notGraded, "<td>"+name+"</td>") || !strings.Contains(notGraded, w) {
			t.Errorf("%s is missing from the class report's not graded:\n%s", name, notGraded)
		}
	}
}
