package starting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// startClusterRuns runs the student's start_cluster (section 7) as typed, each server in a
// terminal of its own on one machine (cluster.Own), with their configuration files in the
// Kafka folder's config/, and waits until three brokers answer (runner.StartOwnCluster).
func startClusterRuns(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	st, err := scenario.Get[asked](ctx)
	if err != nil {
		return err
	}
	cmds, err := s.Commands(string(submission.StartCluster))
	if err != nil {
		return err
	}
	if err := runner.RoomForOwnCluster(cluster.MachineMemory()); err != nil {
		return fault.Harness("start the student's own three brokers", err)
	}
	img, err := s.Session.KafkaImage(ctx)
	if err != nil {
		return err
	}
	if s.Cluster, err = s.Session.Cluster(ctx, cluster.Own); err != nil {
		return err
	}
	r, err := s.Runner()
	if err != nil {
		return err
	}
	student, err := s.Config()
	if err != nil {
		return err
	}
	files := runner.ClusterFiles{Student: student, Skipped: s.ConfigSkipped, Version: img.KafkaVersion, ZooKeeper: img.HasZooKeeper}
	st.cluster, err = runner.StartOwnCluster(ctx, runner.Machine{Runner: r, Start: s.StartCommand}, cmds, files, runner.ClusterBrokers)
	var m *runner.Mistake
	if errors.As(err, &m) {
		return scenario.Check{Key: string(submission.StartCluster), Expected: m.Expected, Observed: m.Observed, Hint: m.Hint, Tail: m.Tail}
	}
	return scenario.Failed("each command of start_cluster that starts no server (a storage format) to run and finish without an error", err)
}

// clusterAnswers checks who answered in the student's cluster: want brokers, each at an
// address of its own, as the metadata lists them.
func clusterAnswers(ctx context.Context, want int) error {
	st, err := scenario.Get[asked](ctx)
	if err != nil {
		return err
	}
	if st.cluster == nil {
		return errors.New("no cluster of the student's asked: add `When the student's start_cluster commands run, each server in a terminal of its own` before this step")
	}
	addrs := described(st.cluster)
	check := func(expected, hint string) error {
		return scenario.Check{Key: string(submission.StartCluster), Expected: expected, Observed: strings.Join(addrs, ", "), Hint: hint}
	}
	if len(st.cluster) != want {
		return check(fmt.Sprintf("%d brokers in the cluster's metadata", want), fmt.Sprintf("start %d brokers, no more: the lab's cluster has %d", want, want))
	}
	seen := map[string]bool{}
	for _, b := range st.cluster {
		if seen[b.Addr] {
			return check("each broker at an address of its own", "give each broker its own port in advertised.listeners: clients reach a broker at the address it advertises")
		}
		seen[b.Addr] = true
	}
	ids := map[int]bool{}
	for _, b := range st.cluster {
		ids[b.ID] = true
	}
	if len(ids) != want || slices.ContainsFunc(st.cluster, func(b cluster.Endpoint) bool { return b.ID < 0 }) {
		return check("each broker with an id of its own", "give each broker its own broker.id (node.id in KRaft mode)")
	}
	return nil
}

// described words each broker for a message: its address and id.
func described(brokers []cluster.Endpoint) []string {
	var out []string
	for _, b := range brokers {
		out = append(out, fmt.Sprintf("%s (id %d)", b.Addr, b.ID))
	}
	return out
}
