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
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/wait"
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
func (k *Kafka) CreateTopic(ctx context.Context, name string, partitions int32, rf int16) error {
	return k.CreateTopicWith(ctx, name, partitions, rf, nil)
}

// CreateTopicWith is CreateTopic with topic configs (min.insync.replicas, ...).
func (k *Kafka) CreateTopicWith(ctx context.Context, name string, partitions int32, rf int16, configs map[string]string) error {
	admin, err := k.conn.adminClient(k.c.Topology)
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
			if err := k.conn.client.RefreshMetadata(name); err != nil {
				return false, "", err
			}
			ps, err := k.conn.client.Partitions(name)
			if err != nil {
				return false, "", err
			}
			for _, p := range ps {
				if _, err := k.conn.client.Leader(name, p); err != nil {
					return false, fmt.Sprintf("partition %d has no leader", p), nil
				}
			}
			if len(ps) != int(partitions) {
				return false, fmt.Sprintf("%d partitions", len(ps)), nil
			}
			// The broker PartitionStates asks may learn of the topic a moment later.
			states, err := k.PartitionStates(name)
			return err == nil && len(states) == int(partitions), fmt.Sprintf("%d partitions", len(states)), err
		})
}

// Topics returns the cluster's topics and their partition counts, Kafka's internal ones left out.
func (k *Kafka) Topics(ctx context.Context) (map[string]int, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
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

// MetadataLag bounds how long the broker the harness asks takes to learn of a change the
// controller committed: a student's kafka-topics.sh returns once the controller has the topic,
// and the brokers' metadata follows a moment later (on a loaded machine, a long moment).
const MetadataLag = 3 * time.Second

// TopicsSettled returns the cluster's topics as soon as want holds for them, else as they are
// after MetadataLag: a check of what a student's command just changed gives the brokers the
// time to learn of it, and a wrong command costs that time only.
func (k *Kafka) TopicsSettled(ctx context.Context, want func(map[string]int) bool) (map[string]int, error) {
	return settled(ctx, func() (map[string]int, error) { return k.Topics(ctx) }, want)
}

// PartitionStatesSettled is TopicsSettled for PartitionStates.
func (k *Kafka) PartitionStatesSettled(ctx context.Context, want func([]PartitionState) bool, topics ...string) ([]PartitionState, error) {
	return settled(ctx, func() ([]PartitionState, error) { return k.PartitionStates(topics...) }, want)
}

// settled reads with read until want holds for what it read, or MetadataLag passes: then it
// returns the last read, or the wait's error if no read succeeded.
func settled[T any](ctx context.Context, read func() (T, error), want func(T) bool) (T, error) {
	var last T
	read1 := false
	err := wait.Until(ctx, "the brokers to learn of the change", MetadataLag, 50*time.Millisecond, func(context.Context) (bool, string, error) {
		v, err := read()
		if err != nil {
			return false, "", err
		}
		last, read1 = v, true
		return want(v), "", nil
	})
	if !read1 {
		return last, err
	}
	return last, nil
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
func (k *Kafka) Send(ctx context.Context, topic string, msgs ...Message) error {
	k.conn.producerMu.Lock()
	defer k.conn.producerMu.Unlock()
	if k.conn.producer == nil {
		cfg := saramaConfig()
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Return.Successes = true
		cfg.Producer.Retry.Max = 5
		cfg.Producer.Retry.Backoff = 100 * time.Millisecond
		cfg.Net.MaxOpenRequests = 1 // a retry cannot overtake the request after it: order holds
		p, err := sarama.NewSyncProducer(k.c.Bootstrap(), cfg)
		if err != nil {
			return fmt.Errorf("harness producer: %w", err)
		}
		k.conn.producer = p
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
	if err := k.conn.producer.SendMessages(batch); err != nil {
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
func (k *Kafka) EndOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	if err := k.conn.client.RefreshMetadata(topic); err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	ps, err := k.conn.client.Partitions(topic)
	if err != nil {
		return nil, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	out := map[int32]int64{}
	for _, p := range ps {
		off, err := k.conn.client.GetOffset(topic, p, sarama.OffsetNewest)
		if err != nil {
			return nil, fmt.Errorf("end offset of %s partition %d: %w", topic, p, err)
		}
		out[p] = off
	}
	return out, ctx.Err()
}

// readBytesLimit caps the keys and values one ReadAll loads.
const readBytesLimit = 64 << 20

// TooMuchError is a read that would load more than its cap (Options.ReadLimit).
type TooMuchError struct {
	Topic    string
	Messages int
	Bytes    int64
}

func (e *TooMuchError) Error() string {
	return fmt.Sprintf("%s holds more than %d messages or %d MiB, more than one read takes: far more than the lab's programs send (one message per account a second)",
		e.Topic, e.Messages, e.Bytes>>20)
}

// readBudget is what one ReadAll may still load, shared by its partitions' reads, and the cap
// it started from (limit messages), for the error.
type readBudget struct {
	limit           int
	messages, bytes atomic.Int64
}

func (b *readBudget) take(messages int, bytes int64) bool {
	return b.messages.Add(-int64(messages)) >= 0 && b.bytes.Add(-bytes) >= 0
}

// ReadAll reads every committed message of the topic, as a read_committed consumer sees it
// (messages of aborted transactions left out), ordered by partition and offset: each
// partition up to its last stable offset when the read starts, and no more than a cap
// (Options.ReadLimit; a *TooMuchError past it).
func (k *Kafka) ReadAll(ctx context.Context, topic string) ([]Message, error) {
	return k.ReadAllAtMost(ctx, topic, k.c.opts.ReadLimit)
}

// ReadAllAtMost is ReadAll with a cap of limit messages.
func (k *Kafka) ReadAllAtMost(ctx context.Context, topic string, limit int) ([]Message, error) {
	msgs, _, err := k.ReadFrom(ctx, topic, nil, limit)
	return msgs, err
}

// ReadFrom is ReadAllAtMost from offset from[p] of each partition p on (from its start where
// from has none, or where from is before it), and returns where each partition's read ended:
// a watcher reads only what came since it last looked, and passes that back as from.
func (k *Kafka) ReadFrom(ctx context.Context, topic string, from map[int32]int64, limit int) ([]Message, map[int32]int64, error) {
	if err := k.conn.client.RefreshMetadata(topic); err != nil {
		return nil, nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	ps, err := k.conn.client.Partitions(topic)
	if err != nil {
		return nil, nil, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	// Partitions are read side by side: each read is at least one fetch round trip.
	parts := slices.Sorted(slices.Values(ps))
	read := make([][]Message, len(parts))
	reached := make([]int64, len(parts))
	errs := make([]error, len(parts))
	budget := &readBudget{limit: limit}
	budget.messages.Store(int64(limit))
	budget.bytes.Store(readBytesLimit)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() {
			start, ok := from[p]
			if !ok {
				start = -1
			}
			read[i], reached[i], errs[i] = k.readPartition(ctx, topic, p, start, budget)
			if errs[i] != nil {
				cancel() // the other partitions' reads are of no use
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		var tooMuch *TooMuchError
		if errors.As(err, &tooMuch) {
			return nil, nil, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	next := make(map[int32]int64, len(parts))
	for i, p := range parts {
		next[p] = reached[i]
	}
	return slices.Concat(read...), next, nil
}

// readPartition reads a partition from its start (or from, when later) up to its last stable offset, taken first,
// with fetch requests of its own: it ends when its position reaches that offset, on what Kafka
// answered, never on a quiet spell (a loaded machine can take longer than any idle limit to
// answer). Transaction markers take offsets but hold no message, and batches of aborted
// transactions are left out, as a read_committed consumer does (Kafka's Fetcher): a batch of
// a producer is aborted from the first offset of one of the response's aborted transactions
// up to that producer's abort marker.
func (k *Kafka) readPartition(ctx context.Context, topic string, p int32, from int64, budget *readBudget) ([]Message, int64, error) {
	next, err := k.conn.client.GetOffset(topic, p, sarama.OffsetOldest)
	if err != nil {
		return nil, 0, fmt.Errorf("start offset of %s partition %d: %w", topic, p, err)
	}
	next = max(next, from)
	leader, err := k.conn.client.Leader(topic, p)
	if err != nil {
		return nil, 0, fmt.Errorf("leader of %s partition %d: %w", topic, p, err)
	}
	stable, err := lastStableOffset(leader, topic, p)
	if err != nil {
		return nil, 0, err
	}
	var out []Message
	maxBytes := int32(1 << 20)
	for next < stable {
		if err := ctx.Err(); err != nil {
			return nil, 0, fmt.Errorf("read %s partition %d up to offset %d: %w", topic, p, stable, err)
		}
		req := &sarama.FetchRequest{Version: 10, MaxWaitTime: 500, MinBytes: 1, MaxBytes: maxBytes, Isolation: sarama.ReadCommitted}
		req.AddBlock(topic, p, next, maxBytes, -1)
		resp, err := leader.Fetch(req)
		if err != nil {
			return nil, 0, fmt.Errorf("read %s partition %d at offset %d: %w", topic, p, next, err)
		}
		block := resp.GetBlock(topic, p)
		if block == nil {
			return nil, 0, fmt.Errorf("read %s partition %d at offset %d: no answer for the partition", topic, p, next)
		}
		if block.Err != sarama.ErrNoError {
			return nil, 0, fmt.Errorf("read %s partition %d at offset %d: %w", topic, p, next, block.Err)
		}
		before, got := next, len(out)
		pending := slices.SortedFunc(slices.Values(block.AbortedTransactions), func(a, b *sarama.AbortedTransaction) int {
			return int(a.FirstOffset - b.FirstOffset)
		})
		aborted := map[int64]bool{}
		for _, rs := range block.RecordsSet {
			b := rs.RecordBatch
			if b == nil || b.PartialTrailingRecord {
				break // a message set of before Kafka 0.11, or a batch cut by the size limit
			}
			for len(pending) > 0 && pending[0].FirstOffset <= b.LastOffset() {
				aborted[pending[0].ProducerID] = true
				pending = pending[1:]
			}
			switch {
			case b.Control:
				if len(b.Records) > 0 && controlType(b.Records[0].Key) == controlAbort {
					delete(aborted, b.ProducerID)
				}
			case b.IsTransactional && aborted[b.ProducerID]:
			default:
				for _, r := range b.Records {
					off := b.FirstOffset + r.OffsetDelta
					if off < next || off >= stable {
						continue
					}
					ts := b.FirstTimestamp.Add(r.TimestampDelta)
					if b.LogAppendTime {
						ts = b.MaxTimestamp
					}
					out = append(out, Message{Partition: p, Offset: off, Key: string(r.Key), Value: string(r.Value), Timestamp: ts})
				}
			}
			next = max(next, b.LastOffset()+1)
		}
		var size int64
		for _, m := range out[got:] {
			size += int64(len(m.Key) + len(m.Value))
		}
		if !budget.take(len(out)-got, size) {
			return nil, 0, &TooMuchError{Topic: topic, Messages: budget.limit, Bytes: readBytesLimit}
		}
		if next == before {
			if maxBytes >= 64<<20 {
				return nil, 0, fmt.Errorf("read %s partition %d: no complete batch at offset %d within 64 MiB", topic, p, next)
			}
			maxBytes *= 4 // a batch larger than the fetch's limit
		}
	}
	return out, next, nil
}

// A control record's key is its version and its type, two big-endian int16s.
const controlAbort = 0

func controlType(key []byte) int {
	if len(key) < 4 {
		return -1
	}
	return int(int16(key[2])<<8 | int16(key[3]))
}

// lastStableOffset is where a read_committed consumer stops: below any open transaction. It
// asks the partition's leader.
func lastStableOffset(leader *sarama.Broker, topic string, p int32) (int64, error) {
	req := &sarama.OffsetRequest{Version: 2, IsolationLevel: sarama.ReadCommitted}
	req.AddBlock(topic, p, sarama.OffsetNewest, 1)
	resp, err := leader.GetAvailableOffsets(req)
	if err != nil {
		return 0, fmt.Errorf("last stable offset of %s partition %d: %w", topic, p, err)
	}
	b := resp.GetBlock(topic, p)
	if b == nil {
		return 0, fmt.Errorf("last stable offset of %s partition %d: no answer for it", topic, p)
	}
	if b.Err != sarama.ErrNoError {
		return 0, fmt.Errorf("last stable offset of %s partition %d: %w", topic, p, b.Err)
	}
	return b.Offset, nil
}

// CommittedOffsets returns the group's committed offset of each partition of topic (-1 where
// it has none).
func (k *Kafka) CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return nil, err
	}
	ps, err := k.conn.client.Partitions(topic)
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
func (k *Kafka) PartitionStates(topics ...string) ([]PartitionState, error) {
	resp, err := k.conn.metadata(k.c.Bootstrap(), topics)
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

// LiveBrokers returns the ids of the brokers in the metadata: registered and not fenced.
func (k *Kafka) LiveBrokers() ([]int32, error) {
	resp, err := k.conn.metadata(k.c.Bootstrap(), []string{})
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

// ExpelMembers removes every member of every consumer group at once, as the group coordinator
// removes a member whose session timed out, and returns how many it removed. It is for members
// known to be dead: a consumer killed with SIGKILL cannot leave its group, and until its session
// times out (kafka-python and confluent-kafka: 45 s) the group's next member waits in a rebalance
// behind it. Members of consumer-protocol groups (KIP-848), which kafka-python cannot join and
// confluent-kafka joins only when told to (group.protocol=consumer), are left alone.
func (k *Kafka) ExpelMembers(ctx context.Context) (int, error) {
	groups, err := k.Groups(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range groups {
		// LeaveGroup is the classic protocol's: kafka-python speaks no other, and it is
		// confluent-kafka's default.
		if len(g.Members) == 0 || g.Protocol != ClassicProtocol {
			continue
		}
		coord, err := k.conn.client.Coordinator(g.Name)
		if err != nil {
			return n, fmt.Errorf("coordinator of group %s: %w", g.Name, err)
		}
		req := &sarama.LeaveGroupRequest{Version: 3, GroupId: g.Name}
		for _, m := range g.Members {
			req.Members = append(req.Members, sarama.MemberIdentity{MemberId: m.ID})
		}
		resp, err := coord.LeaveGroup(req)
		if err == nil && resp.Err != sarama.ErrNoError {
			err = resp.Err
		}
		if err != nil {
			return n, fmt.Errorf("remove the members of group %s: %w", g.Name, err)
		}
		for _, m := range resp.Members {
			// A member that left meanwhile is gone anyway.
			if m.Err != sarama.ErrNoError && m.Err != sarama.ErrUnknownMemberId {
				return n, fmt.Errorf("remove member %s of group %s: %w", m.MemberId, g.Name, m.Err)
			}
			n++
		}
	}
	return n, ctx.Err()
}

// GroupsBehind says which consumer group reading topic has not caught up with it ("" when none):
// one that is rebalancing, or whose committed offsets are below the topic's end offsets.
// A group with no committed offset of topic says nothing either way.
func (k *Kafka) GroupsBehind(ctx context.Context, topic string) (string, error) {
	groups, err := k.Groups(ctx)
	if err != nil || len(groups) == 0 {
		return "", err
	}
	ends, err := k.EndOffsets(ctx, topic)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if g.Rebalancing() {
			return fmt.Sprintf("group %s is rebalancing (%s)", g.Name, g.State), nil
		}
		committed, err := k.CommittedOffsets(ctx, g.Name, topic)
		if err != nil {
			return "", err
		}
		var behind int64
		for p, off := range committed {
			if off >= 0 && off < ends[p] {
				behind += ends[p] - off
			}
		}
		if behind > 0 {
			return fmt.Sprintf("group %s has %d message(s) of %s to go", g.Name, behind, topic), nil
		}
	}
	return "", nil
}

// TopicConfig returns the value of a topic's config, as the brokers apply it (the topic's own
// or their default).
func (k *Kafka) TopicConfig(topic, name string) (string, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return "", err
	}
	entries, err := admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic, ConfigNames: []string{name}})
	if err != nil {
		return "", fmt.Errorf("describe config %s of topic %s: %w", name, topic, err)
	}
	for _, e := range entries {
		if e.Name == name {
			return e.Value, nil
		}
	}
	return "", fmt.Errorf("topic %s has no config %s", topic, name)
}

// Partitions returns the partition ids of a topic, as the harness's client knows them.
func (k *Kafka) Partitions(topic string) ([]int32, error) { return k.conn.client.Partitions(topic) }

// Leader returns the id of the broker that leads a partition, as the harness's client knows it
// (asking the brokers when it knows none).
func (k *Kafka) Leader(topic string, partition int32) (int32, error) {
	b, err := k.conn.client.Leader(topic, partition)
	if err != nil {
		return -1, err
	}
	return b.ID(), nil
}

// ControllerID is the active controller's id in the harness's metadata (the ZooKeeper-elected
// broker in ZooKeeper mode; in KRaft brokers report a broker here, not a controller).
func (k *Kafka) ControllerID() (int32, error) {
	b, err := k.conn.client.RefreshController()
	if err != nil {
		return -1, fmt.Errorf("find the controller: %w", err)
	}
	return b.ID(), nil
}

// CommitOffset commits offset for a group's partition with the harness's own client, waiting
// while the group coordinator is not yet available (a new cluster creates __consumer_offsets on
// the first group request).
func (k *Kafka) CommitOffset(ctx context.Context, group, topic string, partition int32, offset int64) error {
	return wait.Until(ctx, fmt.Sprintf("an offset commit of group %s", group), 30*time.Second, 100*time.Millisecond,
		func(context.Context) (bool, string, error) {
			coord, err := k.conn.client.Coordinator(group)
			if err != nil {
				return false, "no coordinator", err
			}
			req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group, ConsumerGroupGeneration: -1, RetentionTime: -1}
			req.AddBlock(topic, partition, offset, 0, "")
			resp, err := coord.CommitOffset(req)
			if err != nil {
				return false, "", err
			}
			if kerr := resp.Errors[topic][partition]; kerr != sarama.ErrNoError {
				return false, kerr.Error(), kerr
			}
			return true, "", nil
		})
}
