package termsafe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// attacks are what a submission can put in a string that reaches the instructor's terminal.
var attacks = map[string]string{
	"window title":           "\x1b]0;pwned\x07",
	"clipboard (OSC 52)":     "\x1b]52;c;cm0gLXJmIH4K\x07",
	"hidden link (OSC 8)":    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
	"erase line":             "\x1b[2K\r",
	"C1 CSI (UTF-8)":         "\u009b2K",
	"C1 CSI (8-bit)":         "\x9b2K",
	"C1 OSC (UTF-8)":         "\u009d0;pwned\u009c",
	"right-to-left override": "abc\u202edcba",
	"bidi isolate":           "\u2067x\u2069",
	"backspace":              "rm\b\b",
	"DEL":                    "\x7f",
	"NUL":                    "\x00",
	"colour":                 "\x1b[31mred\x1b[0m",
}

// raw says whether s holds a byte or rune a terminal acts on.
func raw(s string) bool {
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || bidi(r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

func TestTextShowsEveryControl(t *testing.T) {
	for name, a := range attacks {
		for _, f := range []func(string) string{Text, Line} {
			got := f("before " + a + " after")
			if raw(got) || !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
				t.Errorf("%s: %q", name, got)
			}
		}
	}
	if got := Text("\x1b]0;title\x07"); got != `\x1b]0;title\x07` {
		t.Errorf("ESC and BEL: %q", got)
	}
	if got := Text("a\u202eb\u009bc\x9bd\re"); got != `a\u202eb\u009bc\x9bd\re` {
		t.Errorf("RLO, C1, a byte that is not UTF-8, CR: %q", got)
	}
}

func TestTextKeepsLayoutLineDoesNot(t *testing.T) {
	s := "expected:\n\tthe topic\n"
	if got := Text(s); got != s {
		t.Errorf("Text(%q) = %q", s, got)
	}
	if got := Line(s); got != `expected:\n\tthe topic\n` {
		t.Errorf("Line(%q) = %q", s, got)
	}
	for _, s := range []string{"", "plain ASCII", "é ü ✓ 日本 emoji 🙂", "§6: a\\b"} {
		if Text(s) != s || Line(s) != s || !Clean(s) {
			t.Errorf("%q changed: %q, %q", s, Text(s), Line(s))
		}
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, a := range attacks {
		n, err := w.Write([]byte(a))
		if err != nil || n != len(a) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if raw(b.String()) {
		t.Errorf("raw control reached the output: %q", b.String())
	}

	// godog's colours pass with Colours; nothing else does.
	b.Reset()
	c := &Writer{W: &b, Colours: true}
	in := "\x1b[31mfailed\x1b[0m \x1b[1;32mpassed\x1b[0m \x1b[1;0m" + "\x1b]0;title\x07 \x1b[2K \x1b[38;5;1m \x1b[8m \x1b[31"
	if _, err := c.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[31mfailed\x1b[0m \x1b[1;32mpassed\x1b[0m \x1b[1;0m" + `\x1b]0;title\x07 \x1b[2K \x1b[38;5;1m \x1b[8m \x1b[31`
	if b.String() != want {
		t.Errorf("colours:\n got %q\nwant %q", b.String(), want)
	}
}
