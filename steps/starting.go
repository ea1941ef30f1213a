package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"kafka-lab/harness/cluster"
	"kafka-lab/harness/runner"
	"kafka-lab/harness/submission"
	"kafka-lab/harness/wait"
)

// Lab section 1: starting Kafka.
func addStartingSteps(sc *godog.ScenarioContext) {
	sc.Step(`^Kafka is started in KRaft mode with one broker$`, kafkaStartedKRaft)
	sc.Step(`^Kafka is started with ZooKeeper, as the lab does$`, kafkaStartedZooKeeper)
	sc.Step(`^a client asks localhost:9092 for the brokers of the cluster$`, clientAsksForBrokers)
	sc.Step(`^it is answered by (\d+) brokers? at localhost:9092$`, answeredByBrokers)
	sc.Step(`^the KRaft controller quorum has elected a leader$`, quorumHasLeader)
	sc.Step(`^broker (\d+) is the cluster's controller$`, brokerIsController)
	sc.Step(`^the student's start commands run, each in a terminal of its own$`, startCommandsRun)
}

// brokerStartLimit bounds the wait for the student's Kafka to answer: JVM starts and a few
// seconds of Kafka's own; a broker that cannot reach ZooKeeper gives up after 18 s
// (zookeeper.connection.timeout.ms in config/server.properties) and says so.
const brokerStartLimit = 60 * time.Second

// zooKeeperStartLimit bounds the wait for the student's ZooKeeper to listen before the broker
// starts: a JVM start and a moment of ZooKeeper's own, on a loaded machine.
const zooKeeperStartLimit = 30 * time.Second

// listensHint says where the lab's broker listens, for a Kafka that does not answer there.
const listensHint = "start the broker with config/server.properties as it is (config/kraft/server.properties in KRaft mode on 3.x): it listens on localhost:9092; --override listeners=... or another file moves it"

// startCommandsRun runs the student's start_zookeeper (if any) and start_kafka as typed, each
// in a terminal of its own on one machine (cluster.Own), and waits until Kafka answers on
// localhost:9092, asked with the lab's own tool. A process that exits meanwhile fails the step
// with its own last words; so does a wait that reaches its limit.
func startCommandsRun(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	kafka, err := s.commands(string(submission.StartKafka))
	if err != nil {
		return err
	}
	img, err := s.suite.KafkaImage(ctx)
	if err != nil {
		return err
	}
	if s.cluster, err = s.suite.Cluster(ctx, cluster.Own); err != nil {
		return err
	}
	var servers []*runner.Process
	if s.answers.Has(submission.StartZooKeeper) {
		zk, err := s.command(string(submission.StartZooKeeper))
		if err != nil {
			return err
		}
		if !img.HasZooKeeper {
			return check{key: string(zk.Key), expected: "Kafka started in KRaft mode, the only mode of Kafka " + img.KafkaVersion,
				observed: fmt.Sprintf("a ZooKeeper start: `%s`", zk.Text),
				hint:     "Kafka 4 removed ZooKeeper (KIP-833): leave start_zookeeper out, format the storage with kafka-storage.sh, then start the broker"}
		}
		p, err := s.startCommand(ctx, inForeground(zk))
		if err != nil {
			return err
		}
		servers = append(servers, p)
		// The broker waits for ZooKeeper by itself, 18 s at most; on a loaded machine
		// ZooKeeper's own start can take longer, and a person would see it up before starting
		// the broker in the second terminal. So the harness waits until it listens; whatever
		// else goes wrong (ZooKeeper exits, listens elsewhere) the broker's start says below.
		_ = wait.Until(ctx, "ZooKeeper to listen on localhost:2181", zooKeeperStartLimit, 200*time.Millisecond, func(ctx context.Context) (bool, string, error) {
			if perr := p.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
			}
			ok, err := s.cluster.ZooKeeperListens(ctx)
			return ok, "", err
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	r, err := s.runner()
	if err != nil {
		return err
	}
	last := len(kafka) - 1
	if _, err := r.RunAll(ctx, kafka[:last]); err != nil {
		return failed("each command before the broker's start (the storage format) to run and finish without an error", err)
	}
	p, err := s.startCommand(ctx, inForeground(kafka[last]))
	if err != nil {
		return err
	}
	servers = append(servers, p)
	c := s.cluster
	// Each ask is a tool's JVM next to the starting broker: asked at once when the broker logs
	// that it started, and otherwise every 2 s (a broker may log elsewhere).
	var asked time.Time
	err = wait.Until(ctx, "Kafka to answer on localhost:9092", brokerStartLimit, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		for _, sp := range servers {
			if perr := sp.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
			}
		}
		// Asked after the broker said it started, a failure is final.
		started := slices.ContainsFunc(p.Stdout.Lines(), brokerStarted.MatchString)
		if !started && time.Since(asked) < 2*time.Second {
			return false, "", nil
		}
		asked = time.Now()
		brokers, _, err := c.LabBrokers(ctx)
		switch {
		case err != nil && started:
			return false, "", fmt.Errorf("%w: the broker logged that it started, but nothing answers on localhost:9092 (%v)", wait.ErrStop, err)
		case err != nil:
			return false, "no answer yet", nil
		}
		return len(brokers) > 0, fmt.Sprintf("%d broker(s)", len(brokers)), nil
	})
	if f := failed("Kafka started, answering on localhost:9092", err); f != err {
		return f
	}
	if err != nil {
		return check{key: string(submission.StartKafka), expected: "Kafka started, answering on localhost:9092", observed: err.Error(),
			hint: listensHint,
			tail: p.Tails("`"+p.Command.Text+"`", 15)}
	}
	return nil
}

// inForeground drops a server start's -daemon: on a machine it sends the server to the
// background of the terminal and returns; here every server has a terminal of its own, whose
// end would end the server too. What runs is the same server.
func inForeground(cmd submission.Command) submission.Command {
	cmd.Args = slices.DeleteFunc(slices.Clone(cmd.Args), func(a string) bool { return a == "-daemon" })
	return cmd
}

// brokerStarted is the broker's own word that it is up: "[KafkaServer id=0] started" in
// ZooKeeper mode, "[KafkaRaftServer nodeId=1] Kafka Server started" in KRaft mode.
var brokerStarted = regexp.MustCompile(`\[KafkaServer id=-?\d+\] started|Kafka Server started`)

func kafkaStartedKRaft(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	s.cluster, err = s.suite.Cluster(ctx, cluster.Single)
	return err
}

func kafkaStartedZooKeeper(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	img, err := s.suite.KafkaImage(ctx)
	if err != nil {
		return err
	}
	if !img.HasZooKeeper {
		return s.skip(ctx, fmt.Sprintf("Kafka %s has no ZooKeeper mode: it was removed in 4.0 (KIP-833), KRaft is the only mode", img.KafkaVersion))
	}
	s.cluster, err = s.suite.Cluster(ctx, cluster.ZooKeeper)
	return err
}

func clientAsksForBrokers(ctx context.Context) error {
	s, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	brokers, res, err := c.LabBrokers(ctx)
	s.lastTool = &res
	if err != nil && c.Topology == cluster.Own {
		return s.startCheck("Kafka answering on localhost:9092, the address every later section uses", "nothing answered there: "+err.Error(), listensHint)
	}
	if err != nil {
		return fmt.Errorf("nothing answered on localhost:9092: %w", err)
	}
	s.labBrokers = brokers
	return nil
}

func answeredByBrokers(ctx context.Context, want int) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	if s.labBrokers == nil {
		return fmt.Errorf("no answer to check: add `When a client asks localhost:9092 for the brokers of the cluster` before this step")
	}
	var addrs []string
	for _, b := range s.labBrokers {
		addrs = append(addrs, fmt.Sprintf("%s (id %d)", b.Addr, b.ID))
	}
	if len(s.labBrokers) != want {
		return s.startCheck(fmt.Sprintf("%d broker(s)", want), fmt.Sprintf("%d: %s\n%s", len(s.labBrokers), strings.Join(addrs, ", "), s.lastTool.Stdout),
			"start one broker, with config/server.properties")
	}
	for _, b := range s.labBrokers {
		if b.Addr != "localhost:9092" {
			return s.startCheck("every broker to advertise localhost:9092", strings.Join(addrs, ", "),
				"keep advertised.listeners of config/server.properties: clients reach the broker at the address it advertises")
		}
	}
	return nil
}

// startCheck is a failed check of the student's start commands where they started Kafka
// (cluster.Own); where the harness did, a plain error: a check of Kafka itself.
func (s *Scenario) startCheck(expected, observed, hint string) error {
	if s.cluster != nil && s.cluster.Topology == cluster.Own {
		return check{key: string(submission.StartKafka), expected: expected, observed: observed, hint: hint}
	}
	return fmt.Errorf("expected %s, observed %s", expected, observed)
}

func quorumHasLeader(ctx context.Context) error {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	leader, res, err := c.QuorumLeader(ctx)
	if err != nil {
		return err
	}
	if leader < 0 {
		return fmt.Errorf("expected a quorum leader, observed none:\n%s", res.Stdout)
	}
	return nil
}

func brokerIsController(ctx context.Context, want int) error {
	_, c, err := scenarioCluster(ctx)
	if err != nil {
		return err
	}
	got, err := c.ControllerID()
	if err != nil {
		return err
	}
	if int(got) != want {
		return fmt.Errorf("expected broker %d to be the controller, observed broker %d", want, got)
	}
	return nil
}
