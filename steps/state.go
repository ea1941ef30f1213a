package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/container"
)

// Scenario is one scenario's state.
type Scenario struct {
	suite   *Suite
	cluster *cluster.Cluster
	// lastTool is the output of the last lab command the scenario ran.
	lastTool *container.Result
	// labBrokers are the brokers that answered on localhost:9092.
	labBrokers []cluster.Endpoint
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
