package cluster

import (
	"encoding/binary"
	"slices"
	"testing"
)

// TestStateChanges: any difference is a change, except loggers that a broker made since, or
// that a restarted broker has not made again, at the level they inherit.
func TestStateChanges(t *testing.T) {
	fresh := map[string]string{
		"log level of broker 1: root":                "INFO",
		"log level of broker 1: kafka":               "INFO",
		"log level of broker 1: kafka.server.Early":  "INFO",
		"quota producer_byte_rate of user=<default>": "1024",
	}
	now := map[string]string{
		"log level of broker 1: root":                  "INFO",
		"log level of broker 1: kafka":                 "INFO",
		"log level of broker 1: kafka.server.Late":     "INFO", // made since, inherited
		"log level of broker 1: org.apache.kafka.Late": "INFO", // made since, the root's
		"quota producer_byte_rate of user=<default>":   "1024",
	}
	if got := stateChanges(fresh, now); len(got) != 0 {
		t.Errorf("loggers made and not made again: %q; want no change", got)
	}
	now["log level of broker 1: kafka.server.Late"] = "TRACE"
	now["config of the brokers' default: max.connections.per.ip.overrides"] = "127.0.0.1:0 (DynamicDefaultBroker)"
	delete(now, "quota producer_byte_rate of user=<default>")
	want := []string{
		"config of the brokers' default: max.connections.per.ip.overrides is 127.0.0.1:0 (DynamicDefaultBroker)",
		"log level of broker 1: kafka.server.Late is TRACE, was INFO",
		"quota producer_byte_rate of user=<default> is gone, was 1024",
	}
	if got := stateChanges(fresh, now); !slices.Equal(got, want) {
		t.Errorf("stateChanges = %q\nwant %q", got, want)
	}
	now["log level of broker 1: kafka"] = "DEBUG" // kafka.server.Early, not made again, inherits it
	if got := stateChanges(fresh, now); !slices.Contains(got, "log level of broker 1: kafka.server.Early is gone, was INFO") {
		t.Errorf("stateChanges = %q; want kafka.server.Early's inherited level seen changed", got)
	}
}

// TestParseClientMetrics reads a ListClientMetricsResources v0 response as Kafka writes it, and
// refuses a short one, another's correlation id and an error code.
func TestParseClientMetrics(t *testing.T) {
	resp := func(correlation uint32, code int16, names ...string) []byte {
		b := binary.BigEndian.AppendUint32(nil, correlation)
		b = append(b, 0)                        // header's tagged fields
		b = binary.BigEndian.AppendUint32(b, 0) // throttle time
		b = binary.BigEndian.AppendUint16(b, uint16(code))
		b = binary.AppendUvarint(b, uint64(len(names)+1))
		for _, n := range names {
			b = binary.AppendUvarint(b, uint64(len(n)+1))
			b = append(b, n...)
			b = append(b, 0)
		}
		return append(b, 0)
	}
	got, err := parseClientMetrics(resp(7, 0, "zz", "every-100ms"), 7)
	if err != nil || !slices.Equal(got, []string{"every-100ms", "zz"}) {
		t.Errorf("parseClientMetrics = %q, %v", got, err)
	}
	if got, err := parseClientMetrics(resp(7, 0), 7); err != nil || len(got) != 0 {
		t.Errorf("none: %q, %v", got, err)
	}
	full := resp(7, 0, "every-100ms")
	for name, b := range map[string][]byte{"short": full[:len(full)-3], "another's": resp(8, 0), "an error": resp(7, 35)} {
		if _, err := parseClientMetrics(b, 7); err == nil {
			t.Errorf("%s response: no error", name)
		}
	}
}
