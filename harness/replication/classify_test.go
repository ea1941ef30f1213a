package replication

import "testing"

func TestClassify(t *testing.T) {
	const callback = "[2026-11-26 21:40:01,123] ERROR Error when sending message to topic t with key: null, value: 4 bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n"
	for _, tc := range []struct {
		acks, out string
		want      Outcome
		err       bool
	}{
		{"0", "", Sent, false},
		{"1", "", Acknowledged, false},
		{"all", ">", Acknowledged, false},
		{"all", callback + "org.apache.kafka.common.errors.NotEnoughReplicasException: Messages are rejected since there are fewer in-sync replicas than required.", NotEnoughReplicas, false},
		{"1", callback + "org.apache.kafka.common.errors.TimeoutException: Expiring 1 record(s) for t-0:2001 ms has passed since batch creation", Timeout, false},
		{"1", callback + "org.apache.kafka.common.errors.RecordTooLargeException: The message is 2000000 bytes", "RecordTooLargeException", true},
		{"1", "[2026-11-26 21:40:01,123] ERROR something else entirely", "", true},
	} {
		got, err := classify(tc.acks, tc.out)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("classify(%s, %q) = %q, %v; want %q (error %v)", tc.acks, tc.out, got, err, tc.want, tc.err)
		}
	}
}
