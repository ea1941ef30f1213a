package submission

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/google/shlex"
)

// Command is one command of the student's, ready to run.
type Command struct {
	Key  Key
	Line int      // line in answers.yaml
	Text string   // as the student wrote it, continuation lines joined
	Tool string   // the Kafka tool it runs, e.g. "kafka-topics"
	Args []string // argv to run in /opt/kafka: "bin/kafka-topics.sh", then the arguments
}

// ParseCommand parses text, the command written on line line of answers.yaml
// under key k, into the argv of the Kafka tool it runs.
//
// The command runs without a shell, so anything only a shell would act on
// (pipes, redirections, `&&`, variables, `cd`, `sudo`) is an error rather
// than something silently passed to the tool as an argument. A leading `$ `
// or `> ` prompt, pasted from the lab, is dropped, and the tool may be
// written in any of the usual forms (./bin/kafka-topics.sh, kafka-topics.sh,
// kafka-topics, ~/kafka/bin/kafka-topics.sh, ...): Args[0] is always
// bin/NAME.sh. Every error starts with "answers.yaml line N: ", or with
// "answers.yaml: " if line is 0 (a command that is not from the file).
func ParseCommand(k Key, line int, text string) (Command, error) {
	p := parser{at: "answers.yaml"}
	if line > 0 {
		p.at = fmt.Sprintf("answers.yaml line %d", line)
	}
	info, ok := Info(k)
	if !ok {
		return Command{}, fmt.Errorf("%s: `%s` is not an answers.yaml key: the keys are %s", p.at, k, keyList())
	}
	p.info = info
	text = joinLines(text)
	s := text
	if s == "$" || s == ">" || len(s) > 1 && (s[0] == '$' || s[0] == '>') && (s[1] == ' ' || s[1] == '\t') {
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return Command{}, p.errorf("has an empty command: put the command you ran in section %d (%s)", info.Section, info.Task)
	}
	if err := p.checkStart(strings.Fields(s)[0]); err != nil {
		return Command{}, err
	}
	op, open := shellSyntax(s)
	switch {
	case open != 0:
		return Command{}, p.errorf("opens a %c quote that is never closed: close it, or remove it", open)
	case op == "`":
		return Command{}, p.errorf("runs a command inside the command with backticks, but a command runs one Kafka tool and nothing else: write the arguments as they are")
	case op == "$(":
		return Command{}, p.errorf("runs a command inside the command with `$(`, but a command runs one Kafka tool and nothing else: write the arguments as they are")
	case strings.HasPrefix(op, "$"):
		return Command{}, p.errorf("uses the shell variable `%s`, but the command runs without a shell: write its value instead", op)
	case op != "":
		return Command{}, p.errorf("uses `%s`, but a command runs one Kafka tool and nothing else: no pipes, redirections or `&&`; put several commands as a YAML list", op)
	}
	words, err := shlex.Split(s)
	if err != nil {
		return Command{}, fmt.Errorf("%s: `%s` cannot be split into words: %w", p.at, k, err)
	}
	if len(words) == 0 {
		return Command{}, p.errorf("has an empty command: put the command you ran in section %d (%s)", info.Section, info.Task)
	}
	name := strings.TrimSuffix(path.Base(words[0]), ".sh")
	if !isKafkaTool(name) {
		return Command{}, p.errorf("runs `%s`, which is not a Kafka tool: write the %s.sh command you ran in section %d", words[0], info.Tool, info.Section)
	}
	if name != info.Tool && !slices.Contains(info.Before, name) {
		return Command{}, p.errorf("runs %s.sh, but section %d (%s) needs %s.sh", name, info.Section, info.Task, info.Tool)
	}
	args := append([]string{"bin/" + name + ".sh"}, words[1:]...)
	return Command{Key: k, Line: line, Text: text, Tool: name, Args: args}, nil
}

type parser struct {
	at   string // "answers.yaml line N"
	info KeyInfo
}

func (p parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: `%s` %s", p.at, p.info.Key, fmt.Sprintf(format, args...))
}

// checkStart rejects first words that show the student ran the tool some
// other way than the lab does, with advice for each.
func (p parser) checkStart(first string) error {
	tool := "./bin/" + p.info.Tool + ".sh"
	lower := strings.ToLower(first)
	if strings.Contains(lower, `bin\`) || strings.HasSuffix(lower, ".bat") || strings.HasSuffix(lower, ".cmd") {
		return p.errorf("runs %s, a Windows script, but the lab runs on Linux: write `%s` with the same arguments", first, tool)
	}
	if name, _, ok := strings.Cut(first, "="); ok && name != "" && varLen(name) == len(name) {
		return p.errorf("sets %s before the tool, but the command runs without a shell: start it with the tool, `%s`", name, tool)
	}
	var why string
	switch first {
	case "sudo":
		why = "the lab needs no sudo"
	case "cd":
		why = "commands already run in the Kafka folder"
	case "bash", "sh":
		why = "the script runs by itself, without " + first
	default:
		return nil
	}
	return p.errorf("starts with `%s`, but %s: start it with the tool, `%s`", first, why, tool)
}

// joinLines joins the lines of a command continued with a trailing
// backslash, as bash would. A folded YAML scalar has already turned
// "a \<newline>b" into "a \ b", so a backslash standing alone goes too.
func joinLines(text string) string {
	var parts []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), `\`))
		l = strings.ReplaceAll(l, ` \ `, " ")
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// shellSyntax returns the first thing in s that only a shell would act on:
// an operator or redirection, a command substitution or a variable, where
// the shell would see it; or else the quote left open at the end, if any.
// A comment ends the scan, as it does in the shell.
func shellSyntax(s string) (op string, open byte) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case open == '\'':
			if c == '\'' {
				open = 0
			}
		case c == '\\':
			i++
		case c == '"':
			open ^= '"' // open is 0 or '"' here
		case c == '`':
			return "`", 0
		case c == '$' && strings.HasPrefix(s[i+1:], "("):
			return "$(", 0
		case c == '$' && varLen(s[i+1:]) > 0:
			return s[i : i+1+varLen(s[i+1:])], 0
		case open == '"':
		case c == '\'':
			open = '\''
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return "", 0
		case strings.IndexByte("|&;<>", c) >= 0:
			if i+1 < len(s) && s[i+1] == c && c != ';' && c != '<' {
				return s[i : i+2], 0
			}
			return s[i : i+1], 0
		}
	}
	return "", open
}

// varLen returns the length of the shell variable name at the start of s:
// NAME or {NAME}, or 0 if there is none.
func varLen(s string) int {
	if strings.HasPrefix(s, "{") {
		if end := strings.IndexByte(s, '}'); end > 1 {
			return end + 1
		}
		return 0
	}
	n := 0
	for ; n < len(s); n++ {
		c := s[n]
		letter := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (n == 0 || c < '0' || c > '9') {
			break
		}
	}
	return n
}

// isKafkaTool reports whether name is a script of the Kafka distribution.
func isKafkaTool(name string) bool {
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return strings.HasPrefix(name, "kafka-") || strings.HasPrefix(name, "zookeeper-") || strings.HasPrefix(name, "connect-")
}
