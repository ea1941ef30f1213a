package scenario

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/labout"
)

// toolLine is what kafka-consumer-groups.sh says of --group with --list: quotes and brackets,
// which a Go-quoted string escaped and Markdown escaped again (`Option \\"\[group\]\\"`).
const toolLine = `Option "[group]" can't be used with option "[list]"`

// toolCheck is the check of a command that printed toolLine, its hint worded as harness/runner
// words a tool's error line.
var toolCheck = Check{Key: "describe_group", Expected: "the offsets table of my_group", Observed: "`bin/kafka-consumer-groups.sh --group my_group --list`: exit status 1",
	Hint: "the tool said " + labout.Quote(toolLine) + ": the tool takes --group or --list, not both"}

// shownOnce fails unless text shows the tool's line as printed, and no escape of its quotes.
func shownOnce(t *testing.T, format, text string) {
	t.Helper()
	if !strings.Contains(text, toolLine) || strings.Contains(text, `\"`) || strings.Contains(text, `\[`) {
		t.Errorf("%s does not show %s once, as printed:\n%s", format, toolLine, text)
	}
}

// A tool's line quoted in a hint reads as the tool printed it in every report: the terminal's
// (godog's pretty), cucumber JSON, Gradescope's results.json (Markdown), JUnit XML and the class
// report; the Markdown summary lists scenarios, not messages.
func TestToolLineReadsOnceInEveryReport(t *testing.T) {
	msg := toolCheck.Error()
	t.Run("pretty", func(t *testing.T) { shownOnce(t, "pretty", runGodog(t, "pretty")) })
	t.Run("cucumber", func(t *testing.T) {
		var features []struct {
			Elements []struct {
				Steps []struct {
					Result struct {
						Error string `json:"error_message"`
					} `json:"result"`
				} `json:"steps"`
			} `json:"elements"`
		}
		if err := json.Unmarshal([]byte(runGodog(t, "cucumber")), &features); err != nil {
			t.Fatal(err)
		}
		shownOnce(t, "cucumber JSON", features[0].Elements[0].Steps[0].Result.Error)
	})
	sc := grading.Scenario{Feature: "groups", Name: "describe_group shows the offsets", Tags: []string{"@section-5", "@points:2"},
		Status: grading.Failed, Output: msg, Took: time.Second}
	t.Run("gradescope", func(t *testing.T) {
		var b bytes.Buffer
		if err := grading.WriteJSON(&b, grading.ToGradescope([]grading.Scenario{sc})); err != nil {
			t.Fatal(err)
		}
		var g struct {
			Tests []struct {
				Output string `json:"output"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(b.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		// Markdown shows a code span as it is: the line between backticks, unescaped.
		if out := g.Tests[0].Output; !strings.Contains(out, "`"+toolLine+"`") || strings.Contains(out, `\"`) {
			t.Errorf("results.json's Markdown does not show %s once:\n%s", toolLine, out)
		}
	})
	t.Run("junit", func(t *testing.T) {
		var b bytes.Buffer
		if err := grading.WriteJUnit(&b, []grading.Scenario{sc}); err != nil {
			t.Fatal(err)
		}
		var j struct {
			Suites []struct {
				Cases []struct {
					Failure struct {
						Text string `xml:",chardata"`
					} `xml:"failure"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(b.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		shownOnce(t, "JUnit XML", j.Suites[0].Cases[0].Failure.Text)
	})
	t.Run("class report", func(t *testing.T) {
		out := t.TempDir()
		rec := grading.RecordOf("bob", []grading.Scenario{sc}, time.Minute)
		if err := grading.WriteReports(filepath.Join(out, "bob"), []grading.Scenario{sc}, rec); err != nil {
			t.Fatal(err)
		}
		if err := grading.WriteClassReport(out, []grading.Record{rec}, nil); err != nil {
			t.Fatal(err)
		}
		page, err := os.ReadFile(filepath.Join(out, grading.IndexFile))
		if err != nil {
			t.Fatal(err)
		}
		// The browser shows the page's text with its entities decoded.
		shownOnce(t, "the class report", html.UnescapeString(string(page)))
	})
}

// runGodog runs a one-step feature whose step fails with toolCheck, and returns what the
// formatter wrote.
func runGodog(t *testing.T, format string) string {
	t.Helper()
	var out bytes.Buffer
	suite := godog.TestSuite{
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Step(`^the student's describe_group command runs$`, func() error { return toolCheck })
		},
		Options: &godog.Options{Format: format, Output: &out, NoColors: true, Paths: []string{"groups.feature"},
			FS: fstest.MapFS{"groups.feature": {Data: []byte("Feature: groups\n  Scenario: describe_group shows the offsets\n    When the student's describe_group command runs\n")}}},
	}
	if suite.Run() == 0 {
		t.Fatal("the step should fail")
	}
	return out.String()
}
