package submission

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Saw is what a console producer showed the student when they sent a message.
type Saw string

// What a producer may show, as a student words it in producer_saw.
const (
	// SawAcknowledged: no error (acks=1 and all: the write was acknowledged; acks=0: it was
	// sent, and no acknowledgement was asked for).
	SawAcknowledged Saw = "acknowledged"
	// SawError: the producer printed an error naming why Kafka refused the write.
	SawError Saw = "error"
	// SawTimeout: no answer; the producer gave up when its delivery timeout ran out.
	SawTimeout Saw = "timeout"
)

// sawWords are the words a student may write for each Saw, lower case.
var sawWords = map[string]Saw{
	"acknowledged": SawAcknowledged,
	"ack":          SawAcknowledged,
	"acked":        SawAcknowledged,
	"ok":           SawAcknowledged,
	"sent":         SawAcknowledged,
	"success":      SawAcknowledged,
	"succeeded":    SawAcknowledged,
	"no error":     SawAcknowledged,

	"error":                      SawError,
	"failed":                     SawError,
	"not_enough_replicas":        SawError,
	"notenoughreplicas":          SawError,
	"notenoughreplicasexception": SawError,

	"timeout":          SawTimeout,
	"timed out":        SawTimeout,
	"hung":             SawTimeout,
	"timeoutexception": SawTimeout,
}

// Trial is one trial of section 7's acks experiment as the student recorded it: the producer
// they ran, how many brokers were down, and what they observed.
type Trial struct {
	N    int // 1 for the first trial of the list
	Line int // of the trial in answers.yaml
	// Producer is the console producer command, as typed.
	Producer Command
	// BrokersDown is how many brokers were down when the message was sent.
	BrokersDown int
	// Saw is what the producer showed.
	Saw Saw
	// ReadWhileDown and ReadAfterBack: could a consumer read the message while the brokers were
	// down, and once they were all back?
	ReadWhileDown, ReadAfterBack bool
	// Err says what is wrong with the trial as written: it is not replayed, the others are.
	Err error
}

// TrialFields are the keys of a trial, in the order docs/students.md shows them.
var TrialFields = []string{"producer", "brokers_down", "producer_saw", "read_while_down", "read_after_back"}

// MaxTrials caps the trials: the lab's grid is acks 0, 1 and all with 0, 1 and 2 brokers
// down, nine trials; each replayed trial is a producer's JVM and a broker's restart.
const MaxTrials = 12

// Trials returns acks_experiment's trials, in the order written. A trial that is wrong as
// written carries its Err; the error is for the key as a whole (missing, not a list).
func (s *Submission) Trials() ([]Trial, error) {
	if s.err != nil {
		return nil, s.err
	}
	a, ok := s.answers[AcksExperiment]
	if !ok {
		info, _ := Info(AcksExperiment)
		return nil, s.missing(info)
	}
	return slices.Clone(a.trials), a.err
}

const trialExample = "`- producer: ./bin/kafka-console-producer.sh ...` then `brokers_down:`, `producer_saw:`, `read_while_down:` and `read_after_back:` (see docs/students.md)"

// parseTrials reads acks_experiment's value: a list of mappings, one per trial.
func parseTrials(info KeyInfo, keyLine int, v *yaml.Node) ([]Trial, error) {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		what := "is " + kindOf(v)
		if v.Kind == yaml.SequenceNode {
			what = "is an empty list"
		}
		return nil, fmt.Errorf("answers.yaml line %d: `%s` %s: write section %d's experiment as a list with one item per trial, each %s", keyLine, info.Key, what, info.Section, trialExample)
	}
	if len(v.Content) > MaxTrials {
		return nil, fmt.Errorf("answers.yaml line %d: `%s` has %d trials, more than the %d it may have: acks 0, 1 and all with 0, 1 and 2 brokers down are nine",
			keyLine, info.Key, len(v.Content), MaxTrials)
	}
	var trials []Trial
	for i, item := range v.Content {
		t := Trial{N: i + 1, Line: item.Line}
		t.Err = t.parse(info, item)
		trials = append(trials, t)
	}
	return trials, nil
}

// parse fills the trial from its mapping; the error names the trial and its line.
func (t *Trial) parse(info KeyInfo, item *yaml.Node) error {
	at := fmt.Sprintf("answers.yaml line %d: `%s` trial %d", t.Line, info.Key, t.N)
	if item.Kind != yaml.MappingNode {
		return fmt.Errorf("%s is %s: write it as %s", at, kindOf(item), trialExample)
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, val := item.Content[i], item.Content[i+1]
		name := strings.ToLower(k.Value)
		if !slices.Contains(TrialFields, name) {
			return fmt.Errorf("answers.yaml line %d: `%s` trial %d has `%s`, which is not a trial's key: they are %s",
				k.Line, info.Key, t.N, k.Value, strings.Join(TrialFields, ", "))
		}
		seen[name] = val
	}
	for _, f := range TrialFields {
		if seen[f] == nil {
			return fmt.Errorf("%s has no `%s`: each trial has %s", at, f, strings.Join(TrialFields, ", "))
		}
	}
	scalar := func(f string) (string, int, error) {
		n := seen[f]
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
			return "", n.Line, fmt.Errorf("answers.yaml line %d: `%s` trial %d: `%s` is %s", n.Line, info.Key, t.N, f, kindOf(n))
		}
		return strings.TrimSpace(n.Value), n.Line, nil
	}
	text, line, err := scalar("producer")
	if err != nil {
		return fmt.Errorf("%w: write the console producer command you ran", err)
	}
	if t.Producer, err = ParseCommand(info.Key, line, text); err != nil {
		return err
	}
	down, line, err := scalar("brokers_down")
	if err != nil {
		return fmt.Errorf("%w: write how many of the 3 brokers were down, 0, 1 or 2", err)
	}
	if _, err := fmt.Sscanf(down, "%d", &t.BrokersDown); err != nil || fmt.Sprint(t.BrokersDown) != down || t.BrokersDown < 0 || t.BrokersDown > 3 {
		return fmt.Errorf("answers.yaml line %d: `%s` trial %d: brokers_down is `%s`, but the cluster has 3 brokers: write how many were down, 0, 1 or 2",
			line, info.Key, t.N, down)
	}
	saw, line, err := scalar("producer_saw")
	if err != nil {
		return fmt.Errorf("%w: write acknowledged, error or timeout", err)
	}
	var ok bool
	if t.Saw, ok = sawWords[strings.ToLower(saw)]; !ok {
		return fmt.Errorf("answers.yaml line %d: `%s` trial %d: producer_saw is `%s`: write acknowledged (no error), error (the producer printed an error) or timeout (it gave up after waiting)",
			line, info.Key, t.N, saw)
	}
	for _, f := range []struct {
		name string
		to   *bool
	}{{"read_while_down", &t.ReadWhileDown}, {"read_after_back", &t.ReadAfterBack}} {
		word, line, err := scalar(f.name)
		if err != nil {
			return fmt.Errorf("%w: write yes or no", err)
		}
		switch strings.ToLower(word) {
		case "yes", "true", "y":
			*f.to = true
		case "no", "false", "n":
			*f.to = false
		default:
			return fmt.Errorf("answers.yaml line %d: `%s` trial %d: %s is `%s`: write yes or no", line, info.Key, t.N, f.name, word)
		}
	}
	return nil
}
