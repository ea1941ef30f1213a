package labout

import (
	"strconv"
	"strings"
	"unicode"
)

// Quote quotes a line a tool or program printed, for a student's message, so that every
// report shows it once, as printed: between backticks, as the steps quote code (the Markdown
// reports show it as code, verbatim; the terminal, JUnit XML, cucumber JSON and the class report
// show the backticks). A Go-quoted string (%q) would escape the line's quotes and backslashes,
// and Markdown would escape those escapes again: `Option \\"\[group\]\\"`. A line that holds a
// backtick is put between “ and ” instead, which no format escapes; one with control characters
// other than tabs is Go-quoted, the only way to show them.
func Quote(line string) string {
	if strings.ContainsFunc(line, func(r rune) bool { return r != '\t' && !unicode.IsPrint(r) }) {
		return strconv.Quote(line)
	}
	if strings.Contains(line, "`") {
		return "“" + line + "”"
	}
	return "`" + line + "`"
}
