package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
)

// Lab section 1: starting Kafka.
func addStartingSteps(sc *godog.ScenarioContext) {
	sc.Step(`^Kafka is started in KRaft mode with one broker$`, kafkaStartedKRaft)
	sc.Step(`^Kafka is started with ZooKeeper, as the lab does$`, kafkaStartedZooKeeper)
	sc.Step(`^a client asks localhost:9092 for the brokers of the cluster$`, clientAsksForBrokers)
	sc.Step(`^it is answered by (\d+) brokers? at localhost:9092$`, answeredByBrokers)
	sc.Step(`^the KRaft controller quorum has elected a leader$`, quorumHasLeader)
	sc.Step(`^broker (\d+) is the cluster's controller$`, brokerIsController)
}

func kafkaStartedKRaft(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	s.cluster, err = s.suite.Cluster(ctx, cluster.Single)
	return err
}

func kafkaStartedZooKeeper(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	img, err := s.suite.KafkaImage(ctx)
	if err != nil {
		return err
	}
	if !img.HasZooKeeper {
		return s.skip(ctx, fmt.Sprintf("Kafka %s has no ZooKeeper mode: it was removed in 4.0 (KIP-833), KRaft is the only mode", img.KafkaVersion))
	}
	s.cluster, err = s.suite.Cluster(ctx, cluster.ZooKeeper)
	return err
}

func clientAsksForBrokers(ctx context.Context) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	brokers, res, err := c.LabBrokers(ctx)
	s.lastTool = &res
	if err != nil {
		return fmt.Errorf("nothing answered on localhost:9092: %w", err)
	}
	s.labBrokers = brokers
	return nil
}

func answeredByBrokers(ctx context.Context, want int) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	if s.labBrokers == nil {
		return fmt.Errorf("no answer to check: add `When a client asks localhost:9092 for the brokers of the cluster` before this step")
	}
	var addrs []string
	for _, b := range s.labBrokers {
		addrs = append(addrs, fmt.Sprintf("%s (id %d)", b.Addr, b.ID))
	}
	if len(s.labBrokers) != want {
		return fmt.Errorf("expected %d broker(s), observed %d: %s\n%s", want, len(s.labBrokers), strings.Join(addrs, ", "), s.lastTool.Stdout)
	}
	for _, b := range s.labBrokers {
		if b.Addr != "localhost:9092" {
			return fmt.Errorf("expected every broker to advertise localhost:9092, observed %s", strings.Join(addrs, ", "))
		}
	}
	return nil
}

func quorumHasLeader(ctx context.Context) error {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	leader, res, err := c.QuorumLeader(ctx)
	if err != nil {
		return err
	}
	if leader < 0 {
		return fmt.Errorf("expected a quorum leader, observed none:\n%s", res.Stdout)
	}
	return nil
}

func brokerIsController(ctx context.Context, want int) error {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	got, err := c.ControllerID()
	if err != nil {
		return err
	}
	if int(got) != want {
		return fmt.Errorf("expected broker %d to be the controller, observed broker %d", want, got)
	}
	return nil
}
