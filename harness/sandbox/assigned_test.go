package sandbox

import (
	"slices"
	"testing"
)

func TestUnassigned(t *testing.T) {
	for _, tc := range []struct {
		name, stderr string
		want         []string
	}{
		{"no consumer", "new transaction: value=3\n", nil},
		{"never assigned", "WARNING kafka.coordinator.consumer: group_id is None: disabling auto-commit.\nkafka-lab: subscribed to transactions\nkafka-lab: partitions assigned: none\n", []string{"transactions"}},
		{"subscribed, no answer yet", "kafka-lab: subscribed to transactions\n", []string{"transactions"}},
		{"assigned", "kafka-lab: subscribed to transactions\nkafka-lab: partitions assigned: none\nkafka-lab: partitions assigned: transactions [0, 1, 2]\n", nil},
		{"assigned, then revoked", "kafka-lab: subscribed to transactions\nkafka-lab: partitions assigned: transactions [0]\nkafka-lab: partitions assigned: none\n", nil},
		{"two topics", "kafka-lab: subscribed to balance, transactions\nkafka-lab: partitions assigned: none\n", []string{"balance", "transactions"}},
	} {
		if got := unassigned(tc.stderr); !slices.Equal(got, tc.want) {
			t.Errorf("%s: unassigned = %q, want %q", tc.name, got, tc.want)
		}
	}
}
