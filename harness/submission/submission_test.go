package submission

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// load writes answers.yaml with content in a fresh folder and loads it.
func load(t *testing.T, content string) *Submission {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "answers.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(dir)
}

// wantErr fails unless err is non-nil and contains every one of parts.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

const solution = `# Section 2
create_topic: ./bin/kafka-topics.sh --create --topic my_first_topic --partitions 10 --bootstrap-server localhost:9092
create_pipeline_topics:
  - ./bin/kafka-topics.sh --create --topic transactions --partitions 10 --bootstrap-server localhost:9092
  - ./bin/kafka-topics.sh --create --topic balance --partitions 10 --bootstrap-server localhost:9092
`

func TestKeys(t *testing.T) {
	keys := Keys()
	if len(keys) != 14 || keys[0].Key != StartZooKeeper || keys[2].Key != CreateTopic || keys[11].Key != CreateReplicatedTopic || keys[13].Key != AcksExperiment {
		t.Fatalf("Keys() = %v, want the 14 keys in lab order", keys)
	}
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{"./bin/kafka-storage.sh format -t MkU3OEVBNTcwNTJENDM2Qk -c config/kraft/server.properties", true},
		{"./bin/kafka-server-start.sh config/server.properties", true},
		{"./bin/zookeeper-server-start.sh config/zookeeper.properties", false}, // start_zookeeper's
		{"./bin/kafka-topics.sh --list --bootstrap-server localhost:9092", false},
	} {
		if _, err := ParseCommand(StartKafka, 1, c.text); (err == nil) != c.ok {
			t.Errorf("start_kafka: %s: %v, want ok=%v", c.text, err, c.ok)
		}
	}
	info, ok := Info(DescribeGroup)
	if !ok || info.Section != 5 || info.Tool != "kafka-consumer-groups" {
		t.Errorf("Info(DescribeGroup) = %+v, %v", info, ok)
	}
	if _, ok := Info("describe_groups"); ok {
		t.Error("Info accepts an unknown key")
	}
}

func TestLoadSolution(t *testing.T) {
	s := load(t, solution)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings: %q", s.Warnings)
	}
	c, err := s.Command(CreateTopic)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bin/kafka-topics.sh", "--create", "--topic", "my_first_topic", "--partitions", "10", "--bootstrap-server", "localhost:9092"}
	if c.Line != 2 || c.Tool != "kafka-topics" || c.Key != CreateTopic || !slices.Equal(c.Args, want) {
		t.Errorf("create_topic = %+v", c)
	}
	cmds, err := s.Commands(CreatePipelineTopics)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || cmds[0].Line != 4 || cmds[1].Line != 5 || cmds[1].Args[3] != "balance" {
		t.Errorf("create_pipeline_topics = %+v", cmds)
	}
	_, err = s.Command(CreatePipelineTopics)
	wantErr(t, err, "line 4", "`create_pipeline_topics` has 2 commands", "section 6")
}

func TestToolForms(t *testing.T) {
	for _, tool := range []string{
		"./bin/kafka-topics.sh", "bin/kafka-topics.sh", "kafka-topics.sh", "/opt/kafka/bin/kafka-topics.sh",
		"kafka-topics", "~/kafka/bin/kafka-topics.sh", "/home/ana/kafka_2.13-3.7.0/bin/kafka-topics.sh",
		"$ ./bin/kafka-topics.sh", "> bin/kafka-topics.sh",
	} {
		c, err := ParseCommand(ListTopics, 3, "  "+tool+" --list --bootstrap-server localhost:9092 ")
		if err != nil {
			t.Errorf("%s: %v", tool, err)
			continue
		}
		want := []string{"bin/kafka-topics.sh", "--list", "--bootstrap-server", "localhost:9092"}
		if !slices.Equal(c.Args, want) || c.Tool != "kafka-topics" || c.Line != 3 {
			t.Errorf("%s: got %+v", tool, c)
		}
	}
}

func TestParseCommandArgs(t *testing.T) {
	for _, tc := range []struct {
		key  Key
		text string
		want []string
	}{
		{ConsoleConsumer, `./bin/kafka-console-consumer.sh --topic t --property "print.key=true" --property 'key.separator=: '`,
			[]string{"bin/kafka-console-consumer.sh", "--topic", "t", "--property", "print.key=true", "--property", "key.separator=: "}},
		{ConsoleConsumer, `./bin/kafka-console-consumer.sh --topic t --property "key.separator=|" # a comment | here`,
			[]string{"bin/kafka-console-consumer.sh", "--topic", "t", "--property", "key.separator=|"}},
		{CreateTopic, "./bin/kafka-topics.sh --create \\\n    --topic my_first_topic",
			[]string{"bin/kafka-topics.sh", "--create", "--topic", "my_first_topic"}},
		{CreateTopic, `./bin/kafka-topics.sh --create \ --topic x`, // as a folded YAML scalar gives it
			[]string{"bin/kafka-topics.sh", "--create", "--topic", "x"}},
	} {
		c, err := ParseCommand(tc.key, 1, tc.text)
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
		} else if !slices.Equal(c.Args, tc.want) {
			t.Errorf("%q: args %q, want %q", tc.text, c.Args, tc.want)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		key  Key
		text string
		want []string
	}{
		{CreateTopic, "   ", []string{"line 7: ", "`create_topic` has an empty command", "section 2"}},
		{CreateTopic, "$ ", []string{"line 7: ", "empty command"}},
		{DescribeGroup, "./bin/kafka-consumer-groups.sh --describe --group my_group | grep lag", []string{"line 7: ", "`|`", "no pipes", "YAML list"}},
		{ConsoleConsumer, "./bin/kafka-console-consumer.sh --topic t > out.txt", []string{"line 7: ", "`>`", "no pipes, redirections"}},
		{ConsoleConsumer, "./bin/kafka-console-consumer.sh --topic t 2>&1", []string{"`>`"}},
		{ConsoleConsumer, "./bin/kafka-console-consumer.sh --topic t < in.txt", []string{"`<`"}},
		{CreateTopic, "./bin/kafka-topics.sh --create --topic a && ./bin/kafka-topics.sh --list", []string{"`&&`"}},
		{CreateTopic, "./bin/kafka-topics.sh --create --topic a || true", []string{"`||`"}},
		{CreateTopic, "./bin/kafka-topics.sh --create --topic a; ls", []string{"`;`"}},
		{ConsoleConsumer, "./bin/kafka-console-consumer.sh --topic t &", []string{"`&`"}},
		{CreateTopic, "./bin/kafka-topics.sh --create --topic `echo a`", []string{"backticks"}},
		{CreateTopic, `./bin/kafka-topics.sh --create --topic "$(echo a)"`, []string{"`$(`"}},
		{CreateTopic, "./bin/kafka-topics.sh --create --bootstrap-server $BROKER", []string{"variable `$BROKER`", "write its value"}},
		{CreateTopic, `./bin/kafka-topics.sh --create --topic "a`, []string{"line 7: ", "\" quote that is never closed"}},
		{CreateTopic, "KAFKA_HEAP_OPTS=-Xmx1G ./bin/kafka-topics.sh --create", []string{"line 7: ", "sets KAFKA_HEAP_OPTS", "`./bin/kafka-topics.sh`"}},
		{CreateTopic, "sudo ./bin/kafka-topics.sh --create", []string{"line 7: ", "starts with `sudo`"}},
		{CreateTopic, "cd kafka && ./bin/kafka-topics.sh --create", []string{"starts with `cd`", "Kafka folder"}},
		{CreateTopic, `bin\windows\kafka-topics.bat --create --topic my_first_topic`, []string{"line 7: ", `bin\windows\kafka-topics.bat`, "Linux", "`./bin/kafka-topics.sh`"}},
		{CreateTopic, `.\bin\windows\kafka-topics.bat --create`, []string{"Windows"}},
		{CreateTopic, "./bin/kafka-console-producer.sh --topic my_first_topic", []string{"line 7: ", "`create_topic` runs kafka-console-producer.sh, but section 2 (create my_first_topic with 10 partitions) needs kafka-topics.sh"}},
		{DescribeGroup, "kafka-topics --describe", []string{"`describe_group` runs kafka-topics.sh", "section 5", "needs kafka-consumer-groups.sh"}},
		{CreateTopic, "rm -rf /", []string{"line 7: ", "`create_topic` runs `rm`, which is not a Kafka tool: write the kafka-topics.sh command you ran in section 2"}},
		{CreateTopic, "python3 create.py", []string{"runs `python3`"}},
		{CreateTopic, "docker exec kafka ./bin/kafka-topics.sh --create", []string{"runs `docker`"}},
		{CreateTopic, "echo hi", []string{"runs `echo`"}},
		{Key("nope"), "./bin/kafka-topics.sh", []string{"line 7: ", "`nope` is not an answers.yaml key"}},
	} {
		_, err := ParseCommand(tc.key, 7, tc.text)
		if err == nil {
			t.Errorf("%q: no error", tc.text)
			continue
		}
		if !strings.HasPrefix(err.Error(), "answers.yaml line 7: ") {
			t.Errorf("%q: error %q does not start with the line", tc.text, err)
		}
		for _, p := range tc.want {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%q: error %q does not contain %q", tc.text, err, p)
			}
		}
	}
}

func TestParseCommandNoLine(t *testing.T) {
	_, err := ParseCommand(GroupConsumer, 0, "rm x")
	if err == nil || !strings.HasPrefix(err.Error(), "answers.yaml: `group_consumer`") {
		t.Errorf("got %v", err)
	}
}

func TestLoadValues(t *testing.T) {
	s := load(t, `create_topic: |
  ./bin/kafka-topics.sh --create --topic a
  # a comment

  ./bin/kafka-topics.sh --create \
     --topic b
list_topics: >
  $ ./bin/kafka-topics.sh --list \
  --bootstrap-server localhost:9092
describe_topic: ./bin/kafka-topics.sh --describe \
  --topic my_first_topic
console_consumer: "./bin/kafka-console-consumer.sh --topic t --property \"print.key=true\""
group_consumer:
  - ./bin/kafka-console-consumer.sh --group my_group --topic t
`)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	cmds, err := s.Commands(CreateTopic)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || cmds[0].Line != 2 || cmds[1].Line != 5 ||
		!slices.Equal(cmds[1].Args, []string{"bin/kafka-topics.sh", "--create", "--topic", "b"}) ||
		cmds[1].Text != "./bin/kafka-topics.sh --create --topic b" {
		t.Errorf("block scalar: %+v", cmds)
	}
	for k, want := range map[Key][]string{
		ListTopics:      {"bin/kafka-topics.sh", "--list", "--bootstrap-server", "localhost:9092"},
		DescribeTopic:   {"bin/kafka-topics.sh", "--describe", "--topic", "my_first_topic"},
		ConsoleConsumer: {"bin/kafka-console-consumer.sh", "--topic", "t", "--property", "print.key=true"},
		GroupConsumer:   {"bin/kafka-console-consumer.sh", "--group", "my_group", "--topic", "t"},
	} {
		c, err := s.Command(k)
		if err != nil {
			t.Errorf("%s: %v", k, err)
		} else if !slices.Equal(c.Args, want) {
			t.Errorf("%s: args %q, want %q", k, c.Args, want)
		}
	}
	if c, _ := s.Command(GroupConsumer); c.Line != 14 {
		t.Errorf("group_consumer line %d, want 14", c.Line)
	}
}

func TestLoadMissingFile(t *testing.T) {
	dir := t.TempDir()
	s := Load(dir)
	wantErr(t, s.Err(), "no answers.yaml in "+dir, "create it")
	_, err := s.Commands(CreateTopic)
	wantErr(t, err, "no answers.yaml")
}

func TestLoadYML(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "answers.yml"), []byte(solution), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir).Command(CreateTopic); err != nil {
		t.Fatal(err)
	}
}

func TestLoadMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{"tab", "# c\ncreate_topic: ./bin/kafka-topics.sh --create\nlist_topics: ./bin/kafka-topics.sh --list\n\tdescribe_topic: ./bin/kafka-topics.sh --describe\n",
			[]string{"answers.yaml line 4: ", "tab", "spaces"}},
		{"colon", "list_topics: ./bin/kafka-topics.sh --list\ncreate_topic: --a: b\n",
			[]string{"answers.yaml line 2: ", "mapping values are not allowed"}},
		{"list in a map", "create_topic: a\nlist_topics: b\n- c\n",
			[]string{"answers.yaml line 3: ", "did not find expected key"}},
		{"unclosed quote", "create_topic: a\nlist_topics: 'b\ndescribe_topic: c\n",
			[]string{"answers.yaml line 2: "}},
		{"backtick", "create_topic: a\nlist_topics: `./bin/kafka-topics.sh --list`\n",
			[]string{"answers.yaml line 2: ", "cannot start any token"}},
		{"not a mapping", "- ./bin/kafka-topics.sh --list\n",
			[]string{"answers.yaml line 1: ", "must map keys to commands", "a list"}},
		{"empty file", "# nothing yet\n", []string{"answers.yaml is empty"}},
		{"duplicate", "create_topic: a\nlist_topics: b\ncreate_topic: c\n",
			[]string{"answers.yaml line 3: ", "`create_topic`", "lines 1 and 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.content)
			wantErr(t, s.Err(), tc.want...)
			if s.Err() != nil && strings.Contains(s.Err().Error(), "yaml: ") {
				t.Errorf("error keeps the parser's prefix: %v", s.Err())
			}
			_, err := s.Commands(ListTopics)
			wantErr(t, err, tc.want...)
		})
	}
}

func TestMissingKey(t *testing.T) {
	s := load(t, solution)
	_, err := s.Commands(DescribeGroup)
	want := "answers.yaml has no `describe_group`: add the command you ran in section 5 (describe consumer group my_group)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	_, err = s.Command(DescribeGroup)
	wantErr(t, err, want)
}

func TestTypoKey(t *testing.T) {
	s := load(t, solution+"list_topics: kafka-topics.sh --list\ndescribe_groups: ./bin/kafka-consumer-groups.sh --describe --group my_group\nhello: world\ncreate: x\n")
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 3 {
		t.Fatalf("warnings: %q", s.Warnings)
	}
	for i, want := range []string{
		"answers.yaml line 7: unknown key `describe_groups`: did you mean `describe_group`?",
		"answers.yaml line 8: unknown key `hello`: the keys are start_zookeeper, start_kafka, create_topic, list_topics,",
		"answers.yaml line 9: unknown key `create`: did you mean `create_replicated_topic`?", // the only create_* key missing
	} {
		if !strings.HasPrefix(s.Warnings[i], want) {
			t.Errorf("warning %d = %q, want %q", i, s.Warnings[i], want)
		}
	}
	_, err := s.Commands(DescribeGroup)
	wantErr(t, err, "answers.yaml has no `describe_group`: add the command you ran in section 5 (describe consumer group my_group) (the file has `describe_groups` on line 7: did you mean `describe_group`?)")
	_, err = s.Commands(DescribeTopic)
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("describe_topic: %v", err)
	}
}

func TestBadValueFailsOnlyItsKey(t *testing.T) {
	s := load(t, `create_topic: ./bin/kafka-topics.sh --create --topic my_first_topic
list_topics: 10
describe_group: {describe: my_group}
describe_topic:
create_pipeline_topics:
  - ./bin/kafka-topics.sh --create --topic transactions
  - [./bin/kafka-topics.sh]
console_consumer: []
console_producer: ./bin/kafka-topics.sh --list
group_consumer: |

  # nothing
`)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Command(CreateTopic); err != nil {
		t.Errorf("create_topic: %v", err)
	}
	for k, want := range map[Key][]string{
		DescribeTopic:        {"answers.yaml line 4: `describe_topic` is empty: put the command you ran in section 2 (describe my_first_topic)"},
		ListTopics:           {"answers.yaml line 2: ", "`list_topics` is a number, not a command", "section 2"},
		DescribeGroup:        {"answers.yaml line 3: ", "`describe_group` is a mapping", "section 5"},
		CreatePipelineTopics: {"answers.yaml line 7: ", "`create_pipeline_topics` has a list item that is a list", "section 6"},
		ConsoleConsumer:      {"answers.yaml line 8: ", "`console_consumer` is an empty list", "section 3"},
		ConsoleProducer:      {"answers.yaml line 9: ", "runs kafka-topics.sh", "needs kafka-console-producer.sh"},
		GroupConsumer:        {"answers.yaml line 10: ", "`group_consumer` is empty", "section 4"},
	} {
		_, err := s.Commands(k)
		wantErr(t, err, want...)
	}
}

func TestLevenshtein(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "abc", 3}, {"kitten", "sitting", 3}, {"describe_groups", "describe_group", 1}, {"same", "same", 0}} {
		if got := levenshtein(tc.a, tc.b); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCommandsCapped: a key of more commands than MaxCommands fails, saying the cap, whether
// they are a list or lines of a block; a key of MaxCommands is fine.
func TestCommandsCapped(t *testing.T) {
	line := "kafka-topics.sh --list" // 2357 of them fit in answers.yaml's 64 KiB
	list := func(n int) string { return "create_topic:\n" + strings.Repeat("  - "+line+"\n", n) }
	block := func(n int) string { return "create_topic: |\n" + strings.Repeat("  "+line+"\n", n) }
	for _, yaml := range []string{list(MaxCommands + 1), block(2357)} {
		s := load(t, yaml+"list_topics: ./bin/kafka-topics.sh --list --bootstrap-server localhost:9092\n")
		_, err := s.Commands(CreateTopic)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than the %d a key may have", MaxCommands)) ||
			!strings.HasPrefix(err.Error(), "answers.yaml line 1: `create_topic` has ") {
			t.Errorf("too many commands: %v", err)
		}
		if _, err := s.Commands(ListTopics); err != nil {
			t.Errorf("the other keys are still graded: %v", err)
		}
	}
	if cmds, err := load(t, list(MaxCommands)).Commands(CreateTopic); err != nil || len(cmds) != MaxCommands {
		t.Errorf("%d commands: %d, %v", MaxCommands, len(cmds), err)
	}
}
