package runner

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/labout"
)

// toolError finds the error a Kafka tool printed: after a log prefix and the tool's own
// "Error while executing topic command : ", the first line that says what went wrong.
var toolError = regexp.MustCompile(`(?m)^(?:\[[^\]]*\] )?(?:ERROR |Error: |Error while executing [a-z ]+: ?)?(.*(?:Exception: |is not a recognized option|Missing required argument|Exactly one of|can't be used with|cannot be specified together|[Ee]rror).*)$`)

// advice for the errors students meet, in the lab's words.
var advice = []struct {
	re  *regexp.Regexp
	say func(m []string) string
}{
	{regexp.MustCompile(`[Rr]eplication factor: (\d+) larger than available brokers: (\d+)`), func(m []string) string {
		return fmt.Sprintf("the cluster has %s broker(s), so --replication-factor can be at most %s (lab section 7 starts three brokers)", m[2], m[2])
	}},
	// Kafka 3.9's kafka-topics.sh names the topic as Java prints an Optional
	// ("Topic 'Optional[my_second_topic]' does not exist as expected"); others name it alone.
	{regexp.MustCompile(`Topic '(?:Optional\[([^'\]]*)\]|([^']+))' does not exist|does not host this topic-partition|UnknownTopicOrPartition`), func(m []string) string {
		if name := m[1] + m[2]; name != "" {
			return fmt.Sprintf("there is no topic %s: create it first (lab section 2), or check the name", name)
		}
		return "the topic does not exist: create it first (lab section 2), or check the name"
	}},
	{regexp.MustCompile(`Topic '([^']+)' already exists`), func(m []string) string {
		return fmt.Sprintf("%s exists already: each answer runs on an empty cluster, so create it once", m[1])
	}},
	// Kafka 3.9's consumer with group.protocol=consumer, against its own broker:
	// "GroupHeartbeatRequest failed due to UNSUPPORTED_VERSION", then it exits with an
	// UnsupportedVersionException.
	{regexp.MustCompile(`GroupHeartbeatRequest failed due to UNSUPPORTED_VERSION|(?i)does not support (?:the new consumer group protocol|CONSUMER_GROUP_HEARTBEAT)`), func([]string) string {
		return "group.protocol=consumer asks for the consumer group protocol of KIP-848, which brokers serve from Kafka 4.0 on; Kafka 3.x brokers serve only the classic one unless started with a flag (early access): leave group.protocol out, and --group my_group alone makes the consumers share the partitions"
	}},
	{regexp.MustCompile(`[Nn]o key separator found`), func([]string) string {
		return "parse.key=true makes the console producer read each line as a key, the separator and a value, and the lab's lines are values only: leave parse.key out, so that each line is one message as typed"
	}},
	// Two options a tool refuses together: two spellings of one (Kafka 4.2 and later:
	// "Options --property and --formatter-property cannot be specified together."), or two that
	// do not go together ("Options group and partition cannot be specified together.",
	// 'Option "[group]" can't be used with option "[list]"').
	{regexp.MustCompile(`Options? "?\[?-*([\w.-]+)\]?"? and "?\[?-*([\w.-]+)\]?"? cannot be specified together|Option "\[([\w.-]+)\]" can't be used with options? "\[([\w.-]+)`), func(m []string) string {
		a, b := "--"+m[1]+m[3], "--"+m[2]+m[4]
		if spellings(a, b) {
			return fmt.Sprintf("%s and %s are two spellings of one option (Kafka 4.2 renamed it, KIP-1147): use one of them for all its values", a, b)
		}
		return fmt.Sprintf("the tool takes %s or %s, not both: leave out the one the lab's task does not ask for", a, b)
	}},
	{regexp.MustCompile(`(\S+) is not a recognized option`), func(m []string) string {
		return fmt.Sprintf("%s is not an option of this tool: run it with no arguments to see its options", m[1])
	}},
	{regexp.MustCompile(`Missing required argument "\[([^\]]+)\]"`), func(m []string) string {
		return fmt.Sprintf("add --%s", m[1])
	}},
	{regexp.MustCompile(`Exactly one of the following`), func([]string) string {
		return "give exactly one action, such as --create, --list or --describe"
	}},
	{regexp.MustCompile(`[Pp]artitions? must be (?:larger|greater) than 0|Number of partitions must be`), func([]string) string {
		return "--partitions takes a positive number: the lab's topics have 10"
	}},
	{regexp.MustCompile(`Timed out waiting for connection while in state: CONNECTING`), func([]string) string {
		return "the broker could not reach ZooKeeper at localhost:2181: start ZooKeeper first (start_zookeeper: ./bin/zookeeper-server-start.sh config/zookeeper.properties), or start Kafka in KRaft mode"
	}},
	{regexp.MustCompile(`No readable meta\.properties files found|is not formatted|meta\.properties.* not found`), func([]string) string {
		return "a KRaft node's storage is formatted before its first start: ./bin/kafka-storage.sh format -t <cluster id> -c <the same properties file> (on Kafka 4, whose config/server.properties has a dynamic quorum, with --standalone), as the first command of start_kafka"
	}},
	{regexp.MustCompile(`NoSuchFileException: (config/kraft/\S+)`), func(m []string) string {
		return fmt.Sprintf("there is no %s: Kafka 4 has no config/kraft folder, its config/server.properties is KRaft mode's own (format it with --standalone)", m[1])
	}},
	{regexp.MustCompile("Missing required configuration [\"`]([^\"`]+)[\"`]"), func(m []string) string {
		return fmt.Sprintf("the properties file given has no %s: start the broker with config/server.properties (config/kraft/server.properties in KRaft mode)", m[1])
	}},
}

// toolHint says what a failed command's own output tells, and what to change: the tool's error
// line and, for an error students meet, the fix in the lab's words. "" when the output has no
// error line.
func toolHint(output string) string {
	output = beforeUsage(output)
	line := toolLine(output)
	if line == "" {
		return ""
	}
	for _, a := range advice {
		if am := a.re.FindStringSubmatch(output); am != nil {
			return fmt.Sprintf("the tool said %s: %s", labout.Quote(line), a.say(am))
		}
	}
	return "the tool said " + labout.Quote(line)
}

// usageHeader is the head of the options table a Kafka tool prints after the error line when it
// refuses its options (joptsimple's, Kafka 3.9 and 4.x alike):
//
//	Options group and partition cannot be specified together.
//	Option                                   Description
//	------                                   -----------
//	--bootstrap-server <String: server to    REQUIRED: The server(s) to connect to.
//
// ("Option (* = required)" when some are required). The table's descriptions say "error"
// ("--skip-message-on-error  If there is an error when processing a message, ..."), which is
// not what the tool said went wrong.
var usageHeader = regexp.MustCompile(`(?m)^Option(?: \(\* = required\))?[ \t]+Description[ \t]*\r?$`)

// beforeUsage is output up to a tool's usage table: what the tool said before it.
func beforeUsage(output string) string {
	if loc := usageHeader.FindStringIndex(output); loc != nil {
		return output[:loc[0]]
	}
	return output
}

// toolLine is the error line of a tool's output ("" when it has none): the last, since a server
// that gives up logs warnings first and its fatal error last.
func toolLine(output string) string {
	all := toolError.FindAllStringSubmatch(output, -1)
	if all == nil {
		return ""
	}
	return strings.TrimSpace(all[len(all)-1][1])
}

// exitHint explains why a command that should keep running exited by itself, from its options.
func exitHint(args []string) string {
	for _, opt := range []string{"--max-messages", "--timeout-ms"} {
		if slices.ContainsFunc(args, func(a string) bool { return a == opt || strings.HasPrefix(a, opt+"=") }) {
			return fmt.Sprintf("%s makes the consumer exit by itself: leave it out, so that it runs until stopped", opt)
		}
	}
	return ""
}
