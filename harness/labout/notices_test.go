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

// What Kafka 4.4.0's console consumer printed on stdout with --property print.key=true,
// --property print.partition=true and --consumer-property client.id=lab, reading four keyed
// messages from the beginning: two notices first, then the messages.
func TestConsumedValuesLeaveOutNotices(t *testing.T) {
	out := fixture(t, "console-consumer-4.4-notices.txt")
	want := []string{"second old", "second new", "first old", "first new"}
	ls := lines(out)
	if got := ConsumedValues(ls[:len(ls)-1]); !reflect.DeepEqual(got, want) { // the last is after the final line end
		t.Errorf("ConsumedValues = %q, want %q", got, want)
	}
}

// kafka-consumer-groups.sh --describe of a consumer-protocol group (KIP-848) on Kafka 4.4.0,
// stdout then stderr, while its second member was being assigned partitions.
func TestGroupOffsetsOfAConsumerProtocolGroup(t *testing.T) {
	d, err := GroupOffsets(fixture(t, "group-consumer-protocol-4.4.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 10 || !reflect.DeepEqual(d.Rebalancing, []string{"my_group"}) {
		t.Fatalf("%d rows, rebalancing %q; want 10 rows of my_group, rebalancing", len(d.Rows), d.Rebalancing)
	}
	by := d.PartitionsByConsumer()
	if ps := by["DItKB2pmQjWHONyTMiH6Vg"]; len(by) != 1 || len(ps) != 10 {
		t.Errorf("PartitionsByConsumer = %v, want the one member with all 10", by)
	}
	if r := d.Rows[0]; r.CurrentOffset != -1 || r.LogEndOffset != 1 || r.Lag != -1 {
		t.Errorf("row 0 = %+v, want no committed offset, log end 1, no lag", r)
	}
}
