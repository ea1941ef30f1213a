package tutor

import (
	"context"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// snapshot is what one look at Kafka saw.
type snapshot struct {
	At     time.Time
	Topics map[string]int
	Groups []cluster.Group
}

// observe looks at Kafka once.
func observe(ctx context.Context, k Kafka, now time.Time) (snapshot, error) {
	s := snapshot{At: now}
	var err error
	if s.Topics, err = k.Topics(ctx); err != nil {
		return s, err
	}
	if s.Groups, err = k.Groups(ctx); err != nil {
		return s, err
	}
	return s, nil
}
