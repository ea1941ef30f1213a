// Package grading turns how the spec's scenarios ended into points and into the reports
// instructors load: Gradescope's results.json and GitHub Classroom's autograding result. It
// knows nothing of godog: scenarios come in as plain values.
//
// Points come from tags: @section-N names the lab section, @points:N the scenario's points, and
// @optional makes them a bonus. A bonus only adds: an optional scenario that fails takes nothing
// away from the mandatory score. A skipped scenario (one that cannot run on this Kafka version,
// such as ZooKeeper mode on 4.x) counts for no one: its points leave the maximum too.
package grading

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is how a scenario ended.
type Status string

const (
	Passed    Status = "passed"
	Failed    Status = "failed"
	Skipped   Status = "skipped"
	Undefined Status = "undefined" // a step has no definition: a failure (the spec runs strict)
	Pending   Status = "pending"   // a step is not written yet: a failure too
	// HarnessError: the harness failed (engine, cluster, reset; see package fault), so the
	// scenario says nothing of the submission. It earns and costs nothing, and makes the whole
	// grading an error to grade again.
	HarnessError Status = "error"
)

// Scenario is one scenario's result.
type Scenario struct {
	Feature string   `json:"feature,omitempty"` // the feature's name, or its file
	Name    string   `json:"name"`
	Tags    []string `json:"tags,omitempty"` // with the feature's own
	Status  Status   `json:"status"`
	// Output is what a reader needs when it failed: expected, observed, the hint and the ends of
	// the student program's output; or why it was skipped.
	Output string        `json:"output,omitempty"`
	Took   time.Duration `json:"-"`
}

// Points is the scenario's @points:N (0 without one).
func (s Scenario) Points() int {
	n, _ := strconv.Atoi(s.tagValue("@points:"))
	return n
}

// Section is the scenario's @section-N (0 without one).
func (s Scenario) Section() int {
	n, _ := strconv.Atoi(s.tagValue("@section-"))
	return n
}

// Optional says whether the scenario is a bonus (@optional).
func (s Scenario) Optional() bool { return slices.Contains(s.Tags, "@optional") }

// Earned is the points the scenario earned: all of them if it passed, none otherwise.
func (s Scenario) Earned() int {
	if s.Status == Passed {
		return s.Points()
	}
	return 0
}

// tagValue returns what follows prefix in the scenario's tag, its own tag winning over the
// feature's (which come first).
func (s Scenario) tagValue(prefix string) string {
	v := ""
	for _, t := range s.Tags {
		if rest, ok := strings.CutPrefix(t, prefix); ok {
			v = rest
		}
	}
	return v
}

// Section is one lab section's score.
type Section struct {
	Number int
	// Points of Max from mandatory scenarios; Bonus of BonusMax from optional ones.
	Points, Max, Bonus, BonusMax int
	// Failed names the scenarios that did not pass (skipped ones aside); mandatory says
	// whether one of them was mandatory.
	Failed    []string
	mandatory bool
}

// Score is a submission's score.
type Score struct {
	Points, Max, Bonus, BonusMax int
	Sections                     []Section // by section number
	Took                         time.Duration
	// Errors are the harness's failures (HarnessError), "scenario: reason": with any, the
	// points are no grade.
	Errors []string
}

// Graded says whether the score is a grade: no scenario ended in a harness error.
func (s Score) Graded() bool { return len(s.Errors) == 0 }

// Total is the mandatory points plus the bonus.
func (s Score) Total() int { return s.Points + s.Bonus }

// FailedSections lists the sections with a mandatory scenario that did not pass, as "2, 5".
func (s Score) FailedSections() string {
	var out []string
	for _, sec := range s.Sections {
		if sec.mandatory {
			out = append(out, strconv.Itoa(sec.Number))
		}
	}
	return strings.Join(out, ", ")
}

func (s Score) String() string {
	if !s.Graded() {
		return fmt.Sprintf("not graded: %s", s.Errors[0])
	}
	return fmt.Sprintf("%d/%d points, bonus %d/%d", s.Points, s.Max, s.Bonus, s.BonusMax)
}

// Tally scores the scenarios.
func Tally(scenarios []Scenario) Score {
	var score Score
	bySection := map[int]*Section{}
	for _, sc := range scenarios {
		score.Took += sc.Took
		n := sc.Section()
		sec := bySection[n]
		if sec == nil {
			sec = &Section{Number: n}
			bySection[n] = sec
		}
		if sc.Status == Skipped {
			continue
		}
		if sc.Status == HarnessError {
			score.Errors = append(score.Errors, sc.Name+": "+sc.Output)
			continue
		}
		if sc.Status != Passed {
			sec.Failed = append(sec.Failed, sc.Name)
			sec.mandatory = sec.mandatory || !sc.Optional()
		}
		if sc.Optional() {
			sec.BonusMax += sc.Points()
			sec.Bonus += sc.Earned()
		} else {
			sec.Max += sc.Points()
			sec.Points += sc.Earned()
		}
	}
	for _, n := range slices.Sorted(maps.Keys(bySection)) {
		sec := bySection[n]
		score.Sections = append(score.Sections, *sec)
		score.Points += sec.Points
		score.Max += sec.Max
		score.Bonus += sec.Bonus
		score.BonusMax += sec.BonusMax
	}
	return score
}
