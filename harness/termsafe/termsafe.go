// Package termsafe shows what a submission controls (an answers.yaml key, a topic name, a
// program's output, a student's folder name) on a terminal as text: every control character,
// escape sequence and bidirectional override is written visibly (ESC as `\x1b`), so that none
// sets the window's title, writes the clipboard (OSC 52), hides a link (OSC 8), erases a line
// or reorders what the instructor reads.
//
// Text keeps the newlines and tabs that lay out a message; Line, for one field of a line (a
// table's cell, a name before a colon), shows them too. Writer does what Text does to
// everything written through it, except the colours godog itself writes: the commands wrap
// their standard output and error in it.
package termsafe

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Text returns s with every control character shown visibly but newlines and tabs.
func Text(s string) string { return escape(s, false) }

// Line returns s with every control character shown visibly, newlines and tabs too, so that
// it stays one field of one line.
func Line(s string) string { return escape(s, true) }

// Clean says whether s has nothing Text would change.
func Clean(s string) bool { return Text(s) == s }

func escape(s string, line bool) string {
	i := firstUnsafe(s, line)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		writeRune(&b, r, size, s[i], line)
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first rune of s that must be shown visibly, -1 if none.
func firstUnsafe(s string, line bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII, the common case
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafe(r, size, line) {
			return i
		}
		i += size
	}
	return -1
}

// unsafe says whether rune r, size bytes long, must be shown visibly: C0 controls and DEL
// (ESC starts every escape sequence), C1 controls (U+009B is a CSI of its own to a terminal
// that reads 8-bit controls), bytes that are not UTF-8 (0x9B alone is that CSI to a Latin-1
// terminal), and the marks that reorder bidirectional text (Trojan Source, CVE-2021-42574).
func unsafe(r rune, size int, line bool) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r == '\n' || r == '\t':
		return line
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	}
	return bidi(r)
}

func bidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

func writeRune(b *strings.Builder, r rune, size int, first byte, line bool) {
	if !unsafe(r, size, line) {
		b.WriteRune(r)
		return
	}
	switch {
	case r == utf8.RuneError && size == 1:
		fmt.Fprintf(b, `\x%02x`, first)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\t':
		b.WriteString(`\t`)
	case r == '\r':
		b.WriteString(`\r`)
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		fmt.Fprintf(b, `\u%04x`, r)
	}
}

// Writer writes to W what Text makes of it. With Colours, the colours godog's formatters write
// (SGR: ESC [ 30-37 m, bold, and reset; nothing else) pass as they are: they only colour text,
// while every other sequence (titles, links, the clipboard, cursor moves, erasing) is shown.
// A write is escaped on its own: a sequence split between two writes is shown, never joined.
type Writer struct {
	W       io.Writer
	Colours bool
}

// NewWriter returns a Writer to w that shows every escape sequence.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write writes p escaped, and returns len(p) when the escaped bytes were all written.
func (w *Writer) Write(p []byte) (int, error) {
	s := string(p)
	var out strings.Builder
	for s != "" {
		i := strings.IndexByte(s, 0x1b)
		if !w.Colours || i < 0 {
			out.WriteString(Text(s))
			break
		}
		out.WriteString(Text(s[:i]))
		s = s[i:]
		if n := colourLen(s); n > 0 {
			out.WriteString(s[:n])
			s = s[n:]
			continue
		}
		out.WriteString(`\x1b`)
		s = s[1:]
	}
	if _, err := io.WriteString(w.W, out.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// colourLen is the length of the godog colour that s starts with, 0 if it starts with none:
// ESC [ then 0, 30-37, 1;0 or 1;30-37, then m (colors.Bold puts "1;" before the colour).
func colourLen(s string) int {
	rest, ok := strings.CutPrefix(s, "\x1b[")
	if !ok {
		return 0
	}
	rest = strings.TrimPrefix(rest, "1;")
	switch {
	case strings.HasPrefix(rest, "0m"):
		rest = rest[2:]
	case len(rest) >= 3 && rest[0] == '3' && rest[1] >= '0' && rest[1] <= '7' && rest[2] == 'm':
		rest = rest[3:]
	default:
		return 0
	}
	return len(s) - len(rest)
}
