package kafkalab

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// TestKafkaLabCheck runs the kafka-lab binary as a student does, from a folder outside the
// repository (so only the features built into it can be read): `check` passes the reference's
// section 2 and fails a submission whose topic is misnamed, each with its exit status and the
// score per section; `handout` writes the built-in spec.
func TestKafkaLabCheck(t *testing.T) {
	integration.Require(t, integration.Engine)
	bin := buildCommand(t, "kafka-lab")
	elsewhere := t.TempDir()
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = elsewhere
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("kafka-lab %v: %v", args, err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	abs := func(name string) string {
		p, err := filepath.Abs(filepath.Join(submissionsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	out, code := run("check", "-section", "2", abs("reference"))
	if code != 0 || !strings.Contains(out, "section 2: 4/4") {
		t.Errorf("check of the reference's section 2: exit %d, want 0 and \"section 2: 4/4\":\n%s", code, out)
	}
	reports := t.TempDir()
	out, code = run("check", "-keep", "-out", reports, "-section", "2", abs("wrong-topic-name"))
	if code != 1 || !strings.Contains(out, "Not passed yet: section 2") || !strings.Contains(out, "my_first_topic") {
		t.Errorf("check of wrong-topic-name's section 2: exit %d, want 1, the section not passed and what was expected:\n%s", code, out)
	}
	failedScenarioEvidence(t, out, filepath.Join(reports, "cucumber.json"))
	out, code = run("handout")
	if code != 0 || !strings.Contains(out, "my_first_topic") {
		t.Errorf("handout: exit %d:\n%.500s", code, out)
	}
	assertNoKafkaLabContainers(t)
}

// failedScenarioEvidence checks what a check with -keep leaves of its one failed scenario: the
// logs of its broker and of the student's command attached to cucumber.json, on no other
// scenario; its containers kept, and the command printed that removes them, which it runs.
func failedScenarioEvidence(t *testing.T, out, cucumber string) {
	t.Helper()
	b, err := os.ReadFile(cucumber)
	if err != nil {
		t.Fatal(err)
	}
	var features []struct {
		Elements []struct {
			Name  string
			Steps []struct {
				Result     struct{ Status string }
				Embeddings []struct {
					Name     string
					MimeType string `json:"mime_type"`
					Data     []byte // base64 in the JSON
				}
			}
		}
	}
	if err := json.Unmarshal(b, &features); err != nil {
		t.Fatalf("%s: %v", cucumber, err)
	}
	attached := map[string][]string{} // scenario: its logs
	for _, f := range features {
		for _, sc := range f.Elements {
			for _, st := range sc.Steps {
				for _, e := range st.Embeddings {
					attached[sc.Name] = append(attached[sc.Name], e.Name)
					if len(e.Data) > 8<<10 || e.MimeType != "text/plain" {
						t.Errorf("%s: %s is %d bytes of %s; want at most 8 KiB of text/plain", sc.Name, e.Name, len(e.Data), e.MimeType)
					}
				}
			}
		}
	}
	logs := attached[createTopic]
	if len(attached) != 1 || !slices.ContainsFunc(logs, func(n string) bool { return strings.HasSuffix(n, "-broker-1.log") }) ||
		!slices.ContainsFunc(logs, func(n string) bool { return strings.Contains(n, "-client") }) {
		t.Errorf("logs attached in cucumber.json: %v; want the broker's and the student's command's, on the failed %q alone", attached, createTopic)
	}
	_, remove, ok := strings.Cut(out, "Once done, remove them with:\n  ")
	remove, _, _ = strings.Cut(remove, "\n")
	if !ok || !strings.Contains(out, "-broker-1") {
		t.Fatalf("check -keep did not say which containers it kept and how to remove them:\n%s", out)
	}
	if b, err := exec.Command("sh", "-c", remove).CombinedOutput(); err != nil {
		t.Errorf("the command printed to remove the kept containers: %v\n%s\n%s", err, remove, b)
	}
}
