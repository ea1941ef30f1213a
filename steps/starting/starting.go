// Package starting holds the steps of lab section 1: Kafka started by the harness (KRaft or
// ZooKeeper, one broker) or by the student's own start commands, and asked who answers on
// localhost:9092.
package starting

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// asked is the domain's state: what the last ask of localhost:9092 printed and who answered.
type asked struct {
	tool    *container.Result
	brokers []cluster.Endpoint
	// cluster is who answered in the student's own cluster of section 7, once it started.
	cluster []cluster.Endpoint
}

// AddSteps registers section 1's steps.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return scenario.Put(ctx, &asked{}), nil
	})
	sc.Step(`^Kafka is started in KRaft mode with one broker$`, kafkaStartedKRaft)
	sc.Step(`^Kafka is started with ZooKeeper, as the lab does$`, kafkaStartedZooKeeper)
	sc.Step(`^a client asks localhost:9092 for the brokers of the cluster$`, clientAsksForBrokers)
	sc.Step(`^it is answered by (\d+) brokers? at localhost:9092$`, answeredByBrokers)
	sc.Step(`^the KRaft controller quorum has elected a leader$`, quorumHasLeader)
	sc.Step(`^broker (\d+) is the cluster's controller$`, brokerIsController)
	sc.Step(`^the student's start commands run, each in a terminal of its own$`, startCommandsRun)
	sc.Step(`^the student's start_cluster commands run, each server in a terminal of its own$`, startClusterRuns)
	sc.Step(`^(\d+) brokers answer, each at an address of its own, and the cluster's metadata lists all \d+$`, clusterAnswers)
}

// startCommandsRun runs the student's start_zookeeper (if any) and start_kafka as typed, each
// in a terminal of its own on one machine (cluster.Own), and waits until Kafka answers on
// localhost:9092 (runner.StartOwnKafka).
func startCommandsRun(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	start := runner.KafkaStart{}
	if start.Kafka, err = s.Commands(string(submission.StartKafka)); err != nil {
		return err
	}
	if s.Answers.Has(submission.StartZooKeeper) {
		zk, err := s.Command(string(submission.StartZooKeeper))
		if err != nil {
			return err
		}
		start.ZooKeeper = &zk
	}
	img, err := s.Session.KafkaImage(ctx)
	if err != nil {
		return err
	}
	start.Version, start.ZooKeeperMode = img.KafkaVersion, img.HasZooKeeper
	if s.Cluster, err = s.Session.Cluster(ctx, cluster.Own); err != nil {
		return err
	}
	r, err := s.Runner()
	if err != nil {
		return err
	}
	err = runner.StartOwnKafka(ctx, runner.Machine{Runner: r, Start: s.StartCommand}, start)
	var m *runner.Mistake
	if errors.As(err, &m) {
		return scenario.Check{Key: string(m.Key), Expected: m.Expected, Observed: m.Observed, Hint: m.Hint, Tail: m.Tail}
	}
	return scenario.Failed("each command before the broker's start (the storage format) to run and finish without an error", err)
}

func kafkaStartedKRaft(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	s.Cluster, err = s.Session.Cluster(ctx, cluster.Single)
	return err
}

func kafkaStartedZooKeeper(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	img, err := s.Session.KafkaImage(ctx)
	if err != nil {
		return err
	}
	if !img.HasZooKeeper {
		return s.Skip(ctx, fmt.Sprintf("Kafka %s has no ZooKeeper mode: it was removed in 4.0 (KIP-833), KRaft is the only mode", img.KafkaVersion))
	}
	s.Cluster, err = s.Session.Cluster(ctx, cluster.ZooKeeper)
	return err
}

func clientAsksForBrokers(ctx context.Context) error {
	s, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	st, err := scenario.Get[asked](ctx)
	if err != nil {
		return err
	}
	brokers, res, err := c.Tools().LabBrokers(ctx)
	st.tool = &res
	if err != nil && c.Topology == cluster.Own {
		return startCheck(s, "Kafka answering on localhost:9092, the address every later section uses", "nothing answered there: "+err.Error(), runner.ListensHint)
	}
	if err != nil {
		return fmt.Errorf("nothing answered on localhost:9092: %w", err)
	}
	st.brokers = brokers
	return nil
}

func answeredByBrokers(ctx context.Context, want int) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	st, err := scenario.Get[asked](ctx)
	if err != nil {
		return err
	}
	if st.brokers == nil {
		return fmt.Errorf("no answer to check: add `When a client asks localhost:9092 for the brokers of the cluster` before this step")
	}
	addrs := described(st.brokers)
	if len(st.brokers) != want {
		return startCheck(s, fmt.Sprintf("%d broker(s)", want), fmt.Sprintf("%d: %s\n%s", len(st.brokers), strings.Join(addrs, ", "), st.tool.Stdout),
			"start one broker, with config/server.properties")
	}
	for _, b := range st.brokers {
		if b.Addr != "localhost:9092" {
			return startCheck(s, "every broker to advertise localhost:9092", strings.Join(addrs, ", "),
				"keep advertised.listeners of config/server.properties: clients reach the broker at the address it advertises")
		}
	}
	return nil
}

// startCheck is a failed check of the student's start commands where they started Kafka
// (cluster.Own); where the harness did, a plain error: a check of Kafka itself.
func startCheck(s *scenario.State, expected, observed, hint string) error {
	if s.Cluster != nil && s.Cluster.Topology == cluster.Own {
		return scenario.Check{Key: string(submission.StartKafka), Expected: expected, Observed: observed, Hint: hint}
	}
	return fmt.Errorf("expected %s, observed %s", expected, observed)
}

func quorumHasLeader(ctx context.Context) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	leader, res, err := c.Tools().QuorumLeader(ctx)
	if err != nil {
		return err
	}
	if leader < 0 {
		return fmt.Errorf("expected a quorum leader, observed none:\n%s", res.Stdout)
	}
	return nil
}

func brokerIsController(ctx context.Context, want int) error {
	_, c, err := scenario.WithCluster(ctx)
	if err != nil {
		return err
	}
	got, err := c.Kafka().ControllerID()
	if err != nil {
		return err
	}
	if int(got) != want {
		return fmt.Errorf("expected broker %d to be the controller, observed broker %d", want, got)
	}
	return nil
}
