package replication

import "testing"

// The vectors of Kafka's own UtilsTest.testMurmur2 (clients/src/test/.../utils/UtilsTest.java).
func TestMurmur2MatchesKafka(t *testing.T) {
	for in, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
		"":    275646681,
	} {
		if got := murmur2([]byte(in)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestKeyFor(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 50} {
		for p := range min(n, 4) {
			k := KeyFor("trial-", p, n)
			if got := PartitionOf(k, n); got != p {
				t.Errorf("KeyFor(%d of %d) = %q, which goes to partition %d", p, n, k, got)
			}
		}
	}
	// toPositive, not abs: "foobar" hashes negative.
	if got, want := PartitionOf("foobar", 7), (-790332482&0x7fffffff)%7; got != want {
		t.Errorf("PartitionOf(foobar, 7) = %d, want %d", got, want)
	}
}
