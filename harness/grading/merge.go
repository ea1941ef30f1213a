package grading

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// LoadRecord reads the record (score.json) of a submission's report folder and says what is
// wrong when there is none to use: no folder, no record (the grading did not finish), or one
// that does not read as a record.
func LoadRecord(dir string) (Record, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return Record{}, fmt.Errorf("no report folder: its grading wrote nothing (%w)", err)
	}
	if !st.IsDir() {
		return Record{}, fmt.Errorf("report folder %s is not a folder", dir)
	}
	path := filepath.Join(dir, RecordFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		why := fmt.Sprintf("no %s in %s: its grading did not finish", RecordFile, dir)
		if _, lerr := os.Stat(filepath.Join(dir, LogFile)); lerr == nil {
			why += "; see " + filepath.Join(dir, LogFile)
		}
		return Record{}, errors.New(why)
	}
	if err != nil {
		return Record{}, fmt.Errorf("read record: %w", err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return Record{}, fmt.Errorf("%s is not a grade record: %w", path, err)
	}
	if rec.Student == "" {
		return Record{}, fmt.Errorf("%s names no student", path)
	}
	return rec, nil
}

// Merge joins the report folders of submissions graded apart (each written by one grading,
// with its score.json: on other machines, in a matrix of CI jobs, in the pods of a Kubernetes
// Job) into the class's records, sorted by student as a batch returns them, for WriteTable and
// WriteClassCSV.
//
// A folder that cannot be read as a grade does not stop the merge: its student (the folder's
// name) gets a record with status error and the reason, which is no grade, as a batch records
// a grading that failed. So does a student whose reports are in two folders given, naming both:
// which one counts is the instructor's choice. The error is for what leaves no table to make:
// no folder given.
func Merge(dirs []string) ([]Record, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no report folder given")
	}
	byStudent := map[string]Record{}
	from := map[string]string{} // the folder each student's record came from
	for _, dir := range dirs {
		rec, err := LoadRecord(dir)
		if err != nil {
			rec = Record{Student: filepath.Base(filepath.Clean(dir)), Status: Error, Error: err.Error()}
		}
		if first, ok := from[rec.Student]; ok {
			byStudent[rec.Student] = Record{Student: rec.Student, Status: Error,
				Error: fmt.Sprintf("reports for %s in two folders, %s and %s: merge one of them", rec.Student, first, dir)}
			continue
		}
		byStudent[rec.Student], from[rec.Student] = rec, dir
	}
	records := make([]Record, 0, len(byStudent))
	for _, rec := range byStudent {
		records = append(records, rec)
	}
	slices.SortFunc(records, func(a, b Record) int { return strings.Compare(a.Student, b.Student) })
	return records, nil
}

// WriteClassCSV writes the records as out/grades.csv (atomically: a half-written one never
// replaces the last), for a batch and for a merge alike.
func WriteClassCSV(out string, records []Record) error {
	if err := ReportDir(out); err != nil {
		return fmt.Errorf("class table: %w", err)
	}
	return writeFile(filepath.Join(out, CSVFile), func(w io.Writer) error { return WriteCSV(w, records) })
}
