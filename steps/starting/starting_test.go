package starting

import (
	"errors"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

func TestAnsweredByBrokers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		brokers []cluster.Endpoint
		fail    string
	}{
		{"one at localhost:9092", []cluster.Endpoint{{ID: 1, Addr: "localhost:9092"}}, ""},
		{"advertised elsewhere", []cluster.Endpoint{{ID: 1, Addr: "kafka:9092"}}, "advertise localhost:9092"},
		{"two", []cluster.Endpoint{{ID: 1, Addr: "localhost:9092"}, {ID: 2, Addr: "localhost:9093"}}, "2: localhost:9092 (id 1), localhost:9093 (id 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, s := scenariotest.New(t)
			// The student started Kafka: a wrong answer is their start commands' to fix.
			s.Cluster = &cluster.Cluster{Topology: cluster.Own}
			ctx = scenario.Put(ctx, &asked{tool: &container.Result{}, brokers: tc.brokers})
			scenariotest.WantCheck(t, answeredByBrokers(ctx, 1), tc.fail)
		})
	}
	t.Run("the harness's Kafka", func(t *testing.T) {
		ctx, s := scenariotest.New(t)
		s.Cluster = &cluster.Cluster{Topology: cluster.Single}
		ctx = scenario.Put(ctx, &asked{tool: &container.Result{}, brokers: []cluster.Endpoint{{ID: 1, Addr: "kafka:9092"}}})
		if err := answeredByBrokers(ctx, 1); err == nil {
			t.Fatal("a broker advertised elsewhere passed")
		} else if c := (scenario.Check{}); errors.As(err, &c) {
			t.Errorf("a check of Kafka itself reported as the student's: %v", err)
		}
	})
}

func TestInForegroundDropsDaemon(t *testing.T) {
	s := scenariotest.Ran(t, "start_kafka", "bin/kafka-server-start.sh -daemon config/server.properties", "")
	cmd := runner.InForeground(s.Command)
	if len(cmd.Args) != len(s.Command.Args)-1 {
		t.Errorf("args %q; want -daemon dropped from %q", cmd.Args, s.Command.Args)
	}
}

func TestClusterAnswers(t *testing.T) {
	b := func(id int, addr string) cluster.Endpoint { return cluster.Endpoint{ID: id, Addr: addr} }
	for _, tc := range []struct {
		name    string
		brokers []cluster.Endpoint
		fail    string
	}{
		{"three", []cluster.Endpoint{b(1, "localhost:9092"), b(2, "localhost:9093"), b(3, "localhost:9094")}, ""},
		{"two", []cluster.Endpoint{b(1, "localhost:9092"), b(2, "localhost:9093")}, "start 3 brokers, no more"},
		{"four", []cluster.Endpoint{b(1, "localhost:9092"), b(2, "localhost:9093"), b(3, "localhost:9094"), b(4, "localhost:9095")}, "3 brokers in the cluster's metadata"},
		{"one address", []cluster.Endpoint{b(1, "localhost:9092"), b(2, "localhost:9092"), b(3, "localhost:9094")}, "advertised.listeners"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, _ := scenariotest.New(t)
			ctx = scenario.Put(ctx, &asked{cluster: tc.brokers})
			scenariotest.WantCheck(t, clusterAnswers(ctx, 3), tc.fail)
		})
	}
}
