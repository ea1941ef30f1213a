package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/spec"
)

func TestUsageStatuses(t *testing.T) {
	for _, c := range []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"help"}, 0},
		{[]string{"no-such-command"}, 2},
		{[]string{"check", "-help"}, 0},
		{[]string{"check", "-section", "9"}, 2},
		{[]string{"check", "a", "b"}, 2},
		{[]string{"check", "-section", "2", "-tags", "@x"}, 2},
		{[]string{"grade"}, 2},
		{[]string{"grade", "-merge"}, 2},
		{[]string{"grade", "-kafka-checks", "some-folder"}, 2},
		{[]string{"grade", "-no-such-flag"}, 2},
		{[]string{"handout", "extra"}, 2},
		{[]string{"cluster"}, 2},
		{[]string{"cluster", "up", "single", "extra"}, 2},
		{[]string{"cluster", "sideways"}, 2},
		{[]string{"version"}, 0},
		{[]string{"image", "extra"}, 2},
		{[]string{"image", "-image", "apache/kafka:3.9.1"}, 0},
	} {
		if got := Main(c.args); got != c.want {
			t.Errorf("kafka-lab %v: exit %d, want %d", c.args, got, c.want)
		}
	}
}

func TestLookAtFolder(t *testing.T) {
	dir := t.TempDir()
	if _, err := lookAtFolder(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder was accepted")
	}
	file := filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(file, []byte("create_topic: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := lookAtFolder(file); err == nil {
		t.Error("a file was accepted as the folder")
	}
	abs, err := lookAtFolder(dir)
	if err != nil || abs != dir {
		t.Errorf("lookAtFolder(%s) = %q, %v", dir, abs, err)
	}
}

func TestGradeArgsCarryTheFeatures(t *testing.T) {
	c := &gradeCmd{self: []string{"/bin/kafka-lab", "grade"}}
	if got := c.args("-worker"); len(got) != 2 || got[0] != "grade" || got[1] != "-worker" {
		t.Errorf("built-in features: args %q", got)
	}
	if c.paths() != nil {
		t.Errorf("built-in features: paths %q", c.paths())
	}
	c.features = "/x/features"
	if got := c.args("-worker"); len(got) != 4 || got[1] != "-features" || got[2] != "/x/features" {
		t.Errorf("features on disk: args %q", got)
	}
}

// Where Kafka runs reaches the suite as options and a batch's children as flags: nothing is
// passed through the process's environment.
func TestGradeOptionsCarryWhereKafkaRuns(t *testing.T) {
	t.Setenv("KAFKA_LAB_DIST", "")
	c := &gradeCmd{self: []string{"/bin/kafka-lab", "grade"}, features: "/x/features", dist: "/opt/dist", sameUser: true}
	o := c.options(spec.Options{Tags: "@section-2"})
	if o.Dist != "/opt/dist" || !o.SameUser || !slices.Equal(o.Paths, []string{"/x/features"}) || o.Tags != "@section-2" {
		t.Errorf("options %+v", o)
	}
	want := []string{"grade", "-features", "/x/features", "-dist", "/opt/dist", "-local-same-user", "-worker"}
	if got := c.args("-worker"); !slices.Equal(got, want) {
		t.Errorf("a child's args %q, want %q", got, want)
	}
	if !strings.HasPrefix(c.checksKey(""), "local:/opt/dist,") {
		t.Errorf("the Kafka checks' key %q does not name the distribution", c.checksKey(""))
	}
	if os.Getenv("KAFKA_LAB_DIST") != "" {
		t.Error("KAFKA_LAB_DIST was set")
	}
}

func TestKafkaVersionOfImage(t *testing.T) {
	t.Setenv("KAFKA_VERSION", "4.1.1")
	for ref, want := range map[string]string{
		"kafka-lab/kafka:3.9.1":  "3.9.1",
		"kafka-lab/kafka:latest": "4.1.1",
		"kafka-lab/kafka":        "4.1.1",
	} {
		if got := kafkaVersion(ref, ""); got != want {
			t.Errorf("kafkaVersion(%q) = %q, want %q", ref, got, want)
		}
	}
	if got := kafkaVersion("kafka-lab/kafka:3.9.1", "4.4.0"); got != "4.4.0" {
		t.Errorf("a given version: %q", got)
	}
}
