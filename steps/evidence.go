package steps

import (
	"context"
	"errors"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/evidence"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// evidence attaches to a scenario that failed the end of its Kafka nodes' logs and of what the
// student's programs and commands printed (package evidence): godog puts them on the failed
// step, and the cucumber report carries them as embeddings. It runs before the clean-up, which
// stops the student's processes and resets the cluster.
func (s *Suite) evidence(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
	return attach(ctx, err, func() []evidence.Log {
		st, serr := scenario.From(ctx)
		if serr != nil || st.Cluster == nil {
			return nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		return evidence.Gather(lctx, st.Cluster)
	}), nil
}

// attach attaches what gather returns when err says the scenario failed: never on a scenario
// that passed, nor on one skipped, undefined or pending, whose steps did not run to a failure.
func attach(ctx context.Context, err error, gather func() []evidence.Log) context.Context {
	if !failed(err) {
		return ctx
	}
	var as []godog.Attachment
	for _, l := range gather() {
		as = append(as, godog.Attachment{Body: []byte(l.Text), FileName: l.Name, MediaType: "text/plain"})
	}
	if len(as) == 0 {
		return ctx
	}
	return godog.Attach(ctx, as...)
}

// failed says whether a scenario that ended with err failed (rather than passed, or was
// skipped, undefined or pending).
func failed(err error) bool {
	return err != nil && !errors.Is(err, godog.ErrSkip) && !errors.Is(err, godog.ErrUndefined) && !errors.Is(err, godog.ErrPending)
}
