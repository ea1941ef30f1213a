package grading

import "strings"

// KafkaOnly tags the scenarios that check Kafka itself rather than the submission (section 7's
// acks table and durability run, section 1's harness-started brokers). They are the same for
// every submission and worth no points, so a student's grading leaves them out: they run once
// per class (grade batch) or on request (make spec TAGS=@kafka-only).
const KafkaOnly = "@kafka-only"

// StudentTags is the tag filter of a student's grading: the scenarios of filter ("" for all)
// that depend on the submission.
func StudentTags(filter string) string { return AndTag(filter, "~"+KafkaOnly) }

// KafkaTags is the tag filter of the class's Kafka checks: the Kafka-only scenarios of filter.
func KafkaTags(filter string) string { return AndTag(filter, KafkaOnly) }

// AndTag narrows a godog tag filter by one more tag. In godog's filters "," binds looser than
// "&&" ("a,b && c" is a, or b and c), so the tag joins every alternative: "a && t,b && t".
func AndTag(filter, tag string) string {
	if strings.TrimSpace(filter) == "" {
		return tag
	}
	alts := strings.Split(filter, ",")
	for i, a := range alts {
		alts[i] = strings.TrimSpace(a) + " && " + tag
	}
	return strings.Join(alts, ",")
}

// IsKafkaOnly says whether a scenario with these tags checks Kafka itself.
func IsKafkaOnly(tags []string) bool {
	for _, t := range tags {
		if t == KafkaOnly {
			return true
		}
	}
	return false
}
