package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/fault"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/steps"
)

func TestLaneFormat(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "cucumber.json")
	format, merge, ok := laneFormat("pretty,cucumber:"+main, 2)
	if !ok || format(0) != "pretty,cucumber:"+main+".lane-1" || format(1) != "pretty,cucumber:"+main+".lane-2" {
		t.Fatalf("laneFormat = %q, %q, %v", format(0), format(1), ok)
	}
	write := func(path string, features ...string) {
		b, _ := json.Marshal(features)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(main, "01", "02")
	write(main+".lane-1", "06")
	write(main+".lane-2", "07")
	if err := merge(); err != nil {
		t.Fatal(err)
	}
	var got []string
	b, _ := os.ReadFile(main)
	if err := json.Unmarshal(b, &got); err != nil || len(got) != 4 || got[2] != "06" || got[3] != "07" {
		t.Errorf("merged %q (%v); want the lanes' features after the main pass's", got, err)
	}
	if _, err := os.Stat(main + ".lane-1"); !errors.Is(err, os.ErrNotExist) {
		t.Error("a lane's file is left behind")
	}
	if err := merge(); err != nil {
		t.Errorf("a lane that wrote nothing: %v", err)
	}
	if _, _, ok := laneFormat("junit:"+filepath.Join(dir, "junit.xml"), 2); ok {
		t.Error("a JUnit file cannot be merged: section 6 must run in the main pass")
	}
}

func TestScenarioStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want grading.Status
	}{
		{nil, grading.Passed},
		{errors.New("expected: x"), grading.Failed},
		{godog.ErrSkip, grading.Skipped},
		{godog.ErrPending, grading.Pending},
		{fault.Harness("start the single cluster", errors.New("no engine")), grading.HarnessError},
	} {
		if got := Scenario(steps.Result{Err: tc.err}).Status; got != tc.want {
			t.Errorf("Scenario(%v).Status = %s; want %s", tc.err, got, tc.want)
		}
	}
}

// OnScenario hears of each scenario as it ends, with the result Grade returns for it.
func TestOnScenario(t *testing.T) {
	dir := t.TempDir()
	feature := "@section-2\nFeature: hooks\n\n  @points:1\n  Scenario: one\n    Given a step nobody wrote\n\n" +
		"  @points:2\n  Scenario: two\n    Given another step nobody wrote\n"
	if err := os.WriteFile(filepath.Join(dir, "hooks.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	var heard []grading.Scenario
	graded, err := Grade(Options{Paths: []string{dir}, OneLane: true, Submission: t.TempDir(), Format: "progress",
		OnScenario: func(sc grading.Scenario) { heard = append(heard, sc) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(heard) != 2 || len(graded.Scenarios) != 2 {
		t.Fatalf("heard %d scenarios, graded %d; want 2", len(heard), len(graded.Scenarios))
	}
	for i, sc := range graded.Scenarios {
		if h := heard[i]; h.Name != sc.Name || h.Status != sc.Status || h.Status != grading.Undefined || h.Output != sc.Output {
			t.Errorf("heard %+v, graded %+v", h, sc)
		}
	}
}

// Where Kafka runs reaches the session as the options say, not through the environment: an
// option set wins over the environment's, one left empty keeps it (session.FromEnv).
func TestOptionsReachTheSession(t *testing.T) {
	t.Setenv("KAFKA_LAB_DIST", "/env/dist")
	t.Setenv("KAFKA_LAB_LOCAL_SAME_USER", "")
	t.Setenv("KAFKA_LAB_IMAGE", "")
	s := NewGrader(Options{Dist: "/opt/dist", SameUser: true, Image: "apache/kafka:3.9.1"}).suite.Session
	if s.Dist != "/opt/dist" || !s.SameUser || s.Image != "apache/kafka:3.9.1" {
		t.Errorf("session: dist %q, same user %v, image %q; want the options'", s.Dist, s.SameUser, s.Image)
	}
	if s := NewGrader(Options{}).suite.Session; s.Dist != "/env/dist" || s.SameUser {
		t.Errorf("no options: dist %q, same user %v; want the environment's", s.Dist, s.SameUser)
	}
	t.Setenv("KAFKA_LAB_LOCAL_SAME_USER", "1")
	if s := NewGrader(Options{}).suite.Session; !s.SameUser {
		t.Error("KAFKA_LAB_LOCAL_SAME_USER=1 is not the session's default")
	}
}
