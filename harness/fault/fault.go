// Package fault tells the harness's own failures from the student's. A container engine that
// does not answer, a cluster that does not start, a port held by another program, a reset that
// fails: none of these says anything about a submission, so they are wrapped here, and grading
// records them as errors with their reason, never as lost points, and grades again.
package fault

import (
	"errors"
	"fmt"
)

// Error is a failure of the harness, not of the submission under test.
type Error struct {
	// What the harness was doing, in a few words ("start the single cluster").
	Doing string
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("the grader could not %s (not a mistake of the submission): %v", e.Doing, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Harness wraps err as the harness's own failure while doing something; nil stays nil, and an
// error that already is one is returned as it is.
func Harness(doing string, err error) error {
	if err == nil || Is(err) {
		return err
	}
	return &Error{Doing: doing, Err: err}
}

// Is says whether err is, or wraps, a failure of the harness.
func Is(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
