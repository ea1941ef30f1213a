package cluster

import "testing"

// envName must invert the image contract's mapping (KafkaDockerWrapper: strip KAFKA_, lower
// case, "_" -> ".", "__" -> "_", "___" -> "-").
func TestEnvName(t *testing.T) {
	for prop, want := range map[string]string{
		"node.id":                          "KAFKA_NODE_ID",
		"offsets.topic.replication.factor": "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
		"listener.name.host_x.sasl-y":      "KAFKA_LISTENER_NAME_HOST__X_SASL___Y",
	} {
		if got := envName(prop); got != want {
			t.Errorf("envName(%q) = %q, want %q", prop, got, want)
		}
	}
}
