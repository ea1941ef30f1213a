// Package spec runs the lab's executable spec, the features with the step definitions of
// package steps, under godog, and returns how each scenario ended as grading counts it. It is
// the grading layer's way into the spec: cmd/ grades through it and never imports a step
// package.
package spec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/fault"
	"kafka-lab/harness/grading"
	"kafka-lab/harness/session"
	"kafka-lab/steps"
)

// DefaultSubmission is the bundled reference submission, relative to the project root.
const DefaultSubmission = session.DefaultSubmission

// Options say what to grade and where the reports go.
type Options struct {
	Submission string
	Image      string // "" for the one of the environment (see session.FromEnv)
	// Dist runs Kafka as local processes from this distribution ("" for the environment's
	// KAFKA_LAB_DIST, see session.FromEnv).
	Dist  string
	Paths []string
	// Tags narrows what is graded (a godog tag filter, "" for everything). A grading runs the
	// scenarios that depend on the submission; with KafkaChecks, the Kafka-only ones instead
	// (grading.KafkaOnly), which need no submission.
	Tags        string
	KafkaChecks bool
	// Format is godog's: formatters, each with an optional file ("pretty,junit:out/junit.xml").
	Format string
	Output io.Writer // of the formatters without a file
	// Progress, when set, says which section and step is running as each slow step runs.
	Progress io.Writer
	// Notes receives what the suite says outside the formatters (skips, warnings).
	Notes io.Writer
}

// Graded is what grading one submission gave.
type Graded struct {
	Scenarios []grading.Scenario
	// ToolRuns counts the lab tool runs the grading started.
	ToolRuns int64
}

// Grade runs the spec on one submission with clusters of its own, removed at the end, and
// returns how every scenario ended. Optional and mandatory scenarios run in one pass: points,
// not the run's status, say what passed.
func Grade(o Options) (Graded, error) {
	g := NewGrader(o)
	graded, err := g.Grade(o.Submission, o.Format)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if cerr := g.Close(ctx); cerr != nil {
		fmt.Fprintf(g.suite.Session.Out, "kafka-lab: %v\n", cerr)
	}
	return graded, err
}

// Grader grades submissions one after another with the same clusters, as a batch's worker
// does: the clusters are reset after every scenario whoever's it was, and kept for the next
// submission only if they are as they were fresh (session.Session.Next), so the next
// submission meets them as the first did, and a start of each is saved.
type Grader struct {
	suite *steps.Suite
	o     Options
	used  bool
}

// NewGrader returns a grader of the options' image or distribution, features and tags;
// o.Submission and o.Format are given to each Grade.
func NewGrader(o Options) *Grader {
	suite := steps.NewSuite()
	if o.Image != "" {
		suite.Session.Image = o.Image
	}
	if o.Dist != "" {
		suite.Session.Dist = o.Dist
	}
	suite.Session.Out = o.Notes
	if suite.Session.Out == nil {
		suite.Session.Out = io.Discard
	}
	suite.Progress = o.Progress
	if o.Paths == nil {
		o.Paths = []string{"features"}
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	return &Grader{suite: suite, o: o}
}

// Grade grades one submission, with format as Options.Format says.
func (g *Grader) Grade(submission, format string) (Graded, error) {
	s := g.suite
	if g.used {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.Next(ctx, submission)
		cancel()
		if err != nil {
			fmt.Fprintf(s.Session.Out, "kafka-lab: before the next submission: %v\n", err)
		}
	} else {
		s.Session.SetSubmission(submission)
	}
	g.used = true
	tools := s.Session.ClientsStarted()
	tags := grading.StudentTags(g.o.Tags)
	if g.o.KafkaChecks {
		tags = grading.KafkaTags(g.o.Tags)
	}
	status := godog.TestSuite{
		Name:                "kafka-lab",
		ScenarioInitializer: s.InitializeScenario,
		Options: &godog.Options{Paths: g.o.Paths, Tags: tags, Strict: true, Format: format, Output: g.o.Output,
			Concurrency: 1, NoColors: g.o.Progress == nil},
	}.Run()
	graded := Graded{Scenarios: Scenarios(s.Results()), ToolRuns: s.Session.ClientsStarted() - tools}
	if status == 2 || (status != 0 && len(graded.Scenarios) == 0) {
		return graded, fmt.Errorf("godog could not run the spec (status %d): check -tags, -format and the features' paths", status)
	}
	return graded, nil
}

// Notes sends what the suite says outside the formatters to w from now on: a worker gives
// each submission's to its own log.
func (g *Grader) Notes(w io.Writer) { g.suite.Session.Out = w }

// Close removes the clusters and whatever else the grader started.
func (g *Grader) Close(ctx context.Context) error { return g.suite.Close(ctx) }

// Scenario is a scenario's result as grading counts it: godog's skipped, undefined and pending
// steps, the harness's own failures (fault), and the student's.
func Scenario(r steps.Result) grading.Scenario {
	sc := grading.Scenario{Feature: r.Feature, Name: r.Name, Tags: r.Tags, Status: grading.Passed, Took: r.Took}
	switch {
	case r.Err == nil:
	case errors.Is(r.Err, godog.ErrSkip):
		sc.Status = grading.Skipped
	case errors.Is(r.Err, godog.ErrUndefined):
		sc.Status = grading.Undefined
	case errors.Is(r.Err, godog.ErrPending):
		sc.Status = grading.Pending
	case fault.Is(r.Err):
		sc.Status = grading.HarnessError
	default:
		sc.Status = grading.Failed
	}
	if r.Err != nil {
		sc.Output = r.Err.Error()
	}
	return sc
}

// Scenarios converts results as Scenario does.
func Scenarios(rs []steps.Result) []grading.Scenario {
	var out []grading.Scenario
	for _, r := range rs {
		out = append(out, Scenario(r))
	}
	return out
}
