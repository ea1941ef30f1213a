package cluster

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
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
}

// CreateTopic creates a topic with replication factor rf and waits until its partitions have
// leaders in the metadata.
func (c *Cluster) CreateTopic(ctx context.Context, name string, partitions int32, rf int16) error {
	admin, err := c.Admin()
	if err != nil {
		return err
	}
	if err := admin.CreateTopic(name, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: rf}, false); err != nil {
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
			return len(ps) == int(partitions), fmt.Sprintf("%d partitions", len(ps)), nil
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

// Send sends messages, each to its partition, one after the other, and waits for each to be
// acknowledged by all in-sync replicas.
func (c *Cluster) Send(ctx context.Context, topic string, msgs ...Message) error {
	if c.producer == nil {
		cfg := SaramaConfig()
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Return.Successes = true
		cfg.Producer.Retry.Max = 5
		cfg.Producer.Retry.Backoff = 100 * time.Millisecond
		p, err := sarama.NewSyncProducer(c.Bootstrap(), cfg)
		if err != nil {
			return fmt.Errorf("harness producer: %w", err)
		}
		c.producer = p
	}
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		pm := &sarama.ProducerMessage{Topic: topic, Partition: m.Partition, Value: sarama.StringEncoder(m.Value)}
		if m.Key != "" {
			pm.Key = sarama.StringEncoder(m.Key)
		}
		if _, _, err := c.producer.SendMessage(pm); err != nil {
			return fmt.Errorf("send %q to %s partition %d: %w", m.Value, topic, m.Partition, err)
		}
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

// ReadAll reads every message of the topic up to its current end, ordered by partition and
// offset.
func (c *Cluster) ReadAll(ctx context.Context, topic string) ([]Message, error) {
	ends, err := c.EndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	consumer, err := sarama.NewConsumerFromClient(c.client)
	if err != nil {
		return nil, fmt.Errorf("harness consumer: %w", err)
	}
	defer consumer.Close()
	var out []Message
	for _, p := range slices.Sorted(maps.Keys(ends)) {
		start, err := c.client.GetOffset(topic, p, sarama.OffsetOldest)
		if err != nil {
			return nil, fmt.Errorf("start offset of %s partition %d: %w", topic, p, err)
		}
		if start >= ends[p] {
			continue
		}
		pc, err := consumer.ConsumePartition(topic, p, start)
		if err != nil {
			return nil, fmt.Errorf("read %s partition %d: %w", topic, p, err)
		}
		for next := start; next < ends[p]; {
			select {
			case m := <-pc.Messages():
				out = append(out, Message{Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Value: string(m.Value)})
				next = m.Offset + 1
			case cerr := <-pc.Errors():
				pc.Close()
				return nil, fmt.Errorf("read %s partition %d: %w", topic, p, cerr)
			case <-ctx.Done():
				pc.Close()
				return nil, fmt.Errorf("read %s partition %d up to offset %d: %w", topic, p, ends[p], ctx.Err())
			}
		}
		pc.Close()
	}
	return out, nil
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
