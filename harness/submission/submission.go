// Package submission reads a student's answers.yaml: the commands they typed
// in the Kafka folder during the lab, one answers.yaml key per lab task.
//
// The input is untrusted student work, and every error is read by the
// student, so each one names the key, its line if it has one, and the lab
// section, and says what to write instead. A problem with one key does not hide the others:
// only an unreadable file fails every key.
package submission

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Key is an answers.yaml key: one lab task.
type Key string

// The answers.yaml keys, in the order of the lab.
const (
	StartZooKeeper               Key = "start_zookeeper"
	StartKafka                   Key = "start_kafka"
	CreateTopic                  Key = "create_topic"
	ListTopics                   Key = "list_topics"
	DescribeTopic                Key = "describe_topic"
	ConsoleProducer              Key = "console_producer"
	ConsoleConsumer              Key = "console_consumer"
	ConsoleConsumerFromBeginning Key = "console_consumer_from_beginning"
	GroupConsumer                Key = "group_consumer"
	DescribeGroup                Key = "describe_group"
	CreatePipelineTopics         Key = "create_pipeline_topics"
	CreateReplicatedTopic        Key = "create_replicated_topic"
	StartCluster                 Key = "start_cluster"
	AcksExperiment               Key = "acks_experiment"
)

// KeyInfo says which lab task a key answers, so that messages can send the
// student back to the right section.
type KeyInfo struct {
	Key     Key
	Section int    // section of the lab
	Task    string // what the command does, e.g. "create my_first_topic with 10 partitions"
	Tool    string // the Kafka tool it runs, without ".sh", e.g. "kafka-topics"
	// Before are tools that may run before Tool, in a list under the same key (kafka-storage
	// formats a KRaft node's storage before its server starts).
	Before []string
}

// Keys returns every answers.yaml key, in the order of the lab.
func Keys() []KeyInfo {
	return []KeyInfo{
		{StartZooKeeper, 1, "start ZooKeeper (Kafka 3.x in ZooKeeper mode)", "zookeeper-server-start", nil},
		{StartKafka, 1, "start the Kafka broker (in KRaft mode: format its storage, then start it)", "kafka-server-start", []string{"kafka-storage"}},
		{CreateTopic, 2, "create my_first_topic with 10 partitions", "kafka-topics", nil},
		{ListTopics, 2, "list the topics", "kafka-topics", nil},
		{DescribeTopic, 2, "describe my_first_topic", "kafka-topics", nil},
		{ConsoleProducer, 3, "a console producer: each line typed becomes a message", "kafka-console-producer", nil},
		{ConsoleConsumer, 3, "a console consumer showing new messages only", "kafka-console-consumer", nil},
		{ConsoleConsumerFromBeginning, 3, "a console consumer showing all messages, from the beginning", "kafka-console-consumer", nil},
		{GroupConsumer, 4, "a console consumer in group my_group, started twice", "kafka-console-consumer", nil},
		{DescribeGroup, 5, "describe consumer group my_group", "kafka-consumer-groups", nil},
		{CreatePipelineTopics, 6, "create topics transactions and balance, 10 partitions each", "kafka-topics", nil},
		{CreateReplicatedTopic, 7, "create a topic with replication factor 2 on the 3-broker cluster", "kafka-topics", nil},
		{StartCluster, 7, "start your cluster of 3 brokers, each server in a terminal of its own, from your files in config/", "kafka-server-start", []string{"zookeeper-server-start", "kafka-storage"}},
		{AcksExperiment, 7, "the acks experiment: each trial's producer command, how many brokers were down, what you observed", "kafka-console-producer", nil},
	}
}

// Info returns what key k answers, and false if k is not an answers.yaml key.
func Info(k Key) (KeyInfo, bool) {
	for _, info := range Keys() {
		if info.Key == k {
			return info, true
		}
	}
	return KeyInfo{}, false
}

// Submission is a loaded answers.yaml. Problems are kept per key, so that a
// grader can still run the tasks the student got right.
type Submission struct {
	Dir      string   // the folder handed in
	Warnings []string // problems that fail no key, such as unknown keys

	err     error // the file as a whole cannot be read
	answers map[Key]answer
	unknown []unknownKey
}

type answer struct {
	cmds   []Command
	trials []Trial // acks_experiment's
	err    error
}

// unknownKey is a key in the file that is not an answers.yaml key, and the
// missing key it probably stands for ("" if none is close).
type unknownKey struct {
	name  string
	line  int
	guess Key
}

// Load reads answers.yaml (or answers.yml) in dir. It never returns nil: an
// error that spoils the whole file is returned by Err and by Commands for
// every key, and an error in one key's value only by Commands for that key.
func Load(dir string) *Submission {
	s := &Submission{Dir: dir, answers: make(map[Key]answer)}
	s.err = s.load()
	return s
}

// Err returns the error that makes the whole file unreadable, or nil.
func (s *Submission) Err() error { return s.err }

// Commands returns the commands under key k, in the order they run.
func (s *Submission) Commands(k Key) ([]Command, error) {
	if s.err != nil {
		return nil, s.err
	}
	info, ok := Info(k)
	if !ok {
		return nil, fmt.Errorf("`%s` is not an answers.yaml key: the keys are %s", k, keyList())
	}
	a, ok := s.answers[k]
	if ok && k == AcksExperiment {
		return nil, fmt.Errorf("`%s` is a list of trials, not commands: read it with Trials", k)
	}
	if !ok {
		return nil, s.missing(info)
	}
	return slices.Clone(a.cmds), a.err
}

// missing says that key info.Key is not in the file, and which misspelled key may stand for it.
func (s *Submission) missing(info KeyInfo) error {
	k := info.Key
	msg := fmt.Sprintf("answers.yaml has no `%s`: add the command you ran in section %d (%s)", k, info.Section, info.Task)
	if k == AcksExperiment {
		msg = fmt.Sprintf("answers.yaml has no `%s`: add the trials of section 7's experiment, one per producer you ran (see docs/students.md)", k)
	}
	for _, u := range s.unknown {
		if u.guess == k {
			msg += fmt.Sprintf(" (the file has `%s` on line %d: did you mean `%s`?)", u.name, u.line, k)
			break
		}
	}
	return errors.New(msg)
}

// Has says whether the file has an answer under key k (well formed or not).
func (s *Submission) Has(k Key) bool {
	_, ok := s.answers[k]
	return ok
}

// Command returns the one command under key k, for tasks that run a single
// command (a consumer that keeps running, say).
func (s *Submission) Command(k Key) (Command, error) {
	cmds, err := s.Commands(k)
	if err != nil {
		return Command{}, err
	}
	if len(cmds) > 1 {
		info, _ := Info(k)
		return Command{}, fmt.Errorf("answers.yaml line %d: `%s` has %d commands, but section %d (%s) needs exactly one: keep the one you ran",
			cmds[0].Line, k, len(cmds), info.Section, info.Task)
	}
	return cmds[0], nil
}

func (s *Submission) load() error {
	data, err := ReadFile(s.Dir, "answers.yaml", AnswersLimit)
	if errors.Is(err, os.ErrNotExist) {
		data, err = ReadFile(s.Dir, "answers.yml", AnswersLimit)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no answers.yaml in %s: create it with the commands you ran (see docs/students.md)", s.Dir)
		}
	}
	var ferr *FileError
	if errors.As(err, &ferr) {
		return err
	}
	if err != nil {
		return fmt.Errorf("cannot read answers.yaml: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return syntaxError(data, err)
	}
	if len(doc.Content) == 0 {
		return errors.New("answers.yaml is empty: write one `key: command` line per task, like `create_topic: ./bin/kafka-topics.sh --create ...` (see docs/students.md)")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("answers.yaml line %d: the file must map keys to commands, one `key: command` per line, like `create_topic: ./bin/kafka-topics.sh --create ...`, but it is %s",
			root.Line, kindOf(root))
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		if first, dup := seen[kn.Value]; dup {
			return fmt.Errorf("answers.yaml line %d: `%s` is there twice, on lines %d and %d: keep one (several commands for one key go in a YAML list)",
				kn.Line, kn.Value, first, kn.Line)
		}
		seen[kn.Value] = kn.Line
		info, ok := Info(Key(kn.Value))
		if kn.Kind != yaml.ScalarNode || !ok {
			s.unknown = append(s.unknown, unknownKey{name: kn.Value, line: kn.Line})
			continue
		}
		if info.Key == AcksExperiment {
			trials, err := parseTrials(info, kn.Line, vn)
			s.answers[info.Key] = answer{trials: trials, err: err}
			continue
		}
		cmds, err := valueCommands(info, kn.Line, vn)
		s.answers[info.Key] = answer{cmds: cmds, err: err}
	}
	for i := range s.unknown {
		u := &s.unknown[i]
		u.guess = s.guess(u.name)
		if u.guess != "" {
			s.Warnings = append(s.Warnings, fmt.Sprintf("answers.yaml line %d: unknown key `%s`: did you mean `%s`?", u.line, u.name, u.guess))
		} else {
			s.Warnings = append(s.Warnings, fmt.Sprintf("answers.yaml line %d: unknown key `%s`: the keys are %s", u.line, u.name, keyList()))
		}
	}
	return nil
}

// guess returns the missing key that name is closest to, or "" if none is
// close: the student misspelled a key, so the key they meant is missing.
func (s *Submission) guess(name string) Key {
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(name))
	best, bestScore := Key(""), 0
	for _, info := range Keys() {
		if _, present := s.answers[info.Key]; present {
			continue
		}
		k := string(info.Key)
		d := levenshtein(norm, k)
		score := d // close spellings first, then prefixes
		if d > 3 {
			if norm == "" || !strings.HasPrefix(k, norm) && !strings.HasPrefix(norm, k) {
				continue
			}
			score = 100 + d
		}
		if best == "" || score < bestScore {
			best, bestScore = info.Key, score
		}
	}
	return best
}

// MaxCommands caps the commands under one key. The lab's keys need one or two (a KRaft
// storage format before the broker's start, two topics for section 6); each command is a JVM
// started for about a second, so a key of thousands ran past the grading's deadline and left
// no grade at all.
const MaxCommands = 20

// valueCommands parses the value of key info.Key, written on line keyLine:
// one command, a block of commands one per line, or a list of them, at most MaxCommands.
func valueCommands(info KeyInfo, keyLine int, v *yaml.Node) ([]Command, error) {
	cmds, err := keyCommands(info, keyLine, v)
	if err == nil && len(cmds) > MaxCommands {
		return nil, fmt.Errorf("answers.yaml line %d: `%s` has %d commands, more than the %d a key may have: put only the commands you ran in section %d (%s); the lab needs one or two",
			keyLine, info.Key, len(cmds), MaxCommands, info.Section, info.Task)
	}
	return cmds, err
}

func keyCommands(info KeyInfo, keyLine int, v *yaml.Node) ([]Command, error) {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.ScalarNode:
		return scalarCommands(info, keyLine, v, "is")
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, valueError(info, keyLine, "is an empty list")
		}
		var all []Command
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, valueError(info, item.Line, "has a list item that is "+kindOf(item)+", not a command")
			}
			cmds, err := scalarCommands(info, item.Line, item, "has a list item that is")
			if err != nil {
				return nil, err
			}
			all = append(all, cmds...)
		}
		return all, nil
	}
	return nil, valueError(info, keyLine, "is "+kindOf(v)+", not a command")
}

// scalarCommands parses a string holding one command or, in a block scalar
// (`|`), one command per line. A line ending in a backslash goes on with the
// next line, as in bash.
func scalarCommands(info KeyInfo, line int, v *yaml.Node, is string) ([]Command, error) {
	if tag := v.ShortTag(); tag != "!!str" {
		what := is + " " + kindOf(v)
		if tag != "!!null" {
			what += ", not a command"
		}
		return nil, valueError(info, line, what)
	}
	first := line // the line of the value's first line
	if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		first = v.Line + 1
	}
	var cmds []Command
	var pending []string
	start := first
	for i, l := range strings.Split(v.Value, "\n") {
		t := strings.TrimSpace(l)
		if len(pending) == 0 {
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			start = first
			if v.Style&yaml.LiteralStyle != 0 {
				start = first + i
			}
		}
		pending = append(pending, t)
		if strings.HasSuffix(t, `\`) {
			continue
		}
		c, err := ParseCommand(info.Key, start, strings.Join(pending, "\n"))
		if err != nil {
			return nil, err
		}
		cmds, pending = append(cmds, c), nil
	}
	if len(pending) > 0 { // a last line ending in a backslash
		c, err := ParseCommand(info.Key, start, strings.Join(pending, "\n"))
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
	}
	if len(cmds) == 0 {
		return nil, valueError(info, line, is+" empty")
	}
	return cmds, nil
}

func valueError(info KeyInfo, line int, what string) error {
	return fmt.Errorf("answers.yaml line %d: `%s` %s: put the command you ran in section %d (%s)",
		line, info.Key, what, info.Section, info.Task)
}

// kindOf describes a YAML value to a student who expected a command.
func kindOf(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (`name: value` pairs)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.ShortTag() {
	case "!!null":
		return "empty"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!timestamp":
		return "a date"
	case "!!str":
		return "text"
	}
	return "something other than text"
}

// syntaxError turns the YAML parser's error into one that names the line to
// fix. The parser often names the line where the enclosing mapping or scalar
// starts rather than the line at fault, so the line is found again as the
// first one at which the file, cut after it, fails for the same reason.
func syntaxError(data []byte, err error) error {
	reason, line := strings.TrimPrefix(err.Error(), "yaml: "), 0
	if rest, ok := strings.CutPrefix(reason, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if _, scanErr := fmt.Sscan(n, &line); scanErr == nil {
				reason = after
			}
		}
	}
	// The fault is at or after the line the parser names: cut there, then line by line after
	// it, a bounded number of times (the file itself is capped at AnswersLimit).
	lines := strings.SplitAfter(string(data), "\n")
	for n := max(line, 1); n < len(lines) && n < max(line, 1)+syntaxSearch; n++ {
		var doc yaml.Node
		e := yaml.Unmarshal([]byte(strings.Join(lines[:n], "")), &doc)
		if e != nil && strings.HasSuffix(e.Error(), ": "+reason) {
			line = n
			break
		}
	}
	switch {
	case strings.Contains(reason, "tab character"):
		reason += " (indent with spaces, not tabs)"
	case strings.Contains(reason, "mapping values are not allowed"):
		reason += " (check the indentation, and put a command that contains `: ` in single quotes)"
	case strings.Contains(reason, "cannot start any token"):
		reason += " (put a command that starts with a character such as ` or @ in single quotes)"
	case strings.Contains(reason, "did not find expected key"):
		reason += " (write each task as `key: command` at the start of a line, or as `key:` followed by indented `- command` lines)"
	}
	if line > 0 {
		return fmt.Errorf("answers.yaml line %d: %s", line, reason)
	}
	return fmt.Errorf("answers.yaml: %s", reason)
}

// syntaxSearch bounds how many cuts of the file syntaxError parses.
const syntaxSearch = 100

func keyList() string {
	var names []string
	for _, info := range Keys() {
		names = append(names, string(info.Key))
	}
	return strings.Join(names, ", ")
}

// levenshtein returns the edit distance between a and b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
