package kafkalab

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// standIn is the image testdata/official-image builds: kafka-lab's Kafka image made to differ
// from the official apache/kafka as that one does (no Python, none of kafka-lab's labels, an
// entry point that wraps the command, a user of its own; its Dockerfile lists what it mimics
// and what not). No registry is reachable here to pull the real one.
const standIn = "kafka-lab-test/official-stand-in:3.9.1"

// TestOfficialImageStandIn grades section 6 on the stand-in for apache/kafka:3.9.1, as
// KAFKA_LAB_IMAGE=apache/kafka:3.9.1 would: the lab's commands and the brokers run from it, the
// student's programs from the program image (harness/image/programs.sh), and the exactly-once
// submission passes section 6's exactly-once scenario as on kafka-lab's own image.
func TestOfficialImageStandIn(t *testing.T) {
	integration.Require(t, integration.DockerRun, integration.Docker) // local processes run no image
	kafka := cluster.ImageFromEnv()
	if !strings.HasPrefix(kafka, "kafka-lab/kafka:3.") {
		integration.Lacks(t, integration.Need{What: "kafka-lab's Kafka 3.x image, which the stand-in is built from", Get: "unset KAFKA_LAB_IMAGE"}, "KAFKA_LAB_IMAGE is "+kafka)
	}
	t.Setenv(cluster.ProgramImageEnv, "") // the harness's own choice is under test
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0") // the classic builder uses local bases as they are
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// Both builds are cached: the program image by its inputs' hash, the stand-in by Docker's
	// layer cache (a few seconds each when nothing changed).
	run("harness/image/programs.sh")
	run("docker", "build", "-q", "--build-arg", "KAFKA_IMAGE="+kafka, "-t", standIn, "testdata/official-image")
	// The stand-in differs where it should: no python3 for the programs, not root.
	if out := run("docker", "run", "--rm", standIn, "sh", "-c", "id -u; command -v python3 || echo none"); out != "1000\nnone\n" {
		t.Fatalf("the stand-in's user and python3: %q, want uid 1000 and none", out)
	}

	s := quietSuite(t)
	s.Session.Image = standIn
	// One scenario runs both programs (the generator, and the calculator killed and restarted
	// three times) with transactions, which the program image's kafka-python has (the pinned
	// one, not Debian's 2.0.2): the rest of section 6 runs the same programs the same way, and
	// grading it all here took 45 s more of CI.
	grade(t, s, "@section-6 && @exactly-once", 1, []submissionCase{{dir: "exactly-once"}})
	img, err := s.Session.KafkaImage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if img.Ref != standIn || img.Programs != cluster.DefaultProgramImage {
		t.Errorf("Kafka image %s, programs from %s (%s); want %s and %s", img.Ref, img.Programs, img.ProgramsWhy, standIn, cluster.DefaultProgramImage)
	}
}
