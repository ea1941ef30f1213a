// Package cluster starts Kafka clusters for the lab's checks, in Docker or as local processes
// (see container.NewLocal): the topologies of DESIGN.md, waited on until Kafka itself answers,
// reset between scenarios, and removed at the end. It knows nothing of godog.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Topology names a shape of cluster.
type Topology string

const (
	// Single is one KRaft node that is both broker and controller (lab sections 1-6).
	Single Topology = "single"
	// ZooKeeper is ZooKeeper plus one broker, as lab section 1 starts Kafka 3.x.
	ZooKeeper Topology = "zookeeper"
	// HA is one dedicated KRaft controller and three brokers (lab section 7).
	HA Topology = "ha"
	// Own is no Kafka at all: a machine where the student's own start commands (lab section 1)
	// start it, each in a terminal of its own. The terminals share the network namespace
	// (localhost) and /tmp, as terminals of one computer do.
	Own Topology = "own"
)

// LabPort is where every broker answers inside its own network namespace, as in the lab.
const LabPort = 9092

// hostListenerPort is the container port of the listener the harness reaches from the host.
const hostListenerPort = 19092

// Options tune a cluster; the zero value is sized for a 2-core machine.
type Options struct {
	// StartTimeout bounds the wait for the cluster to be ready (default 90 s).
	StartTimeout time.Duration
	// Sizing is the JVMs' heaps and options (default: SizingFor(MachineMemory())); a field
	// left empty takes its default.
	Sizing Sizing
	// ReadLimit caps the messages one ReadAll loads (default 200000, with 64 MiB of keys and
	// values): a student's program that floods a topic cannot make the harness read without
	// bound. The lab's programs send ten a second.
	ReadLimit int
	// HostPorts fixes the 127.0.0.1 host ports of the brokers' host listeners, one per broker in
	// broker order, each advertised to host clients as 127.0.0.1:port; empty, the kernel picks
	// free ones. A cluster for doing the lab by hand takes the lab's 9092 (9093 and 9094 for ha)
	// so that a program on the host finds it where the lab says; the harness's own clusters leave
	// it empty, so that several runs go side by side. Docker only: where the nodes share the
	// host's network, the lab's ports are the brokers' own listeners already.
	HostPorts []int
}

func (o Options) withDefaults() Options {
	if o.StartTimeout == 0 {
		o.StartTimeout = 90 * time.Second
	}
	def := SizingFor(MachineMemory())
	if o.Sizing.BrokerHeap == "" {
		o.Sizing.BrokerHeap = def.BrokerHeap
	}
	if o.Sizing.ControllerHeap == "" {
		o.Sizing.ControllerHeap = def.ControllerHeap
	}
	if o.Sizing.JVM == "" {
		o.Sizing.JVM = def.JVM
	}
	if o.Sizing.Tool == nil {
		o.Sizing.Tool = def.Tool
	}
	if o.Sizing.ServerHeap == "" {
		o.Sizing.ServerHeap = def.ServerHeap
	}
	if o.ReadLimit == 0 {
		o.ReadLimit = 200_000
	}
	return o
}

// Node is one Kafka process in its container.
type Node struct {
	ID        int
	Role      string // "broker,controller", "broker", "controller" or "zookeeper"
	Container *container.Container
	// HostPort is the 127.0.0.1 port where the harness reaches this broker (0 if not a broker).
	HostPort int
	// labPort is the port of the node's lab listener: LabPort in a namespace of its own; where
	// the nodes share the host's network, the ha brokers take 9092, 9093 and 9094.
	labPort int
	// netns is the container whose network namespace the node lives in: clients join it.
	netns *container.Container
	// down is set while the harness has the broker stopped or killed.
	down bool
}

// Cluster is a started cluster: its lifecycle (nodes and brokers, a broker stopped, killed and
// started again, Reset, Renew, spares, reuse, Close), where the lab's clients run (ClientSpec,
// StudentSpec, StartClient) and what became of its nodes (Deaths, Lost). What is in its Kafka
// is asked of its view, Kafka; the lab's own tools run through Tools.
type Cluster struct {
	Topology Topology
	Image    Image

	rt      *container.Runtime
	opts    Options
	nodes   []*Node // every container, in start order
	brokers []*Node
	clients atomic.Int64
	probes  atomic.Int64 // names the probe containers, which are no lab tool
	// untrusted is set once a student's program connects, until the next Reset (see there).
	untrusted atomic.Bool
	// runs are the student's programs and commands since the last Reset: whose a node's death
	// is depends on them (Blame).
	runs studentRuns
	// sharedTmp is the host folder every client of an Own cluster has as /tmp.
	sharedTmp string
	// network is the cluster's own network (see start), "" where the nodes share the host's.
	network string

	// place is where the nodes live (see placement).
	place placement
	// kafka is the harness's view of the cluster's Kafka, with its connections.
	kafka *Kafka

	spares spares
	suffix string // of a spare's container names (see spare.go)
}

// Start starts a cluster of the topology from the image and waits until it is ready. If it
// cannot, it removes what it started and says why, with the last lines of each node's log.
func Start(ctx context.Context, rt *container.Runtime, topology Topology, image Image, opts Options) (*Cluster, error) {
	switch topology {
	case Single, HA, Own:
	case ZooKeeper:
		if !image.HasZooKeeper {
			return nil, fmt.Errorf("topology zookeeper: Kafka %s in %s has no ZooKeeper mode (removed in 4.0, KIP-833)", image.KafkaVersion, image.Ref)
		}
	default:
		return nil, fmt.Errorf("unknown topology %q (known: %s, %s, %s)", topology, Single, ZooKeeper, HA)
	}
	if err := checkHostPorts(topology, opts.HostPorts); err != nil {
		return nil, err
	}
	if len(opts.HostPorts) > 0 && !placementOf(rt.Facts()).sideBySide() {
		return nil, fmt.Errorf("topology %s: fixed host ports %v: the nodes share the host's network, where the brokers listen on the lab's ports themselves", topology, opts.HostPorts)
	}
	c := newCluster(topology, image, rt, opts.withDefaults())
	c.spares.slowness = wait.Slowness(ctx)
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// starter starts one generation of a cluster's nodes (for Start, Renew, a spare): the
// topology's containers with their server properties, each added to the cluster as it starts,
// and the wait until they answer.
type starter struct{ *Cluster }

// newCluster is a cluster of no nodes yet, with its view of Kafka.
func newCluster(topology Topology, image Image, rt *container.Runtime, opts Options) *Cluster {
	c := &Cluster{Topology: topology, Image: image, rt: rt, opts: opts, place: namespaceEach{}}
	if rt != nil {
		c.place = placementOf(rt.Facts())
	}
	c.kafka = &Kafka{c: c}
	return c
}

// start starts the cluster's nodes and waits until they are ready; if they are not, it removes
// them and says why, with the last lines of each node's log.
func (c *Cluster) start(ctx context.Context) error {
	st := starter{c}
	if err := st.labPortsFree(); err != nil {
		return fmt.Errorf("start %s cluster: %w", c.Topology, err)
	}
	// Each start of a cluster (a spare too) has a network of its own, not the run's: a
	// student's program or command runs in a node's network namespace, and from there it
	// reaches whatever shares the node's network. On one network, section 6's program in a
	// side lane reached the main lane's broker and changed its dynamic configs, which a batch
	// worker then kept for the next student. The harness itself needs no network between
	// clusters: it reaches every broker at its port published on the host's 127.0.0.1. (Where
	// the nodes share the host's network there is nothing to split: see Reusable.)
	if c.place.sideBySide() {
		network, err := c.rt.CreateNetwork(ctx, fmt.Sprintf("%s-%d", c.Topology, networkSeq.Add(1)))
		if err != nil {
			return fmt.Errorf("start %s cluster: %w", c.Topology, err)
		}
		c.network = network
	}
	var err error
	switch c.Topology {
	case Single:
		err = st.startSingle(ctx)
	case ZooKeeper:
		err = st.startZooKeeper(ctx)
	case HA:
		err = st.startHA(ctx)
	case Own:
		err = st.startOwn(ctx)
	}
	if err == nil {
		err = st.ready(ctx)
	}
	if err == nil && c.Topology != Own {
		err = c.kafka.noteFresh(ctx)
	}
	if err != nil {
		logs := logTails(context.WithoutCancel(ctx), c.nodes, 30)
		return errors.Join(fmt.Errorf("start %s cluster of %s: %w%s", c.Topology, c.Image.Ref, err, logs), c.Close(context.WithoutCancel(ctx)))
	}
	return nil
}

// networkSeq numbers the clusters' networks within a run.
var networkSeq atomic.Int64

// brokerSettings are the test-broker settings every topology shares, as server properties:
// a single replica for internal topics, no initial rebalance delay, few threads for 2 cores,
// and a controller that commits metadata 5 ms after a change rather than 25 (Kafka's linger to
// batch changes, which a lab's few topics do not need): a Reset of 3 topics took 45-55 ms with
// 25 and 17-27 ms with 5, and each topic a scenario creates is there sooner.
func brokerSettings() map[string]string {
	return map[string]string{
		"offsets.topic.replication.factor":                 "1",
		"offsets.topic.num.partitions":                     "10",
		"transaction.state.log.replication.factor":         "1",
		"transaction.state.log.min.isr":                    "1",
		"transaction.state.log.num.partitions":             "10",
		"share.coordinator.state.topic.replication.factor": "1",
		"share.coordinator.state.topic.min.isr":            "1",
		"group.initial.rebalance.delay.ms":                 "0",
		"controller.quorum.append.linger.ms":               "5",
		"num.network.threads":                              "2",
		"num.io.threads":                                   "2",
		"num.recovery.threads.per.data.dir":                "1",
		"background.threads":                               "4",
		"log.cleaner.threads":                              "1",
		"log.cleaner.dedupe.buffer.size":                   "8388608",
	}
}

// jvmEnv is a Kafka node's heap and JVM options.
func (c starter) jvmEnv(heap string) []string {
	return []string{"KAFKA_HEAP_OPTS=" + heap, "KAFKA_JVM_PERFORMANCE_OPTS=" + c.opts.Sizing.JVM}
}

// kafkaEnv is the environment of a Kafka node of the image contract: its server properties as
// KAFKA_* variables, bounded for clients (boundClients), its heap and the JVM options, sorted.
func (c starter) kafkaEnv(props map[string]string, heap string) []string {
	boundClients(props)
	env := c.jvmEnv(heap)
	for k, v := range props {
		env = append(env, envName(k)+"="+v)
	}
	slices.Sort(env)
	return env
}

// envName maps a server property to the image contract's variable: a.b_c-d -> KAFKA_A_B__C___D.
func envName(prop string) string {
	r := strings.NewReplacer("-", "___", "_", "__", ".", "_")
	return "KAFKA_" + strings.ToUpper(r.Replace(prop))
}

func (c starter) startSingle(ctx context.Context) error {
	props := brokerSettings()
	hostPort, err := c.hostPort(0)
	if err != nil {
		return err
	}
	for k, v := range map[string]string{
		"node.id":                        "1",
		"process.roles":                  "broker,controller",
		"controller.quorum.voters":       "1@localhost:9093",
		"controller.listener.names":      "CONTROLLER",
		"inter.broker.listener.name":     "PLAINTEXT",
		"listeners":                      fmt.Sprintf("PLAINTEXT://%[1]s:%[2]d,CONTROLLER://%[1]s:9093,HOST://%[1]s:%[3]d", c.bindHost(), LabPort, c.hostListener(hostPort)),
		"advertised.listeners":           fmt.Sprintf("PLAINTEXT://localhost:%d,HOST://127.0.0.1:%d", LabPort, hostPort),
		"listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT",
		"log.dirs":                       "/var/lib/kafka/data",
	} {
		props[k] = v
	}
	ctr, err := c.rt.Start(ctx, container.Spec{
		Name:    "broker-1" + c.suffix,
		Image:   c.Image.Ref,
		Env:     c.kafkaEnv(props, c.opts.Sizing.BrokerHeap),
		Ports:   map[int]int{hostListenerPort: hostPort},
		Network: c.network,
	})
	if err != nil {
		return err
	}
	c.addBroker(&Node{ID: 1, Role: "broker,controller", Container: ctr, HostPort: hostPort, labPort: LabPort, netns: ctr})
	return nil
}

// startOwn starts the namespace the student's terminals share, and their /tmp. The cluster is
// the student's from the start: the next Reset renews it.
func (c starter) startOwn(ctx context.Context) error {
	c.MarkUntrusted()
	tmp, err := c.rt.TempDir("terminals")
	if err != nil {
		return fmt.Errorf("the terminals' /tmp: %w", err)
	}
	if err := os.Chmod(tmp, 0o1777); err != nil {
		return errors.Join(fmt.Errorf("the terminals' /tmp: %w", err), os.RemoveAll(tmp))
	}
	c.sharedTmp = tmp
	holder, err := c.rt.Start(ctx, container.Spec{
		Name: "terminals", Image: c.Image.Ref, Entrypoint: []string{"sleep", "infinity"}, MemoryBytes: 16 << 20,
		Network: c.network,
	})
	if err != nil {
		return err
	}
	// Not a broker, but where the student's broker will be: clients run next to it.
	c.addBroker(&Node{ID: -1, Role: "namespace", Container: holder, labPort: LabPort, netns: holder})
	return nil
}

func (c starter) addBroker(n *Node) {
	c.nodes = append(c.nodes, n)
	c.brokers = append(c.brokers, n)
}

// startZooKeeper starts the lab's two processes, each in its own container but in one network
// namespace, with the lab's commands and files; only a listener for the harness is added.
func (c starter) startZooKeeper(ctx context.Context) error {
	hostPort, err := c.hostPort(0)
	if err != nil {
		return err
	}
	zk, err := c.rt.Start(ctx, container.Spec{
		Name:       "zookeeper",
		Image:      c.Image.Ref,
		WorkingDir: "/opt/kafka",
		Env:        c.jvmEnv(c.opts.Sizing.ControllerHeap),
		Cmd:        []string{"bin/zookeeper-server-start.sh", "config/zookeeper.properties"},
		Ports:      map[int]int{hostListenerPort: hostPort},
		Network:    c.network,
	})
	if err != nil {
		return err
	}
	c.nodes = append(c.nodes, &Node{ID: 0, Role: "zookeeper", Container: zk, netns: zk})
	props := brokerSettings()
	props["listeners"] = fmt.Sprintf("PLAINTEXT://%[1]s:%[2]d,HOST://%[1]s:%[3]d", c.bindHost(), LabPort, c.hostListener(hostPort))
	props["advertised.listeners"] = fmt.Sprintf("PLAINTEXT://localhost:%d,HOST://127.0.0.1:%d", LabPort, hostPort)
	props["listener.security.protocol.map"] = "PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT"
	props["inter.broker.listener.name"] = "PLAINTEXT"
	props["log.dirs"] = "/var/lib/kafka/data"
	boundClients(props)
	cmd := []string{"bin/kafka-server-start.sh", "config/server.properties"}
	for k, v := range props {
		cmd = append(cmd, "--override", k+"="+v)
	}
	broker, err := c.rt.Start(ctx, container.Spec{
		Name:       "broker-0",
		Image:      c.Image.Ref,
		WorkingDir: "/opt/kafka",
		Env:        c.jvmEnv(c.opts.Sizing.BrokerHeap),
		Cmd:        cmd,
		NetworkOf:  zk,
	})
	if err != nil {
		return err
	}
	c.addBroker(&Node{ID: 0, Role: "broker", Container: broker, HostPort: hostPort, labPort: LabPort, netns: zk})
	return nil
}

// Bootstrap returns the host addresses of the brokers.
func (c *Cluster) Bootstrap() []string {
	addrs := make([]string, 0, len(c.brokers))
	for _, b := range c.brokers {
		addrs = append(addrs, b.hostAddr())
	}
	return addrs
}

// hostAddr is the broker's address on the host, where the harness's clients reach it.
func (n *Node) hostAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.HostPort)) }

// Brokers returns the broker nodes.
func (c *Cluster) Brokers() []*Node { return c.brokers }

// Nodes returns every container of the cluster, in start order: its Kafka nodes, and the
// network namespaces the ha brokers live in (Role "namespace").
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Lost says which of the cluster's nodes exited though the harness did not take them down (see
// Deaths): a broker the machine killed for memory, say. nil when all run; always nil for Own,
// whose Kafka is the student's.
func (c *Cluster) Lost(ctx context.Context) error {
	deaths, err := c.Deaths(ctx)
	if err != nil || len(deaths) == 0 {
		return err
	}
	return c.LostError(ctx, deaths)
}

// LostError words the deaths for the grader: which nodes, how they ended, their logs' ends.
func (c *Cluster) LostError(ctx context.Context, deaths []Death) error {
	var lost []string
	for _, d := range deaths {
		lost = append(lost, fmt.Sprintf("%s %s", d.Node, d.State))
	}
	return fmt.Errorf("the %s cluster lost a node the harness did not stop (%s; the machine may be short of memory)%s",
		c.Topology, strings.Join(lost, ", "), logTails(ctx, c.nodes, 10))
}

// ready waits until every broker container runs and a metadata request through the host
// listeners lists all brokers (for Own, until its namespace is up). It gives up at once if a
// node's container exits.
func (c starter) ready(ctx context.Context) error {
	want := len(c.brokers)
	if c.Topology == Own {
		want = 0
	}
	return wait.Until(ctx, fmt.Sprintf("%d broker(s) in a metadata response", want), c.opts.StartTimeout, 100*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			for _, n := range c.nodes {
				st, err := n.Container.State(ctx)
				if err != nil {
					return false, "", err
				}
				if !st.Running {
					return false, "", fmt.Errorf("%w: %s %s", wait.ErrStop, n.Container.Name, st)
				}
			}
			if want == 0 {
				return true, "", nil
			}
			conn := &c.kafka.conn
			if conn.client == nil {
				cl, err := sarama.NewClient(c.Bootstrap(), saramaConfig())
				if err != nil {
					return false, "no metadata answer", err
				}
				conn.client = cl
			}
			if err := conn.client.RefreshMetadata(); err != nil {
				return false, "no metadata answer", err
			}
			got := len(conn.client.Brokers())
			if got != want {
				return false, fmt.Sprintf("%d broker(s)", got), nil
			}
			return conn.eachAnswers()
		})
}

// ClientsStarted counts the client containers (one lab tool JVM each) started on this cluster.
func (c *Cluster) ClientsStarted() int64 { return c.clients.Load() }

// StartClient starts a long-running client container (see ClientSpec) whose output the caller
// reads as it comes and, with spec.Stdin, whose input it writes.
// A student's command or program (spec.Untrusted) starts once the scenario's set-up is visible
// to it (AwaitVisible; when it is not, see stalled), and is recorded until the next Reset
// (StudentRuns).
func (c *Cluster) StartClient(ctx context.Context, spec container.Spec) (*container.Process, error) {
	if !spec.Untrusted {
		return c.rt.StartProcess(ctx, spec)
	}
	if err := c.kafka.AwaitVisible(ctx); err != nil {
		return nil, c.stalled(ctx, err)
	}
	p, err := c.rt.StartProcess(ctx, spec)
	if err == nil {
		c.runs.add(spec, p)
	}
	return p, err
}

// ClientSpec is the container spec of a lab client command (see Tools.Run).
func (c *Cluster) ClientSpec(cmd ...string) container.Spec {
	return c.ClientSpecIn(c.brokers[0], cmd...)
}

// ProgramSpec is ClientSpec for one of the student's programs, from the program image: it runs
// as the same numeric user (nobody) with the same limits, in the same network namespace; only
// where python3 and its Kafka clients come from differs.
func (c *Cluster) ProgramSpec() container.Spec {
	spec := c.ClientSpec()
	spec.Image = c.Image.ProgramImage()
	return spec
}

// ClientSpecIn is ClientSpec in the network namespace of broker n, where localhost:9092 is n.
// In the ha topology the namespace outlives the broker, so a client may run while n is down.
func (c *Cluster) ClientSpecIn(n *Node, cmd ...string) container.Spec {
	return c.clientSpec(fmt.Sprintf("client-%d", c.clients.Add(1)), n, cmd)
}

// clientSpec is ClientSpecIn named name: a probe that is no lab tool (see ZooKeeperListens)
// does not count among ClientsStarted.
func (c *Cluster) clientSpec(name string, n *Node, cmd []string) container.Spec {
	spec := container.Spec{
		Name:        name,
		Image:       c.Image.Ref,
		WorkingDir:  "/opt/kafka",
		Cmd:         cmd,
		NetworkOf:   n.netns,
		MemoryBytes: 768 << 20,
		PidsLimit:   256,
		Env:         slices.Clone(c.opts.Sizing.Tool),
	}
	if c.sharedTmp != "" {
		spec.Mounts = []container.Mount{{Source: c.sharedTmp, Target: "/tmp"}}
	}
	return spec
}

// Limits of a command the student wrote (a lab tool's JVM, or a server of section 1). No CPU
// quota: a tool's arguments cannot make it spin, its time is bounded, and a JVM's start uses
// more than one core (a one-core quota made the tool-heavy sections a fifth slower). The
// student's Python programs, which can spin, have one (see sandbox).
const (
	StudentMemory = 768 << 20
	StudentPids   = 256
	// StudentFile caps a file a command writes, with local processes: ZooKeeper preallocates
	// its log 64 MiB at a time, and a Kafka segment grows to 1 GiB.
	StudentFile = 1 << 30
)

// NoConfigProviders is the JVM option that keeps a Kafka client from loading config providers
// (FileConfigProvider, DirectoryConfigProvider) named in its own options: without it a
// student's option could read a file and have it echoed in the error they are shown
// (CVE-2024-31141). Kafka reads it since 3.8: no provider class matches "none".
const NoConfigProviders = "-Dorg.apache.kafka.automatic.config.providers=none"

// NoOAuthURLs is the JVM option that keeps a Kafka client from fetching the URLs of SASL
// OAUTHBEARER options (sasl.oauthbearer.token.endpoint.url, the JWKS endpoint; http or file):
// without it a student's option made a console tool POST to a service on the grader's own
// loopback and echo its answer (CVE-2025-27817). Kafka 3.9.1 allows every URL while the
// property is unset and none when it is empty; 4.0 and later allow none unless it is set, so
// empty says the same on every shipped version.
const NoOAuthURLs = "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls="

// StudentKafkaOpts is KAFKA_OPTS of every JVM a student's options reach (StudentSpec).
const StudentKafkaOpts = NoConfigProviders + " " + NoOAuthURLs

// StudentSpec is ClientSpec for a command the student wrote: untrusted (an unprivileged user,
// no capabilities, a read-only root; see container.Spec), with limits, no config providers, no
// OAuth URLs (StudentKafkaOpts), and Kafka's log folder on the writable /tmp.
func (c *Cluster) StudentSpec(cmd ...string) container.Spec {
	return c.StudentSpecIn(c.brokers[0], cmd...)
}

// StudentSpecIn is StudentSpec in the network namespace of broker n (see ClientSpecIn).
func (c *Cluster) StudentSpecIn(n *Node, cmd ...string) container.Spec {
	spec := c.ClientSpecIn(n, cmd...)
	spec.Untrusted = true
	spec.MemoryBytes, spec.PidsLimit, spec.FileBytes = StudentMemory, StudentPids, StudentFile
	spec.Env = append(spec.Env, "KAFKA_OPTS="+StudentKafkaOpts, "LOG_DIR=/tmp/kafka-lab-logs", "HOME=/tmp")
	if c.Topology == Own && c.opts.Sizing.ServerHeap != "" {
		spec.Env = append(spec.Env, "KAFKA_HEAP_OPTS="+c.opts.Sizing.ServerHeap)
	}
	return spec
}

// TempDir makes a host folder that lives as long as the cluster's run (see container.Runtime).
func (c *Cluster) TempDir(prefix string) (string, error) { return c.rt.TempDir(prefix) }

// Close removes the cluster's containers.
func (c *Cluster) Close(ctx context.Context) error {
	c.kafka.conn.close()
	errs := []error{c.spares.close(ctx), c.spares.waitRetired()}
	for i := len(c.nodes) - 1; i >= 0; i-- {
		errs = append(errs, c.nodes[i].Container.Remove(ctx))
	}
	c.nodes, c.brokers = nil, nil
	if c.network != "" {
		errs = append(errs, c.rt.RemoveNetwork(ctx, c.network))
		c.network = ""
	}
	if c.sharedTmp != "" {
		errs = append(errs, os.RemoveAll(c.sharedTmp))
		c.sharedTmp = ""
	}
	return errors.Join(errs...)
}

// Disconnect closes the harness's own connections to the cluster and leaves its containers
// running: a cluster started by hand outlives the process that started it.
func (c *Cluster) Disconnect() { c.kafka.conn.close() }

// logTails is the last lines of each node's log.
func logTails(ctx context.Context, nodes []*Node, lines int) string {
	var b strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&b, "\n--- last %d log lines of %s:\n%s", lines, n.Container.Name, strings.TrimRight(n.Container.Logs(ctx, lines), "\n"))
	}
	return b.String()
}

// labPortsFree checks, where the nodes share the host's network (local processes), that the
// fixed ports the topology's nodes listen on are free: a program that holds one (a Kafka started
// by hand, say) would take the lab commands' connections, and the failure would look like the
// student's.
func (c starter) labPortsFree() error {
	for _, port := range c.place.hostPorts(c.Topology) { // none where each node has a namespace
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return fmt.Errorf("port %d on 127.0.0.1 is in use by another program: stop it, Kafka's local processes need the lab's ports (%w)", port, err)
		}
		l.Close()
	}
	return nil
}

// brokerCount is how many brokers a topology has.
func brokerCount(topology Topology) int {
	switch topology {
	case HA:
		return HABrokers
	case Own:
		return 0 // the student's, started by their own commands
	}
	return 1
}

// checkHostPorts says what is wrong with fixed host ports for the topology's brokers (see
// Options.HostPorts), if anything.
func checkHostPorts(topology Topology, ports []int) error {
	if len(ports) == 0 {
		return nil
	}
	if n := brokerCount(topology); len(ports) != n {
		return fmt.Errorf("topology %s: %d fixed host port(s) %v for %d broker(s)", topology, len(ports), ports, n)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || p > 65535 || seen[p] {
			return fmt.Errorf("topology %s: fixed host ports %v: each must be a distinct port from 1 to 65535", topology, ports)
		}
		seen[p] = true
	}
	return nil
}

// hostPort is the host port of the i-th broker's host listener (in start order): the fixed one
// of Options.HostPorts, or a free one.
func (c starter) hostPort(i int) (int, error) {
	if i < len(c.opts.HostPorts) {
		return c.opts.HostPorts[i], nil
	}
	return freePort()
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// hostListener is the port the HOST listener binds for the harness to reach it at host port
// hostPort: hostListenerPort, which Docker publishes as hostPort, or hostPort itself where the
// node shares the host's network.
func (c starter) hostListener(hostPort int) int {
	return c.rt.Facts().ListenPort(hostListenerPort, hostPort)
}

// bindHost is the address listeners bind: any in a namespace of the node's own; the loopback
// only where nodes share the host's network.
func (c starter) bindHost() string { return c.rt.Facts().ListenHost() }

// LabAddr is where a lab client next to the node (in its namespace) finds it: localhost:9092,
// as the lab types it. Where the nodes share the host's network (local processes) the ha
// brokers 2 and 3 answer on 9093 and 9094, as in Kafka's quickstart for three brokers on one
// machine.
func (n *Node) LabAddr() string { return fmt.Sprintf("localhost:%d", n.labPort) }

// NamespaceName is the name of the container whose network namespace the node lives in: a
// client joins it with `docker run --network container:NAME` to find the node at localhost.
func (n *Node) NamespaceName() string { return n.netns.Name }
