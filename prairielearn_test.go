package kafkalab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/internal/prairielearntest"
)

// TestPrairieLearnEntrypoint runs prairielearn/run_grader as PrairieLearn runs it, with a
// stand-in for the grader: it passes the student's folder, the results file and a time limit
// under PrairieLearn's, makes /grade/results, exits 0 (PrairieLearn reads no results of an
// entrypoint that fails), and when the grader wrote nothing leaves results that are valid for
// PrairieLearn and not gradable.
func TestPrairieLearnEntrypoint(t *testing.T) {
	for _, tc := range []struct {
		name, stub string
		want       string
	}{
		{"grader crashed", "echo \"$@\" >\"$KAFKA_LAB_HOME/args\"; exit 2", `"gradable": false`},
		{"grader wrote results", "echo \"$@\" >\"$KAFKA_LAB_HOME/args\"; for a; do last=$prev; prev=$a; done\n" +
			"printf '{\"gradable\": true, \"score\": 1, \"tests\": []}' >\"$last\"", `"score": 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, home := t.TempDir(), t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "student"), 0o755); err != nil {
				t.Fatal(err)
			}
			stub := "#!/usr/bin/env bash\n" + tc.stub + "\n"
			if err := os.WriteFile(filepath.Join(home, "kafka-lab-grade"), []byte(stub), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", "prairielearn/run_grader")
			cmd.Env = append(os.Environ(), "GRADE_ROOT="+root, "KAFKA_LAB_HOME="+home)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("run_grader: %v\n%s", err, out)
			}
			args := readFile(t, filepath.Join(home, "args"))
			for _, want := range []string{"-timeout 9m", "-prairielearn " + filepath.Join(root, "results", "results.json"), filepath.Join(root, "student")} {
				if !strings.Contains(args, want) {
					t.Errorf("the grader ran with %q, without %q", args, want)
				}
			}
			data := readFile(t, filepath.Join(root, "results", "results.json"))
			if err := prairielearntest.Check([]byte(data)); err != nil || !strings.Contains(data, tc.want) {
				t.Errorf("results.json (%v), want %s:\n%s", err, tc.want, data)
			}
		})
	}
}
