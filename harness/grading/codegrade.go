package grading

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// CodeGradeEnv names the file where CodeGrade's unit test step reads the JUnit XML it scores.
const CodeGradeEnv = "CG_JUNIT_XML_LOCATION"

// ErrNotGraded is what WriteCodeGrade returns for a grading that is no grade.
var ErrNotGraded = errors.New("not graded: the harness failed, so no JUnit XML is written for CodeGrade to score; grade it again")

// WriteCodeGrade writes the scenarios' JUnit XML where CodeGrade reads it (path, from
// CodeGradeEnv), atomically. CodeGrade counts an <error> as it counts a <failure>, a test not
// passed, and has no way to say that a step is no grade; so a grading with a harness error
// writes nothing there (and removes what is there), and returns ErrNotGraded: CodeGrade then
// fails the step with no points, its output says why, and the instructor runs it again.
func WriteCodeGrade(path string, scenarios []Scenario) error {
	if !Tally(scenarios).Graded() {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("codegrade: %w", err)
		}
		return ErrNotGraded
	}
	// CodeGrade reads it, perhaps as a user of its own (see WritePrairieLearn).
	return writeFileMode(path, 0o644, func(w io.Writer) error { return WriteJUnit(w, scenarios) })
}
