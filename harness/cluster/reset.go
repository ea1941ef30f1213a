package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Reset makes the cluster as the next scenario expects it: empty, and out of reach of anything
// an earlier scenario ran.
//
// After a student's program ran against it (MarkUntrusted), the cluster is renewed: its nodes
// are replaced by fresh ones with empty storage. A program can leave state that deleting topics
// and groups does not clear: a member that never left its group (a killed kafka-python consumer
// stays until its 45 s session times out, and until then the group cannot be deleted and a new
// member waits in a rebalance behind it), an open transaction that the coordinator aborts later
// with markers in whatever partitions then bear the old names, producer ids and epochs of its
// transactional id. A fresh single broker costs about 2 s and proves all of that gone.
//
// Otherwise, and for the ha topology (its brokers are the experiment of section 7, and only the
// lab's tools run against them), Reset starts any broker that is down, deletes every consumer
// group and every topic but Kafka's own (kafkaOwnTopics), and waits until the metadata no
// longer lists them. A group it cannot delete (a member the last scenario left behind) renews
// the cluster too.
func (c *Cluster) Reset(ctx context.Context) error {
	// The next scenario's student runs are its own.
	c.runs.clear()
	if c.untrusted.Swap(false) && c.Topology != HA { // always for Own: it is the student's
		return c.Renew(ctx)
	}
	// Brokers a scenario took down come back first: topics cannot be deleted without them.
	if len(c.Down()) > 0 {
		if err := c.Whole(ctx); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	err := c.kafka.clear(ctx)
	var busy *groupBusyError
	if errors.As(err, &busy) && c.Topology != HA {
		if rerr := c.Renew(ctx); rerr != nil {
			return fmt.Errorf("%w; renewing the cluster: %w", err, rerr)
		}
		return nil
	}
	return err
}

// MarkUntrusted says that a program the harness did not write (a student's) connects to the
// cluster: the next Reset renews it.
// A spare starts at once (see spare.go), for that Renew.
func (c *Cluster) MarkUntrusted() {
	if !c.untrusted.Swap(true) {
		c.startSpare()
	}
}

// Renew replaces the cluster's nodes by fresh ones with empty storage and waits until they are
// ready, the harness's own clients connected to the new ones: the spare's, when one started.
func (c *Cluster) Renew(ctx context.Context) error {
	fresh, serr := c.spares.take(ctx)
	if fresh != nil {
		// The fresh cluster's nodes and connections become this one's; the old ones go.
		old := newCluster(c.Topology, c.Image, c.rt, c.opts)
		old.nodes, old.brokers, old.network = c.nodes, c.brokers, c.network
		c.nodes, c.brokers, c.network = fresh.nodes, fresh.brokers, fresh.network
		c.kafka.conn.swap(&old.kafka.conn)
		c.kafka.conn.swap(&fresh.kafka.conn)
		c.kafka.fresh = fresh.kafka.fresh
		c.spares.retire(old)
		return nil
	}
	if serr != nil && ctx.Err() != nil {
		return fmt.Errorf("renew the %s cluster: %w", c.Topology, serr)
	}
	// No spare, or it did not start: a start of our own says why, if it fails too.
	if err := c.Close(ctx); err != nil {
		return fmt.Errorf("renew the %s cluster: %w", c.Topology, err)
	}
	if err := c.start(ctx); err != nil {
		return fmt.Errorf("renew the %s cluster: %w", c.Topology, err)
	}
	return nil
}

// kafkaOwnTopics are the topics Kafka makes for itself, which Reset keeps. Any other, a
// student's "__evil" too, goes (see Reusable for what a student can do to these).
var kafkaOwnTopics = map[string]bool{"__consumer_offsets": true, "__transaction_state": true, "__share_group_state": true}

// groupBusyError is a consumer group that still has members.
type groupBusyError struct {
	group string
	err   error
}

func (e *groupBusyError) Error() string {
	return fmt.Sprintf("reset: delete consumer group %s (does a client of the last scenario still run?): %v", e.group, e.err)
}

func (e *groupBusyError) Unwrap() error { return e.err }

// clear deletes every consumer group and every topic but Kafka's own, and waits until the
// metadata no longer lists them.
func (k *Kafka) clear(ctx context.Context) error {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return err
	}
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		return fmt.Errorf("reset: list consumer groups: %w", err)
	}
	var errs []error
	for g := range groups {
		if err := admin.DeleteConsumerGroup(g); errors.Is(err, sarama.ErrNonEmptyGroup) {
			errs = append(errs, &groupBusyError{group: g, err: err})
		} else if err != nil {
			errs = append(errs, fmt.Errorf("reset: delete consumer group %s: %w", g, err))
		}
	}
	topics, err := k.listTopicsAfterBarrier(ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	var doomed []string
	for t := range topics {
		if !kafkaOwnTopics[t] {
			doomed = append(doomed, t)
		}
	}
	sort.Strings(doomed)
	for _, t := range k.deleteTopics(doomed) {
		if err := admin.DeleteTopic(t); err != nil {
			errs = append(errs, fmt.Errorf("reset: delete topic %s: %w", t, err))
		}
	}
	if len(errs) > 0 || len(doomed) == 0 {
		return errors.Join(errs...)
	}
	return wait.Until(ctx, "deleted topics to leave the metadata", 30*time.Second, 20*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			if err := k.conn.client.RefreshMetadata(); err != nil {
				return false, "", err
			}
			names, err := k.conn.client.Topics()
			if err != nil {
				return false, "", err
			}
			var left []string
			for _, t := range names {
				for _, d := range doomed {
					if t == d {
						left = append(left, t)
					}
				}
			}
			return len(left) == 0, "still listed: " + strings.Join(left, ", "), nil
		})
}

// deleteTopics deletes the topics in one request to the controller, one commit of the metadata
// (each request waits out the controller's append linger: 3 topics one by one took 80 ms of a
// Reset's 110). It returns those it did not delete, which the admin's DeleteTopic, with its
// retries, deletes one by one.
func (k *Kafka) deleteTopics(topics []string) []string {
	b, err := k.conn.client.Controller()
	if err != nil {
		return topics
	}
	rsp, err := b.DeleteTopics(sarama.NewDeleteTopicsRequest(k.conn.client.Config().Version, topics, k.conn.client.Config().Admin.Timeout))
	if err != nil {
		return topics
	}
	var left []string
	for _, t := range topics {
		if kerr, ok := rsp.TopicErrorCodes[t]; !ok || !errors.Is(kerr, sarama.ErrNoError) {
			left = append(left, t)
		}
	}
	return left
}

// listTopicsAfterBarrier lists the topics as a broker sees them once it has every topic created
// before this call. A broker's metadata lags the controller's by a few milliseconds, so a topic
// a command created just before Reset could be missing from a plain list, and outlive it. A
// barrier topic, made now, is listed only by a broker that has applied every metadata change
// committed before it (a broker applies them in the controller's order): the list that shows
// it shows those topics too. The barrier goes with them.
func (k *Kafka) listTopicsAfterBarrier(ctx context.Context) (map[string]sarama.TopicDetail, error) {
	admin, err := k.conn.adminClient(k.c.Topology)
	if err != nil {
		return nil, err
	}
	barrier := fmt.Sprintf("kafka-lab-reset-%d", time.Now().UnixNano())
	if err := admin.CreateTopic(barrier, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
		return nil, fmt.Errorf("reset: create the barrier topic %s: %w", barrier, err)
	}
	var topics map[string]sarama.TopicDetail
	err = wait.Until(ctx, "the reset's barrier topic "+barrier+" to be listed", 30*time.Second, 5*time.Millisecond,
		func(context.Context) (bool, string, error) {
			listed, err := admin.ListTopics()
			if err != nil {
				return false, "", fmt.Errorf("list topics: %w", err)
			}
			topics = listed
			_, ok := listed[barrier]
			return ok, fmt.Sprintf("%d topics listed, not it", len(listed)), nil
		})
	if err != nil {
		return nil, fmt.Errorf("reset: %w", err)
	}
	return topics, nil
}
