package grading

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// KafkaChecksFile is the result of a run of the Kafka-only scenarios, in its report folder.
const KafkaChecksFile = "kafka-checks.json"

// KafkaChecksDir is the folder of a batch's report folder where the class's Kafka checks go:
// a name no submission folder has (Submissions leaves hidden folders out).
const KafkaChecksDir = ".kafka-checks"

// KafkaChecks is how the scenarios that check Kafka itself ended. They are the same for every
// submission: a failure there is Kafka's or the harness's on this machine, never a student's.
type KafkaChecks struct {
	Image    string   `json:"image"`
	Passed   int      `json:"passed"`
	Skipped  int      `json:"skipped"`
	Failed   []string `json:"failed,omitempty"` // "scenario: reason"
	Seconds  float64  `json:"seconds"`
	Finished string   `json:"finished"` // RFC 3339
}

// KafkaChecksOf counts the scenarios of a Kafka checks run.
func KafkaChecksOf(image string, scenarios []Scenario, took time.Duration) KafkaChecks {
	k := KafkaChecks{Image: image, Seconds: took.Round(100 * time.Millisecond).Seconds(), Finished: time.Now().UTC().Format(time.RFC3339)}
	for _, sc := range scenarios {
		switch sc.Status {
		case Passed:
			k.Passed++
		case Skipped:
			k.Skipped++
		default:
			k.Failed = append(k.Failed, fmt.Sprintf("%s: %s", sc.Name, firstLine(sc.Output)))
		}
	}
	return k
}

// OK says whether every Kafka check that ran passed.
func (k KafkaChecks) OK() bool { return len(k.Failed) == 0 }

// Ran says whether any Kafka check ran (a tag filter may match none).
func (k KafkaChecks) Ran() bool { return k.Passed+k.Skipped+len(k.Failed) > 0 }

func (k KafkaChecks) String() string {
	if !k.Ran() {
		return "Kafka itself: no @kafka-only scenario matches the tags"
	}
	s := fmt.Sprintf("Kafka itself (%s, the @kafka-only scenarios, the same for every submission): %d passed", k.Image, k.Passed)
	if k.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", k.Skipped)
	}
	if len(k.Failed) == 0 {
		return s
	}
	s += fmt.Sprintf(", %d FAILED: Kafka or the harness misbehaves on this machine, not a student:", len(k.Failed))
	for _, f := range k.Failed {
		s += "\n  - " + f
	}
	return s
}

// WriteKafkaChecks writes the result into dir.
func WriteKafkaChecks(dir string, k KafkaChecks) error {
	if err := OwnReportDir(dir); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, KafkaChecksFile), func(w io.Writer) error { return WriteJSON(w, k) })
}

// ReadKafkaChecks reads the result a run wrote into dir.
func ReadKafkaChecks(dir string) (KafkaChecks, bool) {
	data, err := os.ReadFile(filepath.Join(dir, KafkaChecksFile))
	if err != nil {
		return KafkaChecks{}, false
	}
	var k KafkaChecks
	if json.Unmarshal(data, &k) != nil || k.Finished == "" {
		return KafkaChecks{}, false
	}
	return k, true
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
