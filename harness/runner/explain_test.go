package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Outputs as Kafka 3.9's tools print them.
func TestToolHint(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{"Error while executing topic command : Replication factor: 2 larger than available brokers: 1.\n[2026-12-02 10:00:00,000] ERROR org.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 2 larger than available brokers: 1.\n (org.apache.kafka.tools.TopicCommand)",
			"at most 1"},
		{"Error while executing topic command : Topic 'my_first_topc' does not exist as expected\n", "no topic my_first_topc"},
		{"Error while executing topic command : Topic 'my_first_topic' already exists.\n", "create it once"},
		{"crate is not a recognized option\njoptsimple.UnrecognizedOptionException: crate is not a recognized option\n\tat joptsimple.OptionException.unrecognizedOption", "crate is not an option"},
		{"Missing required argument \"[bootstrap-server]\"\nOption  Description", "add --bootstrap-server"},
		{"Exactly one of the following actions is required: --list, --describe, --create, --alter or --delete\n", "exactly one action"},
		{"Error while executing topic command : Number of partitions must be larger than 0.\n", "positive number"},
		{"[2026-12-02 10:00:00,000] ERROR Unknown error when running consumer:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\norg.apache.kafka.common.KafkaException: Failed to construct kafka consumer\n", "the tool said `org.apache.kafka.common.KafkaException: Failed to construct kafka consumer`"},
		{"[2026-12-02 10:00:00,000] WARN Session 0x0 for server localhost/127.0.0.1:2181, Closing socket connection. (org.apache.zookeeper.ClientCnxn)\njava.net.ConnectException: Connection refused\n[2026-12-02 10:00:18,000] ERROR Exiting Kafka due to fatal exception during startup. (kafka.Kafka$)\nkafka.zookeeper.ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: CONNECTING\n\tat kafka.zookeeper.ZooKeeperClient.waitUntilConnected(ZooKeeperClient.scala:257)",
			"ZooKeeperClientTimeoutException: Timed out waiting for connection while in state: CONNECTING`: the broker could not reach ZooKeeper"},
		{"[2026-12-02 10:00:00,000] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)\norg.apache.kafka.common.config.ConfigException: Missing required configuration `zookeeper.connect` which has no default value.\n", "has no zookeeper.connect"},
		{"java.lang.RuntimeException: No readable meta.properties files found.\n", "kafka-storage.sh format"},
		// Kafka 4.4.0's kafka-storage.sh given 3.x's KRaft file.
		{"Exception in thread \"main\" java.nio.file.NoSuchFileException: config/kraft/server.properties\n\tat java.base/sun.nio.fs.UnixException.translateToIOException(UnixException.java:92)\n", "Kafka 4 has no config/kraft folder"},
		// 3.9.1's console consumer with --consumer-property group.protocol=consumer.
		{"[2026-12-03 17:04:43,917] ERROR [Consumer clientId=console-consumer, groupId=my_group] GroupHeartbeatRequest failed due to UNSUPPORTED_VERSION: null (org.apache.kafka.clients.consumer.internals.HeartbeatRequestManager)\n[2026-12-03 17:04:43,918] ERROR [Consumer clientId=console-consumer, groupId=my_group] Member  with epoch 0 transitioned to FATAL state (org.apache.kafka.clients.consumer.internals.MembershipManagerImpl)\n[2026-12-03 17:04:48,332] ERROR Error processing message, terminating consumer process:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\norg.apache.kafka.common.errors.UnsupportedVersionException: The version of API is not supported.\nProcessed a total of 0 messages\n",
			"UnsupportedVersionException: The version of API is not supported.`: group.protocol=consumer asks for the consumer group protocol of KIP-848, which brokers serve from Kafka 4.0 on"},
	} {
		got := toolHint(tc.output)
		if !strings.Contains(got, tc.want) || !strings.HasPrefix(got, "the tool said") {
			t.Errorf("toolHint(%.60q) = %q, want it to say %q", tc.output, got, tc.want)
		}
	}
	for _, quiet := range []string{"", "my_first_topic\n", "Created topic my_first_topic.\n", "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide."} {
		if got := toolHint(quiet); got != "" {
			t.Errorf("toolHint(%q) = %q, want nothing: no error there", quiet, got)
		}
	}
}

func TestExitHint(t *testing.T) {
	if got := exitHint([]string{"bin/kafka-console-consumer.sh", "--topic", "t", "--max-messages", "5"}); !strings.Contains(got, "--max-messages") {
		t.Errorf("exitHint = %q", got)
	}
	if got := exitHint([]string{"bin/kafka-console-consumer.sh", "--timeout-ms=1000"}); !strings.Contains(got, "--timeout-ms") {
		t.Errorf("exitHint = %q", got)
	}
	if got := exitHint([]string{"bin/kafka-console-consumer.sh", "--topic", "t"}); got != "" {
		t.Errorf("exitHint = %q, want none", got)
	}
}

// A console tool of Kafka before 4.2 given an option as 4.2 spells it (KIP-1147): the first line
// of what 3.9.1's tools print on stderr, then their usage.
func TestRenamedHint(t *testing.T) {
	usage := "\nOption                                   Description                            \n------                                   -----------                            \n"
	for _, tc := range []struct {
		tool, kafka, output string
		want                []string
	}{
		{"kafka-console-consumer", "3.9.1", "formatter-property is not a recognized option" + usage,
			[]string{"the tool said `formatter-property is not a recognized option`", "--formatter-property is how Kafka 4.2", "Kafka 3.9.1 is older and takes --property"}},
		{"kafka-console-producer", "3.9.1", "command-property is not a recognized option" + usage,
			[]string{"--command-property is how Kafka 4.2", "takes --producer-property"}},
		{"kafka-console-consumer", "", "command-property is not a recognized option" + usage,
			[]string{"this Kafka is older and takes --consumer-property"}},
		{"kafka-console-producer", "3.9.1", "reader-property is not a recognized option" + usage, []string{"takes --property"}},
		{"kafka-console-consumer", "3.9.1", "command-config is not a recognized option" + usage, []string{"takes --consumer.config"}},
	} {
		got := renamedHint(tc.tool, tc.kafka, tc.output)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("renamedHint(%s, %.40q) = %q, want it to say %q", tc.tool, tc.output, got, w)
			}
		}
	}
	for _, tc := range []struct{ tool, output string }{
		{"kafka-console-consumer", "crate is not a recognized option" + usage},              // a typo, not a renamed option
		{"kafka-topics", "command-property is not a recognized option" + usage},             // no such option in any Kafka
		{"kafka-console-producer", "formatter-property is not a recognized option" + usage}, // the consumer's
		{"kafka-console-consumer", ""},
	} {
		if got := renamedHint(tc.tool, "3.9.1", tc.output); got != "" {
			t.Errorf("renamedHint(%s, %.40q) = %q, want none", tc.tool, tc.output, got)
		}
	}
}

// Kafka 4.2 and later refuse an option given in both spellings.
func TestBothSpellingsHint(t *testing.T) {
	got := toolHint("Options --property and --formatter-property cannot be specified together.\nOption  Description\n")
	if !strings.Contains(got, "--property and --formatter-property are two spellings of one option") {
		t.Errorf("toolHint = %q", got)
	}
}

// consumerUsage is the start of the options table kafka-console-consumer.sh prints after the
// error line when it refuses its options (3.9.1's; 4.x's has the same layout), whose
// descriptions hold the word "error".
const consumerUsage = `Option                                   Description
------                                   -----------
--bootstrap-server <String: server to    REQUIRED: The server(s) to connect to.
  connect to>
--group <String: consumer group id>      The consumer group id of the consumer.
--skip-message-on-error                  If there is an error when processing a
                                           message, skip it instead of halt.
--timeout-ms <Integer: timeout_ms>       If specified, exit if no message is
                                           available for consumption for the
                                           specified interval.
`

// A tool that refuses its options prints the error line first, then its usage: the hint quotes
// the error line and names the two options, never a line of the usage.
func TestToolHintBeforeUsage(t *testing.T) {
	for _, tc := range []struct {
		output string
		want   []string
	}{
		{"Options group and partition cannot be specified together.\n" + consumerUsage,
			[]string{"the tool said `Options group and partition cannot be specified together.`", "--group or --partition, not both"}},
		// With the log of a JVM warning before it, and CRLF line ends.
		{"OpenJDK 64-Bit Server VM warning: Options -Xverify:none and -noverify were deprecated\r\nOptions group and partition cannot be specified together.\r\n" + strings.ReplaceAll(consumerUsage, "\n", "\r\n"),
			[]string{"the tool said `Options group and partition cannot be specified together.`"}},
		// kafka-consumer-groups.sh's wording, and its required options' header.
		{"Option \"[group]\" can't be used with option \"[list]\"\nOption (* = required)                  Description\n---------------------                  -----------\n--all-groups                           Apply to all consumer groups.\n--describe                             Describe consumer group and list offset lag (number of messages not yet processed) related to given group. Error if none.\n",
			[]string{"the tool said `Option \"[group]\" can't be used with option \"[list]\"`", "--group or --list, not both"}},
		{"Missing required argument \"[bootstrap-server]\"\n" + consumerUsage, []string{"`Missing required argument \"[bootstrap-server]\"`: add --bootstrap-server"}},
	} {
		got := toolHint(tc.output)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("toolHint(%.50q) = %q, want it to say %q", tc.output, got, w)
			}
		}
		if strings.Contains(got, "skip") || strings.Contains(got, "Error if none") {
			t.Errorf("toolHint(%.50q) = %q quotes the usage", tc.output, got)
		}
	}
	// Only a usage, as --help prints it: no error line.
	if got := toolHint(consumerUsage); got != "" {
		t.Errorf("toolHint(usage) = %q, want none", got)
	}
}

// Kafka 3.9's kafka-topics.sh names a missing topic as Java prints an Optional; other
// versions name it alone. The hint names the topic as the student wrote it.
func TestMissingTopicHint(t *testing.T) {
	for _, out := range []string{
		"Error while executing topic command : Topic 'Optional[my_second_topic]' does not exist as expected\n[2026-12-02 10:00:00,000] ERROR java.lang.IllegalArgumentException: Topic 'Optional[my_second_topic]' does not exist as expected\n",
		"Error while executing topic command : Topic 'my_second_topic' does not exist as expected\n",
	} {
		got := toolHint(out)
		if !strings.Contains(got, ": there is no topic my_second_topic: create it first") {
			t.Errorf("toolHint(%.70q) = %q, want it to say there is no topic my_second_topic", out, got)
		}
	}
}

// TestToolHintOnCapturedOutput: the hints of two refused option pairs, from what Kafka 3.9.1's
// tools really print (testdata, captured from the image): the error line, then the usage.
func TestToolHintOnCapturedOutput(t *testing.T) {
	for file, want := range map[string]string{
		"console-consumer-group-and-partition-3.9.1.txt": "the tool said `Options group and partition cannot be specified together.`",
		"consumer-groups-group-and-list-3.9.1.txt":       "the tool said `Option \"[group]\" can't be used with option \"[list]\"`",
	} {
		out, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if got := toolHint(string(out)); !strings.Contains(got, want) || strings.Contains(got, `\"`) || strings.Contains(got, "Description") {
			t.Errorf("%s: toolHint = %q, want it to say %q, once", file, got, want)
		}
	}
}
