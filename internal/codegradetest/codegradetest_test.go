package codegradetest

import "testing"

func TestCheck(t *testing.T) {
	good := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="a" tests="4" failures="1" errors="1" skipped="1">
    <testcase name="pass" classname="a" time="0.1" weight="2"></testcase>
    <testcase name="fail" classname="a" time="0.1"><failure message="x">x</failure></testcase>
    <testcase name="error" classname="a" time="0.1" weight="3"><error message="y"></error></testcase>
    <testcase name="skip" classname="a" time="0" weight="5"><skipped/></testcase>
  </testsuite>
  <testsuite name="b" tests="1" failures="0" errors="0" weight="2">
    <testcase name="pass" classname="b" time="1"/>
  </testsuite>
</testsuites>`
	r, err := Check([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	// Successes 2 + 1*2; total 2 + 1 + 3 + 2 (the skipped one left out); an error counts as a failure.
	if r.Success != 4 || r.Total != 8 || r.Score() != 0.5 || r.Errors != 3 || r.Skipped != 5 {
		t.Errorf("count %+v, score %v; want 4 of 8", r, r.Score())
	}
	if r, err := Check([]byte(`<testsuite name="one" tests="1" failures="0" errors="0"><testcase name="t" classname="c" time="1"/></testsuite>`)); err != nil || r.Score() != 1 {
		t.Errorf("one testsuite as the root: %+v, %v", r, err)
	}
	for _, bad := range []string{
		`not xml`,
		`<results/>`,
		`<testsuites><properties/></testsuites>`,
		`<testsuite name="a" tests="1" failures="0"><testcase name="t" classname="c" time="1"/></testsuite>`,
		`<testsuite name="a" tests="2" failures="0" errors="0"><testcase name="t" classname="c" time="1"/></testsuite>`,
		`<testsuite name="a" tests="1" failures="0" errors="0"><testcase name="t" classname="c" time="1"><failure/></testcase></testsuite>`,
		`<testsuite name="a" tests="1" failures="0" errors="0"><testcase name="t" classname="c"/></testsuite>`,
		`<testsuite name="a" tests="1" failures="0" errors="0"><testcase name="t" classname="c" time="1" weight="x"/></testsuite>`,
		`<testsuite name="a" tests="1" failures="1" errors="0"><testcase name="t" classname="c" time="1"><system-out>o</system-out><failure/></testcase></testsuite>`,
		`<testsuite name="a" tests="1" failures="0" errors="0"><system-out/></testsuite>`,
	} {
		if _, err := Check([]byte(bad)); err == nil {
			t.Errorf("%s passed the check", bad)
		}
	}
}
