package grading

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kafka-lab/kafka-lab/internal/codegradetest"
)

// CodeGrade scores the JUnit XML as Tally does the mandatory points: the bonus counts for
// nothing there, and a skipped scenario for no one.
func TestCodeGradeScoresAsTally(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, sample); err != nil {
		t.Fatal(err)
	}
	r, err := codegradetest.Check(buf.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	s := Tally(sample)
	if r.Score() != float64(s.Points)/float64(s.Max) {
		t.Errorf("CodeGrade would score %v (%+v), Tally %d/%d", r.Score(), r, s.Points, s.Max)
	}
	path := filepath.Join(t.TempDir(), "cg.xml")
	if err := WriteCodeGrade(path, sample); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || !bytes.Equal(data, buf.Bytes()) {
		t.Errorf("WriteCodeGrade wrote %d bytes (%v), WriteJUnit %d", len(data), err, buf.Len())
	}
}

// A harness error is never CodeGrade's failed test: no file is written for it to score.
func TestCodeGradeNotGraded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cg.xml")
	if err := os.WriteFile(path, []byte("<testsuites/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteCodeGrade(path, broken()); !errors.Is(err, ErrNotGraded) {
		t.Errorf("WriteCodeGrade of a harness error: %v, want ErrNotGraded", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a JUnit file is left for CodeGrade to score: %v", err)
	}
}
