package labcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/internal/labtest"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Integration tests: real clusters by hand in Docker, at the lab's ports of this machine (make
// image first; skipped under -short). A test that finds the lab's ports or the cluster by hand
// taken by something else skips, saying so, rather than take them.

// engine skips t under -short or without Docker, and when a cluster by hand runs already (a
// student's, or another test's): these tests would take its ports and remove it. It returns a
// runtime to look for kept containers with.
func engine(t *testing.T) *container.Runtime {
	t.Helper()
	labtest.Integration(t)
	if os.Getenv("KAFKA_LAB_DIST") != "" {
		t.Skip("a cluster by hand runs in Docker only (KAFKA_LAB_DIST is set)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := container.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := rt.Kept(ctx); err != nil {
		t.Fatal(err)
	} else if len(kept) > 0 {
		t.Skipf("a cluster started by hand runs already (%s): not taking its ports", strings.Join(kept, ", "))
	}
	return rt
}

// noneKept fails t if a container of a cluster by hand is left.
func noneKept(t *testing.T, rt *container.Runtime) {
	t.Helper()
	kept, err := rt.Kept(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) > 0 {
		t.Errorf("containers of the cluster by hand left behind: %s", strings.Join(kept, ", "))
	}
}

// up starts a cluster by hand of the topology for t, and removes it after t, checking that
// nothing is left.
func up(t *testing.T, topology cluster.Topology) (context.Context, Info) {
	t.Helper()
	rt := engine(t)
	ports, err := LabPorts(topology)
	if err != nil {
		t.Fatal(err)
	}
	if err := portsFree(ports); err != nil {
		t.Skipf("the lab's ports are not free here: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	var out bytes.Buffer
	info, err := Up(ctx, Options{Topology: topology, Out: &out})
	t.Cleanup(func() {
		n, err := Down(context.WithoutCancel(ctx))
		if err != nil {
			t.Error(err)
		}
		t.Logf("Down removed %d container(s)", n)
		noneKept(t, rt)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Up wrote:\n%s", out.String())
	return ctx, info
}

// labTool runs a lab tool as the instructions say: `docker run` joined to the broker's
// namespace, where the broker is localhost:9092.
func labTool(ctx context.Context, t *testing.T, info Info, b Broker, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker command here to run the lab's tools as the instructions say")
	}
	if !strings.Contains(instructions(t, info), "--network container:"+info.Brokers[0].Namespace+" -w /opt/kafka "+info.Image.Ref) {
		t.Fatal("the instructions no longer say to run the tools with --network container:NAMESPACE -w /opt/kafka IMAGE: update this test")
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", append([]string{"run", "--rm", "--network", "container:" + b.Namespace, "-w", "/opt/kafka", info.Image.Ref}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

func instructions(t *testing.T, info Info) string {
	t.Helper()
	var b strings.Builder
	if err := info.WriteInstructions(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// hostClient is a sarama client on the host that bootstraps from the first lab address only,
// as the lab's programs do: every broker it then reaches, it reaches at an address the
// metadata advertised.
func hostClient(t *testing.T, info Info) sarama.Client {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.ClientID = "kafka-lab-test"
	cfg.Version = sarama.V3_6_0_0 // every supported broker speaks it
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Metadata.Retry.Max = 5
	c, err := sarama.NewClient([]string{info.Brokers[0].HostAddr}, cfg)
	if err != nil {
		t.Fatalf("a client on the host, bootstrapping from %s: %v", info.Brokers[0].HostAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// brokerAddrs are the broker addresses the metadata gave the client, sorted.
func brokerAddrs(c sarama.Client) []string {
	var addrs []string
	for _, b := range c.Brokers() {
		addrs = append(addrs, b.Addr())
	}
	slices.Sort(addrs)
	return addrs
}

// The single broker at the lab's localhost:9092: a lab tool next to it creates a topic, the
// host's python3 with kafka-python (the student's programs' case) and a Go client on the host
// produce and read, and the tool lists the topic.
func TestUpSingle(t *testing.T) {
	ctx, info := up(t, cluster.Single)
	if info.Bootstrap != "localhost:9092" || len(info.Brokers) != 1 {
		t.Fatalf("Info = %+v, want one broker at localhost:9092", info)
	}
	b := info.Brokers[0]
	labTool(ctx, t, info, b, "bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--create", "--topic", "by_hand", "--partitions", "3")

	c := hostClient(t, info)
	if got, want := brokerAddrs(c), []string{"127.0.0.1:9092"}; !slices.Equal(got, want) {
		t.Errorf("a host client sees brokers at %v, want %v", got, want)
	}
	p, err := sarama.NewSyncProducerFromClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "by_hand", Partition: 0, Value: sarama.StringEncoder("from Go on the host")}); err != nil {
		t.Errorf("produce from the host: %v", err)
	}

	t.Run("python3 on the host", func(t *testing.T) {
		python := filepath.Join(os.Getenv("HOME"), ".cache", "kafka-lab", "dist-"+info.Image.KafkaVersion, "python")
		if _, err := os.Stat(filepath.Join(python, "kafka")); err != nil {
			t.Skipf("no kafka-python of the local distribution here (%v): make dist", err)
		}
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("no python3 on this machine")
		}
		// As transaction_generator.py and balance_calculator.py connect: localhost:9092.
		script := `
from kafka import KafkaProducer, KafkaConsumer
p = KafkaProducer(bootstrap_servers='localhost:9092')
p.send('by_hand', b'from python3 on the host', partition=1).get(timeout=30)
p.close()
c = KafkaConsumer('by_hand', bootstrap_servers='localhost:9092', auto_offset_reset='earliest', consumer_timeout_ms=30000)
got = sorted(m.value.decode() for _, m in zip(range(2), c))
c.close()
print(got)
`
		pctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(pctx, "python3", "-c", script)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+python)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python3 on the host: %v\n%s", err, out)
		}
		if want := "['from Go on the host', 'from python3 on the host']"; !strings.Contains(string(out), want) {
			t.Errorf("python3 on the host read %q, want %s", out, want)
		}
	})

	if out := labTool(ctx, t, info, b, "bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--list"); !slices.Contains(strings.Fields(out), "by_hand") {
		t.Errorf("kafka-topics.sh --list next to the broker printed %q, want by_hand among the topics", out)
	}
}

// The ha brokers at localhost:9092, 9093 and 9094: a host client that bootstraps from 9092
// reaches each of them (it leads some partition of a topic with replication factor 2, and a
// message goes to every partition), and a lab tool next to broker 2 describes the topic.
func TestUpHA(t *testing.T) {
	ctx, info := up(t, cluster.HA)
	if info.Bootstrap != "localhost:9092,localhost:9093,localhost:9094" || len(info.Brokers) != 3 {
		t.Fatalf("Info = %+v, want brokers at localhost:9092, 9093, 9094", info)
	}
	c := hostClient(t, info)
	if got, want := brokerAddrs(c), []string{"127.0.0.1:9092", "127.0.0.1:9093", "127.0.0.1:9094"}; !slices.Equal(got, want) {
		t.Errorf("a host client bootstrapping from localhost:9092 sees brokers at %v, want %v", got, want)
	}
	admin, err := sarama.NewClusterAdminFromClient(c)
	if err != nil {
		t.Fatal(err)
	}
	const topic, partitions = "replicated", 6
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: 2}, false); err != nil {
		t.Fatalf("create %s with replication factor 2 from the host: %v", topic, err)
	}
	leaders := map[int32]bool{}
	err = wait.Until(ctx, fmt.Sprintf("a leader for each of the %d partitions of %s", partitions, topic), 30*time.Second, 100*time.Millisecond,
		func(context.Context) (bool, string, error) {
			if err := c.RefreshMetadata(topic); err != nil {
				return false, err.Error(), nil
			}
			clear(leaders)
			for p := range int32(partitions) {
				l, err := c.Leader(topic, p)
				if err != nil {
					return false, fmt.Sprintf("partition %d: %v", p, err), nil
				}
				leaders[l.ID()] = true
			}
			return true, "", nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(leaders) != 3 {
		t.Errorf("leaders of %s's partitions are brokers %v, want all three (so that producing reaches each)", topic, leaders)
	}
	p, err := sarama.NewSyncProducerFromClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for part := range int32(partitions) {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: part, Value: sarama.StringEncoder("from the host")}); err != nil {
			l, _ := c.Leader(topic, part)
			t.Errorf("produce to partition %d (leader %v) from the host: %v", part, l.Addr(), err)
		}
	}
	out := labTool(ctx, t, info, info.Brokers[1], "bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--describe", "--topic", topic)
	if !strings.Contains(out, "ReplicationFactor: 2") {
		t.Errorf("kafka-topics.sh --describe next to broker 2 printed %q, want ReplicationFactor: 2", out)
	}
}

// A lab port another program listens on is named, and nothing is started. The test listens
// there itself; if another program has the port already, the message must name it all the
// same.
func TestUpPortTaken(t *testing.T) {
	rt := engine(t)
	for _, tc := range []struct {
		topology cluster.Topology
		hold     int
	}{{cluster.Single, 9092}, {cluster.HA, 9093}} {
		t.Run(string(tc.topology), func(t *testing.T) {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", tc.hold))
			if err != nil {
				t.Logf("port %d is taken here already (%v): the message must name it all the same", tc.hold, err)
			} else {
				defer l.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err = Up(ctx, Options{Topology: tc.topology})
			var taken *PortTakenError
			if !errors.As(err, &taken) {
				t.Fatalf("Up(%s) with port %d taken = %v, want a *PortTakenError", tc.topology, tc.hold, err)
			}
			// An earlier lab port that is taken by someone else is named first.
			if ports, _ := LabPorts(tc.topology); portsFree(ports[:slices.Index(ports, tc.hold)]) == nil && taken.Port != tc.hold {
				t.Errorf("Up(%s) named port %d, want %d", tc.topology, taken.Port, tc.hold)
			}
			msg := err.Error()
			for _, want := range []string{fmt.Sprintf("port %d on this machine is taken", taken.Port), "another program listens there", "stop that program"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			t.Logf("Up said: %v", err)
			noneKept(t, rt)
		})
	}
}
