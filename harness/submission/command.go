package submission

import (
	"fmt"
	"path"
	"regexp"
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
// What is graded is what the command does with Kafka, not how it was typed.
// A leading `$ ` or `> ` prompt, pasted from the lab, is dropped; so is a shell
// in front of the script (`sh bin/kafka-topics.sh`, `bash -x ...`), which runs
// the same script Kafka's own first line runs. The tool may be written in any
// of the usual forms (./bin/kafka-topics.sh, kafka-topics.sh, kafka-topics,
// ~/kafka/bin/kafka-topics.sh, /home/ana/kafka_lab/kafka_2.13-3.1.0/bin/...):
// Args[0] is always bin/NAME.sh. An argument that is a path into the
// student's Kafka folder is the same path in /opt/kafka (see kafkaPath).
//
// The command runs without a shell, so anything only a shell would act on
// (pipes, redirections, `&&`, variables, `cd`, `sudo`) is an error rather
// than something silently passed to the tool as an argument. Every error
// starts with "answers.yaml line N: ", or with "answers.yaml: " if line is 0
// (a command that is not from the file).
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
	fields := strings.Fields(s)
	shell, err := p.checkStart(fields)
	if err != nil {
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
	// The shell's words are plain (no quotes), so shlex split them as strings.Fields did.
	words = words[min(shell, len(words)):]
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
	args := []string{"bin/" + name + ".sh"}
	home := kafkaFolder(words[0])
	for _, w := range words[1:] {
		args = append(args, kafkaArg(home, w))
	}
	for _, a := range args[1:] {
		if v := homeVar(a); v != "" {
			return Command{}, p.errorf("uses the shell variable `%s`, but the command runs without a shell: write its value instead", v)
		}
	}
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
// other way than the lab does, with advice for each. It returns how many of the
// first words are a shell that runs the script (see shellWords), which the
// command drops: the script then runs as its own first line says, in bash.
func (p parser) checkStart(fields []string) (shell int, err error) {
	shell, err = p.shellWords(fields)
	if err != nil {
		return 0, err
	}
	first := fields[shell]
	tool := "./bin/" + p.info.Tool + ".sh"
	lower := strings.ToLower(first)
	if strings.Contains(lower, `bin\`) || strings.HasSuffix(lower, ".bat") || strings.HasSuffix(lower, ".cmd") {
		return 0, p.errorf("runs %s, a Windows script, but the lab runs on Linux: write `%s` with the same arguments", first, tool)
	}
	if name, _, ok := strings.Cut(first, "="); ok && name != "" && varLen(name) == len(name) {
		return 0, p.errorf("sets %s before the tool, but the command runs without a shell: start it with the tool, `%s`", name, tool)
	}
	var why string
	switch first {
	case "sudo":
		why = "the lab needs no sudo"
	case "cd":
		why = "commands already run in the Kafka folder"
	default:
		return shell, nil
	}
	return 0, p.errorf("starts with `%s`, but %s: start it with the tool, `%s`", first, why, tool)
}

// shellWords returns how many of the first fields name a shell that runs a
// script, as `sh bin/kafka-topics.sh` or `/bin/bash -x ./bin/kafka-topics.sh`
// do: the shell and its tracing options (-x, -v), which change what is printed
// of the script but nothing it does. Any other option (`bash -c '...'`, which
// runs a command line of its own) is an error, as is a shell with no script.
func (p parser) shellWords(fields []string) (int, error) {
	if !isShell(fields[0]) {
		return 0, nil
	}
	tool := "./bin/" + p.info.Tool + ".sh"
	n := 1
	for ; n < len(fields) && strings.HasPrefix(fields[n], "-"); n++ {
		if strings.Trim(fields[n][1:], "xv") != "" || fields[n] == "-" {
			return 0, p.errorf("starts with `%s %s`, but a command runs one Kafka tool, as a script: start it with the tool, `%s`", fields[0], fields[n], tool)
		}
	}
	if n == len(fields) {
		return 0, p.errorf("starts with `%s` and names no script after it: start it with the tool, `%s`", strings.Join(fields, " "), tool)
	}
	if isShell(fields[n]) {
		return 0, p.errorf("starts with `%s %s`, a shell running a shell: start it with the tool, `%s`", fields[0], fields[n], tool)
	}
	return n, nil
}

// isShell reports whether word names a POSIX shell (sh, bash, /bin/bash, ...),
// which runs Kafka's scripts as their own first line (#!/bin/bash) does.
func isShell(word string) bool {
	switch word {
	case "sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/sh", "/usr/bin/bash":
		return true
	}
	return false
}

// distFolder matches the name of a folder unpacked from a Kafka release,
// kafka_<scala>-<version>: kafka_2.13-3.1.0, kafka_2.12-2.8.1, kafka_2.13-4.0.0.
var distFolder = regexp.MustCompile(`^kafka_\d+\.\d+(\.\d+)?-\d+\.\d+\.\d+([-.][0-9A-Za-z.-]+)?$`)

// distDirs are the folders of a Kafka release that an argument may name (its
// scripts, its jars, its properties files): the same folders are in /opt/kafka.
var distDirs = []string{"bin", "config", "libs"}

// kafkaFolder returns the Kafka folder tool was run from, as typed: the folder
// that holds its bin (~/kafka_lab/kafka_2.13-3.1.0 for
// ~/kafka_lab/kafka_2.13-3.1.0/bin/kafka-topics.sh), in the form homePath
// gives it. It is "" for a tool run from the current folder (./bin/..., bin/...,
// kafka-topics.sh on the PATH) or from a system folder (/usr/bin/...).
func kafkaFolder(tool string) string {
	dir := path.Dir(homePath(tool))
	if path.Base(dir) != "bin" {
		return ""
	}
	switch home := path.Dir(dir); home {
	case ".", "/", "/usr", "/usr/local":
		return ""
	default:
		return home
	}
}

// kafkaArg returns the argument arg as it runs in /opt/kafka: a path into the Kafka folder
// home the tool was run from, or into the bin, config or libs folder of any Kafka release
// (.../kafka_2.13-3.1.0/config/server.properties), is the same path relative to the Kafka
// folder, which is where the command runs; so is the value of an option written `--name=path`.
// Anything else (an address, a topic, /tmp/kafka-logs, a relative path) is left as typed.
func kafkaArg(home, arg string) string {
	if name, value, ok := strings.Cut(arg, "="); ok && strings.HasPrefix(name, "-") {
		if rel, ok := kafkaPath(home, value); ok {
			return name + "=" + rel
		}
		return arg
	}
	if rel, ok := kafkaPath(home, arg); ok {
		return rel
	}
	return arg
}

// kafkaPath returns p relative to the Kafka folder, if it is a path inside home (the tool's
// Kafka folder, "" if none) or inside a release's bin, config or libs folder.
func kafkaPath(home, p string) (string, bool) {
	if !strings.Contains(p, "/") {
		return "", false // a word, not a path: a topic may be named like the folder
	}
	p = path.Clean(homePath(p))
	if home != "" {
		if rel, ok := strings.CutPrefix(p, home+"/"); ok {
			return rel, true
		}
	}
	parts := strings.Split(p, "/")
	for i := 0; i+1 < len(parts); i++ {
		if distFolder.MatchString(parts[i]) && slices.Contains(distDirs, parts[i+1]) {
			return path.Join(parts[i+1:]...), true
		}
	}
	return "", false
}

// homePath writes a path into a home folder, however typed (~/x, $HOME/x, ${HOME}/x,
// /home/ana/x, /root/x), as ~/x, so that two spellings of one folder compare equal.
func homePath(p string) string {
	for _, prefix := range []string{"~/", "$HOME/", "${HOME}/", "/root/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			return "~/" + rest
		}
	}
	if rest, ok := strings.CutPrefix(p, "/home/"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			return "~/" + after
		}
	}
	return p
}

// homeVar returns the shell variable that starts arg ($HOME or ${HOME}), or "" if none. The
// command runs without a shell, which would give the variable its value: an argument that
// starts with one and is no path into the Kafka folder (which kafkaArg has made relative) has
// no value here.
func homeVar(arg string) string {
	if _, v, ok := strings.Cut(arg, "="); ok && strings.HasPrefix(arg, "-") {
		arg = v
	}
	for _, v := range []string{"$HOME", "${HOME}"} {
		if arg == v || strings.HasPrefix(arg, v+"/") {
			return v
		}
	}
	return ""
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
		case c == '$' && homeStart(s, i):
			// $HOME/... may name the Kafka folder: ParseCommand decides (see homeVar).
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

// homeStart reports whether s[i:] is $HOME/ or ${HOME}/ at the start of a word
// (or of an option's value, --name=$HOME/...), where it starts a path.
func homeStart(s string, i int) bool {
	if i > 0 && strings.IndexByte(" \t=\"", s[i-1]) < 0 {
		return false
	}
	return strings.HasPrefix(s[i:], "$HOME/") || strings.HasPrefix(s[i:], "${HOME}/")
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
