package steps

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/grading"
)

// GradeOptions say what to grade and where the reports go.
type GradeOptions struct {
	Submission string
	Image      string // "" for the one of the environment (see NewSuite)
	// Dist runs Kafka as local processes from this distribution ("" for the environment's
	// KAFKA_LAB_DIST, see NewSuite).
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
	// Progress, when set, says which section and step is running as each step starts.
	Progress io.Writer
	// Notes receives what the suite says outside the formatters (skips, warnings).
	Notes io.Writer
}

// Graded is what grading one submission gave.
type Graded struct {
	Scenarios []grading.Scenario
	// ToolRuns counts the lab tool containers the run started.
	ToolRuns int64
}

// Grade runs the spec on one submission with clusters of its own, removed at the end, and
// returns how every scenario ended. Optional and mandatory scenarios run in one pass: points,
// not the run's status, say what passed.
func Grade(o GradeOptions) (Graded, error) {
	suite := NewSuite()
	suite.SubmissionDir = o.Submission
	if o.Image != "" {
		suite.Image = o.Image
	}
	if o.Dist != "" {
		suite.Dist = o.Dist
	}
	suite.Out = o.Notes
	if suite.Out == nil {
		suite.Out = io.Discard
	}
	suite.Progress = o.Progress
	if o.Paths == nil {
		o.Paths = []string{"features"}
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	tags := grading.StudentTags(o.Tags)
	if o.KafkaChecks {
		tags = grading.KafkaTags(o.Tags)
	}
	status := godog.TestSuite{
		Name:                 "kafka-lab",
		TestSuiteInitializer: suite.InitializeTestSuite,
		ScenarioInitializer:  suite.InitializeScenario,
		Options: &godog.Options{Paths: o.Paths, Tags: tags, Strict: true, Format: o.Format, Output: o.Output,
			Concurrency: 1, NoColors: o.Progress == nil},
	}.Run()
	g := Graded{Scenarios: suite.Scenarios(), ToolRuns: suite.ClientsStarted()}
	if status == 2 || (status != 0 && len(g.Scenarios) == 0) {
		return g, fmt.Errorf("godog could not run the spec (status %d): check -tags, -format and the features' paths", status)
	}
	return g, nil
}

// sectionOf names a scenario's lab section from its tags, as "§N".
func sectionOf(tags []string) string {
	for _, t := range tags {
		if n, ok := strings.CutPrefix(t, "@section-"); ok {
			return "§" + n
		}
	}
	return "§?"
}

// slowStep is how long a step runs before progress says so.
const slowStep = 3 * time.Second

// progress says which section and step is running once a step has run for slowStep, and how
// long it took when it ends, so a reader of a long run (the durability run takes most of a
// minute) knows what it waits on. Quick steps pass without a word: the formatter shows them.
func (s *Suite) progress(sc *godog.ScenarioContext) {
	var tags []string
	var started time.Time
	var timer *time.Timer
	sc.Before(func(ctx context.Context, gs *godog.Scenario) (context.Context, error) {
		tags = tags[:0]
		for _, t := range gs.Tags {
			tags = append(tags, t.Name)
		}
		return ctx, nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		started = time.Now()
		text := st.Text
		timer = time.AfterFunc(slowStep, func() {
			fmt.Fprintf(s.Progress, "  ... %s: %s (running)\n", sectionOf(tags), text)
		})
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if timer != nil && !timer.Stop() {
			fmt.Fprintf(s.Progress, "  ... %s: %s: %s after %.0f s\n", sectionOf(tags), st.Text, status, time.Since(started).Seconds())
		}
		return ctx, nil
	})
}
