package runner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
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
