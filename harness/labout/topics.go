package labout

import (
	"fmt"
	"strconv"
	"strings"
)

// Topic is one topic as described by kafka-topics.sh --describe.
type Topic struct {
	Name              string
	TopicID           string
	PartitionCount    int
	ReplicationFactor int
	Configs           string // as printed: "segment.bytes=1073741824,cleanup.policy=compact", or ""
	Partitions        []Partition
}

// Partition is one partition line of kafka-topics.sh --describe.
type Partition struct {
	Topic     string
	Partition int32
	Leader    int32 // -1 when the partition has no leader ("none")
	Replicas  []int32
	Isr       []int32
}

// Topics parses the output of kafka-topics.sh --describe, with or without --topic. That output
// is made of tab-separated "Label: value" fields: a header line per topic (it has
// PartitionCount) followed by a line per partition (it has Partition). Fields are found by
// their labels, so fields added by later versions (Elr, LastKnownElr, ...) are ignored. The
// error says what was expected when no topic header is found, or when a number is not one.
func Topics(out string) ([]Topic, error) {
	var topics []Topic
	for _, line := range lines(out) {
		if isLogLine(line) {
			continue
		}
		f := labeled(line)
		if _, ok := f["PartitionCount"]; ok {
			t := Topic{Name: f["Topic"], TopicID: f["TopicId"], Configs: f["Configs"]}
			var err error
			if t.PartitionCount, err = number(f, "PartitionCount", line); err != nil {
				return nil, err
			}
			if t.ReplicationFactor, err = number(f, "ReplicationFactor", line); err != nil {
				return nil, err
			}
			topics = append(topics, t)
			continue
		}
		if _, ok := f["Partition"]; !ok || len(topics) == 0 {
			continue
		}
		p, err := partition(f, line)
		if err != nil {
			return nil, err
		}
		// A partition line belongs to the header of its topic, normally the one just above.
		i := len(topics) - 1
		for j := i; j >= 0; j-- {
			if topics[j].Name == p.Topic {
				i = j
				break
			}
		}
		topics[i].Partitions = append(topics[i].Partitions, p)
	}
	if len(topics) == 0 {
		return nil, fmt.Errorf("expected a line like `Topic: <name>  PartitionCount: <n>  ReplicationFactor: <n> ...`, found none: %s", began(out, 3))
	}
	return topics, nil
}

// labeled splits a describe line into its tab-separated "Label: value" fields.
func labeled(line string) map[string]string {
	f := map[string]string{}
	for field := range strings.SplitSeq(line, "\t") {
		if label, value, ok := strings.Cut(field, ":"); ok {
			f[strings.TrimSpace(label)] = strings.TrimSpace(value)
		}
	}
	return f
}

func partition(f map[string]string, line string) (Partition, error) {
	p := Partition{Topic: f["Topic"], Leader: -1}
	n, err := number(f, "Partition", line)
	if err != nil {
		return p, err
	}
	p.Partition = int32(n)
	if l := f["Leader"]; l != "" && l != "none" {
		if n, err = number(f, "Leader", line); err != nil {
			return p, err
		}
		p.Leader = int32(n)
	}
	if p.Replicas, err = brokers(f, "Replicas", line); err != nil {
		return p, err
	}
	p.Isr, err = brokers(f, "Isr", line)
	return p, err
}

// number returns the integer value of field label.
func number(f map[string]string, label, line string) (int, error) {
	n, err := strconv.Atoi(f[label])
	if err != nil {
		return 0, fmt.Errorf("expected a number after %q, found %q in line %q", label+":", f[label], strings.TrimSpace(line))
	}
	return n, nil
}

// brokers returns the broker ids of a list field such as "Replicas: 1,2"; none when empty.
func brokers(f map[string]string, label, line string) ([]int32, error) {
	if f[label] == "" {
		return nil, nil
	}
	var ids []int32
	for s := range strings.SplitSeq(f[label], ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("expected broker ids like 1,2 after %q, found %q in line %q", label+":", f[label], strings.TrimSpace(line))
		}
		ids = append(ids, int32(id))
	}
	return ids, nil
}
