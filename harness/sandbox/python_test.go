package sandbox

import "testing"

// The value a Python program could not read as a number, from its traceback's last line.
func TestUnreadableValue(t *testing.T) {
	for line, want := range map[string]string{
		"ValueError: invalid literal for int() with base 10: b'3.5'":  "3.5",
		"ValueError: invalid literal for int() with base 10: '-2.0'":  "-2.0",
		`ValueError: invalid literal for int() with base 10: b"it's"`: "it's",
		`ValueError: could not convert string to float: b'\x00\\ \''`: "\x00\\ '",
		"ValueError: invalid literal for int() with base 10: b''":     "",
	} {
		if got, ok := unreadableValue(line); !ok || got != want {
			t.Errorf("unreadableValue(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
	for _, line := range []string{"ValueError: too many values to unpack", "KeyError: 3", "ValueError: invalid literal for int() with base 10: b'3.5"} {
		if got, ok := unreadableValue(line); ok {
			t.Errorf("unreadableValue(%q) = %q, want none", line, got)
		}
	}
}
