package kafkalab

import (
	"errors"
	"os/exec"
	"path/filepath"
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
	out, code = run("check", "-section", "2", abs("wrong-topic-name"))
	if code != 1 || !strings.Contains(out, "Not passed yet: section 2") || !strings.Contains(out, "my_first_topic") {
		t.Errorf("check of wrong-topic-name's section 2: exit %d, want 1, the section not passed and what was expected:\n%s", code, out)
	}
	out, code = run("handout")
	if code != 0 || !strings.Contains(out, "my_first_topic") {
		t.Errorf("handout: exit %d:\n%.500s", code, out)
	}
	assertNoKafkaLabContainers(t)
}
