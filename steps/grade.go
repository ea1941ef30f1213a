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
	g := NewGrader(o)
	graded, err := g.Grade(o.Submission, o.Format)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if cerr := g.Close(ctx); cerr != nil {
		fmt.Fprintf(g.suite.Out, "kafka-lab: %v\n", cerr)
	}
	return graded, err
}

// Grader grades submissions one after another with the same clusters, as a batch's worker
// does: the clusters are reset after every scenario whoever's it was (see Suite.After), so
// the next submission meets them as the first did, and a start of each is saved.
type Grader struct {
	suite *Suite
	o     GradeOptions
	used  bool
}

// NewGrader returns a grader of the options' image or distribution, features and tags;
// o.Submission and o.Format are given to each Grade.
func NewGrader(o GradeOptions) *Grader {
	suite := NewSuite()
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
	return &Grader{suite: suite, o: o}
}

// Grade grades one submission, with format as GradeOptions.Format says.
func (g *Grader) Grade(submission, format string) (Graded, error) {
	s := g.suite
	if g.used {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.nextSubmission(ctx)
		cancel()
		if err != nil {
			fmt.Fprintf(s.Out, "kafka-lab: before the next submission: %v\n", err)
		}
	}
	g.used = true
	s.SetSubmission(submission)
	tools := s.ClientsStarted()
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
	graded := Graded{Scenarios: s.Scenarios(), ToolRuns: s.ClientsStarted() - tools}
	if status == 2 || (status != 0 && len(graded.Scenarios) == 0) {
		return graded, fmt.Errorf("godog could not run the spec (status %d): check -tags, -format and the features' paths", status)
	}
	return graded, nil
}

// Notes sends what the suite says outside the formatters to w from now on: a worker gives
// each submission's to its own log.
func (g *Grader) Notes(w io.Writer) { g.suite.Out = w }

// Close removes the clusters and whatever else the grader started.
func (g *Grader) Close(ctx context.Context) error { return g.suite.Close(ctx) }

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
