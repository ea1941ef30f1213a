package cluster

import (
	"context"
	"fmt"

	"github.com/kafka-lab/kafka-lab/harness/container"
)

// placement is where a cluster's nodes live, as the engine runs them (container.Facts): each in
// a network namespace of its own (Docker: namespaceEach), or all on the host's one network
// (local processes: sharedHost). What differs between the two for Kafka's nodes is its
// methods, so that the topologies' start recipes have one path; the addresses a listener binds
// and a peer dials are the engine's own facts (container.Facts).
type placement interface {
	// haPort is the port of ha node id's lab listener (the controller's CONTROLLER listener).
	haPort(id int) int
	// quickstartPorts are the ports other than haPort that an ha broker answers on too, for a
	// student who ran three brokers on one machine, as Kafka's quickstart does.
	quickstartPorts() []int
	// hostPorts are the host ports a topology's nodes listen on themselves, which must be free
	// before it starts.
	hostPorts(t Topology) []int
	// sideBySide says whether clusters can run side by side: each start of a cluster then has
	// a network of its own (see start), a spare can start beside it, and its brokers' host
	// ports can be fixed (Options.HostPorts).
	sideBySide() bool
	// namespace starts what holds ha broker id's network namespace, its host listener
	// published at hostPort, so that the namespace outlives the broker; nil where the broker
	// lives on the host's network, which outlives it anyway.
	namespace(ctx context.Context, c starter, id, hostPort int) (*container.Container, error)
}

// SideBySide says whether the clusters of an engine with facts f can run side by side, each
// with a network of its own, or only one at a time, on the host's network, whose lab ports
// one holds (local processes).
func SideBySide(f container.Facts) bool { return placementOf(f).sideBySide() }

// placementOf is the placement of the nodes an engine runs.
func placementOf(f container.Facts) placement {
	if f.SharesHostNetwork {
		return sharedHost{}
	}
	return namespaceEach{}
}

// namespaceEach: every node in a network namespace of its own, where it has the lab's ports to
// itself (every broker answers on 9092, the ha controller on 9093), published on the host's
// 127.0.0.1 at a free port; the namespaces of a cluster meet on its own network.
type namespaceEach struct{}

func (namespaceEach) haPort(id int) int {
	if id == controllerID {
		return 9093
	}
	return LabPort
}

// The quickstart's ports are free in the broker's own namespace.
func (namespaceEach) quickstartPorts() []int { return []int{LabPort + 1, LabPort + 2} }

func (namespaceEach) hostPorts(Topology) []int { return nil }

func (namespaceEach) sideBySide() bool { return true }

// The namespace holder only sleeps, so stopping the broker leaves the namespace up, with the
// client containers that joined it.
func (namespaceEach) namespace(ctx context.Context, c starter, id, hostPort int) (*container.Container, error) {
	holder, err := c.rt.Start(ctx, container.Spec{
		Name: fmt.Sprintf("ha-broker-%d-net", id), Image: c.Image.Ref, Network: c.network, Hostname: haBrokerHost(id),
		Entrypoint: []string{"sleep", "infinity"}, Ports: map[int]int{hostListenerPort: hostPort},
		MemoryBytes: 16 << 20,
	})
	if err != nil {
		return nil, err
	}
	c.nodes = append(c.nodes, &Node{ID: -1, Role: "namespace", Container: holder, netns: holder})
	return holder, nil
}

// sharedHost: every node on the host's network, where a port is the host's own: the ha brokers
// take 9092, 9093 and 9094, as Kafka's quickstart for three brokers on one machine does, and the
// controller the next port. One cluster at a time.
type sharedHost struct{}

func (sharedHost) haPort(id int) int {
	if id == controllerID {
		return LabPort + HABrokers
	}
	return LabPort + id - 1
}

// The quickstart's ports are the brokers' own lab ports already.
func (sharedHost) quickstartPorts() []int { return nil }

func (p sharedHost) hostPorts(t Topology) []int {
	return map[Topology][]int{
		Single:    {LabPort, LabPort + 1},
		ZooKeeper: {2181, LabPort},
		HA:        {p.haPort(1), p.haPort(2), p.haPort(3), p.haPort(controllerID)},
		Own:       {2181, LabPort, LabPort + 1}, // the lab's ZooKeeper, broker and KRaft controller
	}[t]
}

func (sharedHost) sideBySide() bool { return false }

func (sharedHost) namespace(context.Context, starter, int, int) (*container.Container, error) {
	return nil, nil
}
