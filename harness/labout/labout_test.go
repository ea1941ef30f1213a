package labout

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixture returns the content of testdata/name.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantError fails unless err is non-nil and its message contains each of want.
func wantError(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestTopicNames(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
	}{
		{"list with log lines and CRLF", fixture(t, "list.txt"), []string{"__consumer_offsets", "my_first_topic", "my-second.topic"}},
		{"empty", "", nil},
		{"error message only", "Error while executing topic command : Timed out waiting for a node assignment.\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TopicNames(tt.out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTopics(t *testing.T) {
	first := Topic{Name: "my_first_topic", TopicID: "VCMVMJJtTviWJo2nQDeBPQ", PartitionCount: 10, ReplicationFactor: 1, Configs: "segment.bytes=1073741824"}
	for p := range int32(10) {
		first.Partitions = append(first.Partitions, Partition{Topic: "my_first_topic", Partition: p, Leader: 0, Replicas: []int32{0}, Isr: []int32{0}})
	}
	tests := []struct {
		file string
		want []Topic
	}{
		{"describe-3.9.txt", []Topic{first}},
		{"describe-4.x.txt", []Topic{{Name: "my_first_topic", TopicID: "3mKqz0bYQ0uo3cPaKxXh9w", PartitionCount: 3, ReplicationFactor: 1, Partitions: []Partition{
			{Topic: "my_first_topic", Partition: 0, Leader: 1, Replicas: []int32{1}, Isr: []int32{1}},
			{Topic: "my_first_topic", Partition: 1, Leader: 1, Replicas: []int32{1}, Isr: []int32{1}},
			{Topic: "my_first_topic", Partition: 2, Leader: 1, Replicas: []int32{1}, Isr: []int32{1}},
		}}}},
		{"describe-rf2-offline.txt", []Topic{
			{Name: "orders", TopicID: "aaaaaaaaaaaaaaaaaaaaaa", PartitionCount: 3, ReplicationFactor: 2, Configs: "cleanup.policy=compact,min.insync.replicas=1", Partitions: []Partition{
				{Topic: "orders", Partition: 0, Leader: 2, Replicas: []int32{1, 2}, Isr: []int32{2, 1}},
				{Topic: "orders", Partition: 1, Leader: -1, Replicas: []int32{2, 3}},
				{Topic: "orders", Partition: 2, Leader: -1, Replicas: []int32{3, 1}},
			}},
			{Name: "payments", TopicID: "bbbbbbbbbbbbbbbbbbbbbb", PartitionCount: 1, ReplicationFactor: 2, Partitions: []Partition{
				{Topic: "payments", Partition: 0, Leader: 3, Replicas: []int32{3, 1}, Isr: []int32{3, 1}},
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Topics(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestTopicsErrors(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
	}{
		{"topic not found", fixture(t, "describe-not-found.txt"),
			[]string{"expected a line like `Topic: <name>", "Topic 'my_firts_topic' does not exist"}},
		{"list output", fixture(t, "list.txt"), []string{"PartitionCount", "began with `__consumer_offsets`, `my_first_topic`, `my-second.topic`"}},
		{"empty", "", []string{"output was empty"}},
		{"bad number", "Topic: t\tPartitionCount: ten\tReplicationFactor: 1\n", []string{`"PartitionCount:"`, `"ten"`}},
		{"bad replicas", "Topic: t\tPartitionCount: 1\tReplicationFactor: 1\n\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1;2\tIsr: 1\n", []string{`"Replicas:"`, `"1;2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Topics(tt.out)
			wantError(t, err, tt.want...)
		})
	}
}

func TestGroupOffsets(t *testing.T) {
	idle := OffsetRow{Group: "my_group", Topic: "my_first_topic", CurrentOffset: -1, LogEndOffset: -1, Lag: -1}
	row := func(group, topic string, p int32, cur, end, lag int64) OffsetRow {
		return OffsetRow{Group: group, Topic: topic, Partition: p, CurrentOffset: cur, LogEndOffset: end, Lag: lag}
	}
	c1 := OffsetRow{ConsumerID: "consumer-my_group-1-9f1e0c1d-4b1a-4f7e-9d55-1", Host: "/10.0.0.7", ClientID: "consumer-my_group-1"}
	member := func(r OffsetRow, m OffsetRow) OffsetRow {
		r.ConsumerID, r.Host, r.ClientID = m.ConsumerID, m.Host, m.ClientID
		return r
	}
	tests := []struct {
		file string
		want GroupDescription
		lag  map[string]int64 // topic -> Lag(topic)
	}{
		{"group-no-active.txt", GroupDescription{NoActiveMembers: []string{"my_group"}, Rows: []OffsetRow{
			row("my_group", "my_first_topic", 1, 0, 4, 4), row("my_group", "my_first_topic", 9, 3, 3, 0),
		}}, map[string]int64{"my_first_topic": 4, "other": 0}},
		{"group-all.txt", GroupDescription{NoActiveMembers: []string{"audit"}, Rows: []OffsetRow{
			row("audit", "payments", 0, 7, 10, 3),
			member(row("my_group", "my_first_topic", 0, 5, 5, 0), c1),
			member(row("my_group", "my_first_topic", 1, -1, 6, -1), c1),
			{Group: "my_group", Partition: -1, CurrentOffset: -1, LogEndOffset: -1, Lag: -1,
				ConsumerID: "consumer-my_group-2-00000000-0000-0000-0000-2", Host: "/10.0.0.8", ClientID: "consumer-my_group-2"},
		}}, map[string]int64{"payments": 3, "my_first_topic": 0, "": 3}},
		{"group-leader-epoch.txt", GroupDescription{Rows: []OffsetRow{
			row("my_group", "my_first_topic", 0, 2, 5, 3), func() OffsetRow { r := idle; r.Partition, r.LogEndOffset = 1, 4; return r }(),
		}}, map[string]int64{"my_first_topic": 3}},
		{"group-reordered.txt", GroupDescription{Rows: []OffsetRow{
			member(row("my_group", "my_first_topic", 3, 8, 10, 2), OffsetRow{ConsumerID: "c-1", Host: "/127.0.0.1", ClientID: "cli"}),
			member(row("my_group", "my_first_topic", 4, 5, 6, 1), OffsetRow{ConsumerID: "c-1", Host: "/127.0.0.1", ClientID: "cli"}),
		}}, map[string]int64{"my_first_topic": 3}},
		{"group-logs-crlf.txt", GroupDescription{NoActiveMembers: []string{"my_group"}, Rows: []OffsetRow{
			row("my_group", "my_first_topic", 0, 1, 4, 3), row("my_group", "my_first_topic", 1, 2, 4, 2),
		}}, map[string]int64{"my_first_topic": 5}},
		{"group-rebalancing.txt", GroupDescription{Rebalancing: []string{"my_group"}, Rows: []OffsetRow{
			row("my_group", "my_first_topic", 0, 4, 4, 0),
		}}, nil},
		{"group-missing.txt", GroupDescription{Missing: []string{"my_gruop"}}, map[string]int64{"my_first_topic": 0}},
		{"group-missing-4.x.txt", GroupDescription{Missing: []string{"my_gruop"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := GroupOffsets(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
			for topic, want := range tt.lag {
				if lag := got.Lag(topic); lag != want {
					t.Errorf("Lag(%q) = %d, want %d", topic, lag, want)
				}
			}
		})
	}
}

func TestGroupOffsetsNoActiveMembersWithoutTable(t *testing.T) {
	d, err := GroupOffsets("\nConsumer group 'my_group' has no active members.\n\n")
	if err != nil || len(d.Rows) != 0 || !reflect.DeepEqual(d.NoActiveMembers, []string{"my_group"}) {
		t.Errorf("got %+v, %v; want my_group without active members, no rows, no error", d, err)
	}
}

func TestPartitionsByConsumer(t *testing.T) {
	d, err := GroupOffsets(fixture(t, "group-members.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 10 {
		t.Fatalf("got %d rows, want 10", len(d.Rows))
	}
	want := map[string][]int32{
		"console-consumer-70f5666e-4146-4e0c-97d4-67777dc7eebb": {0, 2, 4, 6, 8},
		"console-consumer-1c1b2a3d-9c1e-4d4b-8f0b-5a2d3c4e5f60": {1, 3, 5, 7, 9},
	}
	if got := d.PartitionsByConsumer(); !reflect.DeepEqual(got, want) {
		t.Errorf("PartitionsByConsumer() = %v, want %v", got, want)
	}
	if lag := d.Lag("my_first_topic"); lag != 3 {
		t.Errorf("Lag = %d, want 3", lag)
	}
	for _, r := range d.Rows {
		if r.Host != "/127.0.0.1" || r.ClientID != "console-consumer" {
			t.Errorf("row %+v: want host /127.0.0.1, client console-consumer", r)
		}
	}

	// Rows without a consumer are left out; a member without partitions is kept, with none.
	d, err = GroupOffsets(fixture(t, "group-all.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want = map[string][]int32{
		"consumer-my_group-1-9f1e0c1d-4b1a-4f7e-9d55-1": {0, 1},
		"consumer-my_group-2-00000000-0000-0000-0000-2": {},
	}
	if got := d.PartitionsByConsumer(); !reflect.DeepEqual(got, want) {
		t.Errorf("PartitionsByConsumer() = %v, want %v", got, want)
	}
}

func TestGroupOffsetsErrors(t *testing.T) {
	header := "GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG"
	tests := []struct {
		name, out string
		want      []string
	}{
		{"--list output", fixture(t, "group-list.txt"), []string{header, "began with `my_group`"}},
		{"--members output", fixture(t, "group-members-option.txt"), []string{header, "GROUP           CONSUMER-ID", "#PARTITIONS"}},
		{"empty", "", []string{header, "output was empty"}},
		{"only log lines", "SLF4J: No SLF4J providers were found.\n", []string{header, "SLF4J: No SLF4J providers"}},
		{"short row", fixture(t, "group-bad-row.txt"), []string{"expected 9 columns", "found 4", `"my_group        my_first_topic  1          4"`}},
		{"bad number", fixture(t, "group-bad-number.txt"), []string{"column CURRENT-OFFSET", `"four"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := GroupOffsets(tt.out)
			wantError(t, err, tt.want...)
		})
	}
}

func TestMessageValue(t *testing.T) {
	tests := []struct{ line, want string }{
		{"my value", "my value"},
		{"CreateTime:1700000000000\tPartition:3\tnull\tmy value", "my value"},
		{"CreateTime:1700000000000\tPartition:3\tOffset:12\tkey-1\tmy value\r", "my value"},
		{"key\t", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MessageValue(tt.line); got != tt.want {
			t.Errorf("MessageValue(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// A tool's line is quoted once: its quotes and brackets as printed, no backslash added, so that
// no report (Markdown above all, which escapes backslashes) shows an escape of an escape.
func TestQuote(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`Option "[group]" can't be used with option "[list]"`, "`Option \"[group]\" can't be used with option \"[list]\"`"},
		{`C:\kafka\bin`, "`C:\\kafka\\bin`"},
		{"Missing required configuration `zookeeper.connect` which has no default value.", "“Missing required configuration `zookeeper.connect` which has no default value.”"},
		{"Topic: t\tPartitionCount: 1", "`Topic: t\tPartitionCount: 1`"},
		{"bell\a", `"bell\a"`},
	} {
		if got := Quote(tc.line); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.line, got, tc.want)
		}
	}
}
