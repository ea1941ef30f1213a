package grading

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Gradescope is Gradescope's results.json (its autograder specification, "Output format").
type Gradescope struct {
	Score         float64 `json:"score"`
	ExecutionTime int     `json:"execution_time"`
	Output        string  `json:"output"`
	// OutputFormat is the output's, TestOutputFormat the tests' unless they say theirs: "md"
	// (Markdown), so that expected, observed and the hint stand out.
	OutputFormat     string           `json:"output_format"`
	TestOutputFormat string           `json:"test_output_format,omitempty"`
	Visibility       string           `json:"visibility"`
	StdoutVisible    string           `json:"stdout_visibility"`
	Tests            []GradescopeTest `json:"tests"`
}

// GradescopeTest is one test (a scenario) of results.json.
type GradescopeTest struct {
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	Status   string  `json:"status,omitempty"` // "passed" or "failed"; none for a skipped one
	Name     string  `json:"name"`
	Number   string  `json:"number"`
	Output   string  `json:"output"`
	// OutputFormat is "md": the output is Markdown (OutputMarkdown).
	OutputFormat string   `json:"output_format,omitempty"`
	Tags         []string `json:"tags"`
	// Visible is when students see the test: the scenario's visibility tag (Visibility).
	Visible string `json:"visibility"`
}

// ToGradescope builds results.json. Mandatory scenarios carry their points as max_score;
// optional ones have max_score 0 and score their bonus (Gradescope's extra credit), so they never
// lower a score. Tests are numbered section.n, their output is Markdown, and each is shown to
// students as its scenario's visibility tag says. While a test is not shown, Gradescope hides
// the student's total score: the summary then covers only the tests shown, so that it gives away
// nothing of the others.
func ToGradescope(scenarios []Scenario) Gradescope {
	score := Tally(scenarios)
	g := Gradescope{
		Score:            float64(score.Total()),
		ExecutionTime:    int(math.Round(score.Took.Seconds())),
		OutputFormat:     "md",
		TestOutputFormat: "md",
		Visibility:       Visible,
		StdoutVisible:    Hidden,
		Tests:            []GradescopeTest{},
	}
	if !score.Graded() {
		// No test is the student's to lose: the grading did not run as it should.
		g.Score, g.Output = 0, NotGradedMarkdown(score.Errors)
		return g
	}
	g.Tests = gradescopeTests(scenarios)
	var shown []Scenario
	for _, sc := range scenarios {
		if sc.Visibility() == Visible {
			shown = append(shown, sc)
		}
	}
	g.Output = SummaryMarkdown(score)
	if n := len(scenarios) - len(shown); n > 0 {
		g.Output = SummaryMarkdown(Tally(shown)) + fmt.Sprintf("\n%d more test(s) are shown later or not at all; "+
			"until they are, Gradescope does not show the total score, and the points above are those of the tests shown.\n", n)
	}
	return g
}

// gradescopeTests are the scenarios as results.json's tests.
func gradescopeTests(scenarios []Scenario) []GradescopeTest {
	tests := []GradescopeTest{}
	seen := map[int]int{}
	for _, sc := range scenarios {
		seen[sc.Section()]++
		t := GradescopeTest{
			Score:        float64(sc.Earned()),
			Name:         sc.Name,
			Number:       fmt.Sprintf("%d.%d", sc.Section(), seen[sc.Section()]),
			Output:       OutputMarkdown(sc.Output),
			OutputFormat: "md",
			Tags:         append([]string{}, sc.Tags...),
			Visible:      sc.Visibility(),
		}
		if sc.Output == "" {
			t.Output = ""
		}
		if !sc.Optional() {
			t.MaxScore = float64(sc.Points())
		}
		switch sc.Status {
		case Passed:
			t.Status = "passed"
		case Skipped:
			t.Score, t.MaxScore = 0, 0
		default:
			t.Status = "failed"
		}
		tests = append(tests, t)
	}
	return tests
}

// NotGraded says, for the student, why a grading with harness errors is no grade.
func NotGraded(s Score) string {
	return fmt.Sprintf("kafka-lab could not grade this submission: the grader itself failed, so nothing here is your grade "+
		"and no test counts against you. Ask your instructor to grade it again.\n%s\n", strings.Join(s.Errors, "\n"))
}

// Summary is the score said in a few lines, per section.
func Summary(s Score) string {
	if !s.Graded() {
		return NotGraded(s)
	}
	return summaryIn(s, summaryStyle{total: "%d/%d points", gap: "\n", section: "section %d: %d/%d", list: func(x string) string { return x }})
}

// summaryStyle is how a summary's text and Markdown forms differ.
type summaryStyle struct {
	total, gap, section string // formats of the points line, what follows it, a section's line
	list                func(string) string
}

// summaryIn writes a graded score's summary in a style.
func summaryIn(s Score, st summaryStyle) string {
	var b strings.Builder
	fmt.Fprintf(&b, st.total, s.Points, s.Max)
	if s.BonusMax > 0 {
		fmt.Fprintf(&b, ", bonus %d/%d", s.Bonus, s.BonusMax)
	}
	b.WriteString(st.gap)
	for _, sec := range s.Sections {
		fmt.Fprintf(&b, st.section, sec.Number, sec.Points, sec.Max)
		if sec.BonusMax > 0 {
			fmt.Fprintf(&b, ", bonus %d/%d", sec.Bonus, sec.BonusMax)
		}
		if len(sec.Failed) > 0 {
			fmt.Fprintf(&b, "; not passed: %s", st.list(strings.Join(sec.Failed, "; ")))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Classroom is a GitHub Classroom autograding runner result: what its graders put, base64
// encoded, in their `result` output for the autograding reporter.
type Classroom struct {
	Version  int             `json:"version"`
	Status   string          `json:"status"` // "pass", "fail" or "error"
	MaxScore int             `json:"max_score"`
	Tests    []ClassroomTest `json:"tests"`
}

// ClassroomTest is one test of a runner result.
type ClassroomTest struct {
	Name          string `json:"name"`
	Status        string `json:"status"` // "pass", "fail" or "error"
	Message       string `json:"message"`
	TestCode      string `json:"test_code"`
	Filename      string `json:"filename"`
	LineNo        int    `json:"line_no"`
	ExecutionTime string `json:"execution_time"`
	Score         int    `json:"score"`
}

// ToClassroom builds the runner result. The reporter adds up test scores against max_score:
// optional scenarios score their bonus on top, with nothing added to max_score. Skipped
// scenarios are left out, undefined or pending ones are errors.
func ToClassroom(scenarios []Scenario) Classroom {
	score := Tally(scenarios)
	c := Classroom{Version: 1, Status: "pass", MaxScore: score.Max, Tests: []ClassroomTest{}}
	for _, sc := range scenarios {
		if sc.Status == Skipped {
			continue
		}
		t := ClassroomTest{Name: sc.Name, Status: "pass", Message: sc.Output, TestCode: strings.Join(sc.Tags, " "),
			Filename: sc.Feature, ExecutionTime: fmt.Sprintf("%.2fs", sc.Took.Seconds()), Score: sc.Earned()}
		switch sc.Status {
		case Passed:
		case Undefined, Pending, HarnessError:
			t.Status = "error"
		default:
			t.Status = "fail"
		}
		if t.Status != "pass" && !sc.Optional() && c.Status == "pass" {
			c.Status = "fail"
		}
		if sc.Status == HarnessError {
			c.Status = "error"
		}
		c.Tests = append(c.Tests, t)
	}
	return c
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Base64 is the runner result as a grader's `result` output carries it.
func (c Classroom) Base64() (string, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(data), nil
}
