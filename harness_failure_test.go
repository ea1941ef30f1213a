package kafkalab

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/internal/integration"
	"github.com/kafka-lab/kafka-lab/internal/prairielearntest"
	"github.com/kafka-lab/kafka-lab/spec"
)

// A harness that cannot run is no grade: every scenario it could not run is an error with the
// reason, the record says error (a batch grades it again), and no report blames the student.
// Each case breaks the harness on purpose.
func TestHarnessFailureIsNoGrade(t *testing.T) {
	reference, err := filepath.Abs(spec.DefaultSubmission)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		setup func(t *testing.T) spec.Options
		say   string
	}{
		{"no container engine", func(t *testing.T) spec.Options {
			t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-engine.sock"))
			t.Setenv("KAFKA_LAB_DIST", "")
			return spec.Options{}
		}, "reach the container engine"},
		{"the lab's port held by another program", func(t *testing.T) spec.Options {
			integration.Require(t)
			dist := os.Getenv(integration.DistEnv)
			if home, err := os.UserHomeDir(); dist == "" && err == nil {
				// Where `make dist`, which `make test` runs first, puts it.
				if d := filepath.Join(home, ".cache", "kafka-lab", "dist-"+kafkaVersion()); isDir(d) {
					dist = d
				}
			}
			if dist == "" {
				integration.Lacks(t, integration.Dist, "not set, and none where make dist puts it (local brokers bind the lab's 9092)")
			}
			l, err := net.Listen("tcp", "127.0.0.1:9092")
			if err != nil {
				integration.Lacks(t, integration.Need{What: "the lab's port 127.0.0.1:9092 free", Get: "stop what holds it"}, err.Error())
			}
			t.Cleanup(func() { l.Close() })
			return spec.Options{Dist: dist}
		}, "start the single cluster"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.setup(t)
			o.Submission, o.Tags, o.Paths, o.Format = reference, "@section-2", []string{"features"}, "progress"
			graded, err := spec.Grade(o)
			if err != nil {
				t.Fatal(err)
			}
			if len(graded.Scenarios) == 0 {
				t.Fatal("no scenario ran")
			}
			for _, sc := range graded.Scenarios {
				if sc.Status != grading.HarnessError || !strings.Contains(sc.Output, tc.say) {
					t.Errorf("%s: %s %q; want an error that says %q", sc.Name, sc.Status, sc.Output, tc.say)
				}
			}
			out := t.TempDir()
			rec := grading.RecordOf("alice", graded.Scenarios, 0)
			if err := grading.WriteReports(out, graded.Scenarios, rec); err != nil {
				t.Fatal(err)
			}
			if got, ok := grading.ReadRecord(out); !ok || got.Status != grading.Error || !strings.Contains(got.Error, tc.say) {
				t.Errorf("score.json %+v: want status error saying %q", got, tc.say)
			}
			results := readFile(t, filepath.Join(out, grading.GradescopeFile))
			if !strings.Contains(results, "could not grade") || strings.Contains(results, `"status": "failed"`) {
				t.Errorf("results.json blames a test or does not say the grading failed:\n%s", results)
			}
			if cls := readFile(t, filepath.Join(out, grading.ClassroomFile)); !strings.Contains(cls, `"status": "error"`) {
				t.Errorf("classroom.json does not say error:\n%s", cls)
			}
			pl := readFile(t, filepath.Join(out, grading.PrairieLearnFile))
			if err := prairielearntest.Check([]byte(pl)); err != nil || !strings.Contains(pl, `"gradable": false`) || strings.Contains(pl, `"score"`) {
				t.Errorf("prairielearn.json (%v) is gradable or has a score:\n%s", err, pl)
			}
			// CodeGrade would count an <error> as a failed test: it gets no file to score.
			if err := grading.WriteCodeGrade(filepath.Join(out, "codegrade.xml"), graded.Scenarios); !errors.Is(err, grading.ErrNotGraded) {
				t.Errorf("WriteCodeGrade: %v, want ErrNotGraded", err)
			}
		})
	}
}

func kafkaVersion() string {
	if v := os.Getenv("KAFKA_VERSION"); v != "" {
		return v
	}
	return "3.9.1"
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// A reset that fails is the harness's failure: the scenario before it keeps its verdict, and
// every later scenario of that cluster is an error that says why, in Docker or with local
// processes alike. The broker is removed behind the harness's back to break the reset.
func TestFailedResetIsNoGrade(t *testing.T) {
	integration.Require(t, integration.Engine)
	dir := t.TempDir()
	feature := `Feature: a reset that fails
  Scenario: the broker disappears
    Given Kafka is started in KRaft mode with one broker
    When the broker is removed behind the harness's back

  Scenario: the next scenario
    Given Kafka is started in KRaft mode with one broker
    When a client asks localhost:9092 for the brokers of the cluster
    Then it is answered by 1 broker at localhost:9092
`
	if err := os.WriteFile(filepath.Join(dir, "reset.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	s := quietSuite(t)
	godog.TestSuite{
		Name: "reset",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			s.InitializeScenario(sc)
			sc.Step(`^the broker is removed behind the harness's back$`, func(ctx context.Context) error {
				c, err := s.Session.Cluster(ctx, cluster.Single)
				if err != nil {
					return err
				}
				return c.Brokers()[0].Container.Remove(ctx)
			})
		},
		Options: &godog.Options{Paths: []string{dir}, Strict: true, Format: "progress", Output: io.Discard, Concurrency: 1},
	}.Run()
	got := spec.Scenarios(s.Results())
	if len(got) != 2 {
		t.Fatalf("%d scenarios ran, want 2", len(got))
	}
	if got[0].Status != grading.Passed {
		t.Errorf("the scenario before the reset: %s %q; its verdict stands, whatever the reset after it did", got[0].Status, got[0].Output)
	}
	if got[1].Status != grading.HarnessError || !strings.Contains(got[1].Output, "reset the single cluster") {
		t.Errorf("the scenario after the failed reset: %s %q; want an error that says the reset failed", got[1].Status, got[1].Output)
	}
}
