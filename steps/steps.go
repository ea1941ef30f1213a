// Package steps assembles the lab's step definitions for godog: each domain package (starting,
// topics, console, groups, pipeline, replication, answers) registers its own steps and state;
// Suite gives every scenario its shared state (package scenario) on the run's session, records
// how each scenario ended, and resets the scenario's cluster after it.
package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/session"
	"github.com/kafka-lab/kafka-lab/harness/wait"
	"github.com/kafka-lab/kafka-lab/steps/answers"
	"github.com/kafka-lab/kafka-lab/steps/console"
	"github.com/kafka-lab/kafka-lab/steps/groups"
	"github.com/kafka-lab/kafka-lab/steps/pipeline"
	"github.com/kafka-lab/kafka-lab/steps/replication"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/starting"
	"github.com/kafka-lab/kafka-lab/steps/topics"
)

// Suite is a run of the spec on a session: the domains' steps, and how each scenario ended.
type Suite struct {
	Session *session.Session
	// Progress, when set, receives a line when a step has run for a while, and when it ends.
	Progress io.Writer
	// OnResult, when set, is called with each scenario's result as it is recorded, while the
	// scenario's clean-up has yet to run: a grading writes its results so far, so that a run
	// stopped from outside still says what it graded. It is called from one scenario at a time
	// per suite; suites that run side by side call it at once.
	OnResult func(Result)

	ran       atomic.Int64
	lastAt    atomic.Int64 // the count of ran at the session's last scenario (PlanLast); 0: none
	resultsMu sync.Mutex
	results   []Result
}

// Result is how one scenario ended.
type Result struct {
	Feature string // its file
	Name    string
	Tags    []string
	Err     error // nil when it passed
	Took    time.Duration
}

// NewSuite returns a suite on a session for the image, distribution and submission the
// environment names (session.FromEnv).
func NewSuite() *Suite { return &Suite{Session: session.FromEnv()} }

// InitializeTestSuite closes the session's clusters when the run ends.
func (s *Suite) InitializeTestSuite(tsc *godog.TestSuiteContext) {
	tsc.AfterSuite(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			fmt.Fprintf(s.Session.Out, "kafka-lab: %v\n", err)
		}
	})
}

// InitializeScenario gives each scenario its state and registers every domain's steps. Hooks
// run in the order registered: the verdict is recorded first, then each domain stops what it
// started, then the scenario's commands are stopped and its cluster reset. A failed scenario's
// logs are attached (evidence) after its verdict, before anything is stopped.
func (s *Suite) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		if s.ran.Add(1) == s.lastAt.Load() {
			s.Session.LastScenario()
		}
		ctx = wait.WithSlowness(ctx, s.Session.Slowness())
		return scenario.New(ctx, s.Session), nil
	})
	sc.After(s.verdict)
	sc.After(s.evidence)
	if s.Progress != nil {
		s.progress(sc)
	}
	starting.AddSteps(sc)
	answers.AddSteps(sc)
	topics.AddSteps(sc)
	console.AddSteps(sc)
	groups.AddSteps(sc)
	pipeline.AddSteps(sc)
	replication.AddSteps(sc)
	sc.After(s.cleanUp)
}

// verdict records how the scenario ended. A failure on a cluster that lost a node is the
// harness's (the student's command or program met a Kafka that was no longer whole), unless the
// evidence says the student's code took the node down (cluster.Blame): then it is the student's
// failure, whatever check failed after it, worded as what their program did.
func (s *Suite) verdict(ctx context.Context, gs *godog.Scenario, err error) (context.Context, error) {
	st, serr := scenario.From(ctx)
	var took time.Duration
	if serr == nil {
		took = time.Since(st.Started)
		if err != nil && st.Cluster != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			err = s.blame(rctx, st, err)
		}
	}
	var tags []string
	for _, t := range gs.Tags {
		tags = append(tags, t.Name)
	}
	r := Result{Feature: gs.Uri, Name: gs.Name, Tags: tags, Err: err, Took: took}
	s.resultsMu.Lock()
	s.results = append(s.results, r)
	s.resultsMu.Unlock()
	if s.OnResult != nil {
		s.OnResult(r)
	}
	return ctx, nil
}

// blame is err, the scenario's failure, once the scenario's cluster is asked whether it lost a
// node and whose fault that was (see verdict).
func (s *Suite) blame(ctx context.Context, st *scenario.State, err error) error {
	deaths, derr := st.Cluster.Deaths(ctx)
	switch {
	case derr != nil:
		if fault.Is(err) {
			return err
		}
		fmt.Fprintf(s.Session.Out, "kafka-lab: after the scenario: %v\n", derr)
		return fault.Harness("keep Kafka running during the scenario", derr)
	case len(deaths) == 0:
		return err
	}
	if msg, ok := cluster.Blame(deaths, st.Cluster.StudentRuns()); ok {
		fmt.Fprintf(s.Session.Out, "kafka-lab: after the scenario: %s\n", msg)
		c := scenario.Check{
			Expected: "Kafka keeps running while your programs and commands run against it",
			Observed: msg,
			Hint: "Kafka allocates, for each request, the size its first 4 bytes announce: talk to Kafka through " +
				"a Kafka client (kafka-python or confluent-kafka) as the lab does, never with bytes of your own",
		}
		if !fault.Is(err) {
			c.Tail = "--- then the scenario failed with:\n" + err.Error()
		}
		return c
	}
	if fault.Is(err) {
		return err
	}
	lost := st.Cluster.LostError(ctx, deaths)
	fmt.Fprintf(s.Session.Out, "kafka-lab: after the scenario: %v\n", lost)
	return fault.Harness("keep Kafka running during the scenario", lost)
}

// cleanUp stops the scenario's commands, then resets its cluster. The scenario's clients go
// first: a consumer still in its group would keep the group from being deleted. The verdict is
// recorded and stands: a reset that fails is the harness's failure, and it is the next scenario
// of that cluster that cannot run.
func (s *Suite) cleanUp(ctx context.Context, gs *godog.Scenario, serr error) (context.Context, error) {
	st, err := scenario.From(ctx)
	if err != nil {
		return ctx, nil
	}
	if s.Session.KeepFailed && failed(serr) && s.keep(gs, st) {
		return ctx, nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if perr := st.StopProcesses(rctx); perr != nil {
		fmt.Fprintf(s.Session.Out, "kafka-lab: after the scenario: %v\n", perr)
	}
	if st.Cluster == nil {
		return ctx, nil
	}
	if rerr := st.Cluster.Reset(rctx); rerr != nil {
		fmt.Fprintf(s.Session.Out, "kafka-lab: after the scenario: %v\n", rerr)
		s.Session.Break(st.Cluster, fault.Harness(fmt.Sprintf("reset the %s cluster after the last scenario", st.Cluster.Topology), rerr))
	}
	return ctx, nil
}

// keep leaves a failed scenario's cluster and the student's containers on it for a look, as
// they are (section 6's programs are stopped by their domain's clean-up, before), and says how
// to remove them; false when nothing was kept, and the scenario is cleaned up as ever.
func (s *Suite) keep(gs *godog.Scenario, st *scenario.State) bool {
	if st.Cluster == nil {
		return false
	}
	var names []string
	for _, r := range st.Cluster.StudentRuns() {
		names = append(names, r.Container)
	}
	kept, remove, err := s.Session.Keep(st.Cluster, names)
	if err != nil {
		if !errors.Is(err, container.ErrCannotKeep) { // said once, when the run began
			fmt.Fprintf(s.Session.Out, "kafka-lab: -keep: %v\n", err)
		}
		return false
	}
	fmt.Fprintf(s.Session.Out, "kafka-lab: -keep: %q failed; its containers are kept for a look (docker logs NAME, docker exec -it NAME bash):\n  %s\nOnce done, remove them with:\n  %s\n",
		gs.Name, strings.Join(kept, "\n  "), remove)
	return true
}

// Results returns how each scenario run so far ended, in the order they ran.
func (s *Suite) Results() []Result {
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	return append([]Result(nil), s.results...)
}

// ResetResults forgets the results, for a caller that runs the suite again.
func (s *Suite) ResetResults() {
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	s.results = nil
}

// Next readies the suite for another student's submission in dir (session.Session.Next):
// results and the count of scenarios start afresh.
func (s *Suite) Next(ctx context.Context, dir string) error {
	err := s.Session.Next(ctx)
	s.Session.SetSubmission(dir)
	s.ran.Store(0)
	s.ResetResults()
	return err
}

// PlanLast says that the session is not used after the next n scenarios (the rest of a one-off
// grading): the last of them starts no spare cluster that nothing would use.
func (s *Suite) PlanLast(n int) {
	if n > 0 {
		s.lastAt.Store(s.ran.Load() + int64(n))
	}
}

// ScenariosRun counts the scenarios started so far, so a run whose tag filter matched nothing
// can say so instead of passing silently.
func (s *Suite) ScenariosRun() int64 { return s.ran.Load() }

// Close removes the session's clusters and whatever else the run started.
func (s *Suite) Close(ctx context.Context) error { return s.Session.Close(ctx) }

// SectionOf names a scenario's lab section from its tags, as "§N".
func SectionOf(tags []string) string {
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
			fmt.Fprintf(s.Progress, "  ... %s: %s (running)\n", SectionOf(tags), text)
		})
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if timer != nil && !timer.Stop() {
			fmt.Fprintf(s.Progress, "  ... %s: %s: %s after %.0f s\n", SectionOf(tags), st.Text, status, time.Since(started).Seconds())
		}
		return ctx, nil
	})
}
