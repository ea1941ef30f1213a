// Package kafkalab holds the spec's entry points for `go test` and the godog CLI (TestFeatures,
// InitializeScenario) and the end-to-end tests: every bundled submission graded, the attacks,
// batch grading, the Gradescope bundle, the harness's own failures, and the layers' rules.
package kafkalab

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/session"
	"github.com/kafka-lab/kafka-lab/internal/integration"
	"github.com/kafka-lab/kafka-lab/spec"
	"github.com/kafka-lab/kafka-lab/steps"
)

// reference4 is the bundled reference as typed for Kafka 4: section 1 in KRaft mode.
const reference4 = "testdata/submissions/reference-4"

// suite is shared by the scenarios of one run: it holds the run's clusters, one per topology.
var suite = steps.NewSuite()

// InitializeTestSuite and InitializeScenario are what the godog CLI looks for (`go tool godog`).
func InitializeTestSuite(tsc *godog.TestSuiteContext) { suite.InitializeTestSuite(tsc) }

func InitializeScenario(sc *godog.ScenarioContext) { suite.InitializeScenario(sc) }

var opts = godog.Options{
	Output: colors.Colored(os.Stdout),
	Format: "pretty",
	Paths:  []string{"features"},
	Strict: true, // an undefined or pending step fails the run
	// A random order on every run, so that every run tests that no scenario relies on what an
	// earlier one left; -1 is "pick a seed" (see order), -godog.random=SEED replays one and
	// -godog.random=false keeps the features' order.
	Randomize: -1,
}

// seedOnce picks the run's seed once: every spec run of the test binary shares it, so one
// -godog.random=SEED replays them all.
var seedOnce sync.Once

// order returns the seed of the order the spec's scenarios run in (0: the features' order),
// says it at the start of t, and again when t fails, with how to replay it.
func order(t *testing.T) int64 {
	t.Helper()
	seedOnce.Do(func() {
		if opts.Randomize == -1 {
			opts.Randomize = spec.NewSeed()
		}
	})
	seed := opts.Randomize
	// On stderr now, not in t.Log, which shows only once the test ends: a run stopped midway
	// still says its seed.
	fmt.Fprintf(os.Stderr, "kafka-lab: %s: %s\n", t.Name(), spec.SeedNote(seed))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s", spec.SeedNote(seed))
		}
	})
	return seed
}

// shuffled returns paths as the seed orders them (spec.Shuffle), failing t if it cannot.
func shuffled(t *testing.T, paths []string, seed int64) []string {
	t.Helper()
	out, err := spec.Shuffle(nil, paths, seed)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func init() {
	// The standard flag set, which go test parses (BindCommandLineFlags binds pflag's instead).
	godog.BindFlags("godog.", flag.CommandLine, &opts) //nolint:staticcheck
	flag.StringVar(&suite.Session.SubmissionDir, "submission", suite.Session.SubmissionDir,
		"the student's submission folder, with answers.yaml (env KAFKA_LAB_SUBMISSION)")
	flag.BoolVar(&suite.Session.KeepFailed, "keep", false,
		"leave a failed scenario's containers (its cluster, the student's) for a look, and say how to remove them (Docker only)")
}

// TestFeatures runs the spec; each mandatory scenario is a subtest (-run 'TestFeatures/<name>').
// Flags: -godog.tags=@section-1, -godog.format=cucumber, -godog.random=SEED, ...
//
// The scenarios run in a random order (see order), its seed said at the start and in a failure.
//
// Optional scenarios (@optional) run after the mandatory ones and add a bonus: one that does not
// pass is reported, not failed, since the lab's own solution does not do the optional parts (its
// balance calculator is not exactly-once). An undefined or pending step fails either way, and so
// does an optional scenario worth no points: it checks Kafka itself, whatever the submission.
func TestFeatures(t *testing.T) {
	integration.Require(t, integration.Engine)
	if opts.Concurrency > 1 {
		// Scenarios share one cluster per topology and reset it after each: they run one at a time.
		t.Fatalf("-godog.concurrency=%d: the spec runs one scenario at a time", opts.Concurrency)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := suite.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	seed := order(t)
	paths := shuffled(t, opts.Paths, seed)
	run := func(s *steps.Suite, tags string, tt *testing.T, out io.Writer) int {
		o := opts
		o.TestingT, o.Strict, o.Tags = tt, true, tags
		o.Paths, o.Randomize = paths, seed
		if out != nil {
			o.Output = colors.Colored(out)
		}
		return godog.TestSuite{Name: "kafka-lab", ScenarioInitializer: s.InitializeScenario, Options: &o}.Run()
	}
	if suite.Session.SubmissionDir == session.DefaultSubmission {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		img, err := suite.Session.KafkaImage(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		// Kafka 4 has no ZooKeeper mode (KIP-833), so the lab's own start commands cannot run
		// there: the reference is then the lab's solution as typed for Kafka 4.
		if !img.HasZooKeeper {
			suite.Session.SetSubmission(reference4)
			t.Logf("Kafka %s has no ZooKeeper mode: grading %s, the lab's solution with Kafka 4's KRaft start", img.KafkaVersion, reference4)
		}
	}
	// A line when a step has run for a while (the durability run takes most of a minute).
	suite.Progress = os.Stderr
	// The optional scenarios (the exactly-once bonus, section 7's) run on clusters of their own:
	// where clusters run side by side, in a lane beside the mandatory ones, as a grading runs
	// section 6 beside the rest, what they print held until the mandatory run has printed its
	// own, so the output reads as it did when they ran after it.
	optional, optionalTags := suite, grading.AndTag(opts.Tags, "@optional")
	lane := sideLane(t)
	var laneOut held
	done := make(chan struct{})
	if lane != nil {
		optional, lane.Progress = lane, laneOut.to(os.Stderr)
		go func() {
			defer close(done)
			run(lane, optionalTags, nil, laneOut.to(os.Stdout))
		}()
		t.Cleanup(func() { <-done }) // before the lane is closed, however the test ends
	}
	if status := run(suite, grading.AndTag(opts.Tags, "~@optional"), t, nil); status != 0 {
		t.Errorf("the spec failed (godog status %d)", status)
	}
	mandatory := suite.ScenariosRun()
	graded := suite.Results()
	scenarios := spec.Scenarios(graded)
	if lane != nil {
		laneOut.release()
		<-done
	} else {
		suite.ResetResults()
		run(suite, optionalTags, nil, nil)
	}
	scenarios = append(scenarios, spec.Scenarios(optional.Results())...)
	if slices.Equal(opts.Paths, []string{"features"}) {
		specRun.record(suite.Session, append(graded, optional.Results()...))
	}
	defer func() { fmt.Printf("\nkafka-lab: %s", grading.Summary(grading.Tally(scenarios))) }()
	for _, r := range optional.Results() {
		switch {
		case r.Err == nil && spec.Scenario(r).Points() == 0:
			t.Logf("optional scenario passed (it checks Kafka itself, for no points): %s", r.Name)
		case r.Err == nil:
			t.Logf("optional scenario passed (bonus): %s", r.Name)
		case errors.Is(r.Err, godog.ErrUndefined) || errors.Is(r.Err, godog.ErrPending):
			t.Errorf("optional scenario %q: %v", r.Name, r.Err)
		case spec.Scenario(r).Points() == 0 && !errors.Is(r.Err, godog.ErrSkip):
			// Worth no points, it checks Kafka itself (section 7's acks table and durability
			// run), not the student's work: every submission must pass it.
			t.Errorf("optional scenario %q checks Kafka, not the submission, and did not pass: %v", r.Name, r.Err)
		default:
			t.Logf("optional scenario not passed (no bonus, no penalty): %s", r.Name)
		}
	}
	ran := suite.ScenariosRun()
	if lane != nil {
		ran += lane.ScenariosRun()
	}
	if mandatory == 0 && ran == mandatory {
		t.Fatalf("no scenario ran: do the tags %q match any scenario in %v?", opts.Tags, opts.Paths)
	}
}

// sideLane returns a lane of the suite's session for TestFeatures' optional scenarios, closed
// when t ends, or nil where they run after the mandatory ones: clusters that cannot run side by
// side (local processes), fewer than two cores, or a format that writes a file, which two runs
// at once would both write.
func sideLane(t *testing.T) *steps.Suite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f, err := suite.Session.Facts(ctx)
	if err != nil || !cluster.SideBySide(f) || runtime.NumCPU() < 2 || strings.Contains(opts.Format, ":") {
		return nil // a failed engine fails the run, which says why
	}
	lane := &steps.Suite{Session: suite.Session.Lane()}
	// Registered after the suite's, so run before it: a lane is closed before its session.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := lane.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return lane
}

// held holds what is written to its writers (to) until release, then writes it to theirs, in
// the order it came, and passes the rest through.
type held struct {
	mu       sync.Mutex
	writes   []heldWrite
	released bool
}

type heldWrite struct {
	w io.Writer
	p []byte
}

// to returns a writer to w that holds what it gets until release.
func (h *held) to(w io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.released {
			return w.Write(p)
		}
		h.writes = append(h.writes, heldWrite{w, bytes.Clone(p)})
		return len(p), nil
	})
}

func (h *held) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, hw := range h.writes {
		_, _ = hw.w.Write(hw.p)
	}
	h.writes, h.released = nil, true
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestHeld: what the lane printed before release comes out first, in the order it came on
// both streams, then the rest as it comes.
func TestHeld(t *testing.T) {
	var h held
	var log bytes.Buffer
	stdout, stderr := h.to(writerFunc(func(p []byte) (int, error) { return fmt.Fprintf(&log, "1%s ", p) })),
		h.to(writerFunc(func(p []byte) (int, error) { return fmt.Fprintf(&log, "2%s ", p) }))
	fmt.Fprint(stdout, "a")
	fmt.Fprint(stderr, "b")
	fmt.Fprint(stdout, "c")
	if log.Len() != 0 {
		t.Fatalf("written before release: %q", log.String())
	}
	h.release()
	fmt.Fprint(stderr, "d")
	if want := "1a 2b 1c 2d "; log.String() != want {
		t.Errorf("got %q, want %q", log.String(), want)
	}
}
