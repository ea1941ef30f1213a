package cluster

import (
	"context"
	"slices"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/container"
)

// TestPlacementOf: the engine's facts pick the placement: local processes share the host's
// network, Docker's containers have a namespace each.
func TestPlacementOf(t *testing.T) {
	if _, ok := placementOf(container.Facts{SharesHostNetwork: true}).(sharedHost); !ok {
		t.Error("local processes (SharesHostNetwork): want sharedHost")
	}
	if _, ok := placementOf(container.Facts{}).(namespaceEach); !ok {
		t.Error("Docker: want namespaceEach")
	}
}

// TestNamespaceEach: in namespaces of their own every ha broker has the lab's 9092 and the
// quickstart's 9093 and 9094, the controller 9093; nothing is held on the host, and clusters
// run side by side.
func TestNamespaceEach(t *testing.T) {
	p := namespaceEach{}
	if got := p.haPort(controllerID); got != 9093 {
		t.Errorf("controller's port %d, want 9093", got)
	}
	for id := 1; id <= HABrokers; id++ {
		if got := p.haPort(id); got != LabPort {
			t.Errorf("broker %d's port %d, want %d", id, got, LabPort)
		}
	}
	if got := p.quickstartPorts(); !slices.Equal(got, []int{9093, 9094}) {
		t.Errorf("quickstart ports %v, want [9093 9094]", got)
	}
	for _, top := range []Topology{Single, ZooKeeper, HA, Own} {
		if got := p.hostPorts(top); len(got) != 0 {
			t.Errorf("%s holds host ports %v, want none", top, got)
		}
	}
	if !p.sideBySide() {
		t.Error("clusters in namespaces of their own: want side by side")
	}
}

// TestSharedHost: on the host's one network the ha brokers are the quickstart's 9092, 9093 and
// 9094 themselves, the controller the next port, each node's port its own; a topology's start
// checks the ports it will hold, and one cluster runs at a time, on the host's network.
func TestSharedHost(t *testing.T) {
	p := sharedHost{}
	var ports []int
	for id := 1; id <= HABrokers; id++ {
		ports = append(ports, p.haPort(id))
	}
	if !slices.Equal(ports, []int{9092, 9093, 9094}) {
		t.Errorf("brokers' ports %v, want [9092 9093 9094]", ports)
	}
	if got := p.haPort(controllerID); slices.Contains(ports, got) {
		t.Errorf("controller's port %d is a broker's", got)
	}
	if got := p.quickstartPorts(); len(got) != 0 {
		t.Errorf("quickstart ports %v, want none: the brokers' own ports are those", got)
	}
	if got := p.hostPorts(HA); !slices.Equal(got, []int{9092, 9093, 9094, 9095}) {
		t.Errorf("ha holds %v, want [9092 9093 9094 9095]", got)
	}
	for top, want := range map[Topology][]int{Single: {9092, 9093}, ZooKeeper: {2181, 9092}, Own: {2181, 9092, 9093}} {
		if got := p.hostPorts(top); !slices.Equal(got, want) {
			t.Errorf("%s holds %v, want %v", top, got, want)
		}
	}
	if p.sideBySide() {
		t.Error("clusters on the host's network: want one at a time")
	}
	if ns, err := p.namespace(context.Background(), starter{}, 1, 0); ns != nil || err != nil {
		t.Errorf("namespace = %v, %v; want none: the broker lives on the host's network", ns, err)
	}
}
