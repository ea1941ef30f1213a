package kafkalab

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rhysd/actionlint"

	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/submission"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// The GitHub Classroom template (classroom/) and the workflows of recipes/ are checked here:
// linted as GitHub would run them, and what they run is run, taken from the YAML itself.
const (
	classroomWorkflow = "classroom/.github/workflows/classroom.yml"
	commandGrader     = "classroom-resources/autograding-command-grader"
	gradingReporter   = "classroom-resources/autograding-grading-reporter"
)

// workflows are every GitHub Actions workflow this project ships.
func workflows(t *testing.T) []string {
	t.Helper()
	recipes, err := filepath.Glob("recipes/github-actions/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{classroomWorkflow}, recipes...)
}

// TestWorkflowsLint runs actionlint on every workflow: zero errors, with shellcheck on the
// run: scripts where the machine has it.
func TestWorkflowsLint(t *testing.T) {
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck is not installed: the run: scripts are not checked by it")
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	files := workflows(t)
	if len(files) < 2 {
		t.Fatalf("workflows %v: want the Classroom template's and the recipes'", files)
	}
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

// parseWorkflow reads a workflow as actionlint parses it.
func parseWorkflow(t *testing.T, path string) *actionlint.Workflow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, errs := actionlint.Parse(data)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", path, errs[0])
	}
	return w
}

// classroomJob is the template's one job: its steps, and the workflow's env.
func classroomJob(t *testing.T) (*actionlint.Job, map[string]string) {
	t.Helper()
	w := parseWorkflow(t, classroomWorkflow)
	if len(w.Jobs) != 1 {
		t.Fatalf("%s has %d jobs, want one (the image is built once, the grading runs once)", classroomWorkflow, len(w.Jobs))
	}
	env := map[string]string{}
	if w.Env != nil {
		for _, v := range w.Env.Vars {
			env[v.Name.Value] = v.Value.Value
		}
	}
	for _, j := range w.Jobs {
		return j, env
	}
	return nil, nil
}

// uses says whether a step runs the action (any version of it).
func uses(s *actionlint.Step, action string) (*actionlint.ExecAction, bool) {
	a, ok := s.Exec.(*actionlint.ExecAction)
	if !ok || a.Uses == nil {
		return nil, false
	}
	return a, strings.HasPrefix(a.Uses.Value, action+"@")
}

func input(a *actionlint.ExecAction, name string) string {
	if in, ok := a.Inputs[name]; ok && in.Value != nil {
		return in.Value.Value
	}
	return ""
}

// stepByID returns the job's step with this id.
func stepByID(t *testing.T, j *actionlint.Job, id string) *actionlint.Step {
	t.Helper()
	for _, s := range j.Steps {
		if s.ID != nil && s.ID.Value == id {
			return s
		}
	}
	t.Fatalf("%s has no step %q", classroomWorkflow, id)
	return nil
}

// TestClassroomWorkflowWiring: the reporter reads a result for each of its runners, each from
// an output of the step that cuts the grading into runners, and the grading runs through the
// command grader, whose command sees only PATH and HOME.
func TestClassroomWorkflowWiring(t *testing.T) {
	j, env := classroomJob(t)
	runners := strings.Split(env["KAFKA_LAB_RUNNERS"], ",")
	var reporter *actionlint.Step
	graders := 0
	for _, s := range j.Steps {
		if _, ok := uses(s, gradingReporter); ok {
			reporter = s
		}
		if _, ok := uses(s, commandGrader); ok {
			graders++
		}
	}
	if graders != 1 {
		t.Errorf("%d command grader steps, want one: one grading, on clusters started once", graders)
	}
	if reporter == nil {
		t.Fatal("no reporter step")
	}
	a, _ := uses(reporter, gradingReporter)
	if got := input(a, "runners"); got != "${{ env.KAFKA_LAB_RUNNERS }}" {
		t.Errorf("reporter runners %q, want the workflow's KAFKA_LAB_RUNNERS", got)
	}
	vars := map[string]string{}
	for _, v := range reporter.Env.Vars {
		vars[v.Name.Value] = v.Value.Value
	}
	for _, r := range runners {
		// The reporter reads process.env[RUNNER.toUpperCase() + "_RESULTS"].
		name := strings.ToUpper(r) + "_RESULTS"
		if want := "${{ steps.sections.outputs." + r + " }}"; vars[name] != want {
			t.Errorf("reporter env %s = %q, want %q", name, vars[name], want)
		}
		delete(vars, name)
	}
	if len(vars) > 0 {
		t.Errorf("reporter env without a runner: %v", vars)
	}
	for _, s := range j.Steps[slices.Index(j.Steps, stepByID(t, j, "grade"))+1:] {
		if s.If == nil || s.If.Value != "always()" {
			t.Errorf("step %q runs only when the steps before it passed: it must run after a grading that failed too", s.Name.Value)
		}
	}
}

// runSections runs the template's "sections" step in dir (where the grading wrote grades/) as
// GitHub runs a run: step, and returns each runner's result as the reporter decodes it.
func runSections(t *testing.T, dir string) map[string]runnerResult {
	t.Helper()
	j, env := classroomJob(t)
	run, ok := stepByID(t, j, "sections").Exec.(*actionlint.ExecRun)
	if !ok {
		t.Fatal("the sections step is not a run: step")
	}
	script := filepath.Join(t.TempDir(), "sections.sh")
	output := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(script, []byte(run.Run.Value), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GITHUB_OUTPUT="+output, "KAFKA_LAB_RUNNERS="+env["KAFKA_LAB_RUNNERS"])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sections step: %v\n%s", err, out)
	}
	data, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]runnerResult{}
	for line := range strings.Lines(string(data)) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), "=")
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			t.Fatalf("output %s: %v", name, err)
		}
		var r runnerResult
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("output %s: %v\n%s", name, err, raw)
		}
		results[name] = r
	}
	for _, r := range strings.Split(env["KAFKA_LAB_RUNNERS"], ",") {
		if _, ok := results[r]; !ok {
			t.Errorf("no output for runner %s: the reporter would fail on it", r)
		}
	}
	return results
}

// runnerResult is a runner result as the reporter reads it.
type runnerResult struct {
	Version  int          `json:"version"`
	Status   string       `json:"status"`
	MaxScore float64      `json:"max_score"`
	Tests    []runnerTest `json:"tests"`
}

// runnerTest is one test of a runner result.
type runnerTest struct {
	Name     string  `json:"name"`
	Status   string  `json:"status"`
	Message  string  `json:"message"`
	TestCode string  `json:"test_code"`
	Score    float64 `json:"score"`
}

// shown is what the reporter's log and table show for the runner: tests passed over tests,
// times max_score (its getTestScore).
func (r runnerResult) shown() float64 {
	passed := 0
	for _, t := range r.Tests {
		if t.Status == "pass" {
			passed++
		}
	}
	return float64(passed) / float64(len(r.Tests)) * r.MaxScore
}

// classroomPoints is what the reporter tells Classroom (its NotifyClassroom): the tests'
// scores and max scores of the runners with a max score; ok is false when it tells nothing.
func classroomPoints(results map[string]runnerResult) (total, maxPoints float64, ok bool) {
	for _, r := range results {
		if r.MaxScore == 0 {
			continue
		}
		maxPoints += r.MaxScore
		for _, t := range r.Tests {
			total += t.Score
		}
	}
	return total, maxPoints, maxPoints > 0
}

func writeClassroom(t *testing.T, dir string, scenarios []grading.Scenario) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "grades"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(grading.ToClassroom(scenarios))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "grades", grading.ClassroomFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkSections holds the runners' results against kafka-lab's own score of the scenarios:
// per section, the points the reporter shows and those it adds up for Classroom are the
// section's mandatory points; the bonus is shown, not counted.
func checkSections(t *testing.T, results map[string]runnerResult, scenarios []grading.Scenario) {
	t.Helper()
	score := grading.Tally(scenarios)
	for _, sec := range score.Sections {
		if sec.Max == 0 {
			continue // section 7: only a bonus
		}
		r, ok := results[fmt.Sprintf("section%d", sec.Number)]
		if !ok {
			t.Errorf("section %d has points and no runner", sec.Number)
			continue
		}
		sum := 0.0
		for _, tc := range r.Tests {
			sum += tc.Score
		}
		if r.MaxScore != float64(sec.Max) || sum != float64(sec.Points) || r.shown() != float64(sec.Points) {
			t.Errorf("section %d: runner max %v, tests' scores %v, shown %v; want %d/%d", sec.Number, r.MaxScore, sum, r.shown(), sec.Points, sec.Max)
		}
		wantStatus := "pass"
		if sec.Points < sec.Max {
			wantStatus = "fail"
		}
		if r.Status != wantStatus {
			t.Errorf("section %d: status %s, want %s", sec.Number, r.Status, wantStatus)
		}
	}
	total, maxPoints, ok := classroomPoints(results)
	if !ok || total != float64(score.Points) || maxPoints != float64(score.Max) {
		t.Errorf("Classroom gets %v/%v (told: %v), want %d/%d", total, maxPoints, ok, score.Points, score.Max)
	}
	if b := results["bonus"]; b.MaxScore != 0 || b.Status != "pass" {
		t.Errorf("bonus runner: max %v, status %s; want 0 and pass (a bonus never fails the run)", b.MaxScore, b.Status)
	}
}

// TestClassroomSections runs the template's sections step on results kafka-lab would write:
// a graded submission with points lost, bonus won and lost, a skipped scenario; a grading with
// a harness error; none at all; a broken one.
func TestClassroomSections(t *testing.T) {
	// The sections step runs jq, as GitHub's runners have it.
	integration.Have(t, integration.Command("jq", "Debian: apt-get install jq; bash harness/setup.sh --tests installs it", true, "jq"))
	sc := func(section, points int, status grading.Status, more ...string) grading.Scenario {
		tags := append([]string{fmt.Sprintf("@section-%d", section), fmt.Sprintf("@points:%d", points)}, more...)
		return grading.Scenario{Feature: fmt.Sprintf("0%d.feature", section), Name: fmt.Sprintf("s%d %d points %s %v", section, points, status, more),
			Tags: tags, Status: status, Output: "expected: this\nobserved: that\nhint: the key", Took: time.Second}
	}
	graded := []grading.Scenario{
		sc(1, 2, grading.Passed), sc(1, 2, grading.Skipped, "@zookeeper"),
		sc(2, 2, grading.Failed), sc(2, 1, grading.Passed), sc(2, 1, grading.Passed),
		sc(3, 1, grading.Passed), sc(3, 1, grading.Failed),
		sc(4, 2, grading.Passed),
		sc(5, 1, grading.Passed),
		sc(6, 1, grading.Passed), sc(6, 2, grading.Failed), sc(6, 3, grading.Failed, "@optional"),
		{Feature: "07.feature", Name: "replicated", Tags: []string{"@section-7", "@optional", "@points:2"}, Status: grading.Passed},
	}
	t.Run("graded", func(t *testing.T) {
		dir := t.TempDir()
		writeClassroom(t, dir, graded)
		results := runSections(t, dir)
		checkSections(t, results, graded)
		// A failed check's words are in the test_code the reporter prints under its name.
		s2 := results["section2"]
		if s2.Tests[0].Status != "fail" || !strings.Contains(s2.Tests[0].TestCode, "hint: the key") || !strings.Contains(s2.Tests[0].Name, "(point 1 of 2)") {
			t.Errorf("section 2's first test: %+v", s2.Tests[0])
		}
		if s2.Tests[1].TestCode != "" {
			t.Errorf("a scenario's reason is printed once, not per point: %+v", s2.Tests[1])
		}
		if len(results["section5"].Tests) != 1 || len(results["section6"].Tests) != 3 {
			t.Errorf("tests: section 5 %d (want 1), section 6 %d (want 3: the bonus is apart)", len(results["section5"].Tests), len(results["section6"].Tests))
		}
		var bonus []string
		for _, tc := range results["bonus"].Tests {
			bonus = append(bonus, tc.Status)
		}
		if strings.Join(bonus, " ") != "fail pass" {
			t.Errorf("bonus tests %v, want section 6's exactly-once failed and section 7 passed", bonus)
		}
	})
	t.Run("harness error", func(t *testing.T) {
		dir := t.TempDir()
		broken := append(slices.Clone(graded), grading.Scenario{Name: "broker", Tags: []string{"@section-4", "@points:2"}, Status: grading.HarnessError, Output: "the cluster did not start"})
		writeClassroom(t, dir, broken)
		results := runSections(t, dir)
		if _, _, told := classroomPoints(results); told {
			t.Error("a grading with a harness error gave Classroom points: it is no grade")
		}
		if r := results["section4"]; r.Status != "error" || !slices.ContainsFunc(r.Tests, func(tc runnerTest) bool {
			return strings.Contains(tc.Message, "did not start")
		}) {
			t.Errorf("section 4 does not say the harness failed: %+v", r)
		}
	})
	for name, content := range map[string]string{"no grading": "", "broken": `{"version": 1, "tests": [`} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if content != "" {
				if err := os.MkdirAll(filepath.Join(dir, "grades"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "grades", grading.ClassroomFile), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			results := runSections(t, dir)
			if _, _, told := classroomPoints(results); told {
				t.Error("no grading, and Classroom was given points")
			}
			for name, r := range results {
				if r.Status != "error" || len(r.Tests) != 1 || !strings.Contains(r.Tests[0].Message, "could not grade") {
					t.Errorf("%s: %+v, want an error that says the push was not graded", name, r)
				}
			}
		})
	}
}

// TestClassroomStarter: the template's answers.yaml reads as YAML, and each of its empty keys
// tells the student which section's command to put there.
func TestClassroomStarter(t *testing.T) {
	s := submission.Load("classroom/lab")
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) > 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
	for _, k := range submission.Keys() {
		_, err := s.Commands(k.Key)
		if k.Key == submission.AcksExperiment {
			_, err = s.Trials()
		}
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("section %d", k.Section)) {
			t.Errorf("%s: %v, want an error that sends the student to section %d", k.Key, err, k.Section)
		}
	}
}

// TestClassroomGradesReference plays the template's workflow on the reference submission: a
// student repository made from classroom/ with the reference's files in lab/, the command
// grader's command (and setup command) as the workflow has them, run as the grader runs them
// (sh -c, in the repository, with PATH and HOME alone) with a kafka-lab built from
// ./cmd/kafka-lab, then the sections step; the reference gets every point of every section.
func TestClassroomGradesReference(t *testing.T) {
	integration.Require(t, integration.Engine)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bin := filepath.Dir(buildCommand(t, "kafka-lab")) // a folder that holds kafka-lab alone
	repo := t.TempDir()
	if err := os.CopyFS(repo, os.DirFS("classroom")); err != nil {
		t.Fatal(err)
	}
	// The student's work replaces the starter.
	if err := os.RemoveAll(filepath.Join(repo, "lab")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(repo, "lab"), os.DirFS("testdata/submissions/reference")); err != nil {
		t.Fatal(err)
	}

	j, _ := classroomJob(t)
	var commands []string
	for _, s := range j.Steps {
		if a, ok := uses(s, commandGrader); ok {
			for _, in := range []string{"setup-command", "command"} {
				if c := input(a, in); c != "" {
					commands = append(commands, c)
				}
			}
		}
	}
	if len(commands) == 0 {
		t.Fatal("no command grader command in the workflow")
	}
	// The grader's env: PATH (with the bin folder the install step adds) and HOME; it also
	// sets FORCE_COLOR and two .NET settings, which kafka-lab does not read.
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, c := range commands {
		if regexp.MustCompile(`\$\{\{`).MatchString(c) {
			t.Errorf("command %q uses an expression: the grader's command should stand alone", c)
		}
		t.Logf("running %q", c)
		cmd := exec.CommandContext(ctx, "sh", "-c", c)
		cmd.Dir, cmd.Env = repo, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%q: %v (the grader would report it failed)\n%s", c, err, out.String())
		}
		t.Logf("%q passed; its output ends:\n%s", c, tail(out.String(), 15))
	}
	rec, err := grading.LoadRecord(filepath.Join(repo, "grades"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != grading.Graded || rec.Points != rec.Max || rec.Max == 0 {
		t.Fatalf("reference: %s, want every mandatory point", rec.Short())
	}
	results := runSections(t, repo)
	total, maxPoints, ok := classroomPoints(results)
	if !ok || total != float64(rec.Max) || maxPoints != float64(rec.Max) {
		t.Errorf("Classroom gets %v/%v, want %d/%d", total, maxPoints, rec.Points, rec.Max)
	}
	for name, r := range results {
		if r.Status != "pass" || (r.MaxScore > 0 && r.shown() != r.MaxScore) {
			t.Errorf("%s: %s, shown %v/%v", name, r.Status, r.shown(), r.MaxScore)
		}
	}
}
