package grading

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
)

// Progress keeps a grading's results.json up to date while it runs: rewritten (atomically)
// as each scenario ends, with the scenarios so far and a note that the grading has not
// finished. A platform that stops the grader at its own time limit (Gradescope's) then still
// finds what was graded, marked as no grade, instead of nothing. The final reports replace it.
type Progress struct {
	dir string

	mu        sync.Mutex
	scenarios []Scenario
	stopped   bool
	err       error // the first write that failed
}

// NewProgress returns a Progress that writes results.json into dir.
func NewProgress(dir string) *Progress { return &Progress{dir: dir} }

// Ended records a scenario that ended and rewrites results.json, unless Stop was called. A
// write that fails is kept for Err: the grading goes on.
func (p *Progress) Ended(sc Scenario) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.scenarios = append(p.scenarios, sc)
	g := ToGradescopeRunning(p.scenarios, fmt.Sprintf("**Not graded yet:** kafka-lab is grading this submission, or was stopped "+
		"before it finished. The %d test(s) below are those that ended so far; the others have not run. This is no grade: "+
		"the score stays 0 until the grading ends. If it stopped, ask your instructor to grade it again.", len(p.scenarios)))
	if err := writeFile(filepath.Join(p.dir, GradescopeFile), func(w io.Writer) error { return WriteJSON(w, g) }); err != nil && p.err == nil {
		p.err = err
	}
}

// Stop ends the rewrites, before the final reports are written, and returns the scenarios
// that ended so far.
func (p *Progress) Stop() []Scenario {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	return append([]Scenario(nil), p.scenarios...)
}

// Err is the first rewrite that failed.
func (p *Progress) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Unfinished stops the rewrites and writes the reports of a grading that could not finish
// (WriteUnfinished), its results.json keeping the tests that ended, under why it is no grade.
func (p *Progress) Unfinished(rec Record) error {
	scenarios := p.Stop()
	if err := WriteUnfinished(p.dir, rec); err != nil || len(scenarios) == 0 {
		return err
	}
	g := ToGradescopeRunning(scenarios, "**Not graded:** "+escapeMarkdown(Unfinished(rec))+
		fmt.Sprintf(" The %d test(s) below are those that ended before it stopped; the others did not run.", len(scenarios)))
	return writeFile(filepath.Join(p.dir, GradescopeFile), func(w io.Writer) error { return WriteJSON(w, g) })
}

// ToGradescopeRunning is the results.json of a grading that has not finished: the tests of
// the scenarios that ended, each with its own score, under note; the score 0, for it is no
// grade yet.
func ToGradescopeRunning(scenarios []Scenario, note string) Gradescope {
	g := ToGradescope(scenarios)
	g.Score = 0
	g.Output = note + "\n\nSo far:\n\n" + g.Output
	return g
}
