package steps

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/container"
	"kafka-lab/harness/runner"
	"kafka-lab/harness/sandbox"
	"kafka-lab/harness/submission"
)

// Scenario is one scenario's state.
type Scenario struct {
	suite   *Suite
	started time.Time
	cluster *cluster.Cluster
	// lastTool is the output of the last lab command the scenario ran.
	lastTool *container.Result
	// labBrokers are the brokers that answered on localhost:9092.
	labBrokers []cluster.Endpoint

	// answers is the student's submission, once a step has asked for it.
	answers *submission.Submission
	// ran is the last one-shot student command and what it printed.
	ran *runner.Result
	// processes are the long-running commands the scenario started, stopped after it.
	processes []*runner.Process
	// consumers are the console consumers whose output the scenario checks.
	consumers []*runner.Process
	// before and after are the messages sent before and after the consumers started.
	before, after []string
	// described is the topic whose description the last command printed.
	described string
	// programs are the student's Python programs the scenario started, stopped after it.
	programs []*sandbox.Program
	// zeros counts the transactions worth 0 sent to each account while a calculator got ready.
	zeros map[int32]int
	// sent are the transactions the scenario sent to each account.
	sent map[int32][]string
	// flow sends transactions in the background; kills are account 0's transaction counts
	// when the calculator was killed.
	flow  *flow
	kills []int64
	// window is when the generator ran: from its first transaction, for that long.
	windowStart time.Time
	window      time.Duration
	// groups are the consumer groups the consumers joined, as Kafka described them.
	groups []cluster.Group
	// rep is lab section 7's state.
	rep replicated
}

type scenarioKey struct{}

func withScenario(ctx context.Context, s *Scenario) context.Context {
	return context.WithValue(ctx, scenarioKey{}, s)
}

func scenarioFrom(ctx context.Context) (*Scenario, error) {
	s, ok := ctx.Value(scenarioKey{}).(*Scenario)
	if !ok {
		return nil, errors.New("no scenario state in the context: is the step registered through steps.Suite.InitializeScenario?")
	}
	return s, nil
}

// requireCluster returns the scenario's cluster, or says which step gives one.
func (s *Scenario) requireCluster() (*cluster.Cluster, error) {
	if s.cluster == nil {
		return nil, errors.New("no Kafka in this scenario: start with a step like `Given Kafka is started in KRaft mode with one broker`")
	}
	return s.cluster, nil
}

// scenarioCluster returns the scenario and its cluster, or says which step gives one.
func scenarioCluster(ctx context.Context) (*Scenario, *cluster.Cluster, error) {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.requireCluster()
	return s, c, err
}

// skip ends the scenario as skipped and tells the reader why.
func (s *Scenario) skip(ctx context.Context, reason string) error {
	fmt.Fprintf(s.suite.Out, "skipped: %s\n", reason)
	godog.Logf(ctx, "skipped: %s", reason)
	return fmt.Errorf("%w: %s", godog.ErrSkip, reason)
}

// stopProcesses stops every command the scenario started, as Ctrl-C would.
func (s *Scenario) stopProcesses(ctx context.Context) error {
	var errs []error
	if s.flow != nil {
		close(s.flow.stop)
		<-s.flow.done
		s.flow = nil
	}
	// All at once: each may take its grace to stop.
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := func(f func(context.Context) error) {
		wg.Go(func() {
			err := f(ctx)
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	}
	for _, p := range s.processes {
		stop(p.Stop)
	}
	for _, p := range s.programs {
		stop(p.Stop)
	}
	wg.Wait()
	s.processes, s.programs = nil, nil
	return errors.Join(errs...)
}
