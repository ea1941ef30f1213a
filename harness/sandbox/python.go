package sandbox

import (
	"regexp"
	"strconv"
	"strings"
)

// unreadableLine is the last line of a Python traceback when int() or float() was given text
// that is no number, such as a message value: the value as Python writes it (its repr).
//
//	ValueError: invalid literal for int() with base 10: b'3.5'
//	ValueError: could not convert string to float: 'abc'
var unreadableLine = regexp.MustCompile(`^ValueError: (?:invalid literal for int\(\) with base \d+|could not convert string to float): (.*)$`)

// unreadableValue returns the value int() or float() could not read, from the last line of a
// traceback, as the program was given it: Python's repr of bytes or a str undone.
func unreadableValue(last string) (string, bool) {
	m := unreadableLine.FindStringSubmatch(strings.TrimSpace(last))
	if m == nil {
		return "", false
	}
	return pythonLiteral(m[1])
}

// pythonLiteral undoes Python's repr of bytes or a str: b'3.5', '-2.0', "it's", b'\x00'. ok is
// false for anything else.
func pythonLiteral(s string) (string, bool) {
	s = strings.TrimPrefix(s, "b")
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return "", false
	}
	var b strings.Builder
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			if i+3 > len(body) {
				return "", false
			}
			n, err := strconv.ParseUint(body[i+1:i+3], 16, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(n))
			i += 2
		default: // \\ \' \"
			b.WriteByte(body[i])
		}
	}
	return b.String(), true
}
