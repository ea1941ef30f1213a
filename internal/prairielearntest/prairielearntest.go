// Package prairielearntest checks a results.json against PrairieLearn's documented format for
// external graders. It is for tests only: the grader writes the file with
// grading.ToPrairieLearn and never checks it at run time.
package prairielearntest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Documented is the example of well-formed results in PrairieLearn's "External Grading"
// documentation ("Grading results"), its base64 images shortened.
const Documented = `{
  "gradable": true,
  "score": 0.25,
  "message": "Tests completed successfully.",
  "output": "Running tests...\nTest 1 passed\nTest 2 failed!\n...",
  "images": [
    {"label": "First Image", "url": "data:image/png;base64,..."},
    {"label": "Second Image", "url": "data:image/jpeg;base64,..."}
  ],
  "tests": [
    {
      "name": "Test 1",
      "description": "Tests that a thing does a thing.",
      "points": 1,
      "max_points": 1,
      "message": "No errors!",
      "output": "Running test...\nYour output matched the expected output!"
    },
    {
      "name": "Test 2",
      "description": "Like Test 1, but harder, you'll probably fail it.",
      "points": 0,
      "max_points": 3,
      "message": "Make sure that your code is doing the thing correctly.",
      "output": "Running test...\nYour output did not match the expected output.",
      "images": [{"label": "First Image", "url": "data:image/gif;base64,..."}]
    }
  ]
}`

// Limit is the size of results.json that PrairieLearn's grader host takes: a bigger file fails
// the grading job ("limited to 1 MB" in the documentation; the host compares with 1024*1024).
const Limit = 1024 * 1024

// Check checks results.json as PrairieLearn reads it:
//   - at most Limit bytes, a JSON object;
//   - gradable, when there, a boolean; a gradable result has a score, a number in [0.0, 1.0]
//     (one that is not gradable needs none);
//   - message and output strings, format_errors a string or an array of strings;
//   - tests an array of objects, each with a string name and, for the element to show points
//     at all, a number points and max_points on every test (0 <= points; a test without them
//     makes the element drop every test's points);
//   - every field one of the documented ones: PrairieLearn keeps any other, but shows none, so
//     one here is a misspelling.
//
// It returns every departure it finds.
func Check(data []byte) error {
	if len(data) > Limit {
		return fmt.Errorf("results.json is %d bytes, over PrairieLearn's %d", len(data), Limit)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		return fmt.Errorf("results.json is not a JSON object: %w", err)
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	known := func(path string, m map[string]any, fields ...string) {
		for k := range m {
			if !slices.Contains(fields, k) {
				fail("%s.%s: not a documented field", path, k)
			}
		}
	}
	known("results", got, "gradable", "score", "message", "output", "images", "tests", "format_errors")
	gradable := true
	if g, ok := got["gradable"]; ok {
		b, isBool := g.(bool)
		if !isBool {
			fail("results.gradable: %v is not a boolean", g)
		}
		gradable = b
	}
	switch s, ok := got["score"]; {
	case !ok || s == nil:
		if gradable {
			fail("results: gradable, but no score")
		}
	default:
		f, isNum := s.(float64)
		if !isNum || f < 0 || f > 1 {
			fail("results.score: %v is not a number in [0, 1]", s)
		}
	}
	for _, k := range []string{"message", "output"} {
		if v, ok := got[k]; ok {
			if _, isStr := v.(string); !isStr {
				fail("results.%s: not a string", k)
			}
		}
	}
	if fe, ok := got["format_errors"]; ok {
		switch v := fe.(type) {
		case string:
		case []any:
			for _, e := range v {
				if _, isStr := e.(string); !isStr {
					fail("results.format_errors: %v is not a string", e)
				}
			}
		default:
			fail("results.format_errors: neither a string nor an array of strings")
		}
	}
	tests, ok := got["tests"].([]any)
	if _, there := got["tests"]; there && !ok {
		fail("results.tests: not an array")
	}
	for i, t := range tests {
		path := fmt.Sprintf("results.tests[%d]", i)
		m, ok := t.(map[string]any)
		if !ok {
			fail("%s: not an object", path)
			continue
		}
		known(path, m, "name", "description", "points", "max_points", "message", "output", "images")
		if _, isStr := m["name"].(string); !isStr {
			fail("%s.name: missing, or not a string", path)
		}
		for _, k := range []string{"description", "message", "output"} {
			if v, ok := m[k]; ok {
				if _, isStr := v.(string); !isStr {
					fail("%s.%s: not a string", path, k)
				}
			}
		}
		points, okP := m["points"].(float64)
		maxPoints, okM := m["max_points"].(float64)
		if !okP || !okM {
			fail("%s: points and max_points must both be numbers (a test without them hides every test's points)", path)
		} else if points < 0 || maxPoints < 0 {
			fail("%s: %v of %v points", path, points, maxPoints)
		}
	}
	return errors.Join(errs...)
}

// Points adds up the tests' points and max_points, as the element's headline shows them.
func Points(data []byte) (points, maxPoints float64, err error) {
	var r struct {
		Tests []struct {
			Points    float64 `json:"points"`
			MaxPoints float64 `json:"max_points"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return 0, 0, err
	}
	for _, t := range r.Tests {
		points += t.Points
		maxPoints += t.MaxPoints
	}
	return points, maxPoints, nil
}
