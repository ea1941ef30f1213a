package runner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// fakeLab answers as a broker does once started.
type fakeLab struct {
	answer bool
	asks   int
	zk     bool
}

func (l *fakeLab) LabBrokers(context.Context) ([]cluster.Endpoint, container.Result, error) {
	l.asks++
	if !l.answer {
		return nil, container.Result{}, errors.New("connection refused")
	}
	return []cluster.Endpoint{{ID: 1, Addr: "localhost:9092"}}, container.Result{}, nil
}

func (l *fakeLab) ZooKeeperListens(context.Context) (bool, error) { return l.zk, nil }

type fakeServer struct {
	problem error
	lines   []string
}

func (s *fakeServer) Problem(context.Context) error { return s.problem }
func (s *fakeServer) Lines() []string               { return s.lines }

func TestAwaitBroker(t *testing.T) {
	ctx := context.Background()
	t.Run("answers once started", func(t *testing.T) {
		lab := &fakeLab{answer: true}
		broker := &fakeServer{lines: []string{"[KafkaRaftServer nodeId=1] Kafka Server started"}}
		if err := AwaitBroker(ctx, lab, []Server{broker}, broker); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a server that exits ends the wait with its problem", func(t *testing.T) {
		exited := errors.New("ZooKeeper exited")
		zk := &fakeServer{problem: exited}
		broker := &fakeServer{}
		err := AwaitBroker(ctx, &fakeLab{}, []Server{zk, broker}, broker)
		if !errors.Is(err, exited) {
			t.Fatalf("AwaitBroker = %v; want ZooKeeper's problem", err)
		}
	})
	t.Run("started but not answering is final", func(t *testing.T) {
		lab := &fakeLab{}
		broker := &fakeServer{lines: []string{"[KafkaServer id=0] started"}}
		err := AwaitBroker(ctx, lab, []Server{broker}, broker)
		if !errors.Is(err, wait.ErrStop) || !strings.Contains(err.Error(), "nothing answers on localhost:9092") || lab.asks != 1 {
			t.Fatalf("AwaitBroker = %v after %d asks; want one ask, then a final error", err, lab.asks)
		}
	})
}

func TestAwaitZooKeeperReturnsOnlyTheContextsEnd(t *testing.T) {
	if err := AwaitZooKeeper(context.Background(), &fakeLab{zk: true}, &fakeServer{}); err != nil {
		t.Fatal(err)
	}
	if err := AwaitZooKeeper(context.Background(), &fakeLab{}, &fakeServer{problem: errors.New("exited")}); err != nil {
		t.Errorf("AwaitZooKeeper = %v; a ZooKeeper that exits is the broker's start to report", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := AwaitZooKeeper(ctx, &fakeLab{}, &fakeServer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("AwaitZooKeeper = %v; want the context's end", err)
	}
}

// section1 parses section 1's start as the answers give it.
func section1(t *testing.T, zk string, kafka ...string) KafkaStart {
	t.Helper()
	k := KafkaStart{Version: "3.9.1", ZooKeeperMode: true}
	if zk != "" {
		c, err := submission.ParseCommand(submission.StartZooKeeper, 1, zk)
		if err != nil {
			t.Fatal(err)
		}
		k.ZooKeeper = &c
	}
	for i, l := range kafka {
		c, err := submission.ParseCommand(submission.StartKafka, i+2, l)
		if err != nil {
			t.Fatal(err)
		}
		k.Kafka = append(k.Kafka, c)
	}
	return k
}

func TestStartOwnKafka(t *testing.T) {
	ctx := context.Background()
	const (
		zk     = "bin/zookeeper-server-start.sh config/zookeeper.properties"
		broker = "bin/kafka-server-start.sh config/server.properties"
		format = "bin/kafka-storage.sh format -t x -c config/kraft/server.properties"
		kraft  = "bin/kafka-server-start.sh config/kraft/server.properties"
	)
	t.Run("ZooKeeper, then the broker", func(t *testing.T) {
		m := &fakeTerminals{fakeLab: fakeLab{answer: true}}
		if err := StartOwnKafka(ctx, m, section1(t, "./bin/zookeeper-server-start.sh -daemon config/zookeeper.properties", broker)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.ran, []string{"bin/zookeeper-server-start.sh config/zookeeper.properties", broker}) {
			t.Errorf("ran %q; want ZooKeeper (-daemon dropped), then the broker", m.ran)
		}
	})
	t.Run("KRaft: the formats run together, to their end, before the broker", func(t *testing.T) {
		m := &fakeTerminals{fakeLab: fakeLab{answer: true}}
		if err := StartOwnKafka(ctx, m, section1(t, "", format, format, kraft)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.ran, []string{format, format, kraft}) || m.batches != 1 || len(m.servers) != 1 {
			t.Errorf("ran %q in %d batch(es), %d server(s); want both formats in one batch, then one server", m.ran, m.batches, len(m.servers))
		}
	})
	t.Run("a format that fails starts no broker", func(t *testing.T) {
		m := &fakeTerminals{failRun: &Failure{What: "exited with code 1"}}
		err := StartOwnKafka(ctx, m, section1(t, "", format, kraft))
		var f *Failure
		if !errors.As(err, &f) || len(m.servers) != 0 {
			t.Fatalf("StartOwnKafka = %v, %d server(s); want the format's failure, no server", err, len(m.servers))
		}
	})
	t.Run("ZooKeeper on Kafka 4 runs nothing", func(t *testing.T) {
		m := &fakeTerminals{}
		k := section1(t, zk, broker)
		k.Version, k.ZooKeeperMode = "4.4.0", false
		err := StartOwnKafka(ctx, m, k)
		var mk *Mistake
		if !errors.As(err, &mk) || mk.Key != submission.StartZooKeeper || !strings.Contains(mk.Hint, "KIP-833") ||
			!strings.Contains(mk.Expected, "the only mode of Kafka 4.4.0") || len(m.ran) != 0 {
			t.Fatalf("StartOwnKafka = %#v after %q; want start_zookeeper's mistake naming KIP-833, nothing run", err, m.ran)
		}
	})
	t.Run("a broker that exits says so in its own words", func(t *testing.T) {
		m := &fakeTerminals{dies: map[string]string{"config/server.properties": "ERROR Exiting Kafka due to fatal exception"}}
		err := StartOwnKafka(ctx, m, section1(t, zk, broker))
		var mk *Mistake
		if !errors.As(err, &mk) || mk.Key != submission.StartKafka || mk.Expected != answering ||
			!strings.HasPrefix(mk.Observed, broker+": exited with code 1") {
			t.Fatalf("StartOwnKafka = %v; want start_kafka's broker that stopped", err)
		}
	})
	t.Run("started but not answering points at the listener", func(t *testing.T) {
		m := &fakeTerminals{}
		err := StartOwnKafka(ctx, m, section1(t, zk, broker))
		var mk *Mistake
		if !errors.As(err, &mk) || mk.Key != submission.StartKafka || mk.Hint != ListensHint ||
			!strings.Contains(mk.Observed, "nothing answers on localhost:9092") || !strings.Contains(mk.Tail, "stdout of `"+broker+"`") {
			t.Fatalf("StartOwnKafka = %v; want start_kafka's broker that does not answer, with its output", err)
		}
	})
}
