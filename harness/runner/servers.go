package runner

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
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
