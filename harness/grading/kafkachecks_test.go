package grading

import (
	"strings"
	"testing"
	"time"
)

func TestStudentAndKafkaTags(t *testing.T) {
	for _, c := range []struct{ filter, student, kafka string }{
		{"", "~@kafka-only", "@kafka-only"},
		{"  ", "~@kafka-only", "@kafka-only"},
		{"@section-2,@section-6", "@section-2 && ~@kafka-only,@section-6 && ~@kafka-only", "@section-2 && @kafka-only,@section-6 && @kafka-only"},
		{"@section-7 && ~@optional", "@section-7 && ~@optional && ~@kafka-only", "@section-7 && ~@optional && @kafka-only"},
	} {
		if got := StudentTags(c.filter); got != c.student {
			t.Errorf("StudentTags(%q) = %q, want %q", c.filter, got, c.student)
		}
		if got := KafkaTags(c.filter); got != c.kafka {
			t.Errorf("KafkaTags(%q) = %q, want %q", c.filter, got, c.kafka)
		}
	}
}

func TestKafkaChecksSayWhoseFailureItIs(t *testing.T) {
	k := KafkaChecksOf("img", []Scenario{
		{Name: "acks=all", Status: Passed},
		{Name: "zookeeper", Status: Skipped},
		{Name: "durability", Status: Failed, Output: "lost 3 messages\nmore"},
		{Name: "acks=1", Status: HarnessError, Output: "no engine"},
	}, time.Second)
	if k.OK() || !k.Ran() || k.Passed != 1 || k.Skipped != 1 || len(k.Failed) != 2 {
		t.Fatalf("got %+v", k)
	}
	s := k.String()
	for _, want := range []string{"1 passed", "1 skipped", "2 FAILED", "not a student", "durability: lost 3 messages"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
	if strings.Contains(s, "more") {
		t.Errorf("%q: a failure's first line is enough", s)
	}
	dir := t.TempDir()
	if err := WriteKafkaChecks(dir, k); err != nil {
		t.Fatal(err)
	}
	if back, ok := ReadKafkaChecks(dir); !ok || back.Passed != 1 || len(back.Failed) != 2 {
		t.Errorf("read back %+v, %v", back, ok)
	}
	none := KafkaChecksOf("img", nil, 0)
	if !none.OK() || none.Ran() || !strings.Contains(none.String(), "no @kafka-only scenario") {
		t.Errorf("no scenario: %+v %q", none, none)
	}
}
