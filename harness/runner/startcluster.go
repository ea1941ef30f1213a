package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// ClusterBrokers is how many brokers the lab's section 7 cluster has.
const ClusterBrokers = 3

// askSlowly is how often the student's cluster is asked while not every Kafka server has said
// it started: each ask is a tool's JVM beside three starting servers on two cores.
const askSlowly = 5 * time.Second

// Terminals is the machine of the student's terminals (cluster.Own), where their servers
// start, each in a terminal of its own (lab sections 1 and 7).
type Terminals interface {
	Lab
	// StartServer starts a server in a terminal of its own, where it keeps running.
	StartServer(ctx context.Context, cmd submission.Command) (Terminal, error)
	// RunAll runs commands in order, each to its end, as Runner.RunAll does.
	RunAll(ctx context.Context, cmds []submission.Command) error
}

// ClusterTerminals are Terminals as StartOwnCluster uses them: it also reads Kafka's own
// files and asks the servers' own listeners.
type ClusterTerminals interface {
	Terminals
	// BrokersAt asks bootstrap (addresses separated by commas) which brokers answer.
	BrokersAt(ctx context.Context, bootstrap string) ([]cluster.Endpoint, container.Result, error)
	// KafkaFiles reads files of Kafka's own config/ by path in the Kafka folder; a file Kafka
	// has not is absent from the map.
	KafkaFiles(ctx context.Context, paths []string) (map[string][]byte, error)
}

// Terminal is a server running in a terminal.
type Terminal interface {
	Logger
	Tails(name string, lines int) string
}

// Machine is the ClusterTerminals of a Runner on an Own cluster; Start starts a long-running
// command that the caller stops (the scenario's).
type Machine struct {
	Runner Runner
	Start  func(ctx context.Context, cmd submission.Command) (*Process, error)
}

func (m Machine) LabBrokers(ctx context.Context) ([]cluster.Endpoint, container.Result, error) {
	return m.Runner.Cluster.Tools().LabBrokers(ctx)
}

func (m Machine) ZooKeeperListens(ctx context.Context) (bool, error) {
	return m.Runner.Cluster.Tools().ZooKeeperListens(ctx)
}

func (m Machine) BrokersAt(ctx context.Context, bootstrap string) ([]cluster.Endpoint, container.Result, error) {
	return m.Runner.Cluster.Tools().BrokersAt(ctx, bootstrap)
}

func (m Machine) KafkaFiles(ctx context.Context, paths []string) (map[string][]byte, error) {
	return m.Runner.Cluster.Tools().KafkaFiles(ctx, paths)
}

func (m Machine) StartServer(ctx context.Context, cmd submission.Command) (Terminal, error) {
	p, err := m.Start(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (m Machine) RunAll(ctx context.Context, cmds []submission.Command) error {
	_, err := m.Runner.RunAll(ctx, cmds)
	return err
}

// StartOwnCluster starts the student's cluster of lab section 7 from start_cluster's commands
// and the files they name, on one machine, as section 1's StartOwnKafka does (startServers).
// It then waits, bounded, until want brokers answer, asked at localhost:9092 and at the
// servers' own listeners with the lab's tool, and returns them. A mistake the files make
// certain is returned before anything runs; a server that exits meanwhile ends the wait with
// its own last words; both are a *Mistake, as is too few brokers at the end. A storage format
// that fails is a *Failure.
func StartOwnCluster(ctx context.Context, t ClusterTerminals, cmds []submission.Command, files ClusterFiles, want int) ([]cluster.Endpoint, error) {
	if named := KafkaFilesNamed(cmds, files.Student); len(named) > 0 {
		kafka, err := t.KafkaFiles(ctx, named)
		if err != nil {
			return nil, err
		}
		files.Kafka = kafka
	}
	servers, err := PlanCluster(cmds, files)
	if err != nil {
		return nil, err
	}
	running, names, err := startServers(ctx, t, servers)
	if err != nil {
		return nil, err
	}
	return awaitBrokers(ctx, t, servers, running, names, want)
}

// awaitBrokers waits until want brokers answer (see StartOwnCluster).
func awaitBrokers(ctx context.Context, t ClusterTerminals, servers []Planned, running []Terminal, names []string, want int) ([]cluster.Endpoint, error) {
	bootstrap := strings.Join(ClientAddresses(servers), ",")
	kafkas := 0
	for _, s := range servers {
		if s.Kind == kindKafka {
			kafkas++
		}
	}
	var answered []cluster.Endpoint
	// Asked at once when another server says it started, else now and then (a server may log
	// elsewhere), more often once every one has.
	asked, said := time.Now(), 0
	werr := wait.Until(ctx, fmt.Sprintf("%d brokers to answer", want), BrokerStartLimit, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		for i, p := range running {
			if perr := p.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, &exited{server: i, err: perr})
			}
		}
		started := 0
		for _, p := range running {
			if slices.ContainsFunc(p.Lines(), brokerStarted.MatchString) {
				started++
			}
		}
		every := askSlowly
		if started >= kafkas {
			every = askEvery // all said so: the metadata lists them in a moment
		}
		if started <= said && time.Since(asked) < every {
			return false, "", nil
		}
		said, asked = started, time.Now()
		brokers, _, err := t.BrokersAt(ctx, bootstrap)
		if err != nil {
			return false, "no answer yet", nil
		}
		answered = brokers
		if kafkas < want && started == kafkas && len(brokers) == kafkas {
			// Every server the commands start answers: no more will come.
			return false, "", fmt.Errorf("%w: %w", wait.ErrStop, errAllAnswered)
		}
		return len(brokers) >= want, fmt.Sprintf("%d broker(s)", len(brokers)), nil
	})
	if werr == nil {
		return answered, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var ex *exited
	if errors.As(werr, &ex) {
		return nil, serverEnded(running[ex.server], names[ex.server], ex.err)
	}
	var got []string
	for _, b := range answered {
		got = append(got, fmt.Sprintf("%s (id %d)", b.Addr, b.ID))
	}
	observed := fmt.Sprintf("%d broker(s) answered within %s, asked at %s", len(answered), wait.Scaled(ctx, BrokerStartLimit).Round(time.Second), bootstrap)
	if errors.Is(werr, errAllAnswered) {
		observed = fmt.Sprintf("%d broker(s) answered, every Kafka server that start_cluster starts (%d), asked at %s", len(answered), kafkas, bootstrap)
	}
	if len(got) > 0 {
		observed += ": " + strings.Join(got, ", ")
	}
	var tails []string
	for i, p := range running {
		tails = append(tails, p.Tails(names[i], 8))
	}
	return answered, &Mistake{Name: "too few brokers", Expected: fmt.Sprintf("%d brokers answering", want), Observed: observed,
		Hint: fmt.Sprintf("start %d brokers, each from a file of its own (its own broker.id, or node.id in KRaft mode, its own port in listeners and advertised.listeners, its own log.dirs)", want),
		Tail: strings.Join(tails, "\n")}
}

// errAllAnswered ends the wait when every Kafka server started answers, and they are too few.
var errAllAnswered = errors.New("every server started answers")

// exited is a server that ended while the cluster started: the i-th started.
type exited struct {
	server int
	err    error
}

func (e *exited) Error() string { return e.err.Error() }
func (e *exited) Unwrap() error { return e.err }

// lastWords are what a Kafka server says when two of a cluster's servers clash, or its start
// lacks a step, and what to do about it.
var lastWords = []struct{ says, hint string }{
	{"Failed to acquire lock on file .lock", "give each broker its own log.dirs: a broker locks its log folder (a shared log.dirs)"},
	{"Address already in use", "give each broker its own port in listeners (one port for two brokers)"},
	{"already registered by broker", "give each broker its own port in advertised.listeners too"},
	{"node already exists", "give each broker its own broker.id (two brokers with one broker.id)"},
	{"Another broker is registered with that broker id", "give each node its own node.id (two brokers with one node.id)"},
	{"Timed out waiting for connection while in state: CONNECTING", "start ZooKeeper first, in a terminal of its own (a broker started before ZooKeeper)"},
	{"No readable meta.properties", "format each KRaft node's storage first: ./bin/kafka-storage.sh format -t <one cluster id> -c <the node's file>"},
	{"Invalid cluster.id", "format every node's storage with one cluster id (kafka-storage.sh format -t <the same id> ...), in log.dirs of its own"},
	{"NoSuchFileException", "hand the file in under config/ and name it config/NAME in the command"},
}

// serverEnded is the mistake of a server that exited while the cluster started.
func serverEnded(p Terminal, name string, problem error) *Mistake {
	what := problem.Error()
	var f *Failure
	if errors.As(problem, &f) {
		what = f.What
	}
	out := strings.Join(p.Lines(), "\n") + "\n" + p.Tails("", 40)
	hint := "read the server's last words below: each server of start_cluster keeps running until stopped"
	for _, w := range lastWords {
		if strings.Contains(out, w.says) {
			hint = w.hint
			break
		}
	}
	return &Mistake{Name: "a server stopped", Expected: "each server of start_cluster running until stopped, in a terminal of its own",
		Observed: name + ": " + what, Hint: hint, Tail: p.Tails(name, 15)}
}

// InForeground drops a server start's -daemon: on a machine it sends the server to the
// background of the terminal and returns; here every server has a terminal of its own, whose
// end would end the server too. What runs is the same server.
func InForeground(cmd submission.Command) submission.Command {
	cmd.Args = slices.DeleteFunc(slices.Clone(cmd.Args), func(a string) bool { return a == "-daemon" })
	return cmd
}

// OwnClusterMemory is the least memory a machine needs to run the student's own cluster of
// section 7: four servers (ZooKeeper or a controller, and three brokers), each a JVM of a few
// hundred MiB even with a small heap, beside the harness and a lab tool. Measured: in
// Gradescope's default container (0.5 CPU, 768 MB, no swap) the reference's four servers
// thrashed for three minutes, their ZooKeeper sessions expiring, and never answered.
const OwnClusterMemory = 1280 << 20

// RoomForOwnCluster says why a machine whose memory is mem bytes cannot run the student's own
// cluster (nil when it can, or when mem is unknown: 0). That is the grader's machine, not the
// student's mistake: the caller makes it a harness failure, never a lost point.
func RoomForOwnCluster(mem uint64) error {
	if mem == 0 || mem >= OwnClusterMemory {
		return nil
	}
	return fmt.Errorf("this machine has %d MiB of memory, and the student's own cluster (four Kafka servers) needs at least %d MiB: grade it on a larger machine (on Gradescope, 1 CPU / 1.5 GB or more)",
		mem>>20, OwnClusterMemory>>20)
}
