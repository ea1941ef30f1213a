// Package labcluster starts and removes the cluster a student does the lab by hand on: the
// spec's image and topology, left running after the process that started it, with the lab's
// addresses published on the host (localhost:9092 for the single broker; 9092, 9093 and 9094
// for the ha brokers 1-3), so that the student's own programs on the host reach it as the lab
// writes them, while the lab's tools, run in a container next to a broker, still find it at
// localhost:9092. It prints how to do both. cmd/cluster (make cluster, make down) and
// kafka-lab's `cluster up|down` are thin wrappers over Up and Down.
package labcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
)

// Options say which cluster Up starts and where it tells the reader what to do with it.
type Options struct {
	// Topology is cluster.Single (the default: sections 1-6), cluster.HA (section 7), or
	// cluster.ZooKeeper (section 1 on Kafka 3.x).
	Topology cluster.Topology
	// Image is the Kafka image (default cluster.ImageFromEnv()).
	Image string
	// Out receives the progress and the instructions; nil writes nothing.
	Out io.Writer
	// DownCommand is how the reader removes the cluster, for the instructions (default
	// "make down").
	DownCommand string
	// StartTimeout bounds the wait for Kafka to answer (default: cluster.Options's).
	StartTimeout time.Duration
	// Connected keeps the harness's connections to the cluster after Up (Info.Kafka): the
	// live tutor watches the cluster through them. The caller closes them with Info.Close.
	Connected bool
}

func (o Options) withDefaults() Options {
	if o.Topology == "" {
		o.Topology = cluster.Single
	}
	if o.Image == "" {
		o.Image = cluster.ImageFromEnv()
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.DownCommand == "" {
		o.DownCommand = "make down"
	}
	return o
}

// Broker is one broker of a started cluster.
type Broker struct {
	ID int
	// Container is the broker's container: `docker stop` and `docker start` take it down and
	// bring it back.
	Container string
	// Namespace is the container whose network namespace the broker lives in: a client started
	// with `docker run --network container:NAMESPACE` finds the broker at localhost:9092.
	Namespace string
	// HostAddr is where a program on the host reaches the broker: "localhost:9092", ...
	HostAddr string
}

// Info is what Up started.
type Info struct {
	Topology cluster.Topology
	Image    cluster.Image
	Brokers  []Broker
	// Bootstrap is what a program on the host gives as its bootstrap servers: every broker's
	// HostAddr, comma-separated.
	Bootstrap string
	// LabBootstrap is what a lab tool next to a broker gives to reach every broker (see
	// cluster.Cluster.LabBootstrap): localhost:9092, or for ha the brokers by name.
	LabBootstrap string
	// DownCommand is Options.DownCommand.
	DownCommand string
	// Kafka is the harness's view of the cluster's Kafka, with Options.Connected; nil without.
	Kafka *cluster.Kafka

	disconnect func()
}

// Close closes the harness's connections that Options.Connected kept; the cluster stays.
func (info Info) Close() {
	if info.disconnect != nil {
		info.disconnect()
	}
}

// LabPorts are the host ports of the topology's brokers, in broker order: the lab's 9092 for a
// single broker; 9092, 9093 and 9094 for the ha brokers 1-3, as Kafka's quickstart gives three
// brokers on one machine.
func LabPorts(topology cluster.Topology) ([]int, error) {
	switch topology {
	case cluster.Single, cluster.ZooKeeper:
		return []int{cluster.LabPort}, nil
	case cluster.HA:
		ports := make([]int, cluster.HABrokers)
		for i := range ports {
			ports[i] = cluster.LabPort + i
		}
		return ports, nil
	}
	return nil, fmt.Errorf("no cluster by hand of topology %q (known: %s, %s, %s)", topology, cluster.Single, cluster.HA, cluster.ZooKeeper)
}

// hostAddrs are the host addresses of ports, as the lab writes them.
func hostAddrs(ports []int) []string {
	addrs := make([]string, len(ports))
	for i, p := range ports {
		addrs[i] = net.JoinHostPort("localhost", strconv.Itoa(p))
	}
	return addrs
}

// PortTakenError is a lab port on the host that another program listens on.
type PortTakenError struct {
	Port int
	Err  error // what listening there said
}

func (e *PortTakenError) Error() string {
	return fmt.Sprintf("port %[1]d on this machine is taken: another program listens there (a Kafka started by hand, or another cluster?). "+
		"The lab's programs on this machine connect to localhost:%[1]d, so the cluster needs it: stop that program "+
		"(`ss -ltnp 'sport = :%[1]d'` or `lsof -iTCP:%[1]d -sTCP:LISTEN` names it) and start the cluster again (%[2]v)", e.Port, e.Err)
}

func (e *PortTakenError) Unwrap() error { return e.Err }

// RunningError is a cluster started by hand that runs already: there is one at a time, as it
// holds the lab's ports.
type RunningError struct {
	Containers  []string
	DownCommand string
}

func (e *RunningError) Error() string {
	return fmt.Sprintf("a cluster started by hand is running already (%s): `%s` removes it", strings.Join(e.Containers, ", "), e.DownCommand)
}

// portsFree returns a *PortTakenError for the first of ports that a program listens on: on
// 127.0.0.1, where the cluster publishes it, or on any address (a listener on 0.0.0.0 or [::]
// takes 127.0.0.1's port too), or on the IPv6 loopback, where a host client that resolves
// localhost to ::1 first would reach that program instead of Kafka.
func portsFree(ports []int) error {
	for _, p := range ports {
		for _, host := range []string{"127.0.0.1", "::1"} {
			l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
			if err == nil {
				l.Close()
				continue
			}
			if errors.Is(err, syscall.EADDRINUSE) {
				return &PortTakenError{Port: p, Err: err}
			}
			if host == "::1" {
				continue // a machine without IPv6 loopback: nothing can listen there
			}
			return fmt.Errorf("port %d on 127.0.0.1: %w", p, err)
		}
	}
	return nil
}

// Up starts a cluster for doing the lab by hand and leaves it running, its brokers published on
// the host at the lab's ports (see LabPorts), and writes to o.Out how to use it. It fails,
// leaving no container behind, when a cluster started by hand runs already (a *RunningError)
// or another program listens on a lab port (a *PortTakenError).
func Up(ctx context.Context, o Options) (Info, error) {
	o = o.withDefaults()
	ports, err := LabPorts(o.Topology)
	if err != nil {
		return Info{}, err
	}
	rt, err := container.NewKept(ctx)
	if err != nil {
		return Info{}, err
	}
	kept, err := rt.Kept(ctx)
	if err != nil {
		return Info{}, err
	}
	if len(kept) > 0 {
		return Info{}, &RunningError{Containers: kept, DownCommand: o.DownCommand}
	}
	if err := portsFree(ports); err != nil {
		return Info{}, err
	}
	img, err := cluster.InspectImage(ctx, rt, o.Image)
	if err != nil {
		return Info{}, err
	}
	fmt.Fprintf(o.Out, "starting a %s cluster of Kafka %s (%s) at %s...\n", o.Topology, img.KafkaVersion, img.Ref, strings.Join(hostAddrs(ports), ", "))
	c, err := cluster.Start(ctx, rt, o.Topology, img, cluster.Options{StartTimeout: o.StartTimeout, HostPorts: ports})
	if err != nil {
		// Start removed its nodes; the runtime's Close also removes the networks. Then a port
		// taken between the check and Docker's bind is named as the check names it.
		closeErr := rt.Close(context.WithoutCancel(ctx))
		return Info{}, errors.Join(err, portsFree(ports), closeErr)
	}
	// The containers stay; the harness's connections go with this call, unless the caller
	// watches the cluster.
	info := Info{Topology: o.Topology, Image: img, LabBootstrap: c.LabBootstrap(), DownCommand: o.DownCommand}
	if o.Connected {
		info.Kafka, info.disconnect = c.Kafka(), c.Disconnect
	} else {
		c.Disconnect()
	}
	addrs := hostAddrs(ports)
	for i, b := range c.Brokers() {
		info.Brokers = append(info.Brokers, Broker{ID: b.ID, Container: b.Container.Name, Namespace: b.NamespaceName(), HostAddr: addrs[i]})
	}
	info.Bootstrap = strings.Join(addrs, ",")
	return info, info.WriteInstructions(o.Out)
}

// Down removes the cluster started by hand (its containers and networks) and says how many
// containers it removed: 0 when none ran.
func Down(ctx context.Context) (int, error) {
	rt, err := container.New(ctx)
	if err != nil {
		return 0, err
	}
	n, err := rt.RemoveKept(ctx)
	if err != nil {
		return n, fmt.Errorf("remove the cluster started by hand: %w", err)
	}
	return n, nil
}

// WriteInstructions writes how to run the lab's tools and the student's programs against the
// cluster.
func (info Info) WriteInstructions(w io.Writer) error {
	if len(info.Brokers) == 0 {
		return errors.New("write instructions: the cluster has no broker")
	}
	first := info.Brokers[0]
	docker := fmt.Sprintf("docker run --rm -it --network container:%s -w /opt/kafka %s", first.Namespace, info.Image.Ref)
	var b strings.Builder
	fmt.Fprintf(&b, "\nKafka %s is up.\n\n", info.Image.KafkaVersion)
	if info.Topology == cluster.HA {
		var addrs, quoted []string
		for _, br := range info.Brokers {
			addrs = append(addrs, br.HostAddr)
			quoted = append(quoted, "'"+br.HostAddr+"'")
		}
		python := fmt.Sprintf("bootstrap_servers=[%s]", strings.Join(quoted, ", "))
		confluent := fmt.Sprintf("'bootstrap.servers': '%s'", strings.Join(addrs, ","))
		tools := "--bootstrap-server " + info.Bootstrap
		width := max(len(python), len(confluent), len(tools)) + 3
		fmt.Fprintf(&b, "Your programs, on this machine: brokers %s are at %s.\n", brokerIDs(info.Brokers), andList(addrs))
		fmt.Fprintf(&b, "Give a client all of them, so that it survives any one being down:\n\n")
		fmt.Fprintf(&b, "  %-*s(kafka-python)\n", width, python)
		fmt.Fprintf(&b, "  %-*s(confluent-kafka)\n", width, confluent)
		fmt.Fprintf(&b, "  %-*s(bin/*.sh of a Kafka of your own)\n\n", width, tools)
	} else {
		fmt.Fprintf(&b, "Your programs, on this machine: Kafka is at %s, as in the lab. With python3 and\n", first.HostAddr)
		fmt.Fprintf(&b, "kafka-python or confluent-kafka (pip install kafka-python confluent-kafka), in your folder:\n\n")
		fmt.Fprintf(&b, "  python3 transaction_generator.py\n  python3 balance_calculator.py\n\n")
		fmt.Fprintf(&b, "(bootstrap_servers='%s'; confluent-kafka: 'bootstrap.servers': '%s'). A Kafka of your own works too: bin/kafka-topics.sh --bootstrap-server %s ...\n\n", first.HostAddr, first.HostAddr, first.HostAddr)
	}
	fmt.Fprintf(&b, "The lab's tools: open a terminal in the Kafka folder, next to broker %d (its localhost:9092):\n\n", first.ID)
	fmt.Fprintf(&b, "  %s bash\n\n", docker)
	fmt.Fprintf(&b, "and type the lab's commands there, as in the lab, e.g.\n\n")
	fmt.Fprintf(&b, "  bin/kafka-topics.sh --create --topic my_first_topic --partitions 10 --bootstrap-server localhost:9092\n\n")
	fmt.Fprintf(&b, "or run one at a time: %s bin/kafka-topics.sh --list --bootstrap-server localhost:9092\n\n", strings.Replace(docker, " -it ", " ", 1))
	if info.Topology == cluster.HA {
		second := info.Brokers[1]
		fmt.Fprintf(&b, "In a terminal next to a broker, localhost:9092 is that broker; %s are all of them.\n", info.LabBootstrap)
		fmt.Fprintf(&b, "Next to broker %d, say: --network container:%s. Take a broker down and bring it back with\n\n", second.ID, second.Namespace)
		for _, br := range info.Brokers {
			fmt.Fprintf(&b, "  docker stop %-30s  docker start %s\n", br.Container, br.Container)
		}
		fmt.Fprintf(&b, "  docker kill %-30s  (a crash instead of a clean stop)\n\n", second.Container)
	}
	fmt.Fprintf(&b, "When you are done: %s\n", info.DownCommand)
	_, err := io.WriteString(w, b.String())
	return err
}

// brokerIDs is "1, 2 and 3".
func brokerIDs(brokers []Broker) string {
	ids := make([]string, len(brokers))
	for i, b := range brokers {
		ids[i] = strconv.Itoa(b.ID)
	}
	return andList(ids)
}

// andList is "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
