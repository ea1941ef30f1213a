package runner

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/labout"
)

// renamed maps each console tool's options that Kafka 4.2 renamed (KIP-1147) from the new
// spelling to the old one. Both spellings work from 4.2 on (the old one with a deprecation
// notice on stdout); Kafka before 4.2 knows only the old one.
var renamed = map[string]map[string]string{
	"kafka-console-consumer": {
		"--formatter-property": "--property",
		"--command-property":   "--consumer-property",
		"--command-config":     "--consumer.config",
	},
	"kafka-console-producer": {
		"--reader-property":  "--property",
		"--command-property": "--producer-property",
		"--command-config":   "--producer.config",
	},
}

// spellings reports whether a and b are two spellings of one option of a console tool.
func spellings(a, b string) bool {
	for _, opts := range renamed {
		if opts[a] == b || opts[b] == a {
			return true
		}
	}
	return false
}

// The option parser's (jopt-simple's) words for an option it does not know, which it names
// without its dashes: "formatter-property is not a recognized option".
var unrecognizedOption = regexp.MustCompile(`(?m)(?:^|\s)-{0,2}([\w.-]+) is not a recognized option`)

// renamedHint explains an option that the tool rejected because it is how a later Kafka spells
// it: what the tool said, which Kafka takes the option, and what this one (kafka, its version;
// "" when unknown) takes instead. "" when output says no such thing.
func renamedHint(tool, kafka, output string) string {
	m := unrecognizedOption.FindStringSubmatch(output)
	if m == nil {
		return ""
	}
	said := strings.TrimSpace(m[0])
	opt := "--" + strings.TrimLeft(m[1], "-")
	old, ok := renamed[tool][opt]
	if !ok {
		return ""
	}
	this := "this Kafka"
	if kafka != "" {
		this = "Kafka " + kafka
	}
	return fmt.Sprintf("the tool said %s: %s is how Kafka 4.2 and later spell this option (KIP-1147); %s is older and takes %s: write %s instead, which every Kafka of the lab accepts",
		labout.Quote(said), opt, this, old, old)
}
