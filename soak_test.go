package kafkalab

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/grading"
)

// The soak's settings (`make soak ROUNDS=3 TAGS=... ONLY=... LOCAL=1`); with no rounds it
// does not run: it is long, and not part of `make test`.
var (
	soakRounds = flag.Int("soak.rounds", 0, "TestSoak: how many times to grade the bundled submissions (0: skip)")
	soakTags   = flag.String("soak.tags", "", "TestSoak: the scenarios each grading runs (a godog tag filter); by default each part of the judge's table is graded on its own scenarios, as TestSubmissions does")
	soakOnly   = flag.String("soak.only", "", "TestSoak: grade only these submissions (comma-separated folder names)")
	soakBusy   = flag.Int("soak.busy", runtime.NumCPU(), "TestSoak: busy loops beside the batch, the load")
	soakOut    = flag.String("soak.out", "", "TestSoak: where the rounds' reports go (default: a temporary folder)")
)

// TestSoak proves that a verdict depends on the submission alone: it grades the bundled
// submissions as one class with `grade batch` (2 workers) round after round, with busy loops
// on every core beside it, and fails on every verdict that differed between rounds (both
// messages quoted), on every harness error, and on every verdict the judge of TestSubmissions
// refuses. The report is also written to soak.txt in the output folder.
func TestSoak(t *testing.T) {
	if *soakRounds <= 0 {
		t.Skip("soak: grades the bundled submissions round after round under load; `make soak` runs it")
	}
	integration(t, "grades the bundled submissions in a loaded batch, round after round")
	// The image's facts, from a session closed at once: with local processes a session holds
	// the machine's lab ports, which the batch's worker needs.
	s := quietSuite(t)
	img := kafkaImage(t, s)
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	out := *soakOut
	if out == "" {
		out = t.TempDir()
	}
	// A class per part of the judge's table, graded on that part's scenarios (as TestSubmissions
	// grades them), or one class of every submission on the soak's tags.
	type class struct {
		name, tags string
		cases      map[string]*soakCase
	}
	var classes []class
	groups := bundledGroups(img)
	if *soakTags != "" {
		classes = append(classes, class{"all", *soakTags, soakCases(t, groups, *soakTags, *soakOnly)})
	} else {
		for _, g := range groups {
			if cases := soakCases(t, []caseGroup{g}, g.tags, *soakOnly); len(cases) > 0 {
				classes = append(classes, class{strings.ReplaceAll(g.name, " ", "-"), g.tags, cases})
			}
		}
	}
	if len(classes) == 0 {
		t.Fatalf("no bundled submission is named %q", *soakOnly)
	}
	// Only the grader reads the class (with local processes a program runs as another user).
	if err := os.MkdirAll(filepath.Join(out, "class"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(out, "class"), 0o700); err != nil {
		t.Fatal(err)
	}
	cases := map[string]*soakCase{} // by class/student
	for _, cl := range classes {
		for student, sc := range cl.cases {
			cases[cl.name+"/"+student] = sc
			if err := os.RemoveAll(filepath.Join(out, "class", cl.name, student)); err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(filepath.Join(out, "class", cl.name, student), os.DirFS(sc.path)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, cl := range classes {
		if err := os.Chmod(filepath.Join(out, "class", cl.name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	bin := buildGrade(t)
	stopBusy := busyLoops(t, *soakBusy)
	defer stopBusy()

	var rounds []map[string]grading.Record
	for r := 1; r <= *soakRounds; r++ {
		records := map[string]grading.Record{}
		for _, cl := range classes {
			dir := filepath.Join(out, fmt.Sprintf("round-%d", r), cl.name)
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			cmd := exec.Command(bin, "batch", "-workers", "2", "-timeout", "15m", "-tags", cl.tags, "-out", dir, filepath.Join(out, "class", cl.name))
			cmd.Env = append(os.Environ(), "KAFKA_LAB_SUBMISSION=")
			log, err := cmd.CombinedOutput()
			t.Logf("round %d, %s: %d submissions in %s (exit: %v)", r, cl.name, len(cl.cases), time.Since(start).Round(time.Second), err)
			for student := range cl.cases {
				rec, ok := grading.ReadRecord(filepath.Join(dir, student))
				if !ok {
					rec = grading.Record{Student: student, Status: grading.Error, Error: "no record written:\n" + string(log)}
				}
				records[cl.name+"/"+student] = rec
			}
		}
		rounds = append(rounds, records)
	}
	stopBusy()

	report := soakReport(cases, rounds)
	if err := os.WriteFile(filepath.Join(out, "soak.txt"), []byte(report.String()), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("soak report (%s):\n%s", filepath.Join(out, "soak.txt"), report)
	if report.problems > 0 {
		t.Errorf("%d problem(s) in %d round(s): see the report above", report.problems, len(rounds))
	}
}

// soakCase is a bundled submission as the soak grades it: its folder, and what each case of
// the judge's table says of it, with the scenarios of that case's scope.
type soakCase struct {
	path   string
	judged []scopedCase
}

type scopedCase struct {
	tc    submissionCase
	scope map[string]bool // scenario names
}

// soakCases turns the judge's table into the soak's class: one student per submission folder,
// each judged by every case of the table that names it, within the scenarios that case runs
// and the soak's tags run too.
func soakCases(t *testing.T, groups []caseGroup, tags, only string) map[string]*soakCase {
	t.Helper()
	want := map[string]bool{}
	for _, name := range strings.Split(only, ",") {
		if name = strings.TrimSpace(name); name != "" {
			want[name] = true
		}
	}
	names := map[string]map[string]bool{}
	named := func(expr string) map[string]bool {
		if n, ok := names[expr]; ok {
			return n
		}
		features, err := godog.TestSuite{Options: &godog.Options{Paths: []string{"features"}, Tags: expr}}.RetrieveFeatures()
		if err != nil {
			t.Fatalf("features of %s: %v", expr, err)
		}
		n := map[string]bool{}
		for _, f := range features {
			for _, p := range f.Pickles {
				n[p.Name] = true
			}
		}
		names[expr] = n
		return n
	}
	// A case's scope: its scenarios that the soak's tags run too.
	scope := func(caseTags string) map[string]bool {
		both := map[string]bool{}
		for name := range named(caseTags) {
			if named(tags)[name] {
				both[name] = true
			}
		}
		return both
	}
	out := map[string]*soakCase{}
	for _, g := range groups {
		for _, tc := range g.cases {
			student := tc.dir
			if len(want) > 0 && !want[student] {
				continue
			}
			path := tc.path
			if path == "" {
				path = filepath.Join(submissionsDir, tc.dir)
			}
			caseTags := g.tags
			if tc.tags != "" {
				caseTags = tc.tags
			}
			c := out[student]
			if c == nil {
				c = &soakCase{path: path}
				out[student] = c
			}
			sc := scope(caseTags)
			if len(sc) == 0 {
				continue // the soak's tags leave this case's scenarios out
			}
			// Within the soak's tags, the case's failures are those of its scenarios left; the
			// first failure's words are judged only when none was left out.
			judged := tc
			judged.fail = slices.DeleteFunc(slices.Clone(tc.fail), func(name string) bool { return !sc[name] })
			if len(judged.fail) < len(tc.fail) {
				judged.say = nil
			}
			c.judged = append(c.judged, scopedCase{tc: judged, scope: sc})
		}
	}
	return out
}

// soakResult is what the rounds said, in lines, and how many of them are problems.
type soakResult struct {
	lines    []string
	problems int
}

func (r *soakResult) problem(format string, args ...any) {
	r.problems++
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *soakResult) String() string {
	return strings.Join(r.lines, "\n") + "\n"
}

// soakReport compares the rounds: every scenario whose verdict differed between rounds, with
// the message of each round; every harness error; every verdict the judge refuses.
func soakReport(cases map[string]*soakCase, rounds []map[string]grading.Record) *soakResult {
	r := &soakResult{}
	students := slices.Sorted(maps.Keys(cases))
	verdicts := 0
	for _, student := range students {
		type seen struct {
			round  int
			status grading.Status
			output string
		}
		byScenario := map[string][]seen{}
		var order []string
		for i, records := range rounds {
			rec := records[student]
			if rec.Status != grading.Graded {
				r.problem("%s, round %d: %s: %s", student, i+1, rec.Status, rec.Error)
			}
			for _, sc := range rec.Scenarios {
				if _, ok := byScenario[sc.Name]; !ok {
					order = append(order, sc.Name)
				}
				byScenario[sc.Name] = append(byScenario[sc.Name], seen{i + 1, sc.Status, sc.Output})
			}
			for _, j := range cases[student].judged {
				var inScope []grading.Scenario
				for _, sc := range rec.Scenarios {
					if j.scope[sc.Name] {
						inScope = append(inScope, sc)
					}
				}
				for _, p := range judge(j.tc, inScope) {
					r.problem("%s, round %d, judged on %d scenario(s): %s", student, i+1, len(j.scope), p)
				}
			}
		}
		for _, name := range order {
			all := byScenario[name]
			verdicts++
			differs := len(all) != len(rounds)
			for _, s := range all[1:] {
				differs = differs || s.status != all[0].status
			}
			if !differs {
				continue
			}
			var b strings.Builder
			for _, s := range all {
				fmt.Fprintf(&b, "\n    round %d: %s\n%s", s.round, s.status, indent(s.output, "      "))
			}
			r.problem("%s: %q differed between rounds:%s", student, name, b.String())
		}
	}
	r.lines = append([]string{fmt.Sprintf("%d submission(s), %d scenario verdicts compared over %d round(s): %d problem(s)",
		len(students), verdicts, len(rounds), r.problems)}, r.lines...)
	return r
}

func indent(s, prefix string) string {
	if s == "" {
		return prefix + "(no message)"
	}
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// busyLoops starts n processes that keep a core busy each, the load a machine grading beside
// other work has; the returned func stops them (and runs at the test's end too).
func busyLoops(t *testing.T, n int) func() {
	t.Helper()
	var cmds []*exec.Cmd
	for range n {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatalf("busy loop: %v", err)
		}
		cmds = append(cmds, cmd)
	}
	stop := func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		cmds = nil
	}
	t.Cleanup(stop)
	t.Logf("%s busy loop(s) beside the batch", strconv.Itoa(n))
	return stop
}

// TestSoakReport: the report names a verdict that changed between rounds with both messages,
// a harness error, and a verdict the judge refuses; rounds that agree with the judge give none.
func TestSoakReport(t *testing.T) {
	sc := func(name string, st grading.Status, out string) grading.Scenario {
		return grading.Scenario{Name: name, Status: st, Output: out}
	}
	judged := map[string]*soakCase{"sections/alice": {judged: []scopedCase{{
		tc:    submissionCase{dir: "alice", fail: []string{createTopic}, say: []string{"--partitions 10"}},
		scope: map[string]bool{createTopic: true, listTopics: true},
	}}}}
	round := func(list grading.Status, msg string) map[string]grading.Record {
		return map[string]grading.Record{"sections/alice": {Student: "alice", Status: grading.Graded, Scenarios: []grading.Scenario{
			sc(createTopic, grading.Failed, "use --partitions 10"), sc(listTopics, list, msg)}}}
	}
	if r := soakReport(judged, []map[string]grading.Record{round(grading.Passed, ""), round(grading.Passed, "")}); r.problems != 0 {
		t.Errorf("rounds that agree: %d problem(s):\n%s", r.problems, r)
	}
	r := soakReport(judged, []map[string]grading.Record{round(grading.Passed, ""), round(grading.Failed, "timed out waiting for the topics")})
	if r.problems != 2 || !strings.Contains(r.String(), "differed between rounds") || !strings.Contains(r.String(), "timed out waiting for the topics") ||
		!strings.Contains(r.String(), "round 1: passed") || !strings.Contains(r.String(), "failed scenarios") {
		t.Errorf("a verdict that changed (and that the judge refuses in round 2): want 2 problems, got %d:\n%s", r.problems, r)
	}
	errRound := map[string]grading.Record{"sections/alice": {Student: "alice", Status: grading.Error, Error: "the harness failed"}}
	if r := soakReport(judged, []map[string]grading.Record{round(grading.Passed, ""), errRound}); !strings.Contains(r.String(), "round 2: error: the harness failed") {
		t.Errorf("a harness error is not reported:\n%s", r)
	}
}
