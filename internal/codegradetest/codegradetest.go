// Package codegradetest checks a JUnit XML file as CodeGrade's unit test step reads it and
// scores it as CodeGrade does. It is for tests only.
//
// CodeGrade documents the step ("Setting up Unit Tests"): the command writes JUnit XML to
// $CG_JUNIT_XML_LOCATION, and the step scores "the fraction of successful tests divided by the
// total number of tests that were run, multiplied by the weight of the test". What it takes
// as JUnit XML, and how testcases count, is in its parser (cg_junit, in CodeGrade's open
// source): the rules below are those, restated.
package codegradetest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Result is how CodeGrade counts a file's testcases, each by its weight.
type Result struct {
	Success, Failures, Errors, Skipped float64
	// Total is the weight of every testcase but the skipped ones.
	Total float64
}

// Score is the fraction of the step's weight that CodeGrade gives: the successes over the
// total (0 when nothing counts).
func (r Result) Score() float64 {
	if r.Total == 0 {
		return 0
	}
	return r.Success / r.Total
}

// element is an XML element with what the rules look at.
type element struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []element  `xml:",any"`
}

func (e element) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// Check parses data as CodeGrade does and returns its count:
//   - the root is <testsuites> whose children are all <testsuite>, or one <testsuite>;
//   - a testsuite has name, tests, failures and errors attributes, and its children are all
//     <testcase>; tests is the number of testcases, failures and errors (and skipped, when
//     given) the number whose first child is <failure>, <error> (<skipped>);
//   - a testcase has name, classname and time (a number) attributes, and optionally a weight
//     (a number, default 1); its first child, if any, is its verdict: <failure>, <error> or
//     <skipped>; none means it passed. A child of another kind first would be taken for a
//     failed test, so that is a departure too;
//   - a testsuite's weight (default 1) multiplies its testcases'; a skipped testcase leaves
//     the total, an error counts as a failure does: in the total, not a success.
//
// It returns every departure it finds; CodeGrade fails the step (0 points) on any.
func Check(data []byte) (Result, error) {
	var root element
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return Result{}, fmt.Errorf("junit: not XML: %w", err)
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if _, isElem := tok.(xml.StartElement); isElem || err != nil {
			return Result{}, fmt.Errorf("junit: after the root element: %v %v", tok, err)
		}
	}
	var suites []element
	switch root.XMLName.Local {
	case "testsuites":
		suites = root.Children
	case "testsuite":
		suites = []element{root}
	default:
		return Result{}, fmt.Errorf("junit: root <%s>, want <testsuites> or <testsuite>", root.XMLName.Local)
	}
	var r Result
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	number := func(where, name, v string) float64 {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			fail("%s: %s=%q is not a number of at least 0", where, name, v)
		}
		return f
	}
	for i, s := range suites {
		where := fmt.Sprintf("testsuite %d", i+1)
		if s.XMLName.Local != "testsuite" {
			fail("%s: <%s> in <testsuites>", where, s.XMLName.Local)
			continue
		}
		for _, a := range []string{"name", "tests", "failures", "errors"} {
			if _, ok := s.attr(a); !ok {
				fail("%s: no %s attribute", where, a)
			}
		}
		suiteWeight := 1.0
		if w, ok := s.attr("weight"); ok {
			suiteWeight = number(where, "weight", w)
		}
		count := map[string]int{}
		for j, c := range s.Children {
			cwhere := fmt.Sprintf("%s, testcase %d", where, j+1)
			if c.XMLName.Local != "testcase" {
				fail("%s: <%s> in a <testsuite>", cwhere, c.XMLName.Local)
				continue
			}
			for _, a := range []string{"name", "classname", "time"} {
				if _, ok := c.attr(a); !ok {
					fail("%s: no %s attribute", cwhere, a)
				}
			}
			if t, ok := c.attr("time"); ok {
				number(cwhere, "time", t)
			}
			weight := 1.0
			if w, ok := c.attr("weight"); ok {
				weight = number(cwhere, "weight", w)
			}
			weight *= suiteWeight
			verdict := ""
			if len(c.Children) > 0 {
				verdict = c.Children[0].XMLName.Local
			}
			count["tests"]++
			switch verdict {
			case "":
				r.Success += weight
			case "failure":
				count["failures"]++
				r.Failures += weight
			case "error":
				count["errors"]++
				r.Errors += weight
			case "skipped":
				count["skipped"]++
				r.Skipped += weight
			default:
				fail("%s: first child <%s>: CodeGrade would count it as failed", cwhere, verdict)
			}
			if verdict != "skipped" {
				r.Total += weight
			}
		}
		for _, a := range []string{"tests", "failures", "errors", "skipped"} {
			v, ok := s.attr(a)
			if !ok {
				continue
			}
			if n, err := strconv.Atoi(v); err != nil || n != count[a] {
				fail("%s: %s=%q, but %d testcase(s) are so", where, a, v, count[a])
			}
		}
	}
	return r, errors.Join(errs...)
}
