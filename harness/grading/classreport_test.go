package grading

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostile is what a student program printed, shown in its check's message: the page must show
// it as text.
const hostile = `<script>alert("pwned")</script><img src=x onerror=alert(1)>`

// The fake class's scenarios: section 1's ZooKeeper start (skipped on 4.x), two of section 2,
// section 6's pipeline and its exactly-once bonus.
var (
	zkStart   = Scenario{Feature: "start", Name: "the ZooKeeper start", Tags: []string{"@section-1", "@points:2"}}
	topic     = Scenario{Feature: "topics", Name: "my_first_topic has 10 partitions", Tags: []string{"@section-2", "@points:2"}}
	describe  = Scenario{Feature: "topics", Name: "describe_topic shows the partitions", Tags: []string{"@section-2", "@points:2"}}
	pipeline  = Scenario{Feature: "pipeline", Name: "the balances are right", Tags: []string{"@section-6", "@points:7"}}
	exactOnce = Scenario{Feature: "pipeline", Name: "exactly once", Tags: []string{"@section-6", "@points:3", "@optional"}}
)

func ended(sc Scenario, status Status, output string) Scenario {
	sc.Status, sc.Output, sc.Took = status, output, time.Second
	return sc
}

// bobsMessage is the failed check of the fake class's bob, as a check words it.
const bobsMessage = "expected: my_first_topic with 10 partitions\nobserved: 3 partitions\n" +
	"hint (lab section 2, answers.yaml `create_topic`): --partitions 10\nend of its output: " + hostile

// fakeClass writes the report folders of a batch into out, as its gradings would: alice passes
// everything with the bonus, bob fails section 2's topic (with hostile output), carol's grading
// met a harness error, dave's timed out, erin's record has no scenarios, frank's ZooKeeper start
// was skipped and his exactly-once failed; the Kafka checks passed.
func fakeClass(t *testing.T, out string) []Record {
	t.Helper()
	graded := map[string][]Scenario{
		"alice": {ended(zkStart, Passed, ""), ended(topic, Passed, ""), ended(describe, Passed, ""), ended(pipeline, Passed, ""), ended(exactOnce, Passed, "")},
		"bob": {ended(zkStart, Passed, ""), ended(topic, Failed, bobsMessage), ended(describe, Passed, ""), ended(pipeline, Passed, ""),
			ended(exactOnce, Failed, "expected: each transaction once\nobserved: 2 counted twice")},
		"carol": {ended(zkStart, Passed, ""), ended(topic, HarnessError, "the cluster did not start")},
		"erin":  {ended(zkStart, Passed, ""), ended(topic, Passed, ""), ended(describe, Passed, ""), ended(pipeline, Failed, "expected: x\nobserved: y")},
		"frank": {ended(zkStart, Skipped, "no ZooKeeper on Kafka 4.x"), ended(topic, Passed, ""), ended(describe, Passed, ""), ended(pipeline, Passed, ""),
			ended(exactOnce, Failed, "expected: each transaction once\nobserved: 1 counted twice")},
	}
	var records []Record
	for student, scenarios := range graded {
		rec := RecordOf(student, scenarios, 40*time.Second)
		if err := WriteReports(filepath.Join(out, student), scenarios, rec); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, student, "cucumber.json"), []byte("[]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		records = append(records, rec)
	}
	// erin's score.json is an older kafka-lab's, without the scenarios.
	for i := range records {
		if records[i].Student == "erin" {
			records[i].Scenarios = nil
		}
	}
	dave := Record{Student: "dave", Status: Timeout, Seconds: 900, Error: "not done within 15m0s: stopped"}
	if err := WriteUnfinished(filepath.Join(out, "dave"), dave); err != nil {
		t.Fatal(err)
	}
	records = append(records, dave)
	if err := WriteKafkaChecks(filepath.Join(out, KafkaChecksDir), KafkaChecks{Image: "kafka-lab/kafka:3.9.1", Passed: 4, Skipped: 1,
		Finished: "2026-12-01T10:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(records, func(a, b Record) int { return strings.Compare(a.Student, b.Student) })
	return records
}

// TestClassReportCounts: the numbers the page shows, read from the records and the report
// folders.
func TestClassReportCounts(t *testing.T) {
	out := t.TempDir()
	r := buildClassReport(out, fakeClass(t, out), nil)
	if r.Students != 5+1 || r.Graded != 4 || r.Errors != 1 || r.Timeouts != 1 {
		t.Errorf("students %d, graded %d, errors %d, timeouts %d; want 6, 4, 1, 1", r.Students, r.Graded, r.Errors, r.Timeouts)
	}
	// Mandatory points: alice 13, bob 11, erin 6, frank 11 (his ZooKeeper start skipped: of 11).
	if r.Max != 13 || r.BonusMax != 3 || !r.MaxVaries || r.Mean != "10.2" || r.Median != "11" || r.WithBonus != 1 {
		t.Errorf("max %d bonus max %d varies %v mean %s median %s with bonus %d", r.Max, r.BonusMax, r.MaxVaries, r.Mean, r.Median, r.WithBonus)
	}
	if len(r.Histogram) != 14 || r.Histogram[11].Count != 2 || r.Histogram[13].Count != 1 || r.Histogram[13].WithBonus != 1 ||
		r.Histogram[6].Count != 1 || r.Histogram[11].Height != 100 || r.Histogram[13].Height != 50 || r.Histogram[13].BonusPart != 100 {
		t.Errorf("histogram %+v", r.Histogram)
	}
	// Per scenario: carol (error), dave (timeout) and erin (no scenarios in her record) have no result.
	want := map[string]passRate{
		zkStart.Name:   {Passed: 2, Skipped: 1, Errors: 3},
		topic.Name:     {Passed: 2, Failed: 1, Errors: 3},
		describe.Name:  {Passed: 3, Errors: 3},
		pipeline.Name:  {Passed: 3, Errors: 3},
		exactOnce.Name: {Passed: 1, Failed: 2, Errors: 3},
	}
	if len(r.Scenarios) != len(want) {
		t.Errorf("%d scenarios, want %d", len(r.Scenarios), len(want))
	}
	for i, sc := range r.Scenarios {
		w := want[sc.Name]
		if sc.Passed != w.Passed || sc.Failed != w.Failed || sc.Errors != w.Errors || sc.Skipped != w.Skipped {
			t.Errorf("%s: %+v, want %+v", sc.Name, *sc, w)
		}
		if i > 0 && r.Scenarios[i-1].Section > sc.Section {
			t.Errorf("scenarios not in section order: %s after %s", sc.Name, r.Scenarios[i-1].Name)
		}
	}
	if len(r.Sections) != 3 {
		t.Fatalf("sections %+v", r.Sections)
	}
	if s2 := r.Sections[1]; s2.Section != 2 || s2.Passed != 5 || s2.Failed != 1 || s2.Errors != 6 || s2.Rate() != "83%" || s2.Whole != 3 {
		t.Errorf("section 2: %+v (%s), want 5 passed, 1 failed, 6 errors, 83%%, 3 whole", *s2, s2.Rate())
	}
	// Section 6: alice, bob and frank have every mandatory check; erin failed the pipeline.
	if s6 := r.Sections[2]; s6.Passed != 4 || s6.Failed != 2 || s6.Rate() != "67%" || s6.Whole != 3 || !s6.Mandatory {
		t.Errorf("section 6: %+v (%s)", *s6, s6.Rate())
	}
	if len(r.NotGraded) != 2 || r.NotGraded[0].Student != "carol" || r.NotGraded[1].Student != "dave" {
		t.Errorf("not graded: %+v", r.NotGraded)
	}
	var failing []string
	for _, row := range r.Failing {
		failing = append(failing, row.Student)
	}
	if strings.Join(failing, " ") != "bob frank" {
		t.Errorf("students with failed checks: %v, want bob frank (erin's results are missing)", failing)
	}
	if erin := r.Rows[4]; erin.Student != "erin" || !strings.Contains(erin.Note, "no per-scenario results") {
		t.Errorf("erin: %+v", erin)
	}
	if r.Kafka == nil || !r.Kafka.OK() || r.Kafka.Passed != 4 {
		t.Errorf("Kafka checks %+v", r.Kafka)
	}
	bob := r.Rows[1]
	if len(bob.Failed) != 2 || bob.Failed[0].Lines[0] != (messageLine{"expected:", " my_first_topic with 10 partitions"}) {
		t.Errorf("bob's failed checks: %+v", bob.Failed)
	}
	var names []string
	for _, l := range bob.Links {
		names = append(names, l.Href)
	}
	if got := strings.Join(names, " "); got != "./bob/summary.txt ./bob/results.json ./bob/cucumber.json" {
		t.Errorf("bob's links: %s", got)
	}
}

// TestClassReportPage: index.html shows the numbers and the messages, escapes what a
// submission wrote, and loads nothing.
func TestClassReportPage(t *testing.T) {
	out := t.TempDir()
	if err := WriteClassReport(out, fakeClass(t, out), nil); err != nil {
		t.Fatal(err)
	}
	page := readPage(t, out)
	for _, want := range []string{
		`<b id="students">6</b>`, `<b id="graded">4</b>`, `<b id="errors">1</b>`, `<b id="timeouts">1</b>`,
		`<tr data-section="2">`, `<span class="pct">83%</span>`,
		`<b>expected:</b> my_first_topic with 10 partitions`, `<b>observed:</b> 3 partitions`,
		"<b>hint (lab section 2, answers.yaml `create_topic`):</b> --partitions 10",
		`href="./bob/summary.txt"`, `href="./bob/results.json"`, `href="./carol/results.json"`,
		"not done within 15m0s: stopped", "the cluster did not start", "erin: score.json has no per-scenario results",
		`href="./.kafka-checks/kafka-checks.json"`, "kafka-lab/kafka:3.9.1", "4 passed, 1 skipped, 0 failed",
		"1 of 4 graded submission(s) earned some",
		`<tr data-student="bob"><td><a href="#student-2">bob</a></td>` + "\n" + `<td class="status-graded">11/13</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, hostile) || strings.Contains(page, "<script") || strings.Contains(page, "<img") {
		t.Error("the page holds the submission's output unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") {
		t.Error("the page does not show the submission's output as text")
	}
	selfContained(t, page)
}

// selfContained fails if the page would fetch anything: no script, stylesheet, image, frame or
// font from elsewhere, and a policy that forbids them all.
func selfContained(t *testing.T, page string) {
	t.Helper()
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("the page has no Content-Security-Policy that forbids fetching")
	}
	// In markup only: the text shown (escaped) may say anything.
	for _, re := range []string{`<script`, `<link`, `<iframe`, `<object`, `<embed`, `<[a-z]+[^>]*\ssrc=`, `url\(`, `@import`, `https?://`} {
		if m := regexp.MustCompile(re).FindString(page); m != "" {
			t.Errorf("the page may load from elsewhere: %q", m)
		}
	}
}

// TestClassReportHostileNames: a student's folder name is shown as text and linked as a path,
// never as markup or a URL scheme.
func TestClassReportHostileNames(t *testing.T) {
	out := t.TempDir()
	for _, name := range []string{`x"><b onmouseover=alert(1)>`, "javascript:alert(1)", "a b#c?d"} {
		scenarios := []Scenario{ended(topic, Failed, "expected: a\nobserved: b")}
		if err := WriteReports(filepath.Join(out, name), scenarios, RecordOf(name, scenarios, time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	records, err := Merge([]string{filepath.Join(out, `x"><b onmouseover=alert(1)>`), filepath.Join(out, "javascript:alert(1)"), filepath.Join(out, "a b#c?d")})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteClassReport(out, records, nil); err != nil {
		t.Fatal(err)
	}
	page := readPage(t, out)
	for _, bad := range []string{"<b onmouseover", `href="javascript:`, `href="a b#c?d`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{`href="./javascript:alert%281%29/summary.txt"`, `href="./a%20b%23c%3Fd/summary.txt"`, "x&#34;&gt;&lt;b onmouseover=alert(1)&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestClassReportOfMerge: report folders elsewhere than the page are linked relative to it,
// and a folder that is gone is said to be.
func TestClassReportOfMerge(t *testing.T) {
	root := t.TempDir()
	reports, out := filepath.Join(root, "reports", "students"), filepath.Join(root, "reports", "class")
	scenarios := []Scenario{ended(topic, Passed, ""), ended(describe, Failed, "expected: a\nobserved: b")}
	if err := WriteReports(filepath.Join(reports, "pod-0"), scenarios, RecordOf("alice", scenarios, time.Second)); err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(reports, "pod-0"), filepath.Join(reports, "pod-1")}
	records, err := Merge(dirs)
	if err != nil {
		t.Fatal(err)
	}
	folders := ReportFolders(dirs)
	if folders["alice"] != dirs[0] || folders["pod-1"] != dirs[1] {
		t.Errorf("folders %v", folders)
	}
	if err := WriteClassReport(out, records, folders); err != nil {
		t.Fatal(err)
	}
	page := readPage(t, out)
	for _, want := range []string{`href="../students/pod-0/summary.txt"`, "<b>observed:</b> b", `<span class="pct">50%</span>`, "no report folder"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if !strings.Contains(page, "No result of the Kafka checks") {
		t.Error("the page should say the Kafka checks' result is not there")
	}
	// A batch whose tags hold no Kafka check writes a result of none.
	if err := WriteKafkaChecks(filepath.Join(out, KafkaChecksDir), KafkaChecksOf("img", nil, time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := WriteClassReport(out, records, folders); err != nil {
		t.Fatal(err)
	}
	if page := readPage(t, out); !strings.Contains(page, "no @kafka-only scenario matched") {
		t.Error("the page should say that no Kafka check matched the tags")
	}
}

func readPage(t *testing.T, out string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestClassReportEdges: a class with no submission, a wide score range and a long message.
func TestClassReportEdges(t *testing.T) {
	out := t.TempDir()
	if err := WriteClassReport(out, nil, nil); err != nil {
		t.Fatal(err)
	}
	if page := readPage(t, out); !strings.Contains(page, `<b id="students">0</b>`) || !strings.Contains(page, "No graded submission failed a check") {
		t.Errorf("an empty class's page:\n%s", page)
	}
	var records []Record
	for p := range 101 {
		records = append(records, Record{Student: strconv.Itoa(p), Status: Graded, Points: p, Max: 100})
	}
	if h := histogram(records, 100); len(h) != 21 || h[0].Label != "0-4" || h[20].Label != "100" || h[0].Count != 5 || h[20].Count != 1 {
		t.Errorf("100 points in %d bins: first %+v, last %+v", len(h), h[0], h[len(h)-1])
	}
	long := ended(topic, Failed, "expected: a\nobserved: "+strings.Repeat("x", 2*messageCap))
	if f := newFailedCheck(long); !f.Cut || len(f.Lines) != 2 || len(f.Lines[1].Text) > messageCap {
		t.Errorf("a long message: cut %v, %d lines", f.Cut, len(f.Lines))
	}
}

// TestClassReportWrongObservations: section 7's wrong observations are counted once per
// student, the most common first, and shown on the page.
func TestClassReportWrongObservations(t *testing.T) {
	experiment := Scenario{Feature: "ha", Name: "the acks experiment, replayed", Tags: []string{"@section-7", "@points:3", "@optional"}}
	msg := func(labels ...string) string {
		var b strings.Builder
		b.WriteString("expected: every observation as Kafka did\nobserved: 2 trials differ\n")
		for _, l := range labels {
			b.WriteString("  trial: ...\n  " + WrongObservation + l + "\n")
		}
		return b.String()
	}
	zeroDown := "acks=0, 1 down: producer_saw error (Kafka: acknowledged)"
	twoDown := "acks=all, 2 down: read_after_back yes (Kafka: no)"
	var records []Record
	for student, sc := range map[string]Scenario{
		"ana":  ended(experiment, Failed, msg(zeroDown, twoDown, zeroDown)),
		"ben":  ended(experiment, Failed, msg(zeroDown)),
		"cleo": ended(experiment, Passed, ""),
		"dan":  ended(experiment, Failed, msg(twoDown+"<b>")),
	} {
		records = append(records, RecordOf(student, []Scenario{sc}, time.Second))
	}
	out := t.TempDir()
	r := buildClassReport(out, records, nil)
	want := []observation{{zeroDown, 2}, {twoDown, 1}, {twoDown + "<b>", 1}}
	if !slices.Equal(r.Observations, want) {
		t.Errorf("observations %+v, want %+v", r.Observations, want)
	}
	if err := WriteClassReport(out, records, nil); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`id="observations"`, "<td>acks=0, 1 down: producer_saw error (Kafka: acknowledged)</td><td class=\"n\">2</td>", "&lt;b&gt;"} {
		if !strings.Contains(string(page), w) {
			t.Errorf("the page lacks %q", w)
		}
	}
}
