package gradescopetest

import "testing"

func TestCheck(t *testing.T) {
	if err := Check([]byte(Documented)); err != nil {
		t.Errorf("the documentation's own example: %v", err)
	}
	for _, bad := range []string{
		`[]`,
		`{"tests": []}`,
		`{"score": "10"}`,
		`{"score": 1, "tests": [{"name": "a", "score": 1, "max_score": 1, "status": "ok"}]}`,
		`{"score": 1, "tests": [{"name": "a", "score": 1, "max_score": 1, "visibility": "always"}]}`,
		`{"score": 1, "tests": [{"score": 1, "max_score": 1, "colour": "red"}]}`,
		`{"score": 1, "tests": [{"name": 3}]}`,
		`{"score": 1, "output_format": ""}`,
		`{"score": 1, "tests": [{"name": "a", "score": 1, "output_format": "markdown"}]}`,
	} {
		if err := Check([]byte(bad)); err == nil {
			t.Errorf("%s passed the check", bad)
		}
	}
}
