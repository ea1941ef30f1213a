package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"kafka-lab/harness/wait"
)

// Reset starts any broker that is down, deletes every topic but Kafka's internal ones (named
// "__...") and every consumer group, then waits until the metadata no longer lists the deleted
// topics, so the next scenario starts from an empty cluster without paying for a new one.
func (c *Cluster) Reset(ctx context.Context) error {
	// Brokers a scenario took down come back first: topics cannot be deleted without them.
	if len(c.Down()) > 0 {
		if err := c.Whole(ctx); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	admin, err := c.Admin()
	if err != nil {
		return err
	}
	groups, err := admin.ListConsumerGroups()
	if err != nil {
		return fmt.Errorf("reset: list consumer groups: %w", err)
	}
	var errs []error
	for g := range groups {
		if err := admin.DeleteConsumerGroup(g); err != nil {
			errs = append(errs, fmt.Errorf("reset: delete consumer group %s (does a client of the last scenario still run?): %w", g, err))
		}
	}
	topics, err := admin.ListTopics()
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("reset: list topics: %w", err))...)
	}
	var doomed []string
	for t := range topics {
		if !strings.HasPrefix(t, "__") {
			doomed = append(doomed, t)
		}
	}
	sort.Strings(doomed)
	for _, t := range doomed {
		if err := admin.DeleteTopic(t); err != nil {
			errs = append(errs, fmt.Errorf("reset: delete topic %s: %w", t, err))
		}
	}
	if len(errs) > 0 || len(doomed) == 0 {
		return errors.Join(errs...)
	}
	return wait.Until(ctx, "deleted topics to leave the metadata", 30*time.Second, 20*time.Millisecond,
		func(ctx context.Context) (bool, string, error) {
			if err := c.client.RefreshMetadata(); err != nil {
				return false, "", err
			}
			names, err := c.client.Topics()
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
