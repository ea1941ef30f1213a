package replication

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// Section 7's acks experiment as the student recorded it, replayed: what decides a trial's
// outcome (Setting), what Kafka's design notes say it is (Expect), and the student's record
// held against what Kafka did (Wrong).

// Observation is what a trial showed: the producer, and a consumer while the brokers were down
// and once they were all back.
type Observation struct {
	Saw                          submission.Saw
	ReadWhileDown, ReadAfterBack bool
}

// Setting is what decides a trial's outcome.
type Setting struct {
	// Acks is the producer's acks, "0", "1" or "all" (-1 is all); AcksFrom says where the
	// command sets it, for messages.
	Acks, AcksFrom string
	// Replicas and MinISR are the topic's replication factor and min.insync.replicas.
	Replicas, MinISR int
	// BrokersDown is the trial's brokers_down; ReplicasDown how many of them held a replica of
	// the partition the message went to.
	BrokersDown, ReplicasDown int
	// Kafka is the Kafka that ran.
	Kafka cluster.Image
}

func (s Setting) inSync() int { return max(s.Replicas-s.ReplicasDown, 0) }

// hwNeedsMinISR: since Kafka 3.7 (KIP-966 part 1) the high watermark does not advance while the
// ISR is smaller than min.insync.replicas.
func (s Setting) hwNeedsMinISR() bool { return s.Kafka.AtLeast(3, 7) }

// Expect is the outcome Kafka's design notes give for s, and the rule that explains it in their
// words.
func Expect(s Setting) (Observation, string) {
	down := fmt.Sprintf("%d of the partition's %d replica brokers down", s.ReplicasDown, s.Replicas)
	if s.ReplicasDown == 0 {
		down = fmt.Sprintf("all %d of the partition's replica brokers up", s.Replicas)
	}
	switch {
	case s.inSync() == 0:
		return Observation{Saw: submission.SawTimeout},
			fmt.Sprintf("with %s the partition has no leader, whatever acks says: the producer has no broker to send the message to and gives up when its delivery timeout runs out, and the message was never written, so it is not there when the brokers come back", down)
	case s.Acks == "all" && s.inSync() < s.MinISR:
		return Observation{Saw: submission.SawError},
			fmt.Sprintf("with %s, %d replica(s) are in sync, fewer than the topic's min.insync.replicas=%d: acks=all asks every in-sync replica to have the write, and min.insync.replicas is how many that must be, so the leader refuses it (NotEnoughReplicasException) and the message is never written", down, s.inSync(), s.MinISR)
	}
	o := Observation{Saw: submission.SawAcknowledged, ReadWhileDown: true, ReadAfterBack: true}
	var why string
	if s.ReplicasDown > 0 {
		why = fmt.Sprintf("with %s, one in-sync replica is enough for the partition to have a leader, ", down)
	} else {
		why = fmt.Sprintf("with %s, ", down)
	}
	switch s.Acks {
	case "0":
		why += "and acks=0 asks for no acknowledgement: the producer sends and sees no error"
	case "1":
		why += "and acks=1 waits for the leader alone, which acknowledges the write"
	default:
		why += fmt.Sprintf("and acks=all waits for every in-sync replica: %d of them, at least min.insync.replicas=%d, acknowledge the write", s.inSync(), s.MinISR)
	}
	if s.hwNeedsMinISR() && s.inSync() < s.MinISR {
		o.ReadWhileDown = false
		o.ReadAfterBack = s.Replicas >= s.MinISR
		why += fmt.Sprintf("; a consumer reads only committed messages, below the high watermark, and since Kafka 3.7 (KIP-966) the high watermark does not advance while fewer replicas than min.insync.replicas=%d are in sync, so the message is stored but unreadable until the replica is back", s.MinISR)
		return o, why
	}
	why += "; the message is committed once every in-sync replica has it, and a consumer reads committed messages"
	return o, why
}

// Field is an observation of a trial: its answers.yaml key.
type Field string

const (
	FieldSaw           Field = "producer_saw"
	FieldReadWhileDown Field = "read_while_down"
	FieldReadAfterBack Field = "read_after_back"
)

// Mismatch is one observation the student recorded that is not what Kafka did.
type Mismatch struct {
	Field            Field
	Recorded, Actual string
}

// Compare returns the student's observations that differ from what Kafka did, in the order of
// the trial's keys.
func Compare(recorded, actual Observation) []Mismatch {
	var out []Mismatch
	if recorded.Saw != actual.Saw {
		out = append(out, Mismatch{FieldSaw, string(recorded.Saw), string(actual.Saw)})
	}
	if recorded.ReadWhileDown != actual.ReadWhileDown {
		out = append(out, Mismatch{FieldReadWhileDown, yesNo(recorded.ReadWhileDown), yesNo(actual.ReadWhileDown)})
	}
	if recorded.ReadAfterBack != actual.ReadAfterBack {
		out = append(out, Mismatch{FieldReadAfterBack, yesNo(recorded.ReadAfterBack), yesNo(actual.ReadAfterBack)})
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Explain says why Kafka did what it did in a trial the student recorded wrongly: which trial,
// what they recorded, what Kafka (and which version) did, the rule that explains it, and one
// line per wrong observation, `wrong observation: acks=A, N down: FIELD RECORDED (Kafka:
// ACTUAL)`, which the class report counts.
func Explain(t submission.Trial, s Setting, actual Observation, wrong []Mismatch) string {
	if len(wrong) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "trial %d (answers.yaml line %d: acks=%s, %d of the partition's %d replica brokers down):", t.N, t.Line, s.Acks, s.ReplicasDown, s.Replicas)
	var you, kafka []string
	for _, m := range wrong {
		you = append(you, recordedWords(m, t))
		kafka = append(kafka, actualWords(m, s))
	}
	fmt.Fprintf(&b, " you recorded that %s; on Kafka %s %s", strings.Join(you, ", and that "), s.Kafka.KafkaVersion, strings.Join(kafka, ", and "))
	expected, rule := Expect(s)
	if expected == actual {
		fmt.Fprintf(&b, ": %s", rule)
	} else {
		// Kafka did not do what its design notes predict: say so, and what they predict.
		fmt.Fprintf(&b, " (Kafka's design notes predict otherwise here: %s)", rule)
	}
	for _, m := range wrong {
		fmt.Fprintf(&b, "\n  wrong observation: acks=%s, %d down: %s %s (Kafka: %s)", s.Acks, t.BrokersDown, m.Field, m.Recorded, m.Actual)
	}
	return b.String()
}

func recordedWords(m Mismatch, t submission.Trial) string {
	switch m.Field {
	case FieldSaw:
		return "the producer " + sawWords(submission.Saw(m.Recorded), "0")
	case FieldReadWhileDown:
		return "a consumer " + could(t.ReadWhileDown) + " read the message while the brokers were down"
	}
	return "a consumer " + could(t.ReadAfterBack) + " read it once they were back"
}

func actualWords(m Mismatch, s Setting) string {
	switch m.Field {
	case FieldSaw:
		switch submission.Saw(m.Actual) {
		case submission.SawAcknowledged:
			if s.Acks == "0" {
				return "the producer sent it and saw no error"
			}
			return "Kafka acknowledged the write"
		case submission.SawError:
			return "the leader refused the write with an error"
		}
		return "the producer " + sawWords(submission.Saw(m.Actual), s.Acks)
	case FieldReadWhileDown:
		return "a consumer " + could(m.Actual == "yes") + " read it while they were down"
	}
	return "a consumer " + could(m.Actual == "yes") + " read it once they were back"
}

func sawWords(s submission.Saw, acks string) string {
	switch s {
	case submission.SawAcknowledged:
		return "saw no error"
	case submission.SawError:
		return "printed an error"
	}
	return "got no answer and gave up when its delivery timeout ran out"
}

func could(b bool) string {
	if b {
		return "could"
	}
	return "could not"
}

// Cell is a cell of the lab's grid: acks with brokers_down brokers down.
type Cell struct {
	Acks string
	Down int
}

// CoverageCells are the cells the experiment must cover: acks 0, 1 and all, each with one and
// with two brokers down.
var CoverageCells = []Cell{{"0", 1}, {"1", 1}, {"all", 1}, {"0", 2}, {"1", 2}, {"all", 2}}

// Missing returns the cells of CoverageCells that no trial covers.
func Missing(covered []Cell) []Cell {
	var out []Cell
	for _, c := range CoverageCells {
		if !slices.Contains(covered, c) {
			out = append(out, c)
		}
	}
	return out
}

func (c Cell) String() string { return fmt.Sprintf("acks=%s with %d broker(s) down", c.Acks, c.Down) }

// The console producer's options that set acks, and those that name its configuration file
// (Kafka 4.2 renamed --producer-property to --command-property and --producer.config to
// --command-config, KIP-1147; the old names still work there).
var (
	propertyOptions = []string{"--producer-property", "--command-property"}
	configOptions   = []string{"--producer.config", "--command-config"}
)

// AcksOf reads the acks a console producer command sets, as the console producer does:
// --request-required-acks wins, then acks in --producer-property (or --command-property), then
// acks in the --producer.config file (the student's own from config/, by name), else the
// console producer's default, acks=-1 (all) on Kafka 3.9 and 4.x. It returns "0", "1" or
// "all", and where the command sets it.
func AcksOf(cmd submission.Command, config map[string][]byte) (acks, from string, err error) {
	var required, property, file string
	var fileName string
	args := cmd.Args[1:]
	for i := 0; i < len(args); i++ {
		name, value, inline := strings.Cut(args[i], "=")
		if !strings.HasPrefix(name, "--") {
			continue
		}
		if !inline {
			if i+1 >= len(args) {
				break
			}
			value = args[i+1]
		}
		switch {
		case name == "--request-required-acks":
			required = value
		case slices.Contains(propertyOptions, name):
			if k, v, ok := strings.Cut(value, "="); ok && strings.TrimSpace(k) == "acks" {
				property = strings.TrimSpace(v)
			}
		case slices.Contains(configOptions, name):
			fileName = value
			if data, ok := configFile(value, config); ok {
				file = propertiesValue(data, "acks")
			}
		default:
			continue
		}
		if !inline {
			i++
		}
	}
	switch {
	case required != "":
		acks, from = required, "--request-required-acks "+required
	case property != "":
		acks, from = property, "acks="+property
	case file != "":
		acks, from = file, fmt.Sprintf("acks=%s in %s", file, fileName)
	default:
		return "all", "the console producer's default, acks=-1 (all)", nil
	}
	switch acks {
	case "0", "1", "all":
	case "-1":
		acks = "all"
	default:
		return "", from, fmt.Errorf("the producer's acks is `%s` (%s), which Kafka does not take: acks is 0, 1, all or -1", acks, from)
	}
	return acks, from, nil
}

// configFile is the student's configuration file a producer's --producer.config names: a file
// in the Kafka folder's config/ (config/NAME, or a path ending in it).
func configFile(p string, config map[string][]byte) ([]byte, bool) {
	if path.Base(path.Dir(p)) != "config" {
		return nil, false
	}
	data, ok := config[path.Base(p)]
	return data, ok
}

// propertiesValue is key's value in a Java properties file (key=value, key: value or
// key value; # and ! start comments); the last one wins, as in java.util.Properties.
func propertiesValue(data []byte, key string) string {
	var value string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=: \t")
		if i < 0 {
			continue
		}
		if strings.TrimSpace(line[:i]) == key {
			value = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line[i:]), "=:"))
		}
	}
	return value
}
