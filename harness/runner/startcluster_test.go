package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// fakeTerminals is a machine whose servers start at once: each Kafka server says it started
// (or dies with its last words, by file), and the cluster answers with the brokers started.
type fakeTerminals struct {
	fakeLab
	dies    map[string]string // a server's file -> its last words, as it exits
	failRun error
	ran     []string // every command, in order, as run or started
	servers []*fakeTerminal
	asks    []string
	kafka   []string // the files of Kafka's own that were read
	batches int      // calls of RunAll
}

type fakeTerminal struct {
	fakeServer
	kafka bool
}

func (s *fakeTerminal) Tails(name string, _ int) string {
	return "--- stdout of " + name + ":\n" + strings.Join(s.lines, "\n")
}

func (m *fakeTerminals) BrokersAt(_ context.Context, bootstrap string) ([]cluster.Endpoint, container.Result, error) {
	m.asks = append(m.asks, bootstrap)
	var out []cluster.Endpoint
	for i, s := range m.servers {
		if s.kafka && s.problem == nil {
			out = append(out, cluster.Endpoint{ID: i, Addr: fmt.Sprintf("localhost:%d", 9092+len(out))})
		}
	}
	return out, container.Result{}, nil
}

func (m *fakeTerminals) KafkaFiles(_ context.Context, paths []string) (map[string][]byte, error) {
	m.kafka = append(m.kafka, paths...)
	out := map[string][]byte{}
	for _, p := range paths {
		if d, ok := kafkaOwn[p]; ok {
			out[p] = d
		}
	}
	return out, nil
}

func (m *fakeTerminals) StartServer(_ context.Context, cmd submission.Command) (Terminal, error) {
	m.ran = append(m.ran, strings.Join(cmd.Args, " "))
	s := &fakeTerminal{kafka: cmd.Tool == "kafka-server-start"}
	if cmd.Tool == "zookeeper-server-start" {
		m.zk = true
	}
	if words, ok := m.dies[fileArg(cmd)]; ok {
		s.lines = []string{words}
		s.problem = &Failure{Command: cmd, What: "exited with code 1, but it should keep running until stopped"}
	} else if s.kafka {
		s.lines = []string{"[KafkaServer id=1] started (kafka.server.KafkaServer)"}
	}
	m.servers = append(m.servers, s)
	return s, nil
}

func (m *fakeTerminals) RunAll(_ context.Context, cmds []submission.Command) error {
	m.batches++
	for _, cmd := range cmds {
		m.ran = append(m.ran, strings.Join(cmd.Args, " "))
		if m.failRun != nil {
			return m.failRun
		}
	}
	return nil
}

func TestStartOwnCluster(t *testing.T) {
	ctx := context.Background()
	files := ClusterFiles{Student: threeBrokers(), Version: "3.9.1", ZooKeeper: true}
	t.Run("three brokers answer", func(t *testing.T) {
		m := &fakeTerminals{}
		cmds := commands(t, "bin/zookeeper-server-start.sh -daemon config/zookeeper.properties", start1, start2, start3)
		got, err := StartOwnCluster(ctx, m, cmds, files, 3)
		if err != nil || len(got) != 3 {
			t.Fatalf("StartOwnCluster = %v, %v; want 3 brokers", got, err)
		}
		if m.ran[0] != "bin/zookeeper-server-start.sh config/zookeeper.properties" || len(m.ran) != 4 {
			t.Errorf("ran %q; want each server started once, -daemon dropped", m.ran)
		}
		if !slices.Equal(m.kafka, []string{"config/zookeeper.properties"}) {
			t.Errorf("read Kafka's %v; want only its config/zookeeper.properties", m.kafka)
		}
		if len(m.asks) != 1 || m.asks[0] != "localhost:9092,localhost:9093,localhost:9094" {
			t.Errorf("asked %q; want once, at every broker's listener, once all said they started", m.asks)
		}
	})
	t.Run("a storage format runs to its end, in order", func(t *testing.T) {
		m := &fakeTerminals{failRun: &Failure{What: "exited with code 1"}}
		cmds := commands(t, "bin/kafka-storage.sh format -t x -c config/server.properties", "bin/kafka-server-start.sh config/server.properties")
		_, err := StartOwnCluster(ctx, m, cmds, ClusterFiles{Version: "3.9.1", ZooKeeper: true, Student: map[string][]byte{"server.properties": []byte(kraftNode(1, 9092, 9093))}}, 3)
		var f *Failure
		if !errors.As(err, &f) || len(m.ran) != 1 {
			t.Fatalf("StartOwnCluster = %v after %q; want the format's failure, and no server started", err, m.ran)
		}
	})
	t.Run("a mistake the files make certain runs nothing", func(t *testing.T) {
		m := &fakeTerminals{}
		cmds := commands(t, zkStart, start1, start2, start2)
		_, err := StartOwnCluster(ctx, m, cmds, files, 3)
		var mk *Mistake
		if !errors.As(err, &mk) || mk.Name != "two brokers with one broker.id" || len(m.ran) != 0 {
			t.Fatalf("StartOwnCluster = %v after %q; want the mistake, nothing run", err, m.ran)
		}
	})
	t.Run("a server that exits ends the wait with its last words", func(t *testing.T) {
		m := &fakeTerminals{dies: map[string]string{"config/server-2.properties": "ERROR Failed to acquire lock on file .lock in /tmp/x. A Kafka instance in another process or thread is using this directory."}}
		cmds := commands(t, zkStart, start1, start2, start3)
		_, err := StartOwnCluster(ctx, m, cmds, files, 3)
		var mk *Mistake
		if !errors.As(err, &mk) || mk.Name != "a server stopped" || !strings.Contains(mk.Observed, "server-2.properties") ||
			!strings.Contains(mk.Hint, "own log.dirs") || !strings.Contains(mk.Tail, "Failed to acquire lock") {
			t.Fatalf("StartOwnCluster = %v; want server 2's end, its last words and the log.dirs hint", err)
		}
	})
	t.Run("two brokers: too few once both answer", func(t *testing.T) {
		m := &fakeTerminals{}
		cmds := commands(t, zkStart, start1, start2)
		got, err := StartOwnCluster(ctx, m, cmds, files, 3)
		var mk *Mistake
		if !errors.As(err, &mk) || mk.Name != "too few brokers" || !strings.Contains(mk.Observed, "2 broker(s) answered") || len(got) != 2 || len(m.asks) != 1 {
			t.Fatalf("StartOwnCluster = %v, %v after %d asks; want too few at the first ask, with the 2 that answered", got, err, len(m.asks))
		}
	})
}

// TestRoomForOwnCluster: Gradescope's default 768 MB cannot hold the student's four servers,
// 1.5 GB can; an unknown memory is no reason to refuse.
func TestRoomForOwnCluster(t *testing.T) {
	for mem, ok := range map[uint64]bool{768 << 20: false, 1 << 30: false, 1536 << 20: true, 24 << 30: true, 0: true} {
		err := RoomForOwnCluster(mem)
		if (err == nil) != ok {
			t.Errorf("%d MiB: %v, want room %v", mem>>20, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "1.5 GB") {
			t.Errorf("%d MiB: %v does not say which machine grades it", mem>>20, err)
		}
	}
}
