package grading

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/termsafe"
)

// Record is one submission's grade as a batch keeps it: score.json in its report folder, the
// last file written, so that its presence means the submission is done.
type Record struct {
	Student        string  `json:"student"`
	Status         string  `json:"status"` // "graded", "timeout" or "error"
	Points         int     `json:"points"`
	Max            int     `json:"max"`
	Bonus          int     `json:"bonus"`
	BonusMax       int     `json:"bonus_max"`
	Seconds        float64 `json:"seconds"`
	FailedSections string  `json:"failed_sections"`
	Error          string  `json:"error,omitempty"`
	// Scenarios are how the grading's scenarios ended, as every other report of it says: the
	// class report (index.html) reads them here. None for a timeout.
	Scenarios []Scenario `json:"scenarios,omitempty"`
}

// Record statuses.
const (
	Graded  = "graded"
	Timeout = "timeout"
	Error   = "error"
)

// RecordOf is the record of a graded submission: status error, with the first reason, when
// the harness failed in a scenario.
func RecordOf(student string, scenarios []Scenario, took time.Duration) Record {
	s := Tally(scenarios)
	rec := Record{Student: student, Status: Graded, Points: s.Points, Max: s.Max, Bonus: s.Bonus, BonusMax: s.BonusMax,
		Seconds: took.Round(100 * time.Millisecond).Seconds(), FailedSections: s.FailedSections(), Scenarios: scenarios}
	if !s.Graded() {
		rec.Status, rec.Error = Error, fmt.Sprintf("the harness failed in %d scenario(s); first: %s", len(s.Errors), s.Errors[0])
	}
	return rec
}

// Done says whether the record is final: a grade. A timeout or an error (the harness's) is
// graded again when the batch runs again.
func (r Record) Done() bool { return r.Status == Graded }

// Report file names in a submission's report folder.
const (
	GradescopeFile = "results.json"
	ClassroomFile  = "classroom.json"
	SummaryFile    = "summary.txt"
	JUnitFile      = "junit.xml"
	RecordFile     = "score.json"
	LogFile        = "grade.log"
	CSVFile        = "grades.csv"
)

// WriteReports writes a submission's reports into dir: Gradescope's results.json, GitHub
// Classroom's runner result (classroom.json, and its base64 form in classroom.b64),
// PrairieLearn's results (prairielearn.json), a summary, JUnit XML, and last the record. All come from the same scenarios (godog's cucumber JSON,
// written beside them, from the same run: a scenario's After hook never changes its result).
func WriteReports(dir string, scenarios []Scenario, rec Record) error {
	if err := ReportDir(dir); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	cls := ToClassroom(scenarios)
	b64, err := cls.Base64()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    any
	}{{GradescopeFile, ToGradescope(scenarios)}, {ClassroomFile, cls}} {
		if err := writeFile(filepath.Join(dir, f.name), func(w io.Writer) error { return WriteJSON(w, f.v) }); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(dir, "classroom.b64"), func(w io.Writer) error {
		_, err := io.WriteString(w, b64+"\n")
		return err
	}); err != nil {
		return err
	}
	if err := WritePrairieLearn(filepath.Join(dir, PrairieLearnFile), ToPrairieLearn(scenarios)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, SummaryFile), func(w io.Writer) error {
		_, err := io.WriteString(w, Summary(Tally(scenarios)))
		return err
	}); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, JUnitFile), func(w io.Writer) error { return WriteJUnit(w, scenarios) }); err != nil {
		return err
	}
	return WriteRecord(dir, rec)
}

// WriteUnfinished writes the reports of a grading that could not finish (rec says why, with
// status Timeout or Error): a results.json and a prairielearn.json that say it is no grade, and
// the record. The other reports are left out: they would only restate it.
func WriteUnfinished(dir string, rec Record) error {
	if err := ReportDir(dir); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	g := Gradescope{Output: Unfinished(rec), OutputFormat: "text", Visibility: Visible, StdoutVisible: Visible, Tests: []GradescopeTest{}}
	if err := writeFile(filepath.Join(dir, GradescopeFile), func(w io.Writer) error { return WriteJSON(w, g) }); err != nil {
		return err
	}
	if err := WritePrairieLearn(filepath.Join(dir, PrairieLearnFile), PrairieLearnNotGradable(Unfinished(rec))); err != nil {
		return err
	}
	return WriteRecord(dir, rec)
}

// Unfinished says, for the student, why a grading that did not finish is no grade.
func Unfinished(rec Record) string {
	return "kafka-lab could not finish grading this submission, so nothing here is your grade: " + rec.Error +
		". Ask your instructor to grade it again."
}

// WriteRecord writes score.json atomically (a rename), so a half-written one never counts.
func WriteRecord(dir string, rec Record) error {
	return writeFile(filepath.Join(dir, RecordFile), func(w io.Writer) error { return WriteJSON(w, rec) })
}

// Reports are the grader's alone. With local processes (Gradescope, -dist) a student's program
// runs on the grader's machine under a user id of its own, and finds the reports folder in the
// batch's command line (/proc/PID/cmdline): no report, its own or another student's, may be
// readable by it. Every folder the grader makes for reports is 0700, every file 0600.
const (
	reportDirMode  = 0o700
	reportFileMode = 0o600
)

// ReportDir makes dir, and its missing parents, a folder of reports (mode 0700). A folder that
// is there keeps its mode (one the grader was given, whose mode is its owner's choice): what
// the grader writes in it is its own (see OwnReportDir, OpenReport).
func ReportDir(dir string) error {
	if err := os.MkdirAll(dir, reportDirMode); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// OwnReportDir makes dir a folder of reports that only the grader may enter, whatever its mode
// was (a submission's folder of a batch, made by an earlier version open to everyone).
func OwnReportDir(dir string) error {
	if err := ReportDir(dir); err != nil {
		return err
	}
	if err := os.Chmod(dir, reportDirMode); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// OpenReport creates (or truncates) a report file that only the grader may read: a file that
// was there is made so too.
func OpenReport(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, reportFileMode)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	if err := f.Chmod(reportFileMode); err != nil {
		f.Close()
		return nil, fmt.Errorf("reports: %w", err)
	}
	return f, nil
}

// writeFile writes a report atomically (a rename), readable only by the grader.
func writeFile(path string, write func(io.Writer) error) error {
	return writeFileMode(path, reportFileMode, write)
}

func writeFileMode(path string, mode os.FileMode, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // a leftover keeps its mode in O_CREATE
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := f.Chmod(mode); err != nil { // past the umask
		f.Close()
		return fmt.Errorf("reports: %w", err)
	}
	if err := errors.Join(write(f), f.Close()); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// ReadRecord reads a submission's score.json; ok is false where there is none (not done yet)
// or it does not read as a record (LoadRecord says which).
func ReadRecord(dir string) (Record, bool) {
	rec, err := LoadRecord(dir)
	return rec, err == nil
}

// Batch grades every submission folder under Dir, each into Out/<folder>, with Workers
// submissions at a time, each in a process of its own (Command) under Timeout. A submission
// whose score.json holds a grade is not graded again, so an interrupted batch resumes where it
// stopped; one whose last grading timed out or met a harness error is graded again.
type Batch struct {
	Dir, Out string
	Workers  int
	Timeout  time.Duration
	// Worker makes a worker process (see Serve): it grades the jobs it is given one after
	// another, each submission into its report folder, score.json last (the hidden `grade worker`).
	Worker func() *exec.Cmd
	// Log receives a line per submission started and done.
	Log io.Writer
}

// DefaultWorkers is how many submissions a batch grades at a time by default on a machine of
// mem bytes (0: unknown): a grading keeps about one core busy between its waits (JVM starts,
// Kafka's own timers) and holds about 3 GiB (a single broker, the four JVMs of section 7,
// clients), so one per core, as many as memory allows at 4 GiB each.
func DefaultWorkers(mem uint64) int {
	n := runtime.NumCPU()
	if mem > 0 {
		n = min(n, int(mem/(4<<30)))
	}
	return max(1, n)
}

// Submissions lists the entries of the class folder dir: the submission folders to grade, and
// every other entry with why it is not graded, so that none goes missing without a word. Links
// are not followed (one to another student's folder would grade that student twice, under
// another name; one to / would grade whatever it points at), nor is anything that is not a
// folder opened (a FIFO would block). A hidden entry (.git, .DS_Store) is listed too: a
// student's folder could be named so.
func Submissions(dir string) (folders []string, others []NotSubmission, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("submissions: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		switch t := e.Type(); {
		case strings.HasPrefix(name, "."):
			others = append(others, NotSubmission{Name: name, Why: "hidden (its name starts with a dot): rename it if it is a student's"})
		case t.IsDir():
			folders = append(folders, name)
		case t&fs.ModeSymlink != 0:
			to, err := os.Readlink(filepath.Join(dir, name))
			if err != nil {
				to = "?"
			}
			others = append(others, NotSubmission{Name: name, Why: fmt.Sprintf("a link to %s, not a folder: links in the class folder are not followed "+
				"(one to another student's folder would grade that work under this name too); put the student's folder itself there", to)})
		case t.IsRegular():
			others = append(others, NotSubmission{Name: name, Why: "a file, not a folder: each submission is a folder (unpack it if it is an archive)"})
		default:
			others = append(others, NotSubmission{Name: name, Why: fmt.Sprintf("%s, not a folder: each submission is a folder", fileKind(t))})
		}
	}
	return folders, others, nil
}

// NotSubmission is an entry of a class folder that is not graded, and why.
type NotSubmission struct{ Name, Why string }

// Record is the entry's record: no grade, with why.
func (n NotSubmission) Record() Record {
	return Record{Student: n.Name, Status: Error, Error: "not graded: " + n.Why}
}

func fileKind(t fs.FileMode) string {
	switch {
	case t&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDevice != 0:
		return "a device"
	}
	return fmt.Sprintf("a file of type %v", t)
}

// Run grades the submissions and returns their records, sorted by student, with those of
// earlier runs. If ctx ends (Ctrl-C), the running gradings are stopped and left without a
// record, to be graded again next time.
func (b Batch) Run(ctx context.Context) ([]Record, error) {
	names, others, err := Submissions(b.Dir)
	if err != nil {
		return nil, err
	}
	log := b.Log
	if log == nil {
		log = io.Discard
	}
	var mu sync.Mutex
	var records []Record
	for _, o := range others {
		fmt.Fprintf(log, "%s: %s\n", termsafe.Line(o.Name), termsafe.Line("not graded: "+o.Why))
		records = append(records, o.Record())
	}
	listed := len(records) // not graded, with their reasons
	todo := make(chan string)
	var wg sync.WaitGroup
	for range max(b.Workers, 1) {
		wg.Go(func() {
			var w *worker // started for the first submission, and again after one is stopped
			for name := range todo {
				rec, done := b.grade(ctx, &w, name, log, &mu)
				if done {
					mu.Lock()
					records = append(records, rec)
					mu.Unlock()
				}
			}
			if w != nil {
				if err := w.close(); err != nil {
					mu.Lock()
					fmt.Fprintf(log, "%v\n", err)
					mu.Unlock()
				}
			}
		})
	}
feed:
	for _, name := range names {
		if rec, ok := ReadRecord(filepath.Join(b.Out, name)); ok && rec.Done() {
			fmt.Fprintf(log, "%s: graded before, not graded again\n", termsafe.Line(name))
			records = append(records, rec)
			continue
		} else if ok {
			fmt.Fprintf(log, "%s: graded again (last time: %s)\n", termsafe.Line(name), termsafe.Line(rec.Short()))
		}
		select {
		case todo <- name:
		case <-ctx.Done():
			break feed
		}
	}
	close(todo)
	wg.Wait()
	slices.SortFunc(records, func(a, b Record) int { return strings.Compare(a.Student, b.Student) })
	if err := WriteClassCSV(b.Out, records); err != nil {
		return records, err
	}
	if ctx.Err() != nil {
		return records, fmt.Errorf("batch interrupted: %d of %d submissions done; run it again to grade the rest", len(records)-listed, len(names))
	}
	return records, nil
}

// grade grades one submission with the worker *w, started first if nil; done is false when
// the batch was interrupted before it finished. A worker stopped (past the time limit, or
// interrupted) or dead is set to nil.
func (b Batch) grade(ctx context.Context, w **worker, name string, log io.Writer, mu *sync.Mutex) (Record, bool) {
	out := filepath.Join(b.Out, name)
	if err := OwnReportDir(out); err != nil {
		return Record{Student: name, Status: Error, Error: err.Error()}, true
	}
	_ = os.Remove(filepath.Join(out, RecordFile)) // a record of an earlier run must not count
	logf, err := OpenReport(filepath.Join(out, LogFile))
	if err != nil {
		return Record{Student: name, Status: Error, Error: err.Error()}, true
	}
	defer logf.Close()
	mu.Lock()
	fmt.Fprintf(log, "%s: grading\n", termsafe.Line(name))
	mu.Unlock()
	start := time.Now()
	if *w == nil {
		if *w, err = b.startWorker(); err != nil {
			rec := Record{Student: name, Status: Error, Error: err.Error()}
			_ = WriteRecord(out, rec)
			return rec, true
		}
	}
	// What the worker says lands in grade.log as a terminal may show it (cat grade.log).
	done, how, err := (*w).grade(ctx, Job{Submission: filepath.Join(b.Dir, name), Out: out}, b.Timeout, termsafe.NewWriter(logf))
	if how != answered {
		*w = nil
	}
	took := time.Since(start)
	rec, ok := ReadRecord(out)
	switch {
	case how == interrupted:
		// Whatever it wrote is not a grade; it is graded again next time.
		_ = os.Remove(filepath.Join(out, RecordFile))
		return Record{}, false
	case how == timedOut:
		rec = Record{Student: name, Status: Timeout, Seconds: took.Round(time.Second).Seconds(),
			Error: fmt.Sprintf("not done within %v: stopped", b.Timeout)}
		_ = WriteUnfinished(out, rec)
	case how == answered && done.Error == "" && ok:
	default:
		why := done.Error
		if err != nil {
			why = err.Error()
		} else if why == "" {
			why = "no record written"
		}
		rec = Record{Student: name, Status: Error, Seconds: took.Round(time.Second).Seconds(),
			Error: fmt.Sprintf("grading failed (%s); see %s", why, filepath.Join(out, LogFile))}
		_ = WriteRecord(out, rec)
	}
	mu.Lock()
	fmt.Fprintf(log, "%s: %s\n", termsafe.Line(name), termsafe.Line(rec.Short()))
	mu.Unlock()
	return rec, true
}

// Short is the record in one line.
func (r Record) Short() string {
	switch r.Status {
	case Graded:
		s := fmt.Sprintf("%d/%d, bonus %d/%d, %.0f s", r.Points, r.Max, r.Bonus, r.BonusMax, r.Seconds)
		if r.FailedSections != "" {
			s += ", failed sections " + r.FailedSections
		}
		return s
	default:
		return r.Status + ": " + r.Error
	}
}

// WriteCSV writes the records as CSV, one row per student. Every cell is quoted, and a cell
// that a spreadsheet would take for a formula (a student's folder named "=2+5+cmd|x!A0") is
// made text by a leading ' (OWASP's rule for CSV injection); control characters are shown as
// a terminal shows them (termsafe), for a grades.csv read with cat.
func WriteCSV(w io.Writer, records []Record) error {
	var b strings.Builder
	row := func(cells ...string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(csvCell(c))
		}
		b.WriteByte('\n')
	}
	row("student", "status", "points", "max", "bonus", "bonus_max", "seconds", "failed_sections", "error")
	for _, r := range records {
		row(r.Student, r.Status, strconv.Itoa(r.Points), strconv.Itoa(r.Max), strconv.Itoa(r.Bonus),
			strconv.Itoa(r.BonusMax), strconv.FormatFloat(r.Seconds, 'f', 1, 64), r.FailedSections, r.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// csvCell is one cell of grades.csv: encoding/csv quotes only the cells that need it for CSV
// (a comma, a quote, a line break, a leading space), which leaves "=2+5+cmd|x!A0" bare, a
// formula to a spreadsheet. Here every cell is quoted, its quotes doubled, and one that starts
// with =, +, -, @, a tab or a carriage return gets a ' first.
func csvCell(s string) string {
	s = termsafe.Text(s)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// WriteTable writes the records as the summary table a batch ends with. Its cells are shown
// as one line each (termsafe.Line) before they are aligned: a student's folder name with an
// escape sequence, a tab or a newline neither acts on the terminal nor breaks the table.
func WriteTable(w io.Writer, records []Record) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STUDENT\tSCORE\tBONUS\tTIME\tFAILED SECTIONS")
	for _, r := range records {
		score, bonus, failed := fmt.Sprintf("%d/%d", r.Points, r.Max), fmt.Sprintf("%d/%d", r.Bonus, r.BonusMax), r.FailedSections
		if r.Status != Graded {
			score, bonus, failed = r.Status, "-", r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0fs\t%s\n", termsafe.Line(r.Student), score, bonus, r.Seconds, termsafe.Line(failed))
	}
	return tw.Flush()
}
