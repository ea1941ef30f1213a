// Package labout reads what the lab's Kafka command-line tools print (Kafka 3.9 and 4.x), so
// that a student's command can be checked by what its output means rather than by its exact
// text. The parsers look for lines by their labels and columns by their names, so that column
// widths, column order, extra columns added by later Kafka versions, CRLF line ends and the log
// lines the JVM and the admin client mix into the output do not matter.
package labout

import "strings"

// lines returns the lines of out without their line ends, CRLF included.
func lines(out string) []string {
	ls := strings.Split(out, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, "\r")
	}
	return ls
}

// isLogLine reports whether line was written by a logger or the JVM rather than by the tool
// itself: "[2024-05-01 10:00:00,123] WARN ...", "SLF4J: ...", "log4j:WARN ...", JVM warnings
// and the lines of a stack trace. Such lines reach the output when a broker is slow to answer
// or when stderr is joined to stdout, and say nothing about what the student asked for.
func isLogLine(line string) bool {
	s := strings.TrimSpace(line)
	if d := strings.TrimPrefix(s, "["); len(d) >= 10 && isDate(d[:10]) {
		return true
	}
	for _, p := range []string{"SLF4J:", "SLF4J(", "log4j:", "WARNING:", "Caused by: "} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return strings.Contains(s, "VM warning:") ||
		strings.HasPrefix(s, "at ") && strings.HasSuffix(s, ")") ||
		strings.HasPrefix(s, "... ") && strings.HasSuffix(s, " more")
}

// isDate reports whether s is a date written as 2024-05-01.
func isDate(s string) bool {
	for i := range len(s) {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) == 10
}

// began says what the first n non-blank lines of out were, for error messages that show the
// student what their command printed instead of what was expected. Log lines are shown only when
// nothing else was printed, since they rarely say why the expected text is missing.
func began(out string, n int) string {
	var shown, logs []string
	for _, l := range lines(out) {
		switch l = strings.TrimSpace(l); {
		case l == "":
		case IsNoise(l):
			logs = append(logs, l)
		default:
			shown = append(shown, l)
		}
	}
	if len(shown) == 0 {
		shown = logs
	}
	if len(shown) == 0 {
		return "the output was empty"
	}
	shown = shown[:min(n, len(shown))]
	for i, l := range shown {
		shown[i] = Quote(l)
	}
	return "the output began with " + strings.Join(shown, ", ")
}

// TopicNames returns the topic names printed by kafka-topics.sh --list, one per line. Lines that
// cannot be a topic name (blank lines, log lines, error messages: anything with a space or a
// character Kafka does not allow in a name) are left out, so a stray warning cannot pass for a
// topic. Internal topics such as __consumer_offsets are returned like any other.
func TopicNames(out string) []string {
	var names []string
	for _, l := range lines(out) {
		if l = strings.TrimSpace(l); isTopicName(l) {
			names = append(names, l)
		}
	}
	return names
}

// isTopicName reports whether s is a legal Kafka topic name: 1 to 249 of [a-zA-Z0-9._-], and
// not "." or "..".
func isTopicName(s string) bool {
	if s == "" || len(s) > 249 || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// MessageValue returns the value in one line printed by kafka-console-consumer.sh. Properties
// such as print.key, print.partition, print.offset and print.timestamp make the default
// formatter put those fields before the value, each followed by a tab
// ("CreateTime:1700000000000\tPartition:3\tnull\tmy value"), so the value is what follows the
// last tab. The lab's values contain no tabs. A line that is no message at all (a deprecation
// notice on Kafka 4.2 and later, see ConsumedValues) is not told apart here.
func MessageValue(line string) string {
	line = strings.TrimRight(line, "\r\n")
	return line[strings.LastIndexByte(line, '\t')+1:]
}

// ConsumedValues returns the message values among the lines kafka-console-consumer.sh printed on
// stdout, in order (see MessageValue), leaving out what the tool itself says there: the
// deprecation notices of Kafka 4.2 and later (an option spelt as before KIP-1147, such as
// --property print.key=true). Log lines go to stderr (the image's tools-log4j2.yaml), and a
// message may look like one, so they are kept.
func ConsumedValues(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !IsDeprecationNotice(l) {
			out = append(out, MessageValue(l))
		}
	}
	return out
}
