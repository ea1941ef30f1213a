package grading

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IndexFile is the class report a batch or a merge writes into its out folder: one HTML page
// that holds everything it shows (its style and charts inline, no script, nothing loaded from
// the network), to open in a browser straight from the disk or from a CI run's artifact.
const IndexFile = "index.html"

// The page's limits. A failed check's message ends with the student program's output, which
// the harness already caps; a class of hundreds still makes one page of a few megabytes.
const (
	messageCap = 4000 // characters of one failed check's message shown
)

// WriteClassReport writes out/index.html: the class's score histogram, its pass rates per lab
// section and per scenario, each student's failed checks with their messages, the students not
// graded and why, and the Kafka checks of out/.kafka-checks if they ran.
//
// The records say each student's grade and, in Record.Scenarios, how each scenario ended: the
// same scenarios every other report of the grading is made of, with the checks' messages as
// the checks word them (results.json's are Markdown). folders maps a student to their
// report folder; a student it does not name has out/<student>, a batch's layout (nil for a
// batch, ReportFolders for a merge).
//
// Everything a submission controls (its messages carry its programs' output, its folder name
// is its student's) is escaped by html/template, and the page's Content-Security-Policy
// forbids scripts and anything fetched, should some text slip through.
func WriteClassReport(out string, records []Record, folders map[string]string) error {
	if err := ReportDir(out); err != nil {
		return fmt.Errorf("class report: %w", err)
	}
	r := buildClassReport(out, records, folders)
	return writeFile(filepath.Join(out, IndexFile), func(w io.Writer) error {
		if err := classTemplate.Execute(w, r); err != nil {
			return fmt.Errorf("class report: %w", err)
		}
		return nil
	})
}

// ReportFolders maps each student to their report folder among dirs, as Merge names them: the
// student of the folder's record, or the folder's name when it has none. A student in two
// folders keeps the first (Merge makes their record an error naming both).
func ReportFolders(dirs []string) map[string]string {
	folders := map[string]string{}
	for _, dir := range dirs {
		student := filepath.Base(filepath.Clean(dir))
		if rec, err := LoadRecord(dir); err == nil {
			student = rec.Student
		}
		if _, ok := folders[student]; !ok {
			folders[student] = dir
		}
	}
	return folders
}

// classReport is what the page shows.
type classReport struct {
	Title     string
	Generated string

	Students, Graded, Errors, Timeouts int
	// Max and BonusMax are the largest of the graded records' (MaxVaries: they differ, as
	// when report folders of gradings with other tags are merged).
	Max, BonusMax int
	MaxVaries     bool
	Mean, Median  string
	WithBonus     int // graded students who earned some bonus
	Histogram     []bar
	BonusCounts   []count // graded students per bonus earned

	Sections  []*passRate
	Scenarios []*passRate
	Rows      []*studentRow
	NotGraded []*studentRow
	Failing   []*studentRow // graded students with a check not passed

	// Observations are section 7's wrong observations of the acks experiment, the most common
	// first: what students most often expect of Kafka that it does not do.
	Observations []observation

	Kafka     *KafkaChecks
	KafkaFrom string // where the Kafka checks' result is, relative to the page
}

// WrongObservation leads the line a failed check of section 7's acks experiment gives each
// trial the student recorded wrongly: "wrong observation: acks=0, 1 down: producer_saw error
// (Kafka: acknowledged)". The class report counts them.
const WrongObservation = "wrong observation: "

// observation is one wrong observation and how many students recorded it.
type observation struct {
	Label    string
	Students int
}

// bar is one bin of the score histogram.
type bar struct {
	Label     string
	Count     int
	WithBonus int // of Count, those who earned some bonus
	Height    int // percent of the highest bin
	BonusPart int // percent of this bar
}

type count struct{ Value, N int }

// passRate counts how one scenario, or the scenarios of one section, ended across the class.
type passRate struct {
	Section  int
	Name     string // "" for a section
	Optional bool
	Points   int
	// Errors counts the students with no result for it: their grading was no grade (harness
	// error, timeout), or their record has no scenarios (an older kafka-lab's).
	Passed, Failed, Errors, Skipped int
	Scenarios                       int // a section's
	// Whole counts the graded students who passed every mandatory scenario of a section;
	// Mandatory says whether it has any.
	Whole     int
	Mandatory bool
}

// Ran is how many results say passed or failed: the rate's denominator.
func (p *passRate) Ran() int { return p.Passed + p.Failed }

// Percent is the pass rate, 0 when nothing ran.
func (p *passRate) Percent() int {
	if p.Ran() == 0 {
		return 0
	}
	return (100*p.Passed + p.Ran()/2) / p.Ran()
}

// Rate is the pass rate said for a reader: "75%", or "-" when nothing ran.
func (p *passRate) Rate() string {
	if p.Ran() == 0 {
		return "-"
	}
	return strconv.Itoa(p.Percent()) + "%"
}

// studentRow is one student's line, and what they failed.
type studentRow struct {
	Record
	Anchor string
	Links  []link
	Failed []failedCheck
	// Note says why their per-scenario results are not shown (a record without scenarios).
	Note string
}

// Score says the record's grade in the table.
func (s *studentRow) Score() string {
	if s.Status != Graded {
		return s.Status
	}
	return fmt.Sprintf("%d/%d", s.Points, s.Max)
}

type link struct{ Name, Href string }

// failedCheck is one scenario a student did not pass, with the check's own words.
type failedCheck struct {
	Section  int
	Name     string
	Optional bool
	Points   int
	Lines    []messageLine
	Cut      bool // the message was longer than messageCap
}

// messageLine is one line of a check's message; Label is its "expected:", "observed:" or
// "hint ...:" lead, shown in bold.
type messageLine struct{ Label, Text string }

// buildClassReport reads what the page shows.
func buildClassReport(out string, records []Record, folders map[string]string) *classReport {
	r := &classReport{Title: "kafka-lab: " + filepath.Base(absPath(out)), Generated: time.Now().Format("2006-01-02 15:04 MST"),
		Students: len(records)}
	scenarios := map[string]*passRate{}
	var order []string // scenario keys, first seen first
	var points []int
	wrong := map[string]int{} // wrong observation -> students
	noResult := 0             // students with no per-scenario result: an error for every scenario
	for i, rec := range records {
		dir := folders[rec.Student]
		if dir == "" {
			dir = filepath.Join(out, rec.Student)
		}
		row := &studentRow{Record: rec, Anchor: fmt.Sprintf("student-%d", i+1), Links: reportLinks(out, dir)}
		r.Rows = append(r.Rows, row)
		switch rec.Status {
		case Graded:
			r.Graded++
		case Timeout:
			r.Timeouts++
		default:
			r.Errors++
		}
		if rec.Status != Graded {
			r.NotGraded = append(r.NotGraded, row)
			noResult++
			continue
		}
		points = append(points, rec.Points)
		if rec.Max != r.Max && r.Graded > 1 {
			r.MaxVaries = true
		}
		r.Max, r.BonusMax = max(r.Max, rec.Max), max(r.BonusMax, rec.BonusMax)
		if rec.Bonus > 0 {
			r.WithBonus++
		}
		if rec.Scenarios == nil {
			row.Note = fmt.Sprintf("%s has no per-scenario results (written by an older kafka-lab?): grade it again to see them", RecordFile)
			noResult++
			continue
		}
		for _, sc := range rec.Scenarios {
			key := scenarioKey(sc)
			if scenarios[key] == nil {
				scenarios[key] = &passRate{Section: sc.Section(), Name: sc.Name, Optional: sc.Optional(), Points: sc.Points()}
				order = append(order, key)
			}
			switch sc.Status {
			case Passed:
				scenarios[key].Passed++
			case Skipped:
				scenarios[key].Skipped++
			default:
				scenarios[key].Failed++
				row.Failed = append(row.Failed, newFailedCheck(sc))
			}
		}
		for _, label := range wrongObservations(rec.Scenarios) {
			wrong[label]++
		}
		if len(row.Failed) > 0 {
			r.Failing = append(r.Failing, row)
		}
	}
	for _, key := range order {
		scenarios[key].Errors = noResult
	}
	for label, n := range wrong {
		r.Observations = append(r.Observations, observation{Label: label, Students: n})
	}
	slices.SortFunc(r.Observations, func(a, b observation) int {
		if a.Students != b.Students {
			return b.Students - a.Students
		}
		return strings.Compare(a.Label, b.Label)
	})
	r.Scenarios = sortedRates(scenarios, order)
	r.Sections = sectionRates(r.Scenarios, records)
	r.Mean, r.Median = meanMedian(points)
	r.Histogram = histogram(records, r.Max)
	r.BonusCounts = bonusCounts(records)
	if k, ok := ReadKafkaChecks(filepath.Join(out, KafkaChecksDir)); ok {
		r.Kafka = &k
		r.KafkaFrom = "./" + KafkaChecksDir + "/" + KafkaChecksFile
	}
	return r
}

// wrongObservations are the distinct wrong observations (see WrongObservation) in a student's
// failed checks.
func wrongObservations(scenarios []Scenario) []string {
	var out []string
	for _, sc := range scenarios {
		if sc.Status != Failed {
			continue
		}
		for _, line := range strings.Split(sc.Output, "\n") {
			if label, ok := strings.CutPrefix(strings.TrimSpace(line), WrongObservation); ok && !slices.Contains(out, label) {
				out = append(out, label)
			}
		}
	}
	return out
}

func scenarioKey(sc Scenario) string { return strconv.Itoa(sc.Section()) + "\x00" + sc.Name }

func newFailedCheck(sc Scenario) failedCheck {
	msg := strings.TrimSpace(sc.Output)
	f := failedCheck{Section: sc.Section(), Name: sc.Name, Optional: sc.Optional(), Points: sc.Points()}
	if r := []rune(msg); len(r) > messageCap {
		msg, f.Cut = string(r[:messageCap]), true
	}
	if msg == "" {
		msg = "(no message)"
	}
	for _, line := range strings.Split(msg, "\n") {
		l := messageLine{Text: line}
		for _, lead := range []string{"expected:", "observed:", "hint"} {
			if strings.HasPrefix(line, lead) {
				if label, rest, ok := strings.Cut(line, ":"); ok {
					l = messageLine{Label: label + ":", Text: rest}
				}
				break
			}
		}
		f.Lines = append(f.Lines, l)
	}
	return f
}

// sortedRates orders the scenarios by section, each section's as its results.json lists them.
func sortedRates(m map[string]*passRate, order []string) []*passRate {
	out := make([]*passRate, 0, len(order))
	for _, key := range order {
		out = append(out, m[key])
	}
	slices.SortStableFunc(out, func(a, b *passRate) int { return a.Section - b.Section })
	return out
}

// sectionRates adds the scenarios up per section, with the graded students who passed every
// mandatory scenario of it: those whose record does not list it among the failed sections.
func sectionRates(scenarios []*passRate, records []Record) []*passRate {
	var out []*passRate
	for _, sc := range scenarios {
		if len(out) == 0 || out[len(out)-1].Section != sc.Section {
			out = append(out, &passRate{Section: sc.Section})
		}
		s := out[len(out)-1]
		s.Scenarios++
		s.Passed, s.Failed, s.Errors, s.Skipped = s.Passed+sc.Passed, s.Failed+sc.Failed, s.Errors+sc.Errors, s.Skipped+sc.Skipped
		s.Mandatory = s.Mandatory || !sc.Optional
	}
	for _, s := range out {
		s.Optional = !s.Mandatory // a bonus section, as section 7
		for _, rec := range records {
			if rec.Status == Graded && !slices.Contains(strings.Split(rec.FailedSections, ", "), strconv.Itoa(s.Section)) {
				s.Whole++
			}
		}
	}
	return out
}

func meanMedian(points []int) (string, string) {
	if len(points) == 0 {
		return "-", "-"
	}
	sum := 0
	for _, p := range points {
		sum += p
	}
	s := slices.Sorted(slices.Values(points))
	median := float64(s[len(s)/2])
	if len(s)%2 == 0 {
		median = float64(s[len(s)/2-1]+s[len(s)/2]) / 2
	}
	return strconv.FormatFloat(float64(sum)/float64(len(points)), 'f', 1, 64), strconv.FormatFloat(median, 'f', -1, 64)
}

// histogram bins the graded students' mandatory points, one bin per point up to 30 points, wider
// bins past that so the chart keeps about 25 bars.
func histogram(records []Record, maxPoints int) []bar {
	width := 1
	if maxPoints > 30 {
		width = (maxPoints + 25) / 25
	}
	bins := make([]bar, maxPoints/width+1)
	for i := range bins {
		lo, hi := i*width, min((i+1)*width-1, maxPoints)
		bins[i].Label = strconv.Itoa(lo)
		if hi > lo {
			bins[i].Label += "-" + strconv.Itoa(hi)
		}
	}
	highest := 0
	for _, rec := range records {
		if rec.Status != Graded {
			continue
		}
		b := &bins[min(max(rec.Points, 0), maxPoints)/width]
		b.Count++
		if rec.Bonus > 0 {
			b.WithBonus++
		}
		highest = max(highest, b.Count)
	}
	for i := range bins {
		if b := &bins[i]; b.Count > 0 {
			b.Height = max(2, 100*b.Count/highest)
			b.BonusPart = 100 * b.WithBonus / b.Count
		}
	}
	return bins
}

func bonusCounts(records []Record) []count {
	m := map[int]int{}
	for _, rec := range records {
		if rec.Status == Graded {
			m[rec.Bonus]++
		}
	}
	var out []count
	for v, n := range m {
		out = append(out, count{v, n})
	}
	slices.SortFunc(out, func(a, b count) int { return a.Value - b.Value })
	return out
}

// reportLinks links the report files a student's folder holds, relative to the page so that
// the class's folder can be moved or downloaded whole.
func reportLinks(out, dir string) []link {
	rel, err := filepath.Rel(absPath(out), absPath(dir))
	if err != nil {
		return nil
	}
	var segs []string
	for _, s := range strings.Split(filepath.ToSlash(rel), "/") {
		segs = append(segs, url.PathEscape(s))
	}
	base := strings.Join(segs, "/")
	if !strings.HasPrefix(base, "../") {
		// Never a scheme: a folder named "javascript:x" stays a path.
		base = "./" + base
	}
	var links []link
	for _, name := range []string{SummaryFile, GradescopeFile, "cucumber.json", LogFile} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			links = append(links, link{Name: name, Href: base + "/" + url.PathEscape(name)})
		}
	}
	return links
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// classHTML is the page (classreport.html). Its Content-Security-Policy allows inline style
// and nothing else: no script runs and nothing is fetched, whatever the text shown holds.
//
//go:embed classreport.html
var classHTML string

var classTemplate = template.Must(template.New(IndexFile).Parse(classHTML))
