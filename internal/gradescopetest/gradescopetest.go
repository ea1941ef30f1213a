// Package gradescopetest checks a results.json against Gradescope's documented format. It is
// for tests only (the grader writes results.json with grading.ToGradescope and never checks
// it at run time): harness/grading's tests check what it writes, the root package's
// TestGradescopeBundle what the autograder bundle wrote.
package gradescopetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Documented is the results.json example of Gradescope's autograder specification ("Output
// format"), its comments left out and its ".926" written as JSON (0.926).
const Documented = `{ "score": 44.0,
  "execution_time": 136,
  "output": "Text relevant to the entire submission",
  "output_format": "simple_format",
  "test_output_format": "text",
  "test_name_format": "text",
  "visibility": "after_due_date",
  "stdout_visibility": "visible",
  "extra_data": {},
  "tests":
    [
        {
            "score": 2.0,
            "max_score": 2.0,
            "status": "passed",
            "name": "Your name here",
            "name_format": "text",
            "number": "1.1",
            "output": "Giant multiline string that will be placed in a <pre> tag and collapsed by default",
            "output_format": "text",
            "tags": ["tag1", "tag2", "tag3"],
            "visibility": "visible",
            "extra_data": {}
        }
    ],
  "leaderboard":
    [
      { "name": "Accuracy", "value": 0.926 }
    ]
}`

// Check checks a results.json against Gradescope's specification: every field is one of the
// documented example's, with the same JSON type (arrays against the example's first element);
// a score is there (the total, or the tests'); visibility, status and the output formats take
// documented values ("Controlling Test Case Visibility", "Test case status", "Output String
// Formatting").
// It returns every departure it finds.
func Check(data []byte) error {
	var doc, got any
	if err := json.Unmarshal([]byte(Documented), &doc); err != nil {
		return err
	}
	if err := json.Unmarshal(data, &got); err != nil {
		return fmt.Errorf("results.json is not JSON: %w", err)
	}
	obj, ok := got.(map[string]any)
	if !ok {
		return errors.New("results.json is not a JSON object")
	}
	var errs []error
	conforms(&errs, "results", got, doc)
	tests, _ := obj["tests"].([]any)
	if _, ok := obj["score"]; !ok {
		if len(tests) == 0 {
			errs = append(errs, errors.New("results: no score, and no tests to add one up from"))
		}
		for i, t := range tests {
			if m, ok := t.(map[string]any); ok && m["score"] == nil {
				errs = append(errs, fmt.Errorf("results.tests[%d]: no score, and results has none", i))
			}
		}
	}
	visibilities := []any{"hidden", "after_due_date", "after_published", "visible"}
	for _, v := range []any{obj["visibility"], obj["stdout_visibility"]} {
		if v != nil && !slices.Contains(visibilities, v) {
			errs = append(errs, fmt.Errorf("results: visibility %v is none of %v", v, visibilities))
		}
	}
	formats := []any{"text", "html", "simple_format", "md", "ansi"}
	checkFormats := func(path string, m map[string]any, keys ...string) {
		for _, k := range keys {
			if v, ok := m[k]; ok && !slices.Contains(formats, v) {
				errs = append(errs, fmt.Errorf("%s.%s: %v is none of %v", path, k, v, formats))
			}
		}
	}
	checkFormats("results", obj, "output_format", "test_output_format", "test_name_format")
	for i, t := range tests {
		m, ok := t.(map[string]any)
		if !ok {
			continue
		}
		checkFormats(fmt.Sprintf("results.tests[%d]", i), m, "output_format", "name_format")
		if v := m["visibility"]; v != nil && !slices.Contains(visibilities, v) {
			errs = append(errs, fmt.Errorf("results.tests[%d]: visibility %v is none of %v", i, v, visibilities))
		}
		if s := m["status"]; s != nil && s != "passed" && s != "failed" {
			errs = append(errs, fmt.Errorf("results.tests[%d]: status %v is neither passed nor failed", i, s))
		}
	}
	return errors.Join(errs...)
}

// conforms adds to errs every key of got that the documented example lacks or types otherwise.
func conforms(errs *[]error, path string, got, doc any) {
	switch g := got.(type) {
	case map[string]any:
		d, ok := doc.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Errorf("%s: an object where the documentation has %s", path, typeName(doc)))
			return
		}
		for k, v := range g {
			dv, ok := d[k]
			if !ok {
				*errs = append(*errs, fmt.Errorf("%s.%s: not a documented field", path, k))
				continue
			}
			conforms(errs, path+"."+k, v, dv)
		}
	case []any:
		d, ok := doc.([]any)
		if !ok || len(d) == 0 {
			*errs = append(*errs, fmt.Errorf("%s: an array where the documentation has %s", path, typeName(doc)))
			return
		}
		for _, v := range g {
			conforms(errs, path+"[]", v, d[0])
		}
	default:
		if (got == nil) != (doc == nil) || (got != nil && typeName(got) != typeName(doc)) {
			*errs = append(*errs, fmt.Errorf("%s: a %s where the documentation has a %s", path, typeName(got), typeName(doc)))
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return "other"
}
