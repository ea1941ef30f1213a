package grading

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML, as CI servers and CodeGrade read it: a testsuite per feature, a testcase per
// scenario, with a failure (the submission's), an error (the harness's, or an undefined step)
// or skipped element. It is written from the same scenarios as every other report, so that all
// of them say the same thing of each scenario.
//
// Each testcase has a weight, CodeGrade's: the scenario's points, 0 for an optional one.
// CodeGrade's unit test step scores the weight of the testcases that passed over the weight of
// all but the skipped ones, a fraction of at most 1, so a bonus on top cannot be told: optional
// scenarios are shown and count for nothing there. Other readers ignore the attribute.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	ClassName string `xml:"classname,attr"`
	Time      string `xml:"time,attr"`
	Weight    int    `xml:"weight,attr"`
	// At most one of these, and nothing before it: CodeGrade reads a testcase's first child
	// as its verdict.
	Failure *junitProblem `xml:"failure,omitempty"`
	Error   *junitProblem `xml:"error,omitempty"`
	Skipped *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the scenarios as JUnit XML.
func WriteJUnit(w io.Writer, scenarios []Scenario) error {
	all := junitSuites{Name: "kafka-lab"}
	index := map[string]int{}
	var times []float64 // per suite
	for _, sc := range scenarios {
		i, ok := index[sc.Feature]
		if !ok {
			i = len(all.Suites)
			index[sc.Feature] = i
			all.Suites = append(all.Suites, junitSuite{Name: sc.Feature})
			times = append(times, 0)
		}
		suite := &all.Suites[i]
		c := junitCase{Name: sc.Name, ClassName: sc.Feature, Time: seconds(sc.Took.Seconds()), Weight: sc.Points()}
		if sc.Optional() {
			c.Weight = 0
		}
		first, _, _ := strings.Cut(sc.Output, "\n")
		problem := &junitProblem{Message: first, Type: string(sc.Status), Text: sc.Output}
		switch sc.Status {
		case Passed:
		case Failed:
			c.Failure = problem
			suite.Failures++
		case Skipped:
			c.Skipped = problem
			suite.Skipped++
		default: // the harness's failure, an undefined or pending step
			c.Error = problem
			suite.Errors++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, c)
		times[i] += sc.Took.Seconds()
	}
	var total float64
	for i := range all.Suites {
		s := &all.Suites[i]
		s.Time = seconds(times[i])
		total += times[i]
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
	}
	all.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
