package grading

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// PrairieLearn is the results.json of PrairieLearn's external grader (its "External Grading"
// documentation, "Grading results"), as its <pl-external-grader-results> element shows it.
//
// The score is a fraction in [0, 1] of the question's points, with no room above 1 for extra
// credit: it is the mandatory points over their maximum. The optional scenarios are listed
// with 0 of 0 points (PrairieLearn greys such a test out, and its headline "points/max_points"
// then agrees with the score), their message saying whether they passed and the bonus they
// are worth elsewhere. A grading with a harness error is not gradable: PrairieLearn then awards
// and takes nothing and does not count the attempt.
type PrairieLearn struct {
	Gradable bool `json:"gradable"`
	// Score is nil when the submission is not gradable: PrairieLearn needs none then.
	Score   *float64           `json:"score,omitempty"`
	Message string             `json:"message"`
	Output  string             `json:"output"`
	Tests   []PrairieLearnTest `json:"tests"`
}

// PrairieLearnTest is one test (a scenario).
type PrairieLearnTest struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Points      float64 `json:"points"`
	MaxPoints   float64 `json:"max_points"`
	Message     string  `json:"message"`
	Output      string  `json:"output"`
}

// PrairieLearnFile is the report's name in a grading's report folder.
const PrairieLearnFile = "prairielearn.json"

// PrairieLearnLimit is the size PrairieLearn's grader host accepts of results.json: past it the
// grading job fails, whatever the file says.
const PrairieLearnLimit = 1 << 20

// ToPrairieLearn builds PrairieLearn's results.json.
func ToPrairieLearn(scenarios []Scenario) PrairieLearn {
	score := Tally(scenarios)
	if !score.Graded() {
		return PrairieLearnNotGradable(NotGraded(score))
	}
	frac := 0.0
	if score.Max > 0 {
		frac = min(1, float64(score.Points)/float64(score.Max))
	}
	p := PrairieLearn{Gradable: true, Score: &frac, Message: Summary(score), Tests: []PrairieLearnTest{}}
	for _, sc := range scenarios {
		t := PrairieLearnTest{Name: sc.Name, Points: float64(sc.Earned()), MaxPoints: float64(sc.Points())}
		if n := sc.Section(); n > 0 {
			t.Description = fmt.Sprintf("lab section %d", n)
		}
		// The check's words (expected, observed, hint) are the message, what the student's
		// command or program printed the output.
		t.Message, t.Output = sc.Output, ""
		if c, ok := parseCheck(sc.Output); ok && c.printed != "" {
			t.Message, t.Output = strings.TrimSuffix(sc.Output, "\n"+c.printed), c.printed
		}
		switch {
		case sc.Status == Skipped:
			t.Points, t.MaxPoints = 0, 0
			t.Message = "skipped: " + t.Message
		case sc.Optional():
			t.Points, t.MaxPoints = 0, 0
			verdict := "not passed"
			if sc.Status == Passed {
				verdict = "passed"
			}
			t.Description = strings.TrimPrefix(t.Description+"; optional, not counted in this score", "; ")
			t.Message = strings.TrimSpace(fmt.Sprintf("bonus %s (worth %d point(s) as a bonus)\n%s", verdict, sc.Points(), t.Message))
		case sc.Status == Passed:
			t.Message = "passed"
		}
		p.Tests = append(p.Tests, t)
	}
	return p
}

// PrairieLearnNotGradable is the results.json of a grading that is no grade: why, for the
// student, and nothing PrairieLearn would count.
func PrairieLearnNotGradable(why string) PrairieLearn {
	return PrairieLearn{Gradable: false, Message: why, Tests: []PrairieLearnTest{}}
}

// Marshal encodes the results under PrairieLearnLimit: when they would not fit, the longest
// outputs and messages are cut (their head and tail kept, saying what was cut) until they do.
func (p PrairieLearn) Marshal() ([]byte, error) {
	p.Tests = slices.Clone(p.Tests) // its texts are cut below, not the caller's
	if p.Tests == nil {
		p.Tests = []PrairieLearnTest{}
	}
	for keep := 64 << 10; ; keep /= 2 {
		data, err := json.MarshalIndent(p, "", "  ")
		if err != nil || len(data) < PrairieLearnLimit {
			return data, err
		}
		if keep < 64 {
			return nil, fmt.Errorf("prairielearn: results.json stays over %d bytes with every text cut", PrairieLearnLimit)
		}
		p.Output, p.Message = cut(p.Output, keep), cut(p.Message, keep)
		for i := range p.Tests {
			t := &p.Tests[i]
			t.Output, t.Message, t.Name = cut(t.Output, keep), cut(t.Message, keep), cut(t.Name, keep)
		}
	}
}

// cut keeps s whole if it is at most n bytes, or its first and last n/2 bytes around a line
// that says how much was left out and why.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := strings.ToValidUTF8(s[:n/2], ""), strings.ToValidUTF8(s[len(s)-n/2:], "")
	return fmt.Sprintf("%s\n[... %d bytes cut by kafka-lab: PrairieLearn takes results of at most 1 MB ...]\n%s", head, len(s)-len(head)-len(tail), tail)
}

// WritePrairieLearn writes p, under PrairieLearn's limit, to path (atomically, a rename),
// making its folder: PrairieLearn does not make /grade/results.
func WritePrairieLearn(path string, p PrairieLearn) error {
	data, err := p.Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("prairielearn: %w", err)
	}
	// PrairieLearn reads it, perhaps as a user of its own; it holds this submission's results
	// alone, and PrairieLearn grades in Docker, where no program sees the grader's files.
	return writeFileMode(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}
