package kafkalab

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/image"
	"github.com/kafka-lab/kafka-lab/internal/integration"
	"github.com/kafka-lab/kafka-lab/spec"
)

// TestImageFromDockerfile builds the Kafka image as on any Docker engine (macOS, Windows,
// Ubuntu): the Dockerfile path of harness/image, from a plain Debian base. With no image
// registry here, that base is Debian's minbase made by mmdebstrap and imported
// (harness/image/debian-base.sh), in place of debian:bookworm-slim; the machine's extra CAs
// (/usr/local/share/ca-certificates) go into the build, as a user behind a proxy that
// intercepts TLS gives theirs. Then section 1 of the spec grades the reference with that image.
// The build is cached like the offline one: a second run finds the image up to date.
func TestImageFromDockerfile(t *testing.T) {
	// Root and mmdebstrap make the plain Debian base that stands in for debian:bookworm-slim.
	integration.Require(t, integration.Docker, integration.Root,
		integration.Command("mmdebstrap", "make setup installs it", true, "mmdebstrap"),
		integration.Command("the docker command", "make setup installs it", true, "docker"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	start := time.Now()
	out, err := exec.CommandContext(ctx, "harness/image/debian-base.sh").Output()
	if err != nil {
		t.Fatalf("harness/image/debian-base.sh: %v", err)
	}
	base := strings.TrimSpace(string(out))
	t.Logf("base %s (%s)", base, time.Since(start).Round(time.Second))

	var cas []string
	for _, pattern := range []string{"/usr/local/share/ca-certificates/*.crt", "/usr/local/share/ca-certificates/*/*.crt"} {
		found, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		cas = append(cas, found...)
	}
	version := os.Getenv("KAFKA_VERSION")
	if version == "" {
		version = image.DefaultKafkaVersion
	}
	start = time.Now()
	res, err := image.Ensure(ctx, image.Options{
		Ref:          "kafka-lab/kafka-dockerfile:" + version,
		KafkaVersion: version,
		Path:         image.Dockerfile,
		Base:         base,
		CAFiles:      cas,
		Log:          &testLog{t: t},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%s)", res, time.Since(start).Round(time.Second))
	if !res.UpToDate {
		t.Fatalf("Ensure: %s; want the image up to date", res)
	}
	check, err := image.Ensure(ctx, image.Options{Ref: res.Ref, KafkaVersion: version, Path: image.Dockerfile, Base: base, CAFiles: cas, CheckOnly: true})
	if err != nil || !check.UpToDate || check.Built {
		t.Errorf("the check after the build: %s, %v; want up to date, nothing built", check, err)
	}

	// Section 1 as `go test -run TestFeatures -godog.tags=@section-1` runs it: the reference's
	// start commands, and the scenarios that check Kafka itself (KRaft, ZooKeeper).
	reference, err := filepath.Abs(spec.DefaultSubmission)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	var scenarios []grading.Scenario
	for _, kafkaChecks := range []bool{false, true} {
		graded, err := spec.Grade(spec.Options{Image: res.Ref, Submission: reference, Tags: "@section-1", KafkaChecks: kafkaChecks, Format: "progress"})
		if err != nil {
			t.Fatal(err)
		}
		scenarios = append(scenarios, graded.Scenarios...)
	}
	passed := 0
	for _, sc := range scenarios {
		switch sc.Status {
		case grading.Passed:
			passed++
		case grading.Skipped:
			t.Logf("skipped: %s: %s", sc.Name, sc.Output)
		default:
			t.Errorf("%s with %s: %s: %s", sc.Name, res.Ref, sc.Status, sc.Output)
		}
	}
	if passed < 2 {
		t.Errorf("section 1 with %s: %d scenarios passed of %d graded; want the reference's and Kafka's own", res.Ref, passed, len(scenarios))
	}
	t.Logf("section 1 with %s: %d of %d scenarios passed (%s)", res.Ref, passed, len(scenarios), time.Since(start).Round(time.Second))
}

// testLog writes a build's output to the test's log, a line at a time.
type testLog struct {
	t    *testing.T
	line []byte
}

func (l *testLog) Write(p []byte) (int, error) {
	l.line = append(l.line, p...)
	for {
		i := bytes.IndexByte(l.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.t.Log(string(l.line[:i]))
		l.line = l.line[i+1:]
	}
}
