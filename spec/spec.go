// Package spec runs the lab's executable spec, the features with the step definitions of
// package steps, under godog, and returns how each scenario ended as grading counts it. It is
// the grading layer's way into the spec: cmd/ grades through it and never imports a step
// package.
package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/features"
	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/session"
	"github.com/kafka-lab/kafka-lab/steps"
)

// DefaultSubmission is the bundled reference submission, relative to the project root.
const DefaultSubmission = session.DefaultSubmission

// Options say what to grade and where the reports go.
type Options struct {
	Submission string
	Image      string // "" for the one of the environment (see session.FromEnv)
	// Dist runs Kafka as local processes from this distribution ("" for the environment's
	// KAFKA_LAB_DIST, see session.FromEnv).
	Dist string
	// SameUser, with Dist, lets a grader that is not root run the submission's programs and
	// commands as its own user (container.LocalOptions; false leaves the environment's
	// KAFKA_LAB_LOCAL_SAME_USER, see session.FromEnv).
	SameUser bool
	// Paths are feature files or folders on disk; nil grades with the features built in
	// (package features), as they were when the binary was built.
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
	// OneLane runs every scenario one after the other, never section 6 beside the others
	// (see Grader).
	OneLane bool
	// Random is the seed of the order the scenarios run in (see Shuffle), within each lane; 0
	// runs them in the features' order, as gradings do. Graded lists them in the features'
	// order either way, and so do the reports made from it.
	Random int64
	// Keep leaves the containers of a scenario that did not pass (its cluster, the student's
	// programs and commands) when the grading ends, for a look, and says how to remove them
	// (Docker only: local processes end with the run).
	Keep bool
	// OnScenario, when set, is called with each scenario's result as soon as the scenario
	// ends, before its clean-up and before the grading ends: the same result Graded will hold.
	// Calls come one at a time, also from lanes that run side by side.
	OnScenario func(grading.Scenario)
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
	g.once = true
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
//
// Section 6 waits mostly on the lab's clock (the generator's seconds, the calculator settling)
// while the other sections mostly start the lab's tools: where the engine gives each cluster a
// network of its own and the machine has two cores, section 6 runs beside the others, on a
// lane with a Kafka of its own (session.Session.Lane), and its output follows theirs.
type Grader struct {
	suite *steps.Suite
	sides []*steps.Suite // the lanes of sideTags, once used
	o     Options
	fsys  fs.FS // the features' file system (nil: the disk)
	used  bool
	// once: the grader grades one submission (Grade), so each suite's last scenario is the last
	// its clusters serve (steps.Suite.PlanLast).
	once bool
	// onScenarioMu makes the lanes' calls of o.OnScenario one at a time.
	onScenarioMu sync.Mutex
}

// sideTags are what the side lanes run, one lane each. Section 7 stays in the main lane: while it
// was one command a lane of its own was no faster on 2 cores (42-49 s a whole grading with three
// lanes, 39-44 s with two); with the student's own brokers and the acks experiment replayed it
// was 70 s with three lanes against 78 s with two (one run each), too little for a third lane's
// JVMs competing with the experiment's 2 s delivery bounds on 2 cores.
var sideTags = []string{"@section-6"}

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
	if o.SameUser {
		suite.Session.SameUser = true
	}
	suite.Session.KeepFailed = o.Keep
	if o.Notes == nil {
		o.Notes = io.Discard
	}
	suite.Session.Out = &lockedWriter{w: o.Notes}
	if o.Progress != nil {
		suite.Progress = &lockedWriter{w: o.Progress}
	}
	var fsys fs.FS
	if o.Paths == nil {
		fsys, o.Paths = features.FS, []string{features.Dir}
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	g := &Grader{suite: suite, o: o, fsys: fsys}
	suite.OnResult = g.onResult()
	return g
}

// onResult is the suites' OnResult for o.OnScenario: nil without one, and one call at a time.
func (g *Grader) onResult() func(steps.Result) {
	if g.o.OnScenario == nil {
		return nil
	}
	return func(r steps.Result) {
		g.onScenarioMu.Lock()
		defer g.onScenarioMu.Unlock()
		g.o.OnScenario(Scenario(r))
	}
}

// Grade grades one submission, with format as Options.Format says.
func (g *Grader) Grade(submission, format string) (Graded, error) {
	s := g.suite
	if g.used {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for _, su := range g.suites() {
			if err := su.Next(ctx, submission); err != nil {
				fmt.Fprintf(su.Session.Out, "kafka-lab: before the next submission: %v\n", err)
			}
		}
		cancel()
	} else {
		s.Session.SetSubmission(submission)
	}
	g.used = true
	tools := g.toolRuns()
	tags := grading.StudentTags(g.o.Tags)
	if g.o.KafkaChecks {
		tags = grading.KafkaTags(g.o.Tags)
	}
	var results []steps.Result
	var status int
	if sides, sideFormat, merge := g.lanes(format); sides != nil {
		outs := make([]bytes.Buffer, len(sides))
		done := make(chan int, len(sides))
		main := tags
		for i, side := range sides {
			main = grading.AndTag(main, "~"+sideTags[i])
			go func() { done <- g.run(side, grading.AndTag(tags, sideTags[i]), sideFormat(i), &outs[i]) }()
		}
		status = g.run(s, main, format, g.o.Output)
		results = s.Results()
		for range sides {
			status = max(status, <-done)
		}
		for i, side := range sides {
			if len(side.Results()) > 0 {
				fmt.Fprintf(g.o.Output, "\n--- %s, which ran beside the sections above on a Kafka of its own:\n%s", strings.TrimPrefix(strings.ReplaceAll(sideTags[i], "-", " "), "@"), outs[i].Bytes())
			}
			results = append(results, side.Results()...)
		}
		if err := merge(); err != nil {
			fmt.Fprintf(s.Session.Out, "kafka-lab: %v\n", err)
		}
	} else {
		status = g.run(s, tags, format, g.o.Output)
		results = s.Results()
	}
	// In the order of the features, as one pass in that order gives them, whatever the lanes
	// and the seed.
	InFeatureOrder(g.fsys, g.o.Paths, results)
	graded := Graded{Scenarios: Scenarios(results), ToolRuns: g.toolRuns() - tools}
	if status == 2 || (status != 0 && len(graded.Scenarios) == 0) {
		return graded, fmt.Errorf("godog could not run the spec (status %d): check -tags, -format and the features' paths", status)
	}
	return graded, nil
}

// run runs the scenarios of tags on a suite and returns godog's status.
func (g *Grader) run(s *steps.Suite, tags, format string, out io.Writer) int {
	if g.once {
		s.PlanLast(g.count(tags))
	}
	paths, err := Shuffle(g.fsys, g.o.Paths, g.o.Random)
	if err != nil {
		fmt.Fprintf(s.Session.Out, "kafka-lab: %v\n", err)
		return 2
	}
	return godog.TestSuite{
		Name:                "kafka-lab",
		ScenarioInitializer: s.InitializeScenario,
		Options: &godog.Options{FS: g.fsys, Paths: paths, Tags: tags, Strict: true, Format: format, Output: out,
			Concurrency: 1, NoColors: g.o.Progress == nil, Randomize: g.o.Random},
	}.Run()
}

// count is the number of scenarios of tags, 0 if the features cannot be read (run says why).
func (g *Grader) count(tags string) int {
	features, err := godog.TestSuite{Options: &godog.Options{FS: g.fsys, Paths: g.o.Paths, Tags: tags}}.RetrieveFeatures()
	if err != nil {
		return 0
	}
	n := 0
	for _, f := range features {
		n += len(f.Pickles)
	}
	return n
}

// lanes returns the side lanes' suites, each lane's formats and what merges their reports
// into the main pass's after all ran; nil when every section runs in the main pass: Kafka
// checks, OneLane, an engine whose containers share the host's network (one cluster on the
// lab's port at a time), fewer than two cores, or a formatter whose file cannot be merged.
func (g *Grader) lanes(format string) ([]*steps.Suite, func(lane int) string, func() error) {
	if g.o.KafkaChecks || g.o.OneLane || runtime.NumCPU() < 2 {
		return nil, nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if f, err := g.suite.Session.Facts(ctx); err != nil || !cluster.SideBySide(f) {
		return nil, nil, nil
	}
	sideFormat, merge, ok := laneFormat(format, len(sideTags))
	if !ok {
		return nil, nil, nil
	}
	for len(g.sides) < len(sideTags) {
		g.sides = append(g.sides, &steps.Suite{Session: g.suite.Session.Lane(), Progress: g.suite.Progress, OnResult: g.suite.OnResult})
	}
	return g.sides, sideFormat, merge
}

// laneFormat gives each of n lanes the formatters of format, each file one of its own, and
// returns what merges the lanes' files into the main pass's: only cucumber JSON merges (its
// features are an array).
func laneFormat(format string, n int) (func(lane int) string, func() error, bool) {
	type file struct{ name, path string }
	var plain []string
	var files []file
	for _, f := range strings.Split(format, ",") {
		name, path, hasFile := strings.Cut(f, ":")
		if !hasFile {
			plain = append(plain, f)
			continue
		}
		if name != "cucumber" {
			return nil, nil, false
		}
		files = append(files, file{name, path})
	}
	lanePath := func(path string, lane int) string { return fmt.Sprintf("%s.lane-%d", path, lane+1) }
	formatOf := func(lane int) string {
		out := slices.Clone(plain)
		for _, f := range files {
			out = append(out, f.name+":"+lanePath(f.path, lane))
		}
		return strings.Join(out, ",")
	}
	return formatOf, func() error {
		var errs []error
		for _, f := range files {
			lanes := make([]string, n)
			for i := range n {
				lanes[i] = lanePath(f.path, i)
			}
			errs = append(errs, mergeCucumber(f.path, lanes...))
		}
		return errors.Join(errs...)
	}, true
}

// mergeCucumber appends the features of the cucumber JSON files of the lanes to those of main,
// and removes the lanes' files.
func mergeCucumber(main string, lanes ...string) error {
	var all []json.RawMessage
	for _, f := range append([]string{main}, lanes...) {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a pass that ran nothing
		}
		if err != nil {
			return fmt.Errorf("merging the cucumber reports: %w", err)
		}
		var features []json.RawMessage
		if err := json.Unmarshal(b, &features); err != nil {
			return fmt.Errorf("merging the cucumber reports: %s: %w", f, err)
		}
		all = append(all, features...)
	}
	b, err := json.MarshalIndent(all, "", "    ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(main, b, 0o644); err != nil {
		return err
	}
	for _, lane := range lanes {
		if err := os.Remove(lane); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// suites are the grader's suites: the main one, and the side lanes once used.
func (g *Grader) suites() []*steps.Suite {
	return append([]*steps.Suite{g.suite}, g.sides...)
}

// toolRuns counts the lab tool runs of every suite.
func (g *Grader) toolRuns() int64 {
	var n int64
	for _, su := range g.suites() {
		n += su.Session.ClientsStarted()
	}
	return n
}

// Notes sends what the suite says outside the formatters to w from now on: a worker gives
// each submission's to its own log.
func (g *Grader) Notes(w io.Writer) {
	w = &lockedWriter{w: w} // the lanes write at once
	for _, su := range g.suites() {
		su.Session.Out = w
	}
}

// Close removes the clusters and whatever else the grader started.
func (g *Grader) Close(ctx context.Context) error {
	var errs []error
	for _, side := range g.sides {
		errs = append(errs, side.Close(ctx))
	}
	return errors.Join(append(errs, g.suite.Close(ctx))...)
}

// lockedWriter writes for one lane at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

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
