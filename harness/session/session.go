// Package session holds what the scenarios of one run share: the container engine (or local
// processes), the Kafka image's facts, one cluster per topology started on first use, the
// machine's measured slowness and the student's submission. It knows nothing of godog: the
// step definitions ask it for a cluster, and a grader moves it from one submission to the next.
package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/sandbox"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// DefaultSubmission is the bundled reference submission, relative to the project root.
const DefaultSubmission = "testdata/submissions/reference"

// SlownessEnv, when set to a number, is the machine's slowness instead of the one measured (see
// wait.WithSlowness): 2 doubles every bound of the harness.
const SlownessEnv = "KAFKA_LAB_SLOWNESS"

// Session is one run's shared state. Set its fields before the first scenario.
type Session struct {
	// Image is the Kafka image reference (KAFKA_LAB_IMAGE, else the one `make image` builds).
	Image string
	// Dist, when set (KAFKA_LAB_DIST), runs Kafka and the submission as local processes from
	// this distribution folder instead of Docker containers (see container.NewLocal).
	Dist string
	// SameUser, with Dist, lets a harness that is not root run the submission as its own user
	// (container.LocalOptions).
	SameUser bool
	// Out receives notes for the reader, such as why a scenario was skipped.
	Out io.Writer
	// SubmissionDir is the student's folder (KAFKA_LAB_SUBMISSION, else the bundled reference).
	SubmissionDir string

	eng  *engine // shared with the session's lanes
	lane bool    // a lane leaves the engine to the session it came from

	mu            sync.Mutex
	clientsClosed int64 // lab tool runs of clusters already closed
	clusters      map[cluster.Topology]*startedCluster
	// last: the scenario running is the last of the session's (LastScenario).
	last bool

	submissionOnce sync.Once
	submission     *submission.Submission

	slownessOnce sync.Once
	slow         float64
}

// engine is the container engine of a run and what it told of the image, shared by a session
// and its lanes.
type engine struct {
	mu          sync.Mutex
	rt          *container.Runtime
	stopSignals func()
	image       cluster.Image
	setupErr    error
}

type startedCluster struct {
	c   *cluster.Cluster
	err error // a failed start is not retried: every scenario needing it fails with this
}

// FromEnv returns a session for the image, distribution and submission the environment names.
func FromEnv() *Session {
	dir := os.Getenv("KAFKA_LAB_SUBMISSION")
	if dir == "" {
		dir = DefaultSubmission
	}
	return &Session{Image: cluster.ImageFromEnv(), Dist: os.Getenv("KAFKA_LAB_DIST"),
		SameUser: container.LocalOptionsFromEnv().SameUser, Out: os.Stderr, SubmissionDir: dir}
}

// Lane returns a session that shares this one's engine, image, slowness and submission but
// starts clusters of its own: scenarios on a lane run beside the session's, each on their own
// Kafka. Close the lane before the session (the session's Close removes everything its engine
// started, lanes' clusters too).
func (s *Session) Lane() *Session {
	slow := s.Slowness()
	l := &Session{Image: s.Image, Dist: s.Dist, SameUser: s.SameUser, Out: s.Out, SubmissionDir: s.SubmissionDir, eng: s.engine(), lane: true}
	l.slownessOnce.Do(func() { l.slow = slow })
	return l
}

// engine returns the session's engine, made on first use.
func (s *Session) engine() *engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eng == nil {
		s.eng = &engine{}
	}
	return s.eng
}

// Facts says what differs about where the session's containers run (container.Facts),
// reaching the engine first.
func (s *Session) Facts(ctx context.Context) (container.Facts, error) {
	rt, _, err := s.runtime(ctx)
	if err != nil {
		return container.Facts{}, err
	}
	return rt.Facts(), nil
}

// Slowness is how much the harness's bounds stretch on this machine, measured once per run
// (wait.MeasureSlowness) and said when it stretches them.
func (s *Session) Slowness() float64 {
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

// SetSubmission grades another submission from now on, with the same clusters.
func (s *Session) SetSubmission(dir string) {
	s.SubmissionDir = dir
	s.submissionOnce = sync.Once{}
}

// Submission loads the student's submission once per submission and prints its warnings.
func (s *Session) Submission() *submission.Submission {
	s.submissionOnce.Do(func() {
		s.submission = submission.Load(s.SubmissionDir)
		for _, w := range s.submission.Warnings {
			fmt.Fprintf(s.Out, "warning: %s\n", w)
		}
	})
	return s.submission
}

// Next readies the session for another student's submission, who must meet nothing of the
// last one's: a single or ha cluster stays only if it is as it was fresh (cluster.Reusable);
// else the single cluster is renewed (its spare, when one started) and any other removed, to
// start afresh when a scenario needs it. So are clusters a scenario broke or that lost a node,
// section 1's terminals, and the staged copies of the last submission.
func (s *Session) Next(ctx context.Context) error {
	rt := s.started()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last {
		s.last = false
		for _, sc := range s.clusters {
			if sc.c != nil {
				sc.c.SetSpares(true)
			}
		}
	}
	if rt == nil {
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
		errs = append(errs, s.closeLocked(ctx, t))
	}
	if !s.lane {
		errs = append(errs, rt.RemoveTempDirs(sandbox.StageDirPrefix))
	}
	return errors.Join(errs...)
}

// closeLocked closes the cluster of topology t and forgets it; s.mu is held.
func (s *Session) closeLocked(ctx context.Context, t cluster.Topology) error {
	sc := s.clusters[t]
	delete(s.clusters, t)
	if sc == nil || sc.c == nil {
		return nil
	}
	s.clientsClosed += sc.c.ClientsStarted()
	return sc.c.Close(ctx)
}

// started returns the engine's runtime if one was started, else nil.
func (s *Session) started() *container.Runtime {
	e := s.engine()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rt
}

// runtime connects to Docker (or sets up local processes) and learns the image once per run.
func (s *Session) runtime(ctx context.Context) (*container.Runtime, cluster.Image, error) {
	e := s.engine()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rt == nil && e.setupErr == nil {
		var rt *container.Runtime
		var err error
		if s.Dist != "" {
			rt, err = container.NewLocal(ctx, s.Dist, container.LocalOptions{SameUser: s.SameUser})
		} else {
			rt, err = container.New(ctx)
		}
		doing := "reach the container engine"
		if err == nil {
			e.stopSignals = rt.CloseOnSignal()
			e.rt = rt
			doing = "inspect the Kafka image " + s.Image
			e.image, err = cluster.InspectImage(ctx, rt, s.Image)
			if err == nil && e.image.Programs != e.image.Ref {
				fmt.Fprintf(s.Out, "kafka-lab: the student's programs run from %s: %s\n", e.image.Programs, e.image.ProgramsWhy)
			}
		}
		e.setupErr = fault.Harness(doing, err)
	}
	return e.rt, e.image, e.setupErr
}

// Cluster returns the run's cluster of the topology, starting it on first use. A start that
// failed is the harness's failure, and it is returned to every later asker.
func (s *Session) Cluster(ctx context.Context, t cluster.Topology) (*cluster.Cluster, error) {
	rt, img, err := s.runtime(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusters == nil {
		s.clusters = map[cluster.Topology]*startedCluster{}
	}
	sc, ok := s.clusters[t]
	if !ok {
		if !cluster.SideBySide(rt.Facts()) {
			// Local processes share the host's ports: the lab's 9092 belongs to one cluster at
			// a time, so the one another topology left running goes first.
			for other := range s.clusters {
				if err := s.closeLocked(ctx, other); err != nil {
					fmt.Fprintf(s.Out, "kafka-lab: closing the %s cluster: %v\n", other, err)
				}
			}
		}
		c, err := cluster.Start(ctx, rt, t, img, cluster.Options{})
		if err == nil && s.last {
			c.SetSpares(false)
		}
		sc = &startedCluster{c: c, err: fault.Harness(fmt.Sprintf("start the %s cluster", t), err)}
		s.clusters[t] = sc
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return sc.c, nil
}

// LastScenario says that the scenario starting is the session's last, with no submission after
// it: its clusters start no spare for a next scenario (cluster.SetSpares). Next undoes it.
func (s *Session) LastScenario() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = true
	for _, sc := range s.clusters {
		if sc.c != nil {
			sc.c.SetSpares(false)
		}
	}
}

// Break makes every later scenario that needs c fail with err, a harness failure.
func (s *Session) Break(c *cluster.Cluster, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.clusters[c.Topology]; ok && sc.c == c {
		sc.err = err
	}
}

// ClientsStarted counts the lab tool runs the run's clusters have started so far.
func (s *Session) ClientsStarted() int64 {
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
func (s *Session) KafkaImage(ctx context.Context) (cluster.Image, error) {
	_, img, err := s.runtime(ctx)
	return img, err
}

// Close removes the clusters and whatever else the run started; a later scenario starts
// afresh. A lane removes only its own clusters.
func (s *Session) Close(ctx context.Context) error {
	if s.lane {
		s.mu.Lock()
		defer s.mu.Unlock()
		var errs []error
		for t := range s.clusters {
			errs = append(errs, s.closeLocked(ctx, t))
		}
		return errors.Join(errs...)
	}
	e := s.engine()
	e.mu.Lock()
	defer e.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.rt == nil {
		return nil
	}
	e.stopSignals()
	for _, sc := range s.clusters {
		if sc.c != nil {
			s.clientsClosed += sc.c.ClientsStarted()
		}
	}
	err := e.rt.Close(ctx)
	e.rt, e.setupErr = nil, nil
	s.clusters = nil
	return err
}
