package kafkalab

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/internal/gradescopetest"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// TestGradescopeBundle builds the Gradescope autograder bundle, unpacks it as Gradescope does,
// runs its setup.sh and then its run_autograder on the reference submission (uploaded as one
// folder) with no Docker engine reachable, and checks results.json: it follows Gradescope's
// format and gives the reference every mandatory point. Kafka and the programs run as local
// processes; none is left when it ends.
func TestGradescopeBundle(t *testing.T) {
	integration.Require(t) // it builds its own distribution, and needs no engine
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root := t.TempDir() // stands for /autograder
	zipPath := filepath.Join(t.TempDir(), "autograder.zip")
	run(ctx, t, nil, "bash", "gradescope/bundle.sh", zipPath)
	unzip(t, zipPath, filepath.Join(root, "source"))
	run(ctx, t, nil, "bash", filepath.Join(root, "source", "setup.sh"))

	// The student uploaded their folder, not its files: the reference, whose generator first
	// tries to write the reports and read the grader's files (it stops if it can, and the
	// reference then loses points). /autograder is open to everyone, as on Gradescope.
	upload := filepath.Join(root, "submission", "my-lab")
	if err := os.CopyFS(upload, os.DirFS(filepath.Join(attacksDir, "write-results"))); err != nil {
		t.Fatal(err)
	}
	// Section 7's own brokers and acks experiment, as local processes run them: the
	// reference's answers and configuration files.
	if err := os.CopyFS(filepath.Join(upload, "config"), os.DirFS(filepath.Join(submissionsDir, "reference", "config"))); err != nil {
		t.Fatal(err)
	}
	answers, err := os.ReadFile(filepath.Join(submissionsDir, "reference", "answers.yaml"))
	if err == nil {
		err = os.WriteFile(filepath.Join(upload, "answers.yaml"), answers, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	targets := fmt.Sprintf("results %s\nsecret %s\nsecret %s\n", filepath.Join(root, "results"),
		filepath.Join(root, "source", "run_autograder"), filepath.Join(upload, "answers.yaml"))
	if err := os.WriteFile(filepath.Join(upload, "targets.txt"), []byte(targets), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	out := run(ctx, t, []string{"AUTOGRADER_ROOT=" + root, "DOCKER_HOST=unix:///nonexistent/docker.sock"},
		filepath.Join(root, "source", "run_autograder"))
	t.Logf("run_autograder: %v", time.Since(start).Round(time.Second))

	if _, err := os.Stat(filepath.Join(root, "results", "pwned.txt")); err == nil {
		t.Error("a student program wrote into the results folder")
	}
	data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
	if err != nil {
		t.Fatalf("no results.json: %v\n%s", err, tail(out, 40))
	}
	if err := gradescopetest.Check(data); err != nil {
		t.Errorf("results.json does not follow Gradescope's format: %v", err)
	}
	var res grading.Gradescope
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	mandatory, failed, ownParts := 0.0, []string{}, 0
	for _, tc := range res.Tests {
		// A student's results hold only what depends on the submission.
		if strings.Contains(tc.Name, "acks=") || strings.Contains(tc.Name, "brokers crash") || strings.Contains(tc.Name, "KRaft mode answers") {
			t.Errorf("results.json has a scenario that checks Kafka itself: %s", tc.Name)
		}
		mandatory += tc.MaxScore
		if tc.Status == "failed" && tc.MaxScore > 0 {
			failed = append(failed, tc.Name+": "+tc.Output)
		}
		if strings.Contains(tc.Name, "start_cluster") || strings.Contains(tc.Name, "acks experiment") {
			ownParts++
			if tc.Status != "passed" {
				t.Errorf("section 7's %q did not pass with local processes: %s", tc.Name, tc.Output)
			}
		}
	}
	if len(failed) > 0 || mandatory == 0 || res.Score < mandatory {
		t.Errorf("the reference scored %v of %v mandatory points; failed:\n%s\n%s", res.Score, mandatory, strings.Join(failed, "\n"), tail(out, 40))
	}
	if ownParts != 2 {
		t.Errorf("results.json has %d of section 7's parts from the student's own work (start_cluster, the acks experiment), want 2", ownParts)
	}
	t.Logf("results.json: score %v (mandatory %v), %d tests; %s", res.Score, mandatory, len(res.Tests), strings.ReplaceAll(res.Output, "\n", "; "))

	// Nothing of the run is left: no run folder, no process marked with a run.
	if entries, _ := os.ReadDir(container.LocalDir()); len(entries) > 0 {
		for _, e := range entries {
			if e.IsDir() {
				t.Errorf("a local run's folder is left: %s", e.Name())
			}
		}
	}
	if pids := markedProcesses(); len(pids) > 0 {
		t.Errorf("processes of a local run are left: %v", pids)
	}
}

// run runs a command from the project folder and fails the test if it fails.
func run(ctx context.Context, t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(out), 60))
	}
	return string(out)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// unzip unpacks a zip with its files' modes, as unzip(1) on Gradescope does.
func unzip(t *testing.T, path, dst string) {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.File {
		target := filepath.Join(dst, f.Name)
		if !strings.HasPrefix(target, filepath.Clean(dst)+string(os.PathSeparator)) {
			t.Fatalf("zip entry %s leaves the folder", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		in, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, f.Mode().Perm())
		if err == nil {
			_, err = io.Copy(out, in)
			out.Close()
		}
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// markedProcesses lists the processes that carry a local run's mark in their environment.
func markedProcesses() []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && strings.Contains(string(env), "KAFKALAB_RUN=") {
			pids = append(pids, e.Name())
		}
	}
	return pids
}
