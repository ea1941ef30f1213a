package container

import "testing"

func TestFreeName(t *testing.T) {
	rt := &Runtime{owned: map[string]string{"a": "kafka-lab-r-broker-1", "b": "kafka-lab-r-broker-1-2"}, naming: map[string]bool{"kafka-lab-r-client-1": true}}
	for name, want := range map[string]string{
		"kafka-lab-r-broker-1": "kafka-lab-r-broker-1-3",
		"kafka-lab-r-client-1": "kafka-lab-r-client-1-2",
		"kafka-lab-r-client-2": "kafka-lab-r-client-2",
	} {
		if got := rt.freeName(name); got != want {
			t.Errorf("freeName(%q) = %q; want %q", name, got, want)
		}
	}
}
