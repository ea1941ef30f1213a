package kafkalab

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kafka-lab/kafka-lab/harness/grading"
)

// TestTerminalAttacks grades testdata/attacks/terminal-escapes with cmd/grade, as an instructor
// does: its answers.yaml keys, its topic's name and its program's output are escape sequences,
// and so is the name of its folder. Alone (with and without -quiet) and in a batch beside a
// folder named like a spreadsheet formula, nothing the grader writes to the terminal, to
// grade.log or to grades.csv holds a control a terminal acts on; the formula is text in
// grades.csv. The attack strings are shown, as text (`\x1b]0;...`).
func TestTerminalAttacks(t *testing.T) {
	integration(t, "grades a submission that attacks the terminal with cmd/grade against real Kafka in Docker")
	tmp := t.TempDir()
	class := filepath.Join(tmp, "class")
	escaped, formula := "\x1b]0;pwned-folder\x07student", "=2+5+cmd|x!A0"
	for _, name := range []string{escaped, formula} {
		if err := os.CopyFS(filepath.Join(class, name), os.DirFS(filepath.Join(attacksDir, "terminal-escapes"))); err != nil {
			t.Fatal(err)
		}
	}
	bin := buildGrade(t)
	// Section 2 (the keys, the topic) and section 6's generator (the program's output).
	tags := "@section-2,@section-6 && @generator && ~@calculator"
	// run runs grade's subcommand sub ("" for one submission) with the tags and args.
	run := func(sub string, args ...string) (string, string) {
		t.Helper()
		args = append([]string{"-tags", tags, "-timeout", "10m"}, args...)
		if sub != "" {
			args = append([]string{sub}, args...)
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "KAFKA_LAB_SUBMISSION=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		var exit *exec.ExitError
		if err := cmd.Run(); err != nil && !errors.As(err, &exit) {
			t.Fatalf("grade %q: %v", args, err)
		}
		return stdout.String(), stderr.String()
	}
	// Each place a student's string goes, and the text it shows there.
	shown := map[string]string{
		"an unknown key":     `\x1b]0;pwned-title\x07`,
		"the folder's name":  `\x1b]0;pwned-folder\x07student`,
		"the topic's name":   `pwned-topic`,
		"the program's text": `pwned-stdout`,
	}
	check := func(what, out string, colours bool, show ...string) {
		t.Helper()
		if colours {
			out = godogColour.ReplaceAllString(out, "")
		}
		if i, r := terminalControl(out); i >= 0 {
			t.Errorf("%s: %U at byte %d, which a terminal acts on:\n%q", what, r, i, out[max(0, i-200):min(len(out), i+200)])
		}
		for _, s := range show {
			if !strings.Contains(out, shown[s]) {
				t.Errorf("%s does not show %s (%q) as text:\n%s", what, s, shown[s], out)
			}
		}
	}

	stdout, stderr := run("", "-out", filepath.Join(tmp, "one"), filepath.Join(class, escaped))
	check("grade's output", stdout, true, "the folder's name", "the topic's name", "the program's text")
	check("grade's progress and notes", stderr, false, "an unknown key")
	stdout, stderr = run("", "-quiet", "-out", filepath.Join(tmp, "quiet"), filepath.Join(class, escaped))
	check("grade -quiet's output", stdout, false, "the folder's name")
	check("grade -quiet's notes", stderr, false, "an unknown key")

	out := filepath.Join(tmp, "grades")
	stdout, stderr = run("batch", "-workers", "1", "-no-kafka-checks", "-out", out, class)
	check("grade batch's table", stdout, false, "the folder's name")
	check("grade batch's log", stderr, false, "the folder's name")
	check("grade.log", readFile(t, filepath.Join(out, escaped, grading.LogFile)), false, "an unknown key")
	csv := readFile(t, filepath.Join(out, grading.CSVFile))
	check("grades.csv", csv, false, "the folder's name")
	rows := readCSV(t, filepath.Join(out, grading.CSVFile))
	students := map[string]bool{}
	for _, r := range rows {
		students[r["student"]] = true
		if r["status"] != grading.Graded {
			t.Errorf("%q was not graded: %v", r["student"], r)
		}
	}
	if len(rows) != 2 || !students["'"+formula] || !students[shown["the folder's name"]] {
		t.Errorf("grades.csv: the students are %v, want the formula as text ('%s) and the escaped name:\n%s", students, formula, csv)
	}
	assertNoKafkaLabContainers(t)
}

// godogColour is what godog's formatters colour with (and termsafe lets pass): the 8 colours,
// bold, reset.
var godogColour = regexp.MustCompile(`\x1b\[(1;)?(0|3[0-7])m`)

// terminalControl returns the first rune of s a terminal acts on (C0 controls but newline and
// tab, DEL, C1 controls, a byte that is not UTF-8, a bidirectional override) and its index, or
// -1.
func terminalControl(s string) (int, rune) {
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f), r == 0x202e:
			return i, r
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return i, r
		}
	}
	return -1, 0
}
