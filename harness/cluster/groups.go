package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/IBM/sarama"
)

// Consumer groups come in two protocols. The classic one (every Kafka, and kafka-python's only
// one) is described by DescribeGroups. The consumer protocol of KIP-848, which the server runs
// since Kafka 4.0 and a Java consumer joins with group.protocol=consumer, is not: DescribeGroups
// does not see its members, ConsumerGroupDescribe (API key 69) does. The harness lists the groups
// with their type (ListGroups version 5, Kafka 3.8 and later) and describes each with the request
// of its protocol, so a check sees the members of both.

// Group protocols, as ListGroups names a group's type.
const (
	ClassicProtocol  = "classic"
	ConsumerProtocol = "consumer"
)

// Member is a member of a consumer group, as the group coordinator describes it.
type Member struct {
	Group    string
	ID       string
	ClientID string
	Host     string
	// Assigned maps topic to the member's partitions, sorted: for a member of a
	// consumer-protocol group, those it owns now (its reconciled assignment).
	Assigned map[string][]int32
}

// Group is a consumer group and its members.
type Group struct {
	Name string
	// Protocol is ClassicProtocol or ConsumerProtocol.
	Protocol string
	// State is the coordinator's word for the group: "Stable", "PreparingRebalance",
	// "CompletingRebalance", "Empty" for a classic group; "Stable", "Assigning", "Reconciling",
	// "Empty" for a consumer-protocol one.
	State   string
	Members []Member
}

// Rebalancing reports whether the group is moving partitions between its members, in either
// protocol's words.
func (g Group) Rebalancing() bool {
	switch g.State {
	case "PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling":
		return true
	}
	return false
}

// groupsConfig is the harness's client configuration with a Kafka version new enough for the
// requests of KIP-848. sarama still sends each request at the highest version that the broker
// it goes to offers, and the harness asks only what the broker offers.
func groupsConfig() *sarama.Config {
	cfg := saramaConfig()
	cfg.Version = sarama.V4_0_0_0
	return cfg
}

// groupTypes lists the groups of every live broker (as the client's metadata has them, as
// sarama's own listing does) with their protocol. A broker older than 3.8 names no type: its
// groups are classic, the only protocol it serves by default. Groups of other types (Kafka 4's
// share and streams groups) are left out: they are no consumer groups.
func (k *Kafka) groupTypes() (map[string]string, error) {
	var addrs []string
	for _, b := range k.conn.client.Brokers() {
		addrs = append(addrs, b.Addr())
	}
	k.conn.groups.mu.Lock()
	defer k.conn.groups.mu.Unlock()
	types := map[string]string{}
	for _, addr := range addrs {
		b, err := k.conn.groups.get(addr, groupsConfig())
		if err != nil {
			return nil, fmt.Errorf("list consumer groups: %w", err)
		}
		resp, err := b.ListGroups(&sarama.ListGroupsRequest{Version: 5})
		if err == nil && resp.Err != sarama.ErrNoError {
			err = resp.Err
		}
		if err != nil {
			k.conn.groups.drop(addr)
			return nil, fmt.Errorf("list consumer groups of %s: %w", addr, err)
		}
		for name := range resp.Groups {
			switch t := resp.GroupsData[name].GroupType; t {
			case "", ClassicProtocol, ConsumerProtocol:
				types[name] = cmp.Or(t, ClassicProtocol)
			}
		}
	}
	return types, nil
}

// Groups describes every consumer group of the cluster, of either protocol, sorted by name.
func (k *Kafka) Groups(ctx context.Context) ([]Group, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return nil, err
	}
	types, err := k.groupTypes()
	if err != nil || len(types) == 0 {
		return nil, errors.Join(err, ctx.Err())
	}
	var classic, consumer []string
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if types[name] == ConsumerProtocol {
			consumer = append(consumer, name)
		} else {
			classic = append(classic, name)
		}
	}
	var out []Group
	if len(classic) > 0 {
		descs, err := admin.DescribeConsumerGroups(classic)
		if err != nil {
			return nil, fmt.Errorf("describe consumer groups: %w", err)
		}
		for _, d := range descs {
			if d.Err != sarama.ErrNoError {
				return nil, fmt.Errorf("describe consumer group %s: %w", d.GroupId, d.Err)
			}
			g := Group{Name: d.GroupId, Protocol: ClassicProtocol, State: d.State}
			for id, m := range d.Members {
				mem := Member{Group: d.GroupId, ID: id, ClientID: m.ClientId, Host: m.ClientHost, Assigned: map[string][]int32{}}
				if a, err := m.GetMemberAssignment(); err == nil && a != nil {
					for t, ps := range a.Topics {
						mem.Assigned[t] = slices.Sorted(slices.Values(ps))
					}
				}
				g.Members = append(g.Members, mem)
			}
			out = append(out, g)
		}
	}
	for _, name := range consumer {
		g, err := k.describeConsumerGroup(name)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	for _, g := range out {
		sort.Slice(g.Members, func(i, j int) bool { return g.Members[i].ID < g.Members[j].ID })
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, ctx.Err()
}

// describeConsumerGroup describes a consumer-protocol group (KIP-848) with ConsumerGroupDescribe,
// asked of its coordinator.
func (k *Kafka) describeConsumerGroup(name string) (Group, error) {
	coord, err := k.conn.client.Coordinator(name)
	if err != nil {
		return Group{}, fmt.Errorf("coordinator of group %s: %w", name, err)
	}
	k.conn.groups.mu.Lock()
	defer k.conn.groups.mu.Unlock()
	b, err := k.conn.groups.get(coord.Addr(), groupsConfig())
	if err != nil {
		return Group{}, fmt.Errorf("describe consumer group %s: %w", name, err)
	}
	req := sarama.NewConsumerGroupDescribeRequest(groupsConfig().Version)
	req.GroupIDs = []string{name}
	resp, err := b.ConsumerGroupDescribe(req)
	if err != nil {
		k.conn.groups.drop(coord.Addr())
		return Group{}, fmt.Errorf("describe consumer group %s (ConsumerGroupDescribe): %w", name, err)
	}
	for _, d := range resp.Groups {
		if d.GroupID != name {
			continue
		}
		if d.ErrorCode != sarama.ErrNoError {
			return Group{}, fmt.Errorf("describe consumer group %s (ConsumerGroupDescribe): %w", name, d.ErrorCode)
		}
		g := Group{Name: name, Protocol: ConsumerProtocol, State: d.GroupState}
		for _, m := range d.Members {
			mem := Member{Group: name, ID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost, Assigned: map[string][]int32{}}
			for _, tp := range m.Assignment.TopicPartitions {
				mem.Assigned[tp.TopicName] = slices.Sorted(slices.Values(tp.Partitions))
			}
			g.Members = append(g.Members, mem)
		}
		return g, nil
	}
	return Group{}, fmt.Errorf("describe consumer group %s (ConsumerGroupDescribe): not in the answer", name)
}
