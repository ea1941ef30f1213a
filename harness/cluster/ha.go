package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// The ha topology (lab section 7): one dedicated KRaft controller and three brokers, so that two
// brokers down still leaves a controller quorum.
//
// Each broker lives in a network namespace of its own, held by a small "net" container that
// never stops: inside it the broker answers on localhost:9092 as in the lab, and the namespace,
// its host port and the client containers that joined it survive the broker being stopped,
// killed and started again. The namespaces meet on the cluster's network, where broker N is
// "broker-N" and the controller "controller". Containers are named "ha-..." so that the run's
// other clusters (the single broker is "broker-1") can run beside it.

// HABrokers is how many brokers the ha topology has.
const HABrokers = 3

// controllerID is the node id of ha's controller; the brokers are 1..HABrokers.
const controllerID = 0

// haBrokerHost is broker id's host name on the cluster's network; haControllerHost is the
// controller's.
func haBrokerHost(id int) string { return fmt.Sprintf("broker-%d", id) }

const haControllerHost = "controller"

// haSettings: Kafka's defaults for internal topics on three brokers, and fast failure detection
// (the controller fences a broker that missed 3 s of heartbeats, not 9 s), so waits for a killed
// broker stay short.
func (c starter) haSettings() map[string]string {
	props := brokerSettings()
	for k, v := range map[string]string{
		"offsets.topic.replication.factor":                 "3",
		"transaction.state.log.replication.factor":         "3",
		"transaction.state.log.min.isr":                    "2",
		"share.coordinator.state.topic.replication.factor": "3",
		"share.coordinator.state.topic.min.isr":            "2",
		"broker.heartbeat.interval.ms":                     "500",
		"broker.session.timeout.ms":                        "3000",
		"controller.quorum.voters":                         fmt.Sprintf("%d@%s", controllerID, c.haControllerAddr()),
		"controller.listener.names":                        "CONTROLLER",
		"log.dirs":                                         "/var/lib/kafka/data",
	} {
		props[k] = v
	}
	return props
}

// haControllerAddr is the controller's address as brokers reach it.
func (c starter) haControllerAddr() string {
	return c.rt.Facts().PeerAddr(haControllerHost, c.place.haPort(controllerID))
}

func (c starter) startHA(ctx context.Context) error {
	network := c.network // "" where the nodes share the host's network
	props := c.haSettings()
	props["node.id"] = fmt.Sprint(controllerID)
	props["process.roles"] = "controller"
	props["listeners"] = fmt.Sprintf("CONTROLLER://%s:%d", c.bindHost(), c.place.haPort(controllerID))
	props["listener.security.protocol.map"] = "CONTROLLER:PLAINTEXT"
	ctl, err := c.rt.Start(ctx, container.Spec{
		Name: "ha-controller", Image: c.Image.Ref, Network: network, Hostname: haControllerHost,
		Env: c.kafkaEnv(props, c.opts.Sizing.ControllerHeap),
	})
	if err != nil {
		return err
	}
	c.nodes = append(c.nodes, &Node{ID: controllerID, Role: "controller", Container: ctl, netns: ctl})
	for id := 1; id <= HABrokers; id++ {
		hostPort, err := c.hostPort(id - 1)
		if err != nil {
			return err
		}
		holder, err := c.place.namespace(ctx, c, id, hostPort)
		if err != nil {
			return err
		}
		props := c.haSettings()
		props["node.id"] = fmt.Sprint(id)
		props["process.roles"] = "broker"
		props["inter.broker.listener.name"] = "PLAINTEXT"
		labPort := c.haListeners(props, id, hostPort)
		broker, err := c.rt.Start(ctx, container.Spec{
			Name: fmt.Sprintf("ha-broker-%d", id), Image: c.Image.Ref, NetworkOf: holder,
			Env: c.kafkaEnv(props, c.opts.Sizing.BrokerHeap),
		})
		if err != nil {
			return err
		}
		// Clients join the broker's namespace, held for it or its own.
		c.addBroker(&Node{ID: id, Role: "broker", Container: broker, HostPort: hostPort, labPort: labPort, netns: cmp.Or(holder, broker)})
	}
	return nil
}

// haListeners sets broker id's listeners and returns its lab port.
//
// In Docker, other brokers and clients find broker N by its name on the cluster's network; a lab
// command in any broker's namespace still starts from localhost:9092. A student who ran three
// brokers on one machine gave them ports 9092, 9093 and 9094 (as Kafka's quickstart does): those
// answer too, so their commands run as typed. Where the nodes share the host's network (local
// processes), brokers 1-3 are those three ports themselves.
func (c starter) haListeners(props map[string]string, id, hostPort int) int {
	facts := c.rt.Facts()
	port := c.place.haPort(id)
	listeners := []string{fmt.Sprintf("PLAINTEXT://%s:%d", c.bindHost(), port), fmt.Sprintf("HOST://%s:%d", c.bindHost(), c.hostListener(hostPort))}
	advertised := []string{"PLAINTEXT://" + facts.PeerAddr(haBrokerHost(id), port), fmt.Sprintf("HOST://127.0.0.1:%d", hostPort)}
	protocols := []string{"PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", "HOST:PLAINTEXT"}
	for _, port := range c.place.quickstartPorts() {
		name := fmt.Sprintf("LOCAL_%d", port)
		listeners = append(listeners, fmt.Sprintf("%s://%s:%d", name, c.bindHost(), port))
		advertised = append(advertised, name+"://"+facts.PeerAddr(haBrokerHost(id), port))
		protocols = append(protocols, name+":PLAINTEXT")
	}
	props["listeners"] = strings.Join(listeners, ",")
	props["advertised.listeners"] = strings.Join(advertised, ",")
	props["listener.security.protocol.map"] = strings.Join(protocols, ",")
	return port
}

// Broker returns the broker with the node id.
func (c *Cluster) Broker(id int) (*Node, error) {
	for _, b := range c.brokers {
		if b.ID == id {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s cluster has no broker %d", c.Topology, id)
}

// Down returns the ids of the brokers the harness stopped or killed and has not started again.
func (c *Cluster) Down() []int {
	var ids []int
	for _, b := range c.brokers {
		if b.down {
			ids = append(ids, b.ID)
		}
	}
	return ids
}

// StopBroker stops a broker cleanly (SIGTERM: a controlled shutdown that hands its leaderships
// over) and waits until the cluster no longer counts on it.
func (c *Cluster) StopBroker(ctx context.Context, id int) error {
	return c.takeDown(ctx, id, func(ctr *container.Container) error { return ctr.Stop(ctx, 30*time.Second) })
}

// KillBroker kills a broker with SIGKILL, as a crash would, and waits until the controller has
// fenced it (no heartbeat for broker.session.timeout.ms) and moved its leaderships.
func (c *Cluster) KillBroker(ctx context.Context, id int) error {
	return c.takeDown(ctx, id, func(ctr *container.Container) error { return ctr.Kill(ctx, "SIGKILL") })
}

// takeDown ends broker id's process with end, then waits until the cluster has let it go.
func (c *Cluster) takeDown(ctx context.Context, id int, end func(*container.Container) error) error {
	b, err := c.Broker(id)
	if err != nil {
		return err
	}
	b.down = true
	if err := end(b.Container); err != nil {
		return err
	}
	c.kafka.conn.forget(id)
	return c.kafka.awaitGone(ctx, id)
}

// StartBroker starts a stopped or killed broker again, with its data, and waits until it is
// back in the metadata (registered and unfenced).
func (c *Cluster) StartBroker(ctx context.Context, id int) error {
	return c.startBrokers(ctx, []int{id})
}

// startBrokers starts the brokers side by side, then waits until each is back in the metadata.
func (c *Cluster) startBrokers(ctx context.Context, ids []int) error {
	var nodes []*Node
	for _, id := range ids {
		b, err := c.Broker(id)
		if err != nil {
			return err
		}
		// docker start refuses a container that is still stopping: wait for the exit first.
		if err := wait.Until(ctx, fmt.Sprintf("broker %d to have exited", id), 40*time.Second, 50*time.Millisecond,
			func(ctx context.Context) (bool, string, error) {
				st, err := b.Container.State(ctx)
				return err == nil && !st.Running, st.String(), err
			}); err != nil {
			return err
		}
		if err := b.Container.Restart(ctx); err != nil {
			return err
		}
		b.down = false
		nodes = append(nodes, b)
	}
	return wait.Until(ctx, fmt.Sprintf("broker(s) %v to be back in the metadata", ids), c.opts.StartTimeout, 100*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			for _, b := range nodes {
				if st, err := b.Container.State(ctx); err != nil || !st.Running {
					return false, "", errors.Join(err, fmt.Errorf("%w: %s exited: %s%s", wait.ErrStop, b.Container.Name, st, logTails(ctx, c.nodes, 20)))
				}
			}
			live, err := c.kafka.LiveBrokers()
			if err != nil {
				return false, "", err
			}
			for _, id := range ids {
				if !slices.Contains(live, int32(id)) {
					return false, fmt.Sprintf("live brokers %v", live), nil
				}
			}
			for _, id := range ids {
				c.kafka.conn.forget(id)
			}
			return true, "", nil
		})
}

// Whole starts every broker that is down and waits until every partition of every topic has a
// leader and all its replicas in sync: the state each scenario starts from.
func (c *Cluster) Whole(ctx context.Context) error {
	if down := c.Down(); len(down) > 0 {
		if err := c.startBrokers(ctx, down); err != nil {
			return err
		}
	}
	return c.AwaitInSync(ctx)
}

// AwaitInSync waits until every partition of every topic has a leader and all its replicas in
// its ISR.
func (c *Cluster) AwaitInSync(ctx context.Context) error {
	return wait.Until(ctx, "every partition to have a leader and all replicas in sync", 60*time.Second, 100*time.Millisecond,
		func(context.Context) (bool, string, error) {
			states, err := c.kafka.PartitionStates()
			if err != nil {
				return false, "", err
			}
			for _, p := range states {
				if p.Leader < 0 || len(p.ISR) != len(p.Replicas) {
					return false, p.String(), nil
				}
			}
			return true, "", nil
		})
}

// awaitGone waits until broker id has left the metadata and leads no partition, and is in no
// ISR of a partition that has another leader.
func (k *Kafka) awaitGone(ctx context.Context, id int) error {
	return wait.Until(ctx, fmt.Sprintf("broker %d to leave the metadata, its leaderships and ISRs", id), 30*time.Second, 100*time.Millisecond,
		func(context.Context) (bool, string, error) {
			live, err := k.LiveBrokers()
			if err != nil {
				return false, "", err
			}
			if slices.Contains(live, int32(id)) {
				return false, fmt.Sprintf("live brokers %v", live), nil
			}
			states, err := k.PartitionStates()
			if err != nil {
				return false, "", err
			}
			for _, p := range states {
				if p.Leader == int32(id) || (p.Leader >= 0 && slices.Contains(p.ISR, int32(id))) {
					return false, p.String(), nil
				}
			}
			return true, "", nil
		})
}

// LabBootstrap is the bootstrap list a client inside the cluster's namespaces gives: every ha
// broker (by name on the cluster's network, or at its own port on the host's), so that it survives
// any one being down; localhost:9092 elsewhere.
func (c *Cluster) LabBootstrap() string {
	if c.Topology != HA {
		return fmt.Sprintf("localhost:%d", LabPort)
	}
	var addrs []string
	for _, b := range c.brokers {
		addrs = append(addrs, c.rt.Facts().PeerAddr(haBrokerHost(b.ID), b.labPort))
	}
	return strings.Join(addrs, ",")
}
