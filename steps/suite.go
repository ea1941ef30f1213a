// Package steps holds the godog step definitions of the lab's spec. The steps are thin: they
// parse their arguments, make one harness call and compare. Each domain's file registers its
// own steps; scenario state lives in a Scenario carried by the context.
package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/container"
	"kafka-lab/harness/fault"
	"kafka-lab/harness/grading"
	"kafka-lab/harness/sandbox"
	"kafka-lab/harness/submission"
	"kafka-lab/harness/wait"
)

// Suite is what scenarios of one run share: the Docker runtime and one cluster per topology,
// started when a scenario first needs it and reset after every scenario that used it.
type Suite struct {
	// Image is the Kafka image reference (KAFKA_LAB_IMAGE, else the one `make image` builds).
	Image string
	// Dist, when set (KAFKA_LAB_DIST), runs Kafka and the submission as local processes from
	// this distribution folder instead of Docker containers (see container.NewLocal).
	Dist string
	// Out receives notes for the reader, such as why a scenario was skipped.
	Out io.Writer
	// SubmissionDir is the student's folder (KAFKA_LAB_SUBMISSION, else the bundled reference).
	SubmissionDir string
	// Progress, when set, receives a line as each step starts (see GradeOptions.Progress).
	Progress io.Writer

	mu            sync.Mutex
	rt            *container.Runtime
	stopSignals   func()
	clientsClosed int64 // lab tool containers of clusters already closed
	image         cluster.Image
	setupErr      error
	clusters      map[cluster.Topology]*startedCluster
	ran           atomic.Int64

	submissionOnce sync.Once
	submission     *submission.Submission

	resultsMu sync.Mutex
	results   []Result

	slownessOnce sync.Once
	slow         float64
}

// SlownessEnv, when set to a number, is the machine's slowness instead of the one measured (see
// wait.WithSlowness): 2 doubles every bound of the harness.
const SlownessEnv = "KAFKA_LAB_SLOWNESS"

// slowness is how much the harness's bounds stretch on this machine, measured once per run
// (wait.MeasureSlowness) and said when it stretches them.
func (s *Suite) slowness() float64 {
	s.slownessOnce.Do(func() {
		s.slow = wait.MeasureSlowness()
		if v := os.Getenv(SlownessEnv); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				fmt.Fprintf(s.Out, "kafka-lab: %s=%q is not a positive number: ignored\n", SlownessEnv, v)
			} else {
				s.slow = f
			}
		}
		if f := wait.Slowness(wait.WithSlowness(context.Background(), s.slow)); f > 1.1 {
			fmt.Fprintf(s.Out, "kafka-lab: this machine runs %.1fx slower than the harness's reference (2 cores to itself): its time limits are stretched %.1fx\n", s.slow, f)
		}
	})
	return s.slow
}

// Result is how one scenario ended.
type Result struct {
	Feature string // its file
	Name    string
	Tags    []string
	Err     error // nil when it passed
	Took    time.Duration
}

// Scenario is the result as grading counts it.
func (r Result) Scenario() grading.Scenario {
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

// Scenarios returns the results so far as grading counts them.
func (s *Suite) Scenarios() []grading.Scenario {
	var out []grading.Scenario
	for _, r := range s.Results() {
		out = append(out, r.Scenario())
	}
	return out
}

// DefaultSubmission is the bundled reference submission, relative to the project root.
const DefaultSubmission = "testdata/submissions/reference"

type startedCluster struct {
	c   *cluster.Cluster
	err error // a failed start is not retried: every scenario needing it fails with this
}

// NewSuite returns a suite for the image named by the environment.
func NewSuite() *Suite {
	dir := os.Getenv("KAFKA_LAB_SUBMISSION")
	if dir == "" {
		dir = DefaultSubmission
	}
	return &Suite{Image: cluster.ImageFromEnv(), Dist: os.Getenv("KAFKA_LAB_DIST"), Out: os.Stderr, SubmissionDir: dir, clusters: map[cluster.Topology]*startedCluster{}}
}

// InitializeTestSuite closes the clusters when the run ends.
func (s *Suite) InitializeTestSuite(tsc *godog.TestSuiteContext) {
	tsc.AfterSuite(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			fmt.Fprintf(s.Out, "kafka-lab: %v\n", err)
		}
	})
}

// InitializeScenario gives each scenario its state and registers every domain's steps.
func (s *Suite) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		s.ran.Add(1)
		ctx = wait.WithSlowness(ctx, s.slowness())
		return withScenario(ctx, &Scenario{suite: s, started: time.Now()}), nil
	})
	sc.After(func(ctx context.Context, gs *godog.Scenario, err error) (context.Context, error) {
		st, ok := ctx.Value(scenarioKey{}).(*Scenario)
		var took time.Duration
		if ok {
			took = time.Since(st.started)
		}
		if !ok {
			s.record(gs, err, took)
			return ctx, nil
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		// A failure on a cluster that lost a node is the harness's: the student's command or
		// program met a Kafka that was no longer whole.
		if err != nil && !fault.Is(err) && st.cluster != nil {
			if lost := st.cluster.Lost(rctx); lost != nil {
				fmt.Fprintf(s.Out, "kafka-lab: after the scenario: %v\n", lost)
				err = fault.Harness("keep Kafka running during the scenario", lost)
			}
		}
		s.record(gs, err, took)
		// The scenario's clients go first: a consumer still in its group would keep the group
		// from being deleted.
		if perr := st.stopProcesses(rctx); perr != nil {
			fmt.Fprintf(s.Out, "kafka-lab: after the scenario: %v\n", perr)
		}
		if st.cluster == nil {
			return ctx, nil
		}
		// The scenario's verdict is recorded and stands: a reset that fails is the harness's
		// failure, and it is the next scenario of that cluster that cannot run.
		if rerr := st.cluster.Reset(rctx); rerr != nil {
			fmt.Fprintf(s.Out, "kafka-lab: after the scenario: %v\n", rerr)
			s.breakCluster(st.cluster, fault.Harness(fmt.Sprintf("reset the %s cluster after the last scenario", st.cluster.Topology), rerr))
		}
		return ctx, nil
	})
	if s.Progress != nil {
		s.progress(sc)
	}
	addStartingSteps(sc)
	addSubmissionSteps(sc)
	addTopicSteps(sc)
	addConsoleSteps(sc)
	addGroupSteps(sc)
	addPipelineSteps(sc)
	addReplicationSteps(sc)
}

func (s *Suite) record(gs *godog.Scenario, err error, took time.Duration) {
	var tags []string
	for _, t := range gs.Tags {
		tags = append(tags, t.Name)
	}
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	s.results = append(s.results, Result{Feature: gs.Uri, Name: gs.Name, Tags: tags, Err: err, Took: took})
}

// Results returns how each scenario run so far ended, in the order they ran.
func (s *Suite) Results() []Result {
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	return append([]Result(nil), s.results...)
}

// ResetResults forgets the results, for a caller that runs the suite again (another submission).
func (s *Suite) ResetResults() {
	s.resultsMu.Lock()
	defer s.resultsMu.Unlock()
	s.results = nil
}

// SetSubmission grades another submission from now on, with the same clusters; results start
// afresh.
func (s *Suite) SetSubmission(dir string) {
	s.SubmissionDir = dir
	s.submissionOnce = sync.Once{}
	s.ResetResults()
}

// nextSubmission readies the suite for another student's submission, who must meet nothing of
// the last one's: a single or ha cluster stays only if it is as it was fresh
// (cluster.Reusable); else the single cluster is renewed (its spare, when one started) and any
// other removed, to start afresh when a scenario needs it. So are clusters a scenario broke or
// that lost a node, section 1's terminals, and the staged copies of the last submission.
func (s *Suite) nextSubmission(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ran.Store(0)
	if s.rt == nil {
		return nil
	}
	var errs []error
	for t, sc := range s.clusters {
		why := "only the single and ha clusters are kept"
		switch {
		case sc.err != nil:
			why = "a scenario broke it"
		case t == cluster.Single || t == cluster.HA:
			if lost := sc.c.Lost(ctx); lost != nil {
				why = lost.Error()
				break
			}
			reason, err := sc.c.Reusable(ctx)
			if err == nil && reason == "" {
				continue
			}
			why = reason
			if err != nil {
				why = err.Error()
			} else if t == cluster.Single {
				if err := sc.c.Renew(ctx); err == nil {
					continue
				} else {
					why += "; renewing it: " + err.Error()
				}
			}
		}
		if t == cluster.Single || t == cluster.HA {
			fmt.Fprintf(s.Out, "kafka-lab: the %s cluster of the last submission is not used again (%s): it starts afresh when needed\n", t, why)
		}
		if sc.c != nil {
			s.clientsClosed += sc.c.ClientsStarted()
			errs = append(errs, sc.c.Close(ctx))
		}
		delete(s.clusters, t)
	}
	errs = append(errs, s.rt.RemoveTempDirs(sandbox.StageDirPrefix))
	return errors.Join(errs...)
}

// Submission loads the student's submission once per run and prints its warnings.
func (s *Suite) Submission() *submission.Submission {
	s.submissionOnce.Do(func() {
		s.submission = submission.Load(s.SubmissionDir)
		for _, w := range s.submission.Warnings {
			fmt.Fprintf(s.Out, "warning: %s\n", w)
		}
	})
	return s.submission
}

// ScenariosRun counts the scenarios started so far, so a run whose tag filter matched nothing
// can say so instead of passing silently.
func (s *Suite) ScenariosRun() int64 { return s.ran.Load() }

// runtime connects to Docker (or sets up local processes) and learns the image once per run.
func (s *Suite) runtime(ctx context.Context) (*container.Runtime, cluster.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rt == nil && s.setupErr == nil {
		var rt *container.Runtime
		var err error
		if s.Dist != "" {
			rt, err = container.NewLocal(ctx, s.Dist)
		} else {
			rt, err = container.New(ctx)
		}
		doing := "reach the container engine"
		if err == nil {
			s.stopSignals = rt.CloseOnSignal()
			s.rt = rt
			doing = "inspect the Kafka image " + s.Image
			s.image, err = cluster.InspectImage(ctx, rt, s.Image)
		}
		s.setupErr = fault.Harness(doing, err)
	}
	return s.rt, s.image, s.setupErr
}

// Cluster returns the run's cluster of the topology, starting it on first use.
func (s *Suite) Cluster(ctx context.Context, t cluster.Topology) (*cluster.Cluster, error) {
	rt, img, err := s.runtime(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.clusters[t]
	if !ok {
		if rt.Facts().SharesHostNetwork {
			// Local processes share the host's ports: the lab's 9092 belongs to one cluster at
			// a time, so the one another topology left running goes first.
			for other, osc := range s.clusters {
				if osc.c != nil {
					s.clientsClosed += osc.c.ClientsStarted()
					if err := osc.c.Close(ctx); err != nil {
						fmt.Fprintf(s.Out, "kafka-lab: closing the %s cluster: %v\n", other, err)
					}
				}
				delete(s.clusters, other)
			}
		}
		c, err := cluster.Start(ctx, rt, t, img, cluster.Options{})
		sc = &startedCluster{c: c, err: fault.Harness(fmt.Sprintf("start the %s cluster", t), err)}
		s.clusters[t] = sc
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return sc.c, nil
}

// breakCluster makes every later scenario that needs c fail with err, a harness failure.
func (s *Suite) breakCluster(c *cluster.Cluster, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.clusters[c.Topology]; ok && sc.c == c {
		sc.err = err
	}
}

// ClientsStarted counts the lab tool containers the run's clusters have started so far.
func (s *Suite) ClientsStarted() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.clientsClosed
	for _, sc := range s.clusters {
		if sc.c != nil {
			n += sc.c.ClientsStarted()
		}
	}
	return n
}

// KafkaImage returns what the harness knows of the image under test.
func (s *Suite) KafkaImage(ctx context.Context) (cluster.Image, error) {
	_, img, err := s.runtime(ctx)
	return img, err
}

// Close removes the clusters and whatever else the run started; a later scenario starts
// afresh.
func (s *Suite) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rt == nil {
		return nil
	}
	s.stopSignals()
	for _, sc := range s.clusters {
		if sc.c != nil {
			s.clientsClosed += sc.c.ClientsStarted()
		}
	}
	err := s.rt.Close(ctx)
	s.rt, s.setupErr = nil, nil
	s.clusters = map[cluster.Topology]*startedCluster{}
	return err
}
