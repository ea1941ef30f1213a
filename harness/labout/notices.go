package labout

import (
	"regexp"
	"strings"
)

// deprecationNotice matches the notice a console tool prints on stdout, before anything else,
// when it is given an option that Kafka 4.2 renamed (KIP-1147):
//
//	Option --property is deprecated and will be removed in a future version. Use --formatter-property instead.
//	Warning: --producer-property is deprecated and will be removed in a future version. Use --command-property instead.
//
// (the consumer's and the producer's wording, 4.2 to 4.4). Such a line is the tool's advice to
// the student, never a message it consumed nor a row of a table.
var deprecationNotice = regexp.MustCompile(`^(?:Option |Warning: )?(--[\w.-]+) is deprecated and will be removed in (?:a future version|Apache Kafka [\d.]+)\.(?: Use (--[\w.-]+) instead\.)?$`)

// IsDeprecationNotice reports whether line is a console tool's notice that one of its options
// is deprecated, which Kafka 4.2 and later print on stdout among the tool's output.
func IsDeprecationNotice(line string) bool {
	return deprecationNotice.MatchString(strings.TrimSpace(line))
}

// DeprecatedOptions returns, for each deprecation notice in out, the option it names and the
// one it says to use instead ("" when it names none), in the order printed.
func DeprecatedOptions(out string) [][2]string {
	var found [][2]string
	for _, l := range lines(out) {
		if m := deprecationNotice.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			found = append(found, [2]string{m[1], m[2]})
		}
	}
	return found
}

// IsNoise reports whether line is something other than what the tool was asked for: a log
// line, a JVM warning or a deprecation notice. Parsers of a tool's output skip such lines.
func IsNoise(line string) bool {
	return isLogLine(line) || IsDeprecationNotice(line)
}
