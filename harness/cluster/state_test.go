package cluster

import (
	"bytes"
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

// TestParseConfigResources reads ListClientMetricsResources v0 and ListConfigResources v1
// responses as Kafka writes them, and refuses a short one, a longer one, another's correlation
// id, an error code and a type not asked for.
func TestParseConfigResources(t *testing.T) {
	resp := func(version int16, correlation uint32, code int16, res ...configResource) []byte {
		b := binary.BigEndian.AppendUint32(nil, correlation)
		b = append(b, 0)                        // header's tagged fields
		b = binary.BigEndian.AppendUint32(b, 0) // throttle time
		b = binary.BigEndian.AppendUint16(b, uint16(code))
		b = binary.AppendUvarint(b, uint64(len(res)+1))
		for _, r := range res {
			b = binary.AppendUvarint(b, uint64(len(r.Name)+1))
			b = append(b, r.Name...)
			if version >= 1 {
				b = append(b, byte(r.Type))
			}
			b = append(b, 0)
		}
		return append(b, 0)
	}
	metrics := func(n string) configResource { return configResource{clientMetricsType, n} }
	group := func(n string) configResource { return configResource{groupConfigType, n} }
	got, err := parseConfigResources(resp(0, 7, 0, metrics("zz"), metrics("every-100ms")), 0, 7)
	if want := []configResource{metrics("every-100ms"), metrics("zz")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("v0: %v, %v; want %v", got, err, want)
	}
	got, err = parseConfigResources(resp(1, 7, 0, group("my_group"), metrics("every-100ms")), 1, 7)
	if want := []configResource{metrics("every-100ms"), group("my_group")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("v1: %v, %v; want %v", got, err, want)
	}
	if got, err := parseConfigResources(resp(1, 7, 0), 1, 7); err != nil || len(got) != 0 {
		t.Errorf("none: %v, %v", got, err)
	}
	full := resp(0, 7, 0, metrics("every-100ms"))
	for name, c := range map[string]struct {
		b       []byte
		version int16
	}{
		"short":          {full[:len(full)-3], 0},
		"longer":         {append(full, 0), 0},
		"v1 read as v0":  {resp(1, 7, 0, group("g")), 0},
		"another's":      {resp(0, 8, 0), 0},
		"an error":       {resp(0, 7, 35), 0},
		"a topic listed": {resp(1, 7, 0, configResource{2, "t"}), 1},
	} {
		if _, err := parseConfigResources(c.b, c.version, 7); err == nil {
			t.Errorf("%s response: no error", name)
		}
	}
	if req := configResourcesRequest(1, 7); !bytes.HasSuffix(req, []byte{3, 16, 32, 0}) {
		t.Errorf("v1 request % x: want the types 16 and 32 at its end", req)
	}
}
