package steps

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/evidence"
)

func TestAttachOnlyOnFailure(t *testing.T) {
	logs := []evidence.Log{{Name: "kafka-lab-1a2b-broker-1.log", Text: "the broker's end"}, {Name: "kafka-lab-1a2b-client.log", Text: "a traceback"}}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"passed", nil, 0},
		{"skipped", fmt.Errorf("no cluster: %w", godog.ErrSkip), 0},
		{"undefined", godog.ErrUndefined, 0},
		{"pending", godog.ErrPending, 0},
		{"failed", errors.New("expected 10 partitions, got 1"), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gathered := false
			ctx := attach(context.Background(), tc.err, func() []evidence.Log { gathered = true; return logs })
			got := godog.Attachments(ctx)
			if len(got) != tc.want {
				t.Fatalf("%d attachments, want %d", len(got), tc.want)
			}
			if tc.want == 0 && gathered {
				t.Error("the logs were gathered for a scenario that did not fail")
			}
			for i, a := range got {
				if a.FileName != logs[i].Name || string(a.Body) != logs[i].Text || a.MediaType != "text/plain" {
					t.Errorf("attachment %d = %+v, want %+v as text/plain", i, a, logs[i])
				}
			}
		})
	}
	if got := godog.Attachments(attach(context.Background(), errors.New("failed"), func() []evidence.Log { return nil })); len(got) != 0 {
		t.Errorf("%d attachments with no logs gathered, want none", len(got))
	}
}
