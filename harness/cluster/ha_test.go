package cluster_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// TestHA starts the section-7 cluster, checks that the lab's commands see three brokers from
// any broker's localhost:9092, then stops, kills and restarts brokers and waits on what the
// metadata says after each.
func TestHA(t *testing.T) {
	rt := runtime(t)
	img := image(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := cluster.Start(ctx, rt, cluster.HA, img, cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ha ready in %v", time.Since(start).Round(time.Millisecond))
	assertSetUpAsTheWrapper(t, ctx, rt, c)

	for i, b := range c.Brokers() {
		// 9092 as in the lab, and the ports of three brokers on one machine; brokers advertise
		// their names on the run's network, or localhost where they share the host's.
		addr := fmt.Sprintf("localhost:%d", 9092+i)
		res, err := rt.RunOnce(ctx, c.ClientSpecIn(b, "bin/kafka-broker-api-versions.sh", "--bootstrap-server", addr))
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("kafka-broker-api-versions in broker %d's namespace: %v exit %d\n%s", b.ID, err, res.ExitCode, res.Stderr)
		}
		if n := len(regexp.MustCompile(`(?m)^(broker-\d|localhost):\d+ \(id: \d+ rack:`).FindAllString(res.Stdout, -1)); n != 3 {
			t.Fatalf("%s from broker %d: want 3 brokers listed, got %d:\n%s", addr, b.ID, n, res.Stdout)
		}
	}
	res, err := c.Tools().Run(ctx, "bin/kafka-topics.sh", "--create", "--topic", "r2", "--partitions", "3", "--replication-factor", "2", "--bootstrap-server", "localhost:9092")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("create topic: %v %+v", err, res)
	}
	if err := c.AwaitInSync(ctx); err != nil {
		t.Fatal(err)
	}
	states, err := c.Kafka().PartitionStates("r2")
	if err != nil || len(states) != 3 {
		t.Fatalf("partition states %v, %v", states, err)
	}
	victim := int(states[0].Leader)

	step := time.Now()
	if err := c.StopBroker(ctx, victim); err != nil {
		t.Fatal(err)
	}
	t.Logf("stop broker %d: %v", victim, time.Since(step).Round(time.Millisecond))
	assertOut(t, c, victim)
	if got := c.Down(); !slices.Equal(got, []int{victim}) {
		t.Errorf("Down() = %v, want [%d]", got, victim)
	}
	step = time.Now()
	if err := c.Whole(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("start broker %d and await in-sync: %v", victim, time.Since(step).Round(time.Millisecond))

	step = time.Now()
	if err := c.KillBroker(ctx, victim); err != nil {
		t.Fatal(err)
	}
	t.Logf("kill broker %d until fenced: %v", victim, time.Since(step).Round(time.Millisecond))
	assertOut(t, c, victim)
	step = time.Now()
	if err := c.Whole(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("start killed broker %d and await in-sync: %v", victim, time.Since(step).Round(time.Millisecond))
	if len(c.Down()) != 0 {
		t.Errorf("Down() = %v after Whole", c.Down())
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	// Brokers killed and started again, topics made and deleted: nothing of Kafka's own
	// changed, so the next submission of a batch may use the cluster (see Reusable).
	step = time.Now()
	if why, err := c.Reusable(ctx); err != nil || why != "" {
		t.Errorf("Reusable after Reset: %q, %v", why, err)
	}
	t.Logf("Reusable (every broker's metadata after a barrier): %v", time.Since(step).Round(time.Millisecond))
	names := []string{}
	for _, n := range c.Brokers() {
		names = append(names, n.Container.Name)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		assertNoContainer(t, rt, name)
	}
}

func assertOut(t *testing.T, c *cluster.Cluster, id int) {
	t.Helper()
	live, err := c.Kafka().LiveBrokers()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(live, int32(id)) {
		t.Errorf("broker %d still live: %v", id, live)
	}
	states, err := c.Kafka().PartitionStates()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range states {
		if p.Leader == int32(id) {
			t.Errorf("broker %d still leads %s", id, p)
		}
		if strings.Contains(p.String(), "leader -1") {
			t.Errorf("a partition of RF 2 has no leader with one broker down: %s", p)
		}
	}
}
