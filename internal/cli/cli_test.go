package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/container"
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
		{[]string{"grade", "-help"}, 0},
		{[]string{"grade", "a", "b"}, 2},
		{[]string{"grade", ""}, 1}, // a submission that is not there, not the default form's usage
		{[]string{"grade", "merge"}, 2},
		{[]string{"grade", "merge", "-help"}, 0},
		{[]string{"grade", "kafka-checks", "some-folder"}, 2},
		{[]string{"grade", "batch"}, 2},
		{[]string{"grade", "batch", "a", "b"}, 2},
		{[]string{"grade", "batch", "-help"}, 0},
		{[]string{"grade", "batch", "-quiet", "class"}, 2}, // a subcommand takes only its own flags
		{[]string{"grade", "merge", "-timeout", "1m", "reports"}, 2},
		{[]string{"grade", "worker", "extra"}, 2},
		{[]string{"grade", "-merge"}, 2},
		{[]string{"grade", "-merge", "-help"}, 0},
		{[]string{"grade", "-kafka-checks", "some-folder"}, 2},
		{[]string{"grade", "-batch", "-merge", "x"}, 2},
		{[]string{"grade", "-batch=maybe", "x"}, 2},
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
	if got := c.args(gradeSubWorker); !slices.Equal(got, []string{"grade", "worker"}) {
		t.Errorf("built-in features: args %q", got)
	}
	if c.paths() != nil {
		t.Errorf("built-in features: paths %q", c.paths())
	}
	c.features = "/x/features"
	if got := c.args(gradeSubWorker); !slices.Equal(got, []string{"grade", "worker", "-features", "/x/features"}) {
		t.Errorf("features on disk: args %q", got)
	}
	c.self = []string{"/bin/grade"} // cmd/grade
	if got := c.args(gradeSubKafkaChecks, "-quiet"); !slices.Equal(got, []string{"kafka-checks", "-features", "/x/features", "-quiet"}) {
		t.Errorf("cmd/grade: args %q", got)
	}
}

// Each of grade's old mode flags is its subcommand, wherever it stands among the flags, with
// the other arguments as they were; the new spelling is left as it is.
func TestGradeLegacyAliases(t *testing.T) {
	for _, c := range []struct {
		args, want []string
		legacy     bool
	}{
		{[]string{"-batch", "-workers", "2", "-tags", "@section-2", "-out", "o", "class"},
			[]string{"batch", "-workers", "2", "-tags", "@section-2", "-out", "o", "class"}, true},
		{[]string{"-out", "o", "-merge", "-class", "c", "r1", "r2"}, []string{"merge", "-out", "o", "-class", "c", "r1", "r2"}, true},
		{[]string{"-kafka-checks", "-quiet", "-out", "d"}, []string{"kafka-checks", "-quiet", "-out", "d"}, true},
		{[]string{"-features", "/f", "-worker", "-tags", "@x"}, []string{"worker", "-features", "/f", "-tags", "@x"}, true},
		{[]string{"--batch=true", "-dist=/d", "class"}, []string{"batch", "-dist=/d", "class"}, true},
		{[]string{"-batch=false", "-quiet", "sub"}, []string{"-quiet", "sub"}, true},
		// A flag's value that looks like a mode flag is a value; so is anything after the
		// first argument that is not a flag, or after "--".
		{[]string{"-tags", "-merge", "sub"}, []string{"-tags", "-merge", "sub"}, true},
		{[]string{"sub", "-batch"}, []string{"sub", "-batch"}, true},
		{[]string{"-quiet", "--", "-batch"}, []string{"-quiet", "--", "-batch"}, true},
		{[]string{"batch", "-workers", "2", "class"}, []string{"batch", "-workers", "2", "class"}, false},
		{[]string{"merge", "-batch"}, []string{"merge", "-batch"}, false},
	} {
		got, legacy, err := legacyGradeArgs(c.args)
		if err != nil || !slices.Equal(got, c.want) || legacy != c.legacy {
			t.Errorf("legacyGradeArgs(%q) = %q, %v, %v; want %q, %v", c.args, got, legacy, err, c.want, c.legacy)
		}
	}
	if _, _, err := legacyGradeArgs([]string{"-batch", "-kafka-checks"}); err == nil {
		t.Error("two modes were accepted")
	}
	// And each alias runs its subcommand: its help is the subcommand's.
	for alias, sub := range legacyGradeModes {
		got, code := gradeHelp(t, "-"+alias, "-help")
		if code != 0 || !strings.HasPrefix(got, "usage: kafka-lab grade "+sub+" ") {
			t.Errorf("grade -%s -help: exit %d, usage\n%s", alias, code, got)
		}
	}
}

// The old spelling accepts a flag of another form and ignores it, as the old grade did, and
// says so; the new spelling refuses it.
func TestGradeLegacyUnusedFlags(t *testing.T) {
	c := &gradeCmd{}
	merge, _ := c.mergeFlags("kafka-lab grade")
	kept, unused := dropUnusedGradeFlags(merge, []string{"-workers", "2", "-out", "o", "-quiet", "-timeout=1m", "-class", "c", "r1", "-quiet"})
	if want := []string{"-out", "o", "-class", "c", "r1", "-quiet"}; !slices.Equal(kept, want) || !slices.Equal(unused, []string{"workers", "quiet", "timeout"}) {
		t.Errorf("kept %q, unused %q; want %q and workers, quiet, timeout", kept, unused, want)
	}
	one, _ := c.oneFlags("kafka-lab grade")
	if kept, unused := dropUnusedGradeFlags(one, []string{"-no-such", "-quiet", "sub"}); !slices.Equal(kept, []string{"-no-such", "-quiet", "sub"}) || unused != nil {
		t.Errorf("a flag no form has is left for the parse to refuse: kept %q, unused %q", kept, unused)
	}
}

// Each form's help lists its own flags, and none names the batch's worker.
func TestGradeHelpPerForm(t *testing.T) {
	for _, c := range []struct {
		args     []string
		has, not []string
	}{
		{[]string{"-help"}, []string{"-out", "-prairielearn", "-quiet", "-dist", "-features"}, []string{"-workers", "-class", "-no-kafka-checks"}},
		{[]string{"batch", "-help"}, []string{"-workers", "-no-kafka-checks", "-dist", "-out"}, []string{"-prairielearn", "-quiet", "-class"}},
		{[]string{"merge", "-help"}, []string{"-class", "-out"}, []string{"-workers", "-tags", "-timeout", "-dist", "-features", "-quiet"}},
		{[]string{"kafka-checks", "-help"}, []string{"-quiet", "-timeout", "-dist"}, []string{"-workers", "-class", "-prairielearn"}},
	} {
		got, code := gradeHelp(t, c.args...)
		if code != 0 {
			t.Errorf("grade %q: exit %d", c.args, code)
		}
		listed := func(f string) bool { return regexp.MustCompile(`(?m)^  ` + f + `\b`).MatchString(got) }
		for _, f := range c.has {
			if !listed(f) {
				t.Errorf("grade %q does not list %s:\n%s", c.args, f, got)
			}
		}
		for _, f := range c.not {
			if listed(f) {
				t.Errorf("grade %q lists %s:\n%s", c.args, f, got)
			}
		}
		if regexp.MustCompile(`\bworker\b`).MatchString(got) {
			t.Errorf("grade %q names the worker:\n%s", c.args, got)
		}
	}
	if strings.Contains(mainUsage, "worker ") || strings.Contains(mainUsage, "-worker") {
		t.Error("kafka-lab's usage names the worker")
	}
}

// gradeHelp runs `kafka-lab grade args...` and returns what it wrote on stderr.
func gradeHelp(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var buf strings.Builder
	old := stderr
	stderr = &buf
	defer func() { stderr = old }()
	code := Main(append([]string{"grade"}, args...))
	return buf.String(), code
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
	want := []string{"grade", "worker", "-features", "/x/features", "-dist", "/opt/dist", "-local-same-user", "-tags", "@x"}
	if got := c.args(gradeSubWorker, "-tags", "@x"); !slices.Equal(got, want) {
		t.Errorf("a child's args %q, want %q", got, want)
	}
	if !strings.HasPrefix(c.checksKey(""), "local:/opt/dist,") {
		t.Errorf("the Kafka checks' key %q does not name the distribution", c.checksKey(""))
	}
	// Parsed, and refused for a stray folder, before anything runs: the environment is as it was.
	t.Setenv(container.SameUserEnv, "")
	if _, code := gradeHelp(t, "kafka-checks", "-dist", "/opt/dist", "-local-same-user", "folder"); code != 2 {
		t.Errorf("kafka-checks with a folder: exit %d, want 2", code)
	}
	if os.Getenv("KAFKA_LAB_DIST") != "" || os.Getenv(container.SameUserEnv) != "" {
		t.Error("grade set the environment")
	}
}

func TestKafkaVersionOfImage(t *testing.T) {
	t.Setenv("KAFKA_VERSION", "4.1.1")
	for ref, want := range map[string]string{
		"kafka-lab/kafka:3.9.1":       "3.9.1",
		"kafka-lab/kafka:4.4.0-jdk25": "4.4.0",
		"kafka-lab/kafka:latest":      "4.1.1",
		"kafka-lab/kafka":             "4.1.1",
	} {
		if got := kafkaVersion(ref, ""); got != want {
			t.Errorf("kafkaVersion(%q) = %q, want %q", ref, got, want)
		}
	}
	if got := kafkaVersion("kafka-lab/kafka:3.9.1", "4.4.0"); got != "4.4.0" {
		t.Errorf("a given version: %q", got)
	}
}

// -keep is the one-submission form's: a batch's workers reuse their clusters, so kept ones would
// pile up. check sets Keep itself, which options must not undo.
func TestGradeKeepOneSubmissionOnly(t *testing.T) {
	if help, _ := gradeHelp(t, "-help"); !strings.Contains(help, "-keep") {
		t.Errorf("grade -help does not list -keep:\n%s", help)
	}
	if help, _ := gradeHelp(t, "batch", "-help"); strings.Contains(help, "-keep") {
		t.Errorf("grade batch -help lists -keep:\n%s", help)
	}
	if !(&gradeCmd{keep: true}).options(spec.Options{}).Keep {
		t.Error("grade -keep did not reach the options")
	}
	if !(&gradeCmd{}).options(spec.Options{Keep: true}).Keep {
		t.Error("check's Keep was undone by options")
	}
	if (&gradeCmd{}).options(spec.Options{}).Keep {
		t.Error("Keep without -keep")
	}
}
