package prairielearntest

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	if err := Check([]byte(Documented)); err != nil {
		t.Errorf("the documentation's own example: %v", err)
	}
	for _, good := range []string{
		`{"score": 1}`,
		`{"gradable": false, "message": "could not run"}`,
		`{"gradable": false, "format_errors": ["line 3"]}`,
	} {
		if err := Check([]byte(good)); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, bad := range []string{
		`[]`,
		`{}`,
		`{"gradable": true}`,
		`{"score": 1.5}`,
		`{"score": "1"}`,
		`{"gradable": "no"}`,
		`{"score": 1, "format_errors": 3}`,
		`{"score": 1, "tests": [{"name": "a", "points": 1}]}`,
		`{"score": 1, "tests": [{"name": "a", "points": 1, "max_point": 1}]}`,
		`{"score": 1, "tests": [{"points": 1, "max_points": 1}]}`,
		`{"score": 1, "grade": 1}`,
		`{"score": 1, "output": "` + strings.Repeat("x", Limit) + `"}`,
	} {
		if err := Check([]byte(bad)); err == nil {
			t.Errorf("%.80s passed the check", bad)
		}
	}
}
