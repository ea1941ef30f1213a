package runner

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/submission"
)

func TestParseProperties(t *testing.T) {
	got := ParseProperties("# a comment\n! another\n  broker.id = 1\nlisteners:PLAINTEXT://:9093\nlog.dirs /tmp/a,\\\n   /tmp/b\r\nempty=\nlone\nbroker.id=2\nkey\\=x=y\n")
	want := map[string]string{"broker.id": "2", "listeners": "PLAINTEXT://:9093", "log.dirs": "/tmp/a,/tmp/b", "empty": "", "lone": "", "key\\": "x=y"}
	delete(got, "key\\")
	delete(want, "key\\")
	if !maps.Equal(got, want) {
		t.Errorf("ParseProperties = %v; want %v", got, want)
	}
}

// zkBroker is a broker of ZooKeeper mode's file with its own id, port and log folder.
func zkBroker(id, port int, logs string) string {
	return fmt.Sprintf("broker.id=%d\nlisteners=PLAINTEXT://:%d\nadvertised.listeners=PLAINTEXT://localhost:%[2]d\nzookeeper.connect=localhost:2181\nlog.dirs=%s\n", id, port, logs)
}

// kraftNode is a combined KRaft node of a static quorum of three.
func kraftNode(id, port, ctrl int) string {
	return fmt.Sprintf("process.roles=broker,controller\nnode.id=%d\ncontroller.quorum.voters=1@localhost:19092,2@localhost:19093,3@localhost:19094\n"+
		"listeners=PLAINTEXT://:%d,CONTROLLER://:%d\nadvertised.listeners=PLAINTEXT://localhost:%[2]d,CONTROLLER://localhost:%[3]d\ncontroller.listener.names=CONTROLLER\nlog.dirs=/tmp/kraft-%[1]d\n", id, port, ctrl)
}

// kafkaOwn is the image's config/server.properties (ZooKeeper mode, broker.id=0, 9092, /tmp/kafka-logs).
var kafkaOwn = map[string][]byte{
	"config/server.properties":       []byte(zkBroker(0, 9092, "/tmp/kafka-logs")),
	"config/zookeeper.properties":    []byte("dataDir=/tmp/zookeeper\nclientPort=2181\n"),
	"config/kraft/server.properties": []byte(kraftNode(1, 9092, 9093)),
}

func commands(t *testing.T, lines ...string) []submission.Command {
	t.Helper()
	var out []submission.Command
	for i, l := range lines {
		c, err := submission.ParseCommand(submission.StartCluster, i+1, l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

const (
	zkStart = "./bin/zookeeper-server-start.sh config/zookeeper.properties"
	start1  = "./bin/kafka-server-start.sh config/server-1.properties"
	start2  = "./bin/kafka-server-start.sh config/server-2.properties"
	start3  = "./bin/kafka-server-start.sh config/server-3.properties"
)

func threeBrokers() map[string][]byte {
	return map[string][]byte{
		"server-1.properties": []byte(zkBroker(1, 9092, "/tmp/kafka-logs-1")),
		"server-2.properties": []byte(zkBroker(2, 9093, "/tmp/kafka-logs-2")),
		"server-3.properties": []byte(zkBroker(3, 9094, "/tmp/kafka-logs-3")),
	}
}

func with(files map[string][]byte, name, text string) map[string][]byte {
	out := maps.Clone(files)
	if text == "" {
		delete(out, name)
	} else {
		out[name] = []byte(text)
	}
	return out
}

func TestPlanCluster(t *testing.T) {
	kraft := map[string][]byte{
		"server-1.properties": []byte(kraftNode(1, 9092, 19092)),
		"server-2.properties": []byte(kraftNode(2, 9093, 19093)),
		"server-3.properties": []byte(kraftNode(3, 9094, 19094)),
	}
	format := func(n int) string {
		return fmt.Sprintf("./bin/kafka-storage.sh format -t MkU3OEVBNTcwNTJENDM2Qk -c config/server-%d.properties", n)
	}
	override := func(id, port int, logs string) string {
		return fmt.Sprintf("./bin/kafka-server-start.sh -daemon config/server.properties --override broker.id=%d --override listeners=PLAINTEXT://:%d --override advertised.listeners=PLAINTEXT://localhost:%[2]d --override log.dirs=%s", id, port, logs)
	}
	for _, tc := range []struct {
		name     string
		cmds     []string
		student  map[string][]byte
		noZK     bool   // Kafka 4
		mistake  string // the Mistake's name, "" for none
		say      string // in its observed text
		addrs    []string
		skipped  []string
		wantKind []string
	}{
		{name: "the lab's three brokers", cmds: []string{zkStart, start1, start2, start3}, student: threeBrokers(),
			addrs: []string{"localhost:9092", "localhost:9093", "localhost:9094"}, wantKind: []string{kindZooKeeper, kindKafka, kindKafka, kindKafka}},
		{name: "ports 9093 to 9095", cmds: []string{zkStart, start1, start2, start3},
			student: map[string][]byte{"server-1.properties": []byte(zkBroker(1, 9093, "/tmp/a")), "server-2.properties": []byte(zkBroker(2, 9094, "/tmp/b")), "server-3.properties": []byte(zkBroker(3, 9095, "/tmp/c"))},
			addrs:   []string{"localhost:9092", "localhost:9093", "localhost:9094", "localhost:9095"}},
		{name: "overrides on Kafka's own file", cmds: []string{zkStart, override(1, 9092, "/tmp/k1"), override(2, 9093, "/tmp/k2"), override(3, 9094, "/tmp/k3")}},
		{name: "three KRaft nodes, each formatted", cmds: []string{format(1), format(2), format(3), start1, start2, start3}, student: kraft,
			addrs: []string{"localhost:9092", "localhost:9093", "localhost:9094"}, wantKind: []string{kindOneShot, kindOneShot, kindOneShot, kindKafka, kindKafka, kindKafka}},
		{name: "three KRaft nodes on Kafka 4", cmds: []string{format(1), format(2), format(3), start1, start2, start3}, student: kraft, noZK: true},
		{name: "ids left to ZooKeeper", cmds: []string{zkStart, start1, start2, start3},
			student: map[string][]byte{"server-1.properties": []byte("listeners=PLAINTEXT://:9092\nlog.dirs=/tmp/a\n"), "server-2.properties": []byte("listeners=PLAINTEXT://:9093\nlog.dirs=/tmp/b\n"), "server-3.properties": []byte("listeners=PLAINTEXT://:9094\nlog.dirs=/tmp/c\n")}},
		{name: "one port on two loopback addresses of their own", cmds: []string{zkStart, start1, start2, start3},
			student: with(with(threeBrokers(), "server-1.properties", "broker.id=1\nlisteners=PLAINTEXT://127.0.0.1:9092\nlog.dirs=/tmp/a\n"), "server-2.properties", "broker.id=2\nlisteners=PLAINTEXT://127.0.0.2:9092\nlog.dirs=/tmp/b\n")},
		// Not certain: the run decides (no file named, a file of an odd form).
		{name: "a server start with no file", cmds: []string{zkStart, "./bin/kafka-server-start.sh"}},

		{name: "one broker.id", cmds: []string{zkStart, start1, start2, start3}, student: with(threeBrokers(), "server-3.properties", zkBroker(2, 9094, "/tmp/kafka-logs-3")),
			mistake: "two brokers with one broker.id", say: "both have broker.id=2"},
		{name: "one node.id", cmds: []string{format(1), format(2), start1, start2}, student: with(kraft, "server-2.properties", kraftNode(1, 9093, 19093)),
			mistake: "two brokers with one node.id", say: "Another broker is registered"},
		{name: "one port", cmds: []string{zkStart, start1, start2, start3}, student: with(threeBrokers(), "server-2.properties", zkBroker(2, 9092, "/tmp/kafka-logs-2")),
			mistake: "one port for two brokers", say: "both listen on port 9092"},
		{name: "listeners unset twice: 9092 both", cmds: []string{zkStart, start1, start2}, student: map[string][]byte{"server-1.properties": []byte("broker.id=1\nlog.dirs=/tmp/a\n"), "server-2.properties": []byte("broker.id=2\nlog.dirs=/tmp/b\n")},
			mistake: "one port for two brokers", say: "listeners unset: PLAINTEXT://:9092"},
		{name: "one CONTROLLER port", cmds: []string{format(1), format(2), start1, start2}, student: with(kraft, "server-2.properties", kraftNode(2, 9093, 19092)),
			mistake: "one port for two brokers", say: "port 19092"},
		{name: "one advertised address", cmds: []string{zkStart, start1, start2}, student: with(threeBrokers(), "server-2.properties", strings.Replace(zkBroker(2, 9093, "/tmp/b"), "localhost:9093", "localhost:9092", 1)),
			mistake: "one port for two brokers", say: "both advertise localhost:9092"},
		{name: "one log folder", cmds: []string{zkStart, start1, start2, start3}, student: with(threeBrokers(), "server-2.properties", zkBroker(2, 9093, "/tmp/kafka-logs-1")),
			mistake: "a shared log.dirs", say: "Failed to acquire lock on file .lock in /tmp/kafka-logs-1"},
		{name: "log.dirs unset and Kafka's default", cmds: []string{zkStart, start1, "./bin/kafka-server-start.sh config/server.properties --override broker.id=5 --override listeners=PLAINTEXT://:9099"},
			student: with(threeBrokers(), "server-1.properties", "broker.id=1\nlisteners=PLAINTEXT://:9092\n"), mistake: "a shared log.dirs", say: "/tmp/kafka-logs"},
		{name: "log.dirs relative to the Kafka folder", cmds: []string{zkStart, start1, start2}, student: with(with(threeBrokers(), "server-1.properties", zkBroker(1, 9092, "data")), "server-2.properties", zkBroker(2, 9093, "./data/")),
			mistake: "a shared log.dirs", say: "/opt/kafka/data"},
		{name: "overrides of one id", cmds: []string{zkStart, override(1, 9092, "/tmp/k1"), override(1, 9093, "/tmp/k2")},
			mistake: "two brokers with one broker.id", say: "broker.id=1"},
		{name: "Kafka's own file three times", cmds: []string{zkStart, "bin/kafka-server-start.sh config/server.properties", "bin/kafka-server-start.sh config/server.properties"},
			mistake: "two brokers with one broker.id", say: "broker.id=0"},
		{name: "brokers before ZooKeeper", cmds: []string{start1, start2, start3, zkStart}, student: threeBrokers(),
			mistake: "a broker before ZooKeeper", say: "before any ZooKeeper start"},
		{name: "no ZooKeeper at all", cmds: []string{start1, start2, start3}, student: threeBrokers(),
			mistake: "a broker before ZooKeeper", say: "Timed out waiting for connection"},
		{name: "a file not handed in", cmds: []string{zkStart, start1, start2, start3}, student: with(threeBrokers(), "server-3.properties", ""),
			mistake: "a file the folder lacks", say: "names config/server-3.properties, which neither"},
		{name: "a file left out", cmds: []string{zkStart, start1, start2, start3}, student: with(threeBrokers(), "server-3.properties", ""), skipped: []string{"config/server-3.properties: a link"},
			mistake: "a file the folder lacks", say: "was left out: config/server-3.properties: a link"},
		{name: "a file outside config/", cmds: []string{zkStart, "./bin/kafka-server-start.sh server-1.properties"}, student: threeBrokers(),
			mistake: "a file the folder lacks", say: "names server-1.properties"},
		{name: "the format's file missing", cmds: []string{"./bin/kafka-storage.sh format -t x --config config/node.properties"},
			mistake: "a file the folder lacks", say: "config/node.properties"},
		{name: "config/kraft on Kafka 4", cmds: []string{"./bin/kafka-storage.sh format -t x -c config/kraft/server.properties"}, noZK: true,
			mistake: "a file the folder lacks", say: "config/kraft/server.properties"},
		{name: "ZooKeeper on Kafka 4", cmds: []string{zkStart, start1, start2, start3}, student: threeBrokers(), noZK: true,
			mistake: "ZooKeeper on Kafka 4", say: "a ZooKeeper start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmds := commands(t, tc.cmds...)
			kafka := map[string][]byte{}
			for _, p := range KafkaFilesNamed(cmds, tc.student) {
				if data, ok := kafkaOwn[p]; ok && !(tc.noZK && strings.HasPrefix(p, "config/kraft/")) {
					kafka[p] = data
				}
			}
			files := ClusterFiles{Student: tc.student, Kafka: kafka, Skipped: tc.skipped, Version: "3.9.1", ZooKeeper: !tc.noZK}
			if tc.noZK {
				files.Version = "4.4.0"
			}
			servers, err := PlanCluster(cmds, files)
			var m *Mistake
			switch {
			case tc.mistake == "" && err != nil:
				t.Fatalf("PlanCluster = %v; want no mistake", err)
			case tc.mistake != "" && !errors.As(err, &m):
				t.Fatalf("PlanCluster = %v; want the mistake %q", err, tc.mistake)
			case m != nil && (m.Name != tc.mistake || !strings.Contains(m.Observed, tc.say)):
				t.Fatalf("mistake %q, observed %q; want %q saying %q", m.Name, m.Observed, tc.mistake, tc.say)
			}
			if tc.addrs != nil {
				if got := ClientAddresses(servers); !slices.Equal(got, tc.addrs) {
					t.Errorf("ClientAddresses = %v; want %v", got, tc.addrs)
				}
			}
			if tc.wantKind != nil {
				var kinds []string
				for _, s := range servers {
					kinds = append(kinds, s.Kind)
				}
				if !slices.Equal(kinds, tc.wantKind) {
					t.Errorf("kinds %v; want %v", kinds, tc.wantKind)
				}
			}
		})
	}
}

func TestKafkaFilesNamedReadsOnlyKafkasConfig(t *testing.T) {
	cmds := commands(t, zkStart, start1, "./bin/kafka-server-start.sh /opt/kafka/config/kraft/server.properties",
		"./bin/kafka-storage.sh format -t x --config=config/server.properties", "./bin/kafka-server-start.sh /etc/passwd", "./bin/kafka-server-start.sh config/../../etc/shadow")
	got := KafkaFilesNamed(cmds, threeBrokers())
	want := []string{"config/zookeeper.properties", "config/kraft/server.properties", "config/server.properties"}
	if !slices.Equal(got, want) {
		t.Errorf("KafkaFilesNamed = %v; want %v", got, want)
	}
}

func TestClientAddressesAskOnlyThisMachine(t *testing.T) {
	servers := []Planned{{Kind: kindKafka, Props: ParseProperties("listeners=PLAINTEXT://:9093,INTERNAL://10.0.0.5:9094,CONTROLLER://:9095,LOCAL://127.0.0.1:9096\ncontroller.listener.names=CONTROLLER\n")}}
	want := []string{"localhost:9092", "localhost:9093", "127.0.0.1:9096"}
	if got := ClientAddresses(servers); !slices.Equal(got, want) {
		t.Errorf("ClientAddresses = %v; want %v", got, want)
	}
}
