package cluster

import (
	"strings"
	"testing"
)

// Fixed host ports (Options.HostPorts) are one per broker, distinct, and real ports; none at
// all is the harness's own case (free ports).
func TestCheckHostPorts(t *testing.T) {
	for _, tc := range []struct {
		topology Topology
		ports    []int
		wantErr  string
	}{
		{Single, nil, ""},
		{HA, nil, ""},
		{Single, []int{9092}, ""},
		{ZooKeeper, []int{9092}, ""},
		{HA, []int{9092, 9093, 9094}, ""},
		{HA, []int{9092}, "1 fixed host port(s) [9092] for 3 broker(s)"},
		{Single, []int{9092, 9093}, "for 1 broker(s)"},
		{HA, []int{9092, 9092, 9094}, "distinct"},
		{Single, []int{0}, "from 1 to 65535"},
		{Single, []int{70000}, "from 1 to 65535"},
		{Own, []int{9092}, "for 0 broker(s)"},
	} {
		err := checkHostPorts(tc.topology, tc.ports)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("checkHostPorts(%s, %v) = %v, want nil", tc.topology, tc.ports, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("checkHostPorts(%s, %v) = %v, want an error with %q", tc.topology, tc.ports, err, tc.wantErr)
		}
	}
}
