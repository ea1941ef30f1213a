package replication_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/internal/labtest"
	"github.com/kafka-lab/kafka-lab/harness/replication"
)

// These tests run a real ha cluster in Docker (make image first), or as local processes with
// KAFKA_LAB_DIST set: integration tests, skipped under -short, where no cluster starts and only
// the unit tests (classify_test.go) run.

var ha *cluster.Cluster

func TestMain(m *testing.M) {
	flag.Parse() // testing.Short needs the flags, and the cluster starts before m.Run
	if testing.Short() {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	rt, err := labtest.NewRuntime(ctx)
	if err == nil {
		var img cluster.Image
		if img, err = cluster.InspectImage(ctx, rt, cluster.ImageFromEnv()); err == nil {
			ha, err = cluster.Start(ctx, rt, cluster.HA, img, cluster.Options{})
		}
	}
	cancel()
	code := 1
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
	} else {
		code = m.Run()
	}
	if rt != nil {
		_ = rt.Close(context.Background())
	}
	os.Exit(code)
}

// reset skips t under -short, and resets the cluster after it.
func reset(t *testing.T) {
	t.Helper()
	labtest.Integration(t)
	t.Cleanup(func() {
		if err := ha.Reset(context.Background()); err != nil {
			t.Error(err)
		}
	})
}

// With min.insync.replicas 2 and the leader down: acks=all is refused, acks=1 is acknowledged
// but cannot be read until the other replica is back.
func TestOneReplicaDownBelowMinISR(t *testing.T) {
	reset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const topic = "min-isr-2"
	if err := ha.Kafka().CreateTopicWith(ctx, topic, 1, 2, map[string]string{"min.insync.replicas": "2"}); err != nil {
		t.Fatal(err)
	}
	if err := ha.AwaitInSync(ctx); err != nil {
		t.Fatal(err)
	}
	from, err := replication.Bystander(ha, topic)
	if err != nil {
		t.Fatal(err)
	}
	down, err := replication.TakeDown(ctx, ha, topic, 1)
	if err != nil || len(down) != 1 || down[0] == from.ID {
		t.Fatalf("TakeDown = %v, %v (bystander %d)", down, err, from.ID)
	}
	refused, err := replication.SendOne(ctx, ha, from, topic, "all", "refused")
	if err != nil {
		t.Fatal(err)
	}
	if refused.Outcome != replication.NotEnoughReplicas {
		t.Errorf("acks=all: %s, want %s\n%s", refused.Outcome, replication.NotEnoughReplicas, refused.Output)
	}
	kept, err := replication.SendOne(ctx, ha, from, topic, "1", "kept")
	if err != nil {
		t.Fatal(err)
	}
	if kept.Outcome != replication.Acknowledged {
		t.Errorf("acks=1: %s, want %s\n%s", kept.Outcome, replication.Acknowledged, kept.Output)
	}
	if ok, why, err := replication.ReadableNow(ctx, ha.Kafka(), topic, "kept", time.Second); err != nil || ok {
		t.Errorf("readable while a replica is down: %v (%s), %v; want not readable", ok, why, err)
	}
	if err := ha.Whole(ctx); err != nil {
		t.Fatal(err)
	}
	for value, want := range map[string]bool{"kept": true, "refused": false} {
		if ok, why, err := replication.ReadableNow(ctx, ha.Kafka(), topic, value, time.Second); err != nil || ok != want {
			t.Errorf("%q readable once whole: %v (%s), %v; want %v", value, ok, why, err, want)
		}
	}
}

// A short durability run: one kill, every acknowledged acks=all message read back once.
func TestDurabilityOneKill(t *testing.T) {
	reset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := replication.Producer{Topic: "durable", Acks: "all", Idempotent: true, PerSecond: 200}
	if err := ha.Kafka().CreateTopicWith(ctx, p.Topic, 3, 3, map[string]string{"min.insync.replicas": "2"}); err != nil {
		t.Fatal(err)
	}
	run, err := replication.Durability(ctx, ha, []replication.Producer{p}, replication.Chaos{Kills: 1, Rand: rand.New(rand.NewPCG(7, 7))})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Kills) != 1 || len(run.Tallies) != 1 {
		t.Fatalf("run: %+v", run)
	}
	tl := run.Tallies[0]
	t.Log(tl, run.Kills)
	if tl.Acked < 100 || len(tl.Lost) > 0 || len(tl.Duplicated) > 0 || tl.Read < tl.Acked {
		t.Errorf("%s", tl)
	}
	if len(ha.Down()) != 0 {
		t.Errorf("brokers still down after the run: %v", ha.Down())
	}
}
