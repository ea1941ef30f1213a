package integration

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a test that records how it ended instead of ending.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()             {}
func (r *recorder) Skip(args ...any)    { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any)   { r.failed = fmt.Sprint(args...) }
func (r *recorder) Name() string        { return "recorder" }
func (r *recorder) Logf(string, ...any) {}

// The rule: a missing need skips, saying what and how to get it; under CI=true one that CI
// provides fails, except under -short, which never fails for something missing.
func TestTheRule(t *testing.T) {
	gone := func(ci bool) Need {
		return Need{What: "a widget", Get: "apt-get install widget", CI: ci, Missing: func() string { return "no widget on the PATH" }}
	}
	there := Need{What: "air", Missing: func() string { return "" }}
	for _, tc := range []struct {
		name     string
		ci       string
		need     Need
		wantFail bool
	}{
		{"missing, not CI", "", gone(true), false},
		{"missing, CI provides it", "true", gone(true), !testing.Short()},
		{"missing, CI does not provide it", "true", gone(false), false},
		{"there", "true", there, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			Have(r, tc.need)
			switch {
			case tc.need.Missing() == "":
				if r.skipped != "" || r.failed != "" {
					t.Errorf("a need that is there: skipped %q, failed %q", r.skipped, r.failed)
				}
			case tc.wantFail:
				if r.failed == "" || !strings.Contains(r.failed, "CI=true") || !strings.Contains(r.failed, "a widget") {
					t.Errorf("failed %q (skipped %q): want a failure that names CI=true and the widget", r.failed, r.skipped)
				}
			default:
				want := "needs a widget: no widget on the PATH (apt-get install widget)"
				if r.skipped != want || r.failed != "" {
					t.Errorf("skipped %q, failed %q: want the skip %q", r.skipped, r.failed, want)
				}
			}
		})
	}
}

// Require skips under -short before it looks at any need; without -short it checks them.
func TestRequire(t *testing.T) {
	looked := false
	r := &recorder{TB: t}
	Require(r, Need{What: "x", Missing: func() string { looked = true; return "gone" }})
	if testing.Short() && (!strings.Contains(r.skipped, "-short") || looked) {
		t.Errorf("under -short: skipped %q, need looked at: %v; want a skip that names -short, and no look", r.skipped, looked)
	}
	if !testing.Short() && (r.skipped != "needs x: gone" || !looked) {
		t.Errorf("without -short: skipped %q, need looked at: %v; want the need's skip", r.skipped, looked)
	}
}
