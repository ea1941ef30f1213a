package runner

import (
	"fmt"
	"slices"
	"testing"
)

// Readiness messages are told apart from the student's by their text alone, whatever the
// console consumer prints around them (print.key, print.partition, print.timestamp), each
// partition once.
func TestProbes(t *testing.T) {
	probe := func(p, round int) string { return fmt.Sprintf("%s: partition %d, round %d)", ProbePrefix, p, round) }
	lines := []string{
		probe(3, 0),
		"This is my first message",
		"Partition:7\t" + probe(7, 1),
		"CreateTime:1700000000000\tnull\t" + probe(3, 2), // partition 3 again, with print.timestamp and print.key
		"(kafka-lab readiness check of my own)",          // not one of the harness's
		probe(0, 4),
	}
	if got, want := Probes(lines), []int32{0, 3, 7}; !slices.Equal(got, want) {
		t.Errorf("Probes = %v, want %v", got, want)
	}
	if got := Probes([]string{"message 1", ""}); len(got) != 0 {
		t.Errorf("Probes of the student's own lines = %v, want none", got)
	}
}
