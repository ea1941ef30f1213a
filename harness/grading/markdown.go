package grading

import (
	"fmt"
	"strings"
)

// checkParts is a failed check's message taken apart. The steps word every failed check the
// same way (steps/scenario.Check): "expected: E", "observed: O" (which may run over lines), a
// line "hint (where): H" or "hint: H", then what the student's command or program printed,
// each stream headed by a line that starts with "--- ".
type checkParts struct {
	expected, observed string
	where, hint        string // where names the lab section and the answers.yaml key or program
	printed            string // from the first "--- " line on; "" when nothing was printed
}

// parseCheck takes msg apart as checkParts; ok is false when msg is not a check's message
// (a skip's reason, an undefined step, the harness's own failure).
func parseCheck(msg string) (c checkParts, ok bool) {
	rest, ok := strings.CutPrefix(msg, "expected: ")
	if !ok {
		return checkParts{}, false
	}
	if i := strings.Index(rest, "\n--- "); i >= 0 {
		rest, c.printed = rest[:i], rest[i+1:]
	}
	c.expected, rest, ok = strings.Cut(rest, "\nobserved: ")
	if !ok {
		return checkParts{}, false
	}
	c.observed = rest
	// The hint is the last line that starts so: an observed output may hold the word.
	i := max(strings.LastIndex(rest, "\nhint ("), strings.LastIndex(rest, "\nhint: "))
	if i < 0 {
		return c, true
	}
	c.observed, rest = rest[:i], rest[i+len("\nhint"):]
	if where, hint, found := strings.Cut(rest, "): "); found && strings.HasPrefix(where, " (") {
		c.where, c.hint = strings.TrimPrefix(where, " ("), hint
	} else {
		c.hint = strings.TrimPrefix(rest, ": ")
	}
	return c, true
}

// OutputMarkdown lays a scenario's output out as Markdown for a platform that renders it
// (Gradescope's "md"): a failed check's expected, observed and hint each on a line of its own,
// what the student's command or program printed in code blocks; any other output as text,
// in a code block when it runs over lines.
func OutputMarkdown(output string) string {
	c, ok := parseCheck(output)
	if !ok {
		return markdownText(output)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Expected:** %s\n\n", markdownText(c.expected))
	if strings.Contains(c.observed, "\n") {
		fmt.Fprintf(&b, "**Observed:**\n\n%s\n\n", codeBlock(c.observed))
	} else {
		fmt.Fprintf(&b, "**Observed:** %s\n\n", markdownText(c.observed))
	}
	switch {
	case c.where != "":
		fmt.Fprintf(&b, "**Hint** (%s): %s\n\n", markdownInline(c.where), markdownText(c.hint))
	case c.hint != "":
		fmt.Fprintf(&b, "**Hint:** %s\n\n", markdownText(c.hint))
	}
	for _, block := range strings.Split(c.printed, "\n--- ") {
		head, body, _ := strings.Cut(strings.TrimPrefix(block, "--- "), "\n")
		if strings.TrimSpace(head+body) == "" {
			continue
		}
		fmt.Fprintf(&b, "*%s*\n\n%s\n\n", markdownInline(strings.TrimSuffix(head, ":")), codeBlock(body))
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// markdownText is text as Markdown shows it verbatim: inline on one line, a code block when
// it runs over lines (where line starts such as "- " or "1." would otherwise become lists).
func markdownText(s string) string {
	if strings.Contains(strings.TrimRight(s, "\n"), "\n") {
		return codeBlock(s)
	}
	return markdownInline(strings.TrimRight(s, "\n"))
}

// markdownInline escapes one line of text for Markdown, keeping what it quotes between
// backticks (an answers.yaml key, a command) as code: the steps quote code so.
func markdownInline(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an odd number of backticks: no code, all text
		return escapeMarkdown(s)
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 && p != "" {
			b.WriteString(codeSpan(p))
			continue
		}
		b.WriteString(escapeMarkdown(p))
	}
	return b.String()
}

// markdownSpecial are the characters that mean something to Markdown inside a line. Line
// starts ("#", "-", "1.") need no escape: escaped text is never at one.
const markdownSpecial = "\\`*_[]<>|~&"

func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// codeSpan quotes s as inline code, with a fence of backticks longer than any it holds.
func codeSpan(s string) string {
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// codeBlock fences s as a block of text, with a fence longer than any run of backticks in s,
// so that nothing s holds can close it.
func codeBlock(s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + "text\n" + strings.TrimRight(s, "\n") + "\n" + fence
}

func longestRun(s string, c rune) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// SummaryMarkdown is Summary as Markdown: the points, then a line per section.
func SummaryMarkdown(s Score) string {
	if !s.Graded() {
		return NotGradedMarkdown(s.Errors)
	}
	return summaryIn(s, summaryStyle{total: "**%d/%d points**", gap: "\n\n", section: "- section %d: %d/%d", list: escapeMarkdown})
}

// NotGradedMarkdown is NotGraded as Markdown: why nothing is a grade, and the harness's
// failures in a code block.
func NotGradedMarkdown(errors []string) string {
	return "**kafka-lab could not grade this submission:** the grader itself failed, so nothing here is your grade " +
		"and no test counts against you. Ask your instructor to grade it again.\n\n" + codeBlock(strings.Join(errors, "\n")) + "\n"
}
