package labout

import (
	"reflect"
	"testing"
)

// What Kafka 4.4.0's console producer printed on stdout, run with --property parse.key=true,
// --producer-property acks=1 and --producer.config: a notice for each, before any input.
func TestDeprecationNoticesOfTheProducer(t *testing.T) {
	out := fixture(t, "console-producer-4.4-notices.txt")
	want := [][2]string{
		{"--producer-property", "--command-property"},
		{"--producer.config", "--command-config"},
		{"--property", "--reader-property"},
	}
	if got := DeprecatedOptions(out); !reflect.DeepEqual(got, want) {
		t.Errorf("DeprecatedOptions = %q, want %q", got, want)
	}
	for _, l := range lines(out) {
		if l != "" && !IsNoise(l) {
			t.Errorf("%q is not taken for a notice", l)
		}
	}
}

func TestIsDeprecationNotice(t *testing.T) {
	for _, l := range []string{
		"Option --property is deprecated and will be removed in a future version. Use --formatter-property instead.",
		"Warning: --producer-property is deprecated and will be removed in a future version. Use --command-property instead.\r",
		"Warning: --max-partition-memory-bytes is deprecated and will be removed in Apache Kafka 5.0. Use --batch-size instead.",
	} {
		if !IsDeprecationNotice(l) {
			t.Errorf("%q is not taken for a notice", l)
		}
	}
	// Messages, rows and other tool lines are not notices, even when they mention one.
	for _, l := range []string{
		"This is my first message",
		"null\tOption --property is deprecated and will be removed in a future version. Use --formatter-property instead.",
		"Warning: Consumer group 'my_group' is rebalancing.",
		"my_group        my_first_topic  0          5               5               0               -               -               -",
		"--property is deprecated",
	} {
		if IsDeprecationNotice(l) {
			t.Errorf("%q is taken for a notice", l)
		}
	}
}
