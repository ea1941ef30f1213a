package runner

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Bounds of section 1's servers, started by the student's commands.
const (
	// BrokerStartLimit bounds the wait for the student's Kafka to answer: JVM starts and a few
	// seconds of Kafka's own; a broker that cannot reach ZooKeeper gives up after 18 s
	// (zookeeper.connection.timeout.ms in config/server.properties) and says so.
	BrokerStartLimit = 60 * time.Second
	// ZooKeeperStartLimit bounds the wait for the student's ZooKeeper to listen before the
	// broker starts: a JVM start and a moment of ZooKeeper's own, on a loaded machine.
	ZooKeeperStartLimit = 30 * time.Second
	// askEvery is how often the broker is asked when it has not said it started: each ask is a
	// tool's JVM next to the starting broker.
	askEvery = 2 * time.Second
)

// Server is a long-running server process: it has a problem once it exits.
type Server interface {
	Problem(ctx context.Context) error
}

// Logger is a server whose standard output can be read line by line.
type Logger interface {
	Server
	Lines() []string
}

// Lab is what of a cluster the server waits ask: who answers on the lab's address.
type Lab interface {
	LabBrokers(ctx context.Context) ([]cluster.Endpoint, container.Result, error)
	ZooKeeperListens(ctx context.Context) (bool, error)
}

// AwaitZooKeeper waits, bounded, until ZooKeeper listens on localhost:2181, as a person sees
// it up before starting the broker in a second terminal: the broker waits for ZooKeeper by
// itself only 18 s, which a loaded machine's ZooKeeper start can take. Whatever else goes
// wrong (ZooKeeper exits, listens elsewhere) the broker's start says; only the context's end
// is returned.
func AwaitZooKeeper(ctx context.Context, lab Lab, zk Server) error {
	_ = wait.Until(ctx, "ZooKeeper to listen on localhost:2181", ZooKeeperStartLimit, 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		if perr := zk.Problem(ctx); perr != nil {
			return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
		}
		ok, err := lab.ZooKeeperListens(ctx)
		return ok, "", err
	})
	return ctx.Err()
}

// brokerStarted is the broker's own word that it is up: "[KafkaServer id=0] started" in
// ZooKeeper mode, "[KafkaRaftServer nodeId=1] Kafka Server started" in KRaft mode.
var brokerStarted = regexp.MustCompile(`\[KafkaServer id=-?\d+\] started|Kafka Server started`)

// AwaitBroker waits until Kafka answers on localhost:9092, asked with the lab's own tool: at
// once when the broker logs that it started, and otherwise every askEvery (a broker may log
// elsewhere). A server that exits meanwhile ends the wait with its own problem; so does an ask
// that fails after the broker said it started.
func AwaitBroker(ctx context.Context, lab Lab, servers []Server, broker Logger) error {
	var asked time.Time
	return wait.Until(ctx, "Kafka to answer on localhost:9092", BrokerStartLimit, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		for _, sp := range servers {
			if perr := sp.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
			}
		}
		started := slices.ContainsFunc(broker.Lines(), brokerStarted.MatchString)
		if !started && time.Since(asked) < askEvery {
			return false, "", nil
		}
		asked = time.Now()
		brokers, _, err := lab.LabBrokers(ctx)
		switch {
		case err != nil && started:
			return false, "", fmt.Errorf("%w: the broker logged that it started, but nothing answers on localhost:9092 (%v)", wait.ErrStop, err)
		case err != nil:
			return false, "no answer yet", nil
		}
		return len(brokers) > 0, fmt.Sprintf("%d broker(s)", len(brokers)), nil
	})
}

// Lines returns what the process printed on stdout so far, line by line.
func (p *Process) Lines() []string { return p.Stdout.Lines() }

// startServers starts the student's servers as planned, in order, on one machine: each server
// in a terminal of its own (after a ZooKeeper start, once ZooKeeper listens, as a person waits
// before the next terminal) and each other command (the storage format) to its end, those
// written one after the other together under one key's limit (Runner.RunAll). It returns the
// servers started, with their names for messages, so far as it got.
func startServers(ctx context.Context, t Terminals, plan []Planned) ([]Terminal, []string, error) {
	var running []Terminal
	var names []string
	var oneShots []submission.Command
	for i, s := range plan {
		if s.Kind == kindOneShot {
			oneShots = append(oneShots, s.Command)
			if i+1 < len(plan) && plan[i+1].Kind == kindOneShot {
				continue
			}
			if err := t.RunAll(ctx, oneShots); err != nil {
				return running, names, err
			}
			oneShots = nil
			continue
		}
		p, err := t.StartServer(ctx, InForeground(s.Command))
		if err != nil {
			return running, names, err
		}
		running = append(running, p)
		names = append(names, "`"+s.Command.Text+"`")
		if s.Kind == kindZooKeeper {
			if err := AwaitZooKeeper(ctx, t, p); err != nil {
				return running, names, err
			}
		}
	}
	return running, names, nil
}

// ListensHint says where the lab's broker listens, for a Kafka that does not answer there.
const ListensHint = "start the broker with config/server.properties as it is (config/kraft/server.properties in KRaft mode on 3.x): it listens on localhost:9092; --override listeners=... or another file moves it"

// KafkaStart is lab section 1's start of Kafka as the student wrote it.
type KafkaStart struct {
	// ZooKeeper is start_zookeeper's command; nil when the answers have none (KRaft mode).
	ZooKeeper *submission.Command
	// Kafka are start_kafka's commands: the broker's start last, after any storage format.
	Kafka []submission.Command
	// Version is Kafka's, and ZooKeeperMode whether it has one (3.x), for the start on 4.x.
	Version       string
	ZooKeeperMode bool
}

// answering is what section 1's start is expected to leave.
const answering = "Kafka started, answering on localhost:9092"

// StartOwnKafka starts Kafka as lab section 1 does, on one machine: ZooKeeper (if any) and the
// broker each in a terminal of its own, the storage format before the broker to its end
// (startServers). It then waits until Kafka answers on localhost:9092, asked with the lab's
// own tool (AwaitBroker). A ZooKeeper start on a Kafka without ZooKeeper is a *Mistake before
// anything runs; a server that exits meanwhile, or a Kafka that does not answer, is a
// *Mistake with the server's last words; a storage format that fails is a *Failure.
func StartOwnKafka(ctx context.Context, t Terminals, k KafkaStart) error {
	if len(k.Kafka) == 0 {
		return errors.New("start Kafka: no start_kafka command")
	}
	var plan []Planned
	if zk := k.ZooKeeper; zk != nil {
		if !k.ZooKeeperMode {
			return &Mistake{Name: "ZooKeeper on Kafka 4", Key: zk.Key, Expected: "Kafka started in KRaft mode, the only mode of Kafka " + k.Version,
				Observed: fmt.Sprintf("a ZooKeeper start: `%s`", zk.Text),
				Hint:     "Kafka 4 removed ZooKeeper (KIP-833): leave start_zookeeper out, format the storage with kafka-storage.sh, then start the broker"}
		}
		plan = append(plan, Planned{Command: *zk, Kind: kindZooKeeper})
	}
	// The last command starts the broker, whatever its tool: one that exits says so.
	last := len(k.Kafka) - 1
	for _, c := range k.Kafka[:last] {
		plan = append(plan, Planned{Command: c, Kind: kindOneShot})
	}
	plan = append(plan, Planned{Command: k.Kafka[last], Kind: kindKafka})
	running, names, err := startServers(ctx, t, plan)
	if err != nil {
		return err
	}
	servers := make([]Server, len(running))
	for i, p := range running {
		servers[i] = p
	}
	broker := running[len(running)-1]
	err = AwaitBroker(ctx, t, servers, broker)
	var f *Failure
	switch {
	case err == nil:
		return nil
	case errors.As(err, &f):
		return &Mistake{Name: "a server stopped", Key: f.Command.Key, Expected: answering, Observed: f.Command.Text + ": " + f.What, Hint: f.Hint, Tail: f.Output}
	}
	return &Mistake{Name: "no answer on localhost:9092", Key: k.Kafka[last].Key, Expected: answering, Observed: err.Error(), Hint: ListensHint,
		Tail: broker.Tails(names[len(names)-1], 15)}
}
