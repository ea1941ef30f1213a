package labcluster

import (
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// Unit tests: no Docker. integration_test.go starts real clusters.

func TestLabPorts(t *testing.T) {
	for topology, want := range map[cluster.Topology][]int{
		cluster.Single:    {9092},
		cluster.ZooKeeper: {9092},
		cluster.HA:        {9092, 9093, 9094},
	} {
		got, err := LabPorts(topology)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("LabPorts(%s) = %v, %v; want %v", topology, got, err, want)
		}
		if addrs := hostAddrs(got); addrs[0] != "localhost:9092" || len(addrs) != len(want) {
			t.Errorf("hostAddrs(%v) = %v, want localhost:9092 first", got, addrs)
		}
	}
	if _, err := LabPorts(cluster.Own); err == nil {
		t.Error("LabPorts(own) = nil error, want one: the student's own brokers are no cluster by hand")
	}
}

// A port a program listens on is named, with what to do; a free one passes.
func TestPortsFree(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	err = portsFree([]int{port})
	var taken *PortTakenError
	if !errors.As(err, &taken) || taken.Port != port {
		t.Fatalf("portsFree(%d) with a listener there = %v, want a *PortTakenError for %d", port, err, port)
	}
	for _, want := range []string{"port " + strconv.Itoa(port) + " on this machine is taken", "another program listens there", "localhost:" + strconv.Itoa(port), "stop that program"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freePort := free.Addr().(*net.TCPAddr).Port
	free.Close()
	if err := portsFree([]int{freePort}); err != nil {
		t.Errorf("portsFree(%d), a port nothing listens on = %v, want nil", freePort, err)
	}
	// The first taken one of several is named.
	if err := portsFree([]int{freePort, port}); !errors.As(err, &taken) || taken.Port != port {
		t.Errorf("portsFree(%d, %d) = %v, want %d taken", freePort, port, err, port)
	}
}

// The instructions say where the student's programs on the host find Kafka, and how to run the
// lab's tools next to a broker.
func TestWriteInstructions(t *testing.T) {
	img := cluster.Image{Ref: "kafka-lab/kafka:3.9.1", KafkaVersion: "3.9.1"}
	for _, tc := range []struct {
		info Info
		want []string
	}{{
		Info{
			Topology: cluster.Single, Image: img, Bootstrap: "localhost:9092", LabBootstrap: "localhost:9092", DownCommand: "make down",
			Brokers: []Broker{{ID: 1, Container: "kafka-lab-manual-broker-1", Namespace: "kafka-lab-manual-broker-1", HostAddr: "localhost:9092"}},
		},
		[]string{
			"Kafka is at localhost:9092",
			"python3 transaction_generator.py",
			"bootstrap_servers='localhost:9092'",
			"docker run --rm -it --network container:kafka-lab-manual-broker-1 -w /opt/kafka kafka-lab/kafka:3.9.1 bash",
			"docker run --rm --network container:kafka-lab-manual-broker-1 -w /opt/kafka kafka-lab/kafka:3.9.1 bin/kafka-topics.sh --list --bootstrap-server localhost:9092",
			"When you are done: make down",
		},
	}, {
		Info{
			Topology: cluster.HA, Image: img, Bootstrap: "localhost:9092,localhost:9093,localhost:9094",
			LabBootstrap: "broker-1:9092,broker-2:9092,broker-3:9092", DownCommand: "kafka-lab cluster down",
			Brokers: []Broker{
				{ID: 1, Container: "kafka-lab-manual-ha-broker-1", Namespace: "kafka-lab-manual-ha-broker-1-net", HostAddr: "localhost:9092"},
				{ID: 2, Container: "kafka-lab-manual-ha-broker-2", Namespace: "kafka-lab-manual-ha-broker-2-net", HostAddr: "localhost:9093"},
				{ID: 3, Container: "kafka-lab-manual-ha-broker-3", Namespace: "kafka-lab-manual-ha-broker-3-net", HostAddr: "localhost:9094"},
			},
		},
		[]string{
			"brokers 1, 2 and 3 are at localhost:9092, localhost:9093 and localhost:9094",
			"bootstrap_servers=['localhost:9092', 'localhost:9093', 'localhost:9094']",
			"--bootstrap-server localhost:9092,localhost:9093,localhost:9094",
			"--network container:kafka-lab-manual-ha-broker-1-net -w /opt/kafka kafka-lab/kafka:3.9.1 bash",
			"broker-1:9092,broker-2:9092,broker-3:9092 are all of them",
			"docker stop kafka-lab-manual-ha-broker-2",
			"Next to broker 2, say: --network container:kafka-lab-manual-ha-broker-2-net.",
			"When you are done: kafka-lab cluster down",
		},
	}} {
		var b strings.Builder
		if err := tc.info.WriteInstructions(&b); err != nil {
			t.Fatal(err)
		}
		if testing.Verbose() {
			t.Logf("%s:\n%s", tc.info.Topology, b.String())
		}
		for _, want := range tc.want {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s instructions lack %q:\n%s", tc.info.Topology, want, b.String())
			}
		}
	}
	if err := (Info{}).WriteInstructions(&strings.Builder{}); err == nil {
		t.Error("instructions of a cluster without brokers: nil error, want one")
	}
}
