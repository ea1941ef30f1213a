package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/internal/labtest"
)

// The shared cluster of labtest is removed when the package's tests end.
func TestMain(m *testing.M) { labtest.Main(m) }

// ReadAll reads what a read_committed consumer reads, to the end, however the messages came:
// plain ones, a committed transaction, an aborted one (its messages left out, its markers
// skipped), and a message that fills most of a fetch.
func TestReadAllCommitted(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Kafka().CreateTopic(ctx, "ledger", 2, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Kafka().Send(ctx, "ledger", cluster.Message{Partition: 0, Value: "plain-1"}, cluster.Message{Partition: 1, Value: "plain-1"}); err != nil {
		t.Fatal(err)
	}
	cfg := cluster.SaramaConfig()
	cfg.Producer.Idempotent = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Transaction.ID = "read-test"
	cfg.Net.MaxOpenRequests = 1
	p, err := sarama.NewSyncProducer(c.Bootstrap(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	txn := func(commit bool, values ...string) {
		t.Helper()
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "ledger", Partition: 0, Value: sarama.StringEncoder(v)}); err != nil {
				t.Fatal(err)
			}
		}
		end := p.CommitTxn
		if !commit {
			end = p.AbortTxn
		}
		if err := end(); err != nil {
			t.Fatal(err)
		}
	}
	txn(true, "committed-1", "committed-2")
	txn(false, "aborted-1", "aborted-2")
	txn(true, "committed-3")
	big := strings.Repeat("x", 900<<10) // most of what one fetch answers
	if err := c.Kafka().Send(ctx, "ledger", cluster.Message{Partition: 0, Value: big}, cluster.Message{Partition: 0, Value: "plain-2"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Kafka().ReadAll(ctx, "ledger")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		v := m.Value
		if len(v) > 16 {
			v = "big"
		}
		got = append(got, v)
	}
	want := []string{"plain-1", "committed-1", "committed-2", "committed-3", "big", "plain-2", "plain-1"}
	if !slices.Equal(got, want) {
		t.Errorf("ReadAll = %v, want %v", got, want)
	}
}

// A read loads no more than its cap, and says so: a flooded topic cannot make the harness
// read without bound.
func TestReadAllIsCapped(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Kafka().CreateTopic(ctx, "flood", 2, 1); err != nil {
		t.Fatal(err)
	}
	var msgs []cluster.Message
	for i := range 30 {
		msgs = append(msgs, cluster.Message{Partition: int32(i % 2), Value: fmt.Sprint(i)})
	}
	if err := c.Kafka().Send(ctx, "flood", msgs...); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Kafka().ReadAllAtMost(ctx, "flood", 30); err != nil || len(got) != 30 {
		t.Fatalf("at most 30 of 30: %d messages, %v", len(got), err)
	}
	_, err := c.Kafka().ReadAllAtMost(ctx, "flood", 10)
	var tooMuch *cluster.TooMuchError
	if !errors.As(err, &tooMuch) || !strings.Contains(err.Error(), "flood holds more than 10 messages") {
		t.Errorf("at most 10 of 30: %v, want a TooMuchError", err)
	}
}
