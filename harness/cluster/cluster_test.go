package cluster_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/internal/labtest"
	"github.com/kafka-lab/kafka-lab/harness/wait"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// These tests run real Kafka in real Docker (make image first), or as local
// processes with KAFKA_LAB_DIST set: integration tests, skipped under -short (runtime and
// labtest.Cluster skip them). env_test.go and memory_test.go hold the unit tests.

// runtime is a run of the test's own, for the clusters it starts. Where clusters run side by
// side (Docker: a network each, as a grading's lanes), the test runs beside the package's other
// tests of their own clusters, two at a time on two cores (-parallel), since most of a test is
// waiting on Kafka; local processes share the host's ports, so there they run one at a time.
func runtime(t *testing.T) *container.Runtime {
	t.Helper()
	integration.Require(t, integration.Engine)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := labtest.NewRuntime(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	if cluster.SideBySide(rt.Facts()) {
		t.Parallel()
	}
	return rt
}

func image(t *testing.T, rt *container.Runtime) cluster.Image {
	t.Helper()
	img, err := cluster.InspectImage(context.Background(), rt, cluster.ImageFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestInspectImage(t *testing.T) {
	rt := runtime(t)
	img := image(t, rt)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(img.KafkaVersion) {
		t.Errorf("KafkaVersion = %q, want x.y.z", img.KafkaVersion)
	}
	if img.HasZooKeeper != (img.Major < 4) {
		t.Errorf("Kafka %s: HasZooKeeper = %v, want %v", img.KafkaVersion, img.HasZooKeeper, img.Major < 4)
	}
	// `make image`'s own image runs the programs itself; another needs the program image.
	if os.Getenv(cluster.ProgramImageEnv) == "" {
		want := img.Ref
		if rt.Facts().Dist == "" && !strings.HasPrefix(img.Ref, "kafka-lab/") {
			want = cluster.DefaultProgramImage
		}
		if img.Programs != want || img.ProgramsWhy == "" {
			t.Errorf("Programs = %q (%s), want %q", img.Programs, img.ProgramsWhy, want)
		}
	}
}

// startSingle starts a single cluster for a test whose steps take at most d.
func startSingle(t *testing.T, d time.Duration) (context.Context, *container.Runtime, *cluster.Cluster) {
	t.Helper()
	rt := runtime(t)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	c, err := cluster.Start(ctx, rt, cluster.Single, image(t, rt), cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, rt, c
}

func TestSingleStartResetStop(t *testing.T) {
	ctx, rt, c := startSingle(t, 3*time.Minute)
	checkLabPort(t, ctx, c)
	assertSetUpAsTheWrapper(t, ctx, rt, c)

	// A topic and a consumer group, made by the lab's own tools, then Reset.
	res, err := c.Tools().Run(ctx, "bin/kafka-topics.sh", "--create", "--topic", "t1", "--partitions", "3", "--bootstrap-server", "localhost:9092")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("create topic: %v %+v", err, res)
	}
	admin, err := cluster.AdminOf(c.Kafka())
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateTopic("t2", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Kafka().CommitOffset(ctx, "g1", "t2", 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	topics, err := admin.ListTopics()
	if err != nil {
		t.Fatal(err)
	}
	for name := range topics {
		if !strings.HasPrefix(name, "__") {
			t.Errorf("topic %s survived Reset", name)
		}
	}
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 0 {
		t.Errorf("groups survived Reset: %v", groups)
	}
	// The same name can be made again at once.
	if err := admin.CreateTopic("t1", &sarama.TopicDetail{NumPartitions: 10, ReplicationFactor: 1}, false); err != nil {
		t.Fatalf("recreate after reset: %v", err)
	}

	// docker stop reaches the JVM (the image's scripts exec it), which shuts down on SIGTERM:
	// exit code 143, not the 137 of a kill after the stop timeout.
	broker := c.Brokers()[0].Container
	if err := broker.Stop(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if st, err := broker.State(ctx); err != nil || st.Running || st.ExitCode == 137 {
		t.Errorf("after docker stop the broker %v (err %v), want a clean exit on SIGTERM", st, err)
	}

	name := broker.Name
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoContainer(t, rt, name)
}

// A broker that exits without the harness stopping it is lost: a failure then is the
// harness's. One the harness stops is not.
func TestLost(t *testing.T) {
	ctx, _, c := startSingle(t, 2*time.Minute)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	if err := c.Lost(ctx); err != nil {
		t.Fatalf("a running cluster: %v", err)
	}
	b := c.Brokers()[0].Container
	if err := b.Kill(ctx, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	if err := wait.Until(ctx, "the killed broker to have exited", 30*time.Second, 50*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			st, err := b.State(ctx)
			return err == nil && !st.Running, st.String(), err
		}); err != nil {
		t.Fatal(err)
	}
	err := c.Lost(ctx)
	if err == nil || !strings.Contains(err.Error(), b.Name) {
		t.Errorf("a broker killed behind the harness's back: Lost = %v, want it named", err)
	}
	// The evidence Blame weighs: how and when it died, by this clock. A kill is never the
	// student's, even while their program runs.
	deaths, err := c.Deaths(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(deaths) != 1 || deaths[0].State.ExitCode != 137 || deaths[0].State.FinishedAt.IsZero() ||
		time.Since(deaths[0].State.FinishedAt).Abs() > time.Minute {
		t.Fatalf("Deaths = %+v, want the broker, exit code 137, its time of death within a minute of now", deaths)
	}
	if msg, ok := cluster.Blame(deaths, []cluster.StudentRun{{What: "your program x.py", Started: time.Now().Add(-time.Minute)}}); ok {
		t.Errorf("a broker killed by a signal while a program ran: Blame = %q, want the harness's", msg)
	}
}

func TestFailedStartSaysWhyAndLeavesNothing(t *testing.T) {
	rt := runtime(t)
	img := image(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{Sizing: cluster.Sizing{BrokerHeap: "-Xmx1k"}})
	if err == nil {
		t.Fatal("a broker whose JVM cannot start gave no error")
	}
	for _, want := range []string{"broker-1 exited with code", "last 30 log lines of"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	list, lerr := rt.Containers(context.Background())
	if lerr != nil {
		t.Fatal(lerr)
	}
	if len(list) != 0 {
		t.Errorf("a failed start left %d container(s)", len(list))
	}
}

func TestZooKeeperStartStop(t *testing.T) {
	rt := runtime(t)
	img := image(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, rt, cluster.ZooKeeper, img, cluster.Options{})
	if !img.HasZooKeeper {
		if err == nil || !strings.Contains(err.Error(), "no ZooKeeper mode") {
			t.Fatalf("Kafka %s: want a 'no ZooKeeper mode' error, got %v", img.KafkaVersion, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	checkLabPort(t, ctx, c)
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// checkLabPort: inside the broker's network namespace, the lab's address answers with 1 broker.
func checkLabPort(t *testing.T, ctx context.Context, c *cluster.Cluster) {
	t.Helper()
	res, err := c.Tools().Run(ctx, "bin/kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9092")
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("kafka-broker-api-versions: %v exit %d\n%s\n%s", err, res.ExitCode, res.Stdout, res.Stderr)
	}
	if n := len(regexp.MustCompile(`(?m)^localhost:9092 \(id: \d+ rack:`).FindAllString(res.Stdout, -1)); n != 1 {
		t.Fatalf("want localhost:9092 listed once, got %d:\n%s", n, res.Stdout)
	}
}

func assertNoContainer(t *testing.T, rt *container.Runtime, name string) {
	t.Helper()
	names, err := rt.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, name) {
		t.Errorf("container %s still exists", name)
	}
}

// TestRenewTakesTheSpare: once a student's program touched the single cluster, Reset renews
// it, with the spare that started in the background (Docker): a fresh broker at the same lab
// address, nothing of the old one left, the old one removed.
func TestRenewTakesTheSpare(t *testing.T) {
	ctx, rt, c := startSingle(t, 3*time.Minute)
	if err := c.Kafka().CreateTopic(ctx, "left-behind", 3, 1); err != nil {
		t.Fatal(err)
	}
	old := c.Brokers()[0].Container
	for range 2 { // twice: a second renew takes a second spare
		c.MarkUntrusted()
		if err := c.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		fresh := c.Brokers()[0].Container
		if !rt.Facts().SharesHostNetwork && fresh.Name == old.Name {
			t.Errorf("the broker after Renew is still %s, want the spare", old.Name)
		}
		admin, err := cluster.AdminOf(c.Kafka())
		if err != nil {
			t.Fatal(err)
		}
		topics, err := admin.ListTopics()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := topics["left-behind"]; ok {
			t.Error("a topic survived Renew")
		}
		checkLabPort(t, ctx, c)
		if err := c.Kafka().CreateTopic(ctx, "left-behind", 3, 1); err != nil {
			t.Fatalf("create a topic after Renew: %v", err)
		}
		old = fresh
	}
	// After a grading's last scenario on it (SetSpares(false)) a program starts no spare, and a
	// Reset still renews the cluster, with a start of its own; SetSpares(true) brings them back.
	c.SetSpares(false)
	c.MarkUntrusted()
	if ok, err := c.AwaitSpare(ctx); ok || err != nil {
		t.Errorf("with spares off a spare started (%v, %v)", ok, err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if fresh := c.Brokers()[0].Container; !rt.Facts().SharesHostNetwork && fresh.Name == old.Name {
		t.Errorf("with spares off the broker after Reset is still %s, want a fresh one", old.Name)
	}
	old = c.Brokers()[0].Container
	c.SetSpares(true)
	c.MarkUntrusted()
	if ok, err := c.AwaitSpare(ctx); !rt.Facts().SharesHostNetwork && (!ok || err != nil) {
		t.Errorf("with spares on again no spare started (%v, %v)", ok, err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoContainer(t, rt, old.Name)
	// No spare or old broker outlives the cluster.
	names, err := rt.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.Contains(n, "broker-1") {
			t.Errorf("container %s left after Close", n)
		}
	}
}

// TestReusable: a cluster is reused for the next submission only as it was fresh. Reset keeps
// Kafka's "__" topics, which a student's kafka-topics.sh can make before Kafka does (here with
// 3 partitions instead of the broker's 10) or change; Reusable notices, and a renewed cluster
// is fresh again.
func TestReusable(t *testing.T) {
	ctx, _, c := startSingle(t, 3*time.Minute)
	reusable := func(want string) {
		t.Helper()
		why, err := c.Reusable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want == "" && why != "" || !strings.Contains(why, want) {
			t.Errorf("Reusable says %q, want %q", why, want)
		}
	}
	reusable("")
	if err := c.Kafka().CreateTopic(ctx, "my_first_topic", 10, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	reusable("") // a topic of the lab's is gone with Reset
	admin, err := cluster.AdminOf(c.Kafka())
	if err != nil {
		t.Fatal(err)
	}
	// As kafka-topics.sh --create does (CreateTopic waits on the lab's topics only).
	for _, name := range []string{"__consumer_offsets", "__evil"} {
		if err := admin.CreateTopic(name, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
	}
	// CreateTopics answers before every broker's metadata lists the topic (a CI run once saw
	// Reset list the topics without __evil): the student's topics are there, as a command that
	// ended a scenario left them, before the reset.
	if err := wait.Until(ctx, "the broker to list __consumer_offsets and __evil", 30*time.Second, 50*time.Millisecond,
		func(context.Context) (bool, string, error) {
			topics, err := admin.ListTopics()
			_, offsets := topics["__consumer_offsets"]
			_, evil := topics["__evil"]
			return err == nil && offsets && evil, fmt.Sprintf("%d topics", len(topics)), err
		}); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	reusable("__consumer_offsets was made")
	if why, _ := c.Reusable(ctx); strings.Contains(why, "__evil") {
		t.Errorf("Reset kept a student's __evil: %s", why)
	}
	if err := c.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	reusable("")
	c.MarkUntrusted()
	reusable("a student's program used it")
}

// TestResetCatchesATopicJustCreated: a topic created the moment before Reset (its CreateTopics
// answered, some broker's metadata not yet updated) is deleted all the same, every time. In the
// ha cluster, where a topic is created through one broker and listed by another, a Reset that
// listed the topics at once let one through in each of four runs (by round 9 at the latest);
// with its barrier, none in 20 rounds of five runs. The check lists the topics until one created after Reset shows,
// so from a broker whose metadata is as recent, and finds the early one gone.
func TestResetCatchesATopicJustCreated(t *testing.T) {
	rt := runtime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := cluster.Start(ctx, rt, cluster.HA, image(t, rt), cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	admin, err := cluster.AdminOf(c.Kafka())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		late, after := fmt.Sprintf("late-%d", i), fmt.Sprintf("after-%d", i)
		if err := admin.CreateTopic(late, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
		if err := c.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if err := admin.CreateTopic(after, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
		var topics map[string]sarama.TopicDetail
		if err := wait.Until(ctx, after+" to be listed", 30*time.Second, 5*time.Millisecond, func(context.Context) (bool, string, error) {
			topics, err = admin.ListTopics()
			_, ok := topics[after]
			return ok, "", err
		}); err != nil {
			t.Fatal(err)
		}
		if _, ok := topics[late]; ok {
			t.Fatalf("round %d: %s, created just before Reset, survived it", i, late)
		}
	}
}
