package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"kafka-lab/harness/wait"
)

// The harness's own view of topics, messages and groups: what the student's commands are
// checked against. It goes through the host listener with sarama, never through the lab's tools.

// Message is a message to send, or one read back.
type Message struct {
	Partition int32
	Offset    int64 // when read
	Key       string
	Value     string
	Timestamp time.Time // when read
}

// CreateTopic creates a topic with replication factor rf and waits until its partitions have
// leaders in the metadata.
func (c *Cluster) CreateTopic(ctx context.Context, name string, partitions int32, rf int16) error {
	return c.CreateTopicWith(ctx, name, partitions, rf, nil)
}

// CreateTopicWith is CreateTopic with topic configs (min.insync.replicas, ...).
func (c *Cluster) CreateTopicWith(ctx context.Context, name string, partitions int32, rf int16, configs map[string]string) error {
	admin, err := c.Admin()
	if err != nil {
		return err
	}
	detail := &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: rf, ConfigEntries: map[string]*string{}}
	for k, v := range configs {
		detail.ConfigEntries[k] = &v
	}
	if err := admin.CreateTopic(name, detail, false); err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return wait.Until(ctx, fmt.Sprintf("topic %s to have %d partitions with leaders", name, partitions), 30*time.Second, 20*time.Millisecond,
		func(context.Context) (bool, string, error) {
			if err := c.client.RefreshMetadata(name); err != nil {
				return false, "", err
			}
			ps, err := c.client.Partitions(name)
			if err != nil {
				return false, "", err
			}
			for _, p := range ps {
				if _, err := c.client.Leader(name, p); err != nil {
					return false, fmt.Sprintf("partition %d has no leader", p), nil
				}
			}
			if len(ps) != int(partitions) {
				return false, fmt.Sprintf("%d partitions", len(ps)), nil
			}
			// The broker PartitionStates asks may learn of the topic a moment later.
			states, err := c.PartitionStates(name)
			return err == nil && len(states) == int(partitions), fmt.Sprintf("%d partitions", len(states)), err
		})
}

// Topics returns the cluster's topics and their partition counts, Kafka's internal ones left out.
func (c *Cluster) Topics(ctx context.Context) (map[string]int, error) {
	admin, err := c.Admin()
	if err != nil {
		return nil, err
	}
	details, err := admin.ListTopics()
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	out := map[string]int{}
	for name, d := range details {
		if !strings.HasPrefix(name, "__") {
			out[name] = int(d.NumPartitions)
		}
	}
	return out, nil
}

// TopicList formats topics as "a (10 partitions), b (1 partition)", or "none".
func TopicList(topics map[string]int) string {
	if len(topics) == 0 {
		return "none"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(topics)) {
		parts = append(parts, fmt.Sprintf("%s (%d partition%s)", name, topics[name], plural(topics[name])))
	}
	return strings.Join(parts, ", ")
}

// Send sends messages, each to its partition, in order within a partition, and waits until all
// are acknowledged by all in-sync replicas.
func (c *Cluster) Send(ctx context.Context, topic string, msgs ...Message) error {
	c.producerMu.Lock()
	defer c.producerMu.Unlock()
	if c.producer == nil {
		cfg := SaramaConfig()
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Return.Successes = true
		cfg.Producer.Retry.Max = 5
		cfg.Producer.Retry.Backoff = 100 * time.Millisecond
		cfg.Net.MaxOpenRequests = 1 // a retry cannot overtake the request after it: order holds
		p, err := sarama.NewSyncProducer(c.Bootstrap(), cfg)
		if err != nil {
			return fmt.Errorf("harness producer: %w", err)
		}
		c.producer = p
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	batch := make([]*sarama.ProducerMessage, len(msgs))
	for i, m := range msgs {
		batch[i] = &sarama.ProducerMessage{Topic: topic, Partition: m.Partition, Value: sarama.StringEncoder(m.Value)}
		if m.Key != "" {
			batch[i].Key = sarama.StringEncoder(m.Key)
		}
	}
	if err := c.producer.SendMessages(batch); err != nil {
		// Name the broker's error (NOT_ENOUGH_REPLICAS, ...), not just "failed to deliver".
		var perrs sarama.ProducerErrors
		if errors.As(err, &perrs) && len(perrs) > 0 {
			err = perrs[0].Err
		}
		return fmt.Errorf("send %d message(s) to %s: %w", len(msgs), topic, err)
	}
	return nil
}

// EndOffsets returns each partition's log-end offset (the offset the next message will get).
func (c *Cluster) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	if err := c.client.RefreshMetadata(topic); err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	ps, err := c.client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	out := map[int32]int64{}
	for _, p := range ps {
		off, err := c.client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, fmt.Errorf("end offset of %s partition %d: %w", topic, p, err)
		}
		out[p] = off
	}
	return out, ctx.Err()
}

// ReadAll reads every committed message of the topic, as a read_committed consumer sees it
// (messages of aborted transactions left out), ordered by partition and offset.
func (c *Cluster) ReadAll(ctx context.Context, topic string) ([]Message, error) {
	ends, err := c.EndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	cfg := SaramaConfig()
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	// Short fetch waits: closing a partition consumer waits for its fetch in flight, and this
	// reader only wants what is already there.
	cfg.Consumer.MaxWaitTime = 20 * time.Millisecond
	consumer, err := sarama.NewConsumer(c.Bootstrap(), cfg)
	if err != nil {
		return nil, fmt.Errorf("harness consumer: %w", err)
	}
	defer consumer.Close()
	// Partitions are read side by side: each read ends with a fetch round trip.
	parts := slices.Sorted(maps.Keys(ends))
	read := make([][]Message, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { read[i], errs[i] = c.readPartition(ctx, consumer, topic, p) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(read...), nil
}

// readPartition reads a partition up to its last stable offset. Transaction markers take
// offsets but are never delivered, so the last message may end before that offset: once the
// consumer has been idle for several fetches, it has delivered everything there is.
func (c *Cluster) readPartition(ctx context.Context, consumer sarama.Consumer, topic string, p int32) ([]Message, error) {
	start, err := c.client.GetOffset(topic, p, sarama.OffsetOldest)
	if err != nil {
		return nil, fmt.Errorf("start offset of %s partition %d: %w", topic, p, err)
	}
	stable, err := c.lastStableOffset(topic, p)
	if err != nil {
		return nil, err
	}
	if start >= stable {
		return nil, nil
	}
	pc, err := consumer.ConsumePartition(topic, p, start)
	if err != nil {
		return nil, fmt.Errorf("read %s partition %d: %w", topic, p, err)
	}
	defer pc.Close()
	var out []Message
	idle := time.NewTimer(readIdle)
	defer idle.Stop()
	for next := start; next < stable; {
		select {
		case m := <-pc.Messages():
			out = append(out, Message{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Value: string(m.Value), Timestamp: m.Timestamp})
			next = m.Offset + 1
			idle.Reset(readIdle)
		case cerr := <-pc.Errors():
			return nil, fmt.Errorf("read %s partition %d: %w", topic, p, cerr)
		case <-idle.C:
			return out, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("read %s partition %d up to offset %d: %w", topic, p, stable, ctx.Err())
		}
	}
	return out, nil
}

// readIdle is how long a partition consumer may deliver nothing before a read ends.
const readIdle = 300 * time.Millisecond

// lastStableOffset is where a read_committed consumer stops: below any open transaction.
func (c *Cluster) lastStableOffset(topic string, p int32) (int64, error) {
	leader, err := c.client.Leader(topic, p)
	if err != nil {
		return 0, fmt.Errorf("leader of %s partition %d: %w", topic, p, err)
	}
	req := &sarama.OffsetRequest{Version: 2, IsolationLevel: sarama.ReadCommitted}
	req.AddBlock(topic, p, sarama.OffsetNewest, 1)
	resp, err := leader.GetAvailableOffsets(req)
	if err != nil {
		return 0, fmt.Errorf("last stable offset of %s partition %d: %w", topic, p, err)
	}
	b := resp.GetBlock(topic, p)
	if b == nil || b.Err != sarama.ErrNoError {
		return 0, fmt.Errorf("last stable offset of %s partition %d: %v", topic, p, b)
	}
	return b.Offset, nil
}

// CommittedOffsets returns the group's committed offset of each partition of topic (-1 where
// it has none).
func (c *Cluster) CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	admin, err := c.Admin()
	if err != nil {
		return nil, err
	}
	ps, err := c.client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: ps})
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", group, err)
	}
	out := map[int32]int64{}
	for _, p := range ps {
		b := resp.GetBlock(topic, p)
		if b == nil {
			out[p] = -1
			continue
		}
		out[p] = b.Offset
	}
	return out, ctx.Err()
}

// Member is a member of a consumer group, as the group coordinator describes it.
type Member struct {
	Group    string
	ID       string
	ClientID string
	Host     string
	// Assigned maps topic to the member's partitions, sorted.
	Assigned map[string][]int32
}

// Group is a consumer group and its members.
type Group struct {
	Name    string
	State   string // "Stable", "PreparingRebalance", "Empty", ...
	Members []Member
}

// Groups describes every consumer group of the cluster, sorted by name.
func (c *Cluster) Groups(ctx context.Context) ([]Group, error) {
	admin, err := c.Admin()
	if err != nil {
		return nil, err
	}
	names, err := admin.ListConsumerGroups()
	if err != nil {
		return nil, fmt.Errorf("list consumer groups: %w", err)
	}
	if len(names) == 0 {
		return nil, ctx.Err()
	}
	descs, err := admin.DescribeConsumerGroups(slices.Sorted(maps.Keys(names)))
	if err != nil {
		return nil, fmt.Errorf("describe consumer groups: %w", err)
	}
	var out []Group
	for _, d := range descs {
		if d.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("describe consumer group %s: %w", d.GroupId, d.Err)
		}
		g := Group{Name: d.GroupId, State: d.State}
		for id, m := range d.Members {
			mem := Member{Group: d.GroupId, ID: id, ClientID: m.ClientId, Host: m.ClientHost, Assigned: map[string][]int32{}}
			if a, err := m.GetMemberAssignment(); err == nil && a != nil {
				for t, ps := range a.Topics {
					mem.Assigned[t] = slices.Sorted(slices.Values(ps))
				}
			}
			g.Members = append(g.Members, mem)
		}
		sort.Slice(g.Members, func(i, j int) bool { return g.Members[i].ID < g.Members[j].ID })
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, ctx.Err()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// PartitionState is a partition as the metadata describes it.
type PartitionState struct {
	Topic     string
	Partition int32
	Leader    int32 // -1 when it has none
	Replicas  []int32
	ISR       []int32
}

func (p PartitionState) String() string {
	return fmt.Sprintf("%s partition %d: leader %d, replicas %v, in sync %v", p.Topic, p.Partition, p.Leader, p.Replicas, p.ISR)
}

// PartitionStates returns the leader, replicas and ISR of every partition of every topic but
// Kafka's internal ones (or of the topics named), as a live broker's metadata says now.
func (c *Cluster) PartitionStates(topics ...string) ([]PartitionState, error) {
	resp, err := c.metadata(topics)
	if err != nil {
		return nil, err
	}
	var out []PartitionState
	for _, t := range resp.Topics {
		if strings.HasPrefix(t.Name, "__") {
			continue
		}
		if t.Err != sarama.ErrNoError {
			return nil, fmt.Errorf("metadata of %s: %w", t.Name, t.Err)
		}
		for _, p := range t.Partitions {
			out = append(out, PartitionState{Topic: t.Name, Partition: p.ID, Leader: p.Leader,
				Replicas: slices.Sorted(slices.Values(p.Replicas)), ISR: slices.Sorted(slices.Values(p.Isr))})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Topic < out[j].Topic || out[i].Topic == out[j].Topic && out[i].Partition < out[j].Partition
	})
	return out, nil
}

// metadata asks the brokers, in turn, for a fresh metadata response: unlike the client's
// cache it never answers from what a broker said before it went down.
func (c *Cluster) metadata(topics []string) (*sarama.MetadataResponse, error) {
	c.metaMu.Lock()
	defer c.metaMu.Unlock()
	if c.metaConns == nil {
		c.metaConns = map[string]*sarama.Broker{}
	}
	var errs []error
	for _, addr := range c.Bootstrap() {
		b := c.metaConns[addr]
		if b == nil {
			b = sarama.NewBroker(addr)
			if err := b.Open(c.client.Config()); err != nil {
				errs = append(errs, err)
				continue
			}
			c.metaConns[addr] = b
		}
		req := sarama.NewMetadataRequest(c.client.Config().Version, topics)
		req.AllowAutoTopicCreation = false
		resp, err := b.GetMetadata(req)
		if err != nil {
			_ = b.Close()
			delete(c.metaConns, addr)
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			continue
		}
		return resp, nil
	}
	return nil, fmt.Errorf("no broker answered a metadata request: %w", errors.Join(errs...))
}

// LiveBrokers returns the ids of the brokers in the metadata: registered and not fenced.
func (c *Cluster) LiveBrokers() ([]int32, error) {
	resp, err := c.metadata([]string{})
	if err != nil {
		return nil, err
	}
	var ids []int32
	for _, b := range resp.Brokers {
		ids = append(ids, b.ID())
	}
	slices.Sort(ids)
	return ids, nil
}
