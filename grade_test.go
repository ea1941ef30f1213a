package kafkalab

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
	"golang.org/x/sys/unix"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/internal/codegradetest"
	"github.com/kafka-lab/kafka-lab/internal/gradescopetest"
	"github.com/kafka-lab/kafka-lab/internal/integration"
	"github.com/kafka-lab/kafka-lab/internal/prairielearntest"
)

// TestGradeBatch grades a class of four submissions with cmd/grade, as an instructor would, on
// sections 2 and 6 (the exactly-once scenario gives the bonus): it interrupts the batch once the
// first submission is done, checks that nothing is left running, resumes it, and checks every
// report and score.
func TestGradeBatch(t *testing.T) {
	integration.Require(t, integration.Engine)
	// student -> mandatory points of 11 (section 2: 4, section 6: 7), bonus of 3, failed sections.
	want := map[string]struct {
		points, bonus int
		failed        string
	}{
		"reference":        {11, 0, ""},
		"exactly-once":     {11, 3, ""},
		"wrong-partitions": {9, 0, "2"},
		"syntax-error":     {7, 0, "6"},
	}
	tmp := t.TempDir()
	class := filepath.Join(tmp, "class")
	for name := range want {
		if err := os.CopyFS(filepath.Join(class, name), os.DirFS(filepath.Join(submissionsDir, name))); err != nil {
			t.Fatal(err)
		}
	}
	// wrong-partitions is a sections 2-5 submission: give it the lab's programs, as a student
	// who did section 6 right would have.
	for _, py := range []string{"transaction_generator.py", "balance_calculator.py"} {
		data, err := os.ReadFile(filepath.Join(submissionsDir, "reference", py))
		if err == nil {
			err = os.WriteFile(filepath.Join(class, "wrong-partitions", py), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	bin := buildGrade(t)
	out := filepath.Join(tmp, "grades")
	batch := func() *exec.Cmd {
		cmd := exec.Command(bin, "batch", "-workers", "2", "-timeout", "10m", "-tags", "@section-2,@section-6", "-out", out, class)
		cmd.Env = append(os.Environ(), "KAFKA_LAB_SUBMISSION=")
		return cmd
	}

	// Interrupted once the first submission is done, like Ctrl-C.
	first := batch()
	var log1 bytes.Buffer
	first.Stdout, first.Stderr = &log1, &log1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := ""
	deadline := time.Now().Add(8 * time.Minute)
	for done == "" && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		for name := range want {
			if _, ok := grading.ReadRecord(filepath.Join(out, name)); ok {
				done = name
			}
		}
	}
	if done == "" {
		_ = first.Process.Kill()
		t.Fatalf("no submission graded within 8 minutes:\n%s", log1.String())
	}
	_ = first.Process.Signal(syscall.SIGINT)
	err := first.Wait()
	if err == nil || !strings.Contains(log1.String(), "run it again") {
		t.Errorf("an interrupted batch should say so and fail (err %v):\n%s", err, log1.String())
	}
	assertNoKafkaLabContainers(t)

	// Resumed: what was done is not graded again.
	second := batch()
	var log2 bytes.Buffer
	second.Stdout, second.Stderr = &log2, &log2
	if err := second.Run(); err != nil {
		t.Fatalf("resumed batch: %v\n%s", err, log2.String())
	}
	if !strings.Contains(log2.String(), done+": graded before") {
		t.Errorf("%s was graded again:\n%s", done, log2.String())
	}
	for name := range want {
		if !strings.Contains(log2.String(), name) {
			t.Errorf("the summary does not name %s:\n%s", name, log2.String())
		}
	}

	if !strings.Contains(log2.String(), "no @kafka-only scenario matches the tags") {
		t.Errorf("the batch should say that its tags hold no Kafka check:\n%s", log2.String())
	}

	rows := readCSV(t, filepath.Join(out, grading.CSVFile))
	if len(rows) != len(want) {
		t.Fatalf("grades.csv has %d rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		w := want[r["student"]]
		if r["status"] != grading.Graded || r["points"] != strconv.Itoa(w.points) || r["max"] != "11" ||
			r["bonus"] != strconv.Itoa(w.bonus) || r["bonus_max"] != "3" || r["failed_sections"] != w.failed {
			t.Errorf("%s: %v, want %d/11, bonus %d/3, failed sections %q\n%s", r["student"], r, w.points, w.bonus, w.failed,
				readFile(t, filepath.Join(out, r["student"], grading.SummaryFile)))
		}
		checkReports(t, filepath.Join(out, r["student"]), w.points+w.bonus)
	}
	// The class report names each student with their score (its rendering is
	// harness/grading's TestClassReportInChromium).
	page := readFile(t, filepath.Join(out, grading.IndexFile))
	for name, w := range want {
		row := regexp.MustCompile(`(?s)<tr data-student="` + regexp.QuoteMeta(name) + `">.*?<td class="status-graded">(\d+/\d+)</td>`).FindStringSubmatch(page)
		if row == nil || row[1] != fmt.Sprintf("%d/11", w.points) {
			t.Errorf("index.html: %s's score is %v, want %d/11", name, row, w.points)
		}
	}
	if !strings.Contains(page, `<b id="students">4</b>`) {
		t.Errorf("index.html does not count 4 submissions")
	}
	assertNoKafkaLabContainers(t)
}

// TestGradeKafkaChecks: a batch runs the scenarios that check Kafka itself once, after the
// class, says how they ended, and does not run them again on the same Kafka and features.
func TestGradeKafkaChecks(t *testing.T) {
	integration.Require(t, integration.Engine)
	tmp := t.TempDir()
	class, out := filepath.Join(tmp, "class"), filepath.Join(tmp, "grades")
	if err := os.MkdirAll(class, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := buildGrade(t)
	batch := func() string {
		t.Helper()
		// Section 1's are the quick ones: a broker the harness starts, in KRaft and ZooKeeper mode.
		cmd := exec.Command(bin, "batch", "-tags", "@section-1", "-out", out, class)
		log, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("batch: %v\n%s", err, log)
		}
		return string(log)
	}
	log := batch()
	k, ok := grading.ReadKafkaChecks(filepath.Join(out, grading.KafkaChecksDir))
	if !ok || !k.OK() || k.Passed < 1 || !strings.Contains(log, "Kafka itself (") {
		t.Fatalf("Kafka checks %+v (%v):\n%s", k, ok, log)
	}
	if again := batch(); !strings.Contains(again, "passed before") {
		t.Errorf("the Kafka checks ran again on the same Kafka and features:\n%s", again)
	}
	assertNoKafkaLabContainers(t)
}

// buildGrade builds cmd/grade (once for the test binary, see buildCommand).
func buildGrade(t *testing.T) string {
	t.Helper()
	return buildCommand(t, "grade")
}

// built holds the commands built by this test binary: each is built once, into a folder of
// its own (which a test may put on PATH), and removed by TestMain. A build per test linked
// the same binary nine times, ~4 s each on CI's two cores.
var built struct {
	sync.Mutex
	dir  string
	bins map[string]string
}

// buildCommand builds ./cmd/name once and returns its path; a test that changes the file
// copies it first.
func buildCommand(t *testing.T, name string) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if bin, ok := built.bins[name]; ok {
		return bin
	}
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "kafka-lab-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir, built.bins = dir, map[string]string{}
	}
	bin := filepath.Join(built.dir, name, name)
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/"+name).CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/%s: %v\n%s", name, err, out)
	}
	built.bins[name] = bin
	return bin
}

// TestMain removes the commands the tests built once they have all run.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// TestGradeDeadline: one grading that outlives its -timeout is stopped, removes its
// containers, and its reports say it is no grade.
func TestGradeDeadline(t *testing.T) {
	integration.Require(t, integration.Engine)
	out := filepath.Join(t.TempDir(), "grades")
	// Section 6 waits on the programs for well over 20 s.
	cmd := exec.Command(buildGrade(t), "-quiet", "-timeout", "20s", "-tags", "@section-6", "-out", out, filepath.Join(submissionsDir, "reference"))
	cmd.Env = append(os.Environ(), "KAFKA_LAB_SUBMISSION=")
	log, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(log), "not done within 20s: stopped") {
		t.Fatalf("a grading past its deadline: %v\n%s", err, log)
	}
	rec, ok := grading.ReadRecord(out)
	if !ok || rec.Status != grading.Timeout || rec.Done() {
		t.Errorf("score.json: %+v (%v), want a timeout, to be graded again", rec, ok)
	}
	res := readFile(t, filepath.Join(out, grading.GradescopeFile))
	if !strings.Contains(res, "nothing here is your grade") {
		t.Errorf("results.json does not say it is no grade:\n%s", res)
	}
	if err := gradescopetest.Check([]byte(res)); err != nil {
		t.Errorf("results.json does not follow Gradescope's format: %v", err)
	}
	if pl := readFile(t, filepath.Join(out, grading.PrairieLearnFile)); prairielearntest.Check([]byte(pl)) != nil || !strings.Contains(pl, `"gradable": false`) {
		t.Errorf("prairielearn.json of a grading past its deadline is gradable:\n%s", pl)
	}
	assertNoKafkaLabContainers(t)
}

// TestGradeStoppedMidway stops a grading from outside, as a platform does at its own time limit
// (Gradescope's), once its first scenario has ended: results.json is there, valid for
// Gradescope, says it is no grade yet, and holds the scenarios that ended, none of them failed
// by the stop itself (the reference passes section 2). It waits on the file's rename (inotify),
// not on a clock.
func TestGradeStoppedMidway(t *testing.T) {
	integration.Require(t, integration.Engine)
	out := filepath.Join(t.TempDir(), "grades")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, out, unix.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	written := make(chan struct{})
	go func() { // results.json is written atomically: a rename into the folder
		buf := make([]byte, 4096)
		for {
			n, err := unix.Read(fd, buf)
			if err != nil {
				return
			}
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
				if name == grading.GradescopeFile {
					close(written)
					return
				}
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}()
	cmd := exec.Command(buildGrade(t), "-quiet", "-tags", "@section-2", "-out", out, filepath.Join(submissionsDir, "reference"))
	cmd.Env = append(os.Environ(), "KAFKA_LAB_SUBMISSION=")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-written:
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	case err := <-exited:
		t.Fatalf("the grading ended (%v) before it wrote results.json:\n%s", err, log.String())
	}
	data := []byte(readFile(t, filepath.Join(out, grading.GradescopeFile)))
	if err := gradescopetest.Check(data); err != nil {
		t.Errorf("partial results.json does not follow Gradescope's format: %v", err)
	}
	var gs grading.Gradescope
	if err := json.Unmarshal(data, &gs); err != nil {
		t.Fatal(err)
	}
	if gs.Score != 0 || len(gs.Tests) == 0 || !strings.Contains(gs.Output, "Not graded yet") {
		t.Errorf("partial results.json: score %v, %d tests, output %q; want no grade and the tests that ended", gs.Score, len(gs.Tests), gs.Output)
	}
	for _, tc := range gs.Tests {
		if tc.Status != "passed" {
			t.Errorf("%s: %s after the stop:\n%s", tc.Name, tc.Status, tc.Output)
		}
	}
	t.Logf("stopped with %d test(s) in results.json", len(gs.Tests))
	assertNoKafkaLabContainers(t)
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkReports reads each report of a submission as its consumer would, and checks those of
// the platforms against their documented formats: Gradescope's, PrairieLearn's and CodeGrade's
// scores agree with the record's points.
func checkReports(t *testing.T, dir string, score int) {
	t.Helper()
	results := readFile(t, filepath.Join(dir, grading.GradescopeFile))
	if err := gradescopetest.Check([]byte(results)); err != nil {
		t.Errorf("%s: results.json does not follow Gradescope's format: %v", dir, err)
	}
	var gs grading.Gradescope
	if err := json.Unmarshal([]byte(results), &gs); err != nil || int(gs.Score) != score || len(gs.Tests) == 0 {
		t.Errorf("%s: results.json score %v with %d tests (%v), want %d", dir, gs.Score, len(gs.Tests), err, score)
	}
	for _, tc := range gs.Tests {
		if tc.Status == "failed" && (!strings.Contains(tc.Output, "**Expected:**") || !strings.Contains(tc.Output, "**Observed:**")) {
			t.Errorf("%s: failed test %q says no expected/observed:\n%s", dir, tc.Name, tc.Output)
		}
	}
	rec, ok := grading.ReadRecord(dir)
	if !ok {
		t.Fatalf("%s: no score.json", dir)
	}
	pl := readFile(t, filepath.Join(dir, grading.PrairieLearnFile))
	if err := prairielearntest.Check([]byte(pl)); err != nil {
		t.Errorf("%s: prairielearn.json does not follow PrairieLearn's format: %v", dir, err)
	}
	var plr grading.PrairieLearn
	if err := json.Unmarshal([]byte(pl), &plr); err != nil || plr.Score == nil || *plr.Score != float64(rec.Points)/float64(rec.Max) {
		t.Errorf("%s: prairielearn.json score %v (%v), want %d/%d", dir, plr.Score, err, rec.Points, rec.Max)
	}
	if cg, err := codegradetest.Check([]byte(readFile(t, filepath.Join(dir, grading.JUnitFile)))); err != nil || cg.Score() != float64(rec.Points)/float64(rec.Max) {
		t.Errorf("%s: CodeGrade would score junit.xml %v (%v), want %d/%d", dir, cg.Score(), err, rec.Points, rec.Max)
	}
	var cls grading.Classroom
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, grading.ClassroomFile))), &cls); err != nil || cls.MaxScore != 11 {
		t.Errorf("%s: classroom.json %+v (%v)", dir, cls, err)
	}
	// Cucumber JSON: an array of features, each with elements (scenarios) whose steps have a
	// result status.
	var cucumber []struct {
		Elements []struct {
			Steps []struct {
				Result struct{ Status string } `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "cucumber.json"))), &cucumber); err != nil || len(cucumber) != 2 ||
		len(cucumber[0].Elements) == 0 || cucumber[0].Elements[0].Steps[0].Result.Status == "" {
		t.Errorf("%s: cucumber.json: %v", dir, err)
	}
	// JUnit XML: testsuites of testsuite of testcase, a failure element per failed one.
	var junit struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
		Suites  []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, filepath.Join(dir, "junit.xml"))), &junit); err != nil || len(junit.Suites) != 2 || junit.Tests != len(gs.Tests) {
		t.Errorf("%s: junit.xml: %d suites, %d tests (%v); want 2 suites, %d tests", dir, len(junit.Suites), junit.Tests, err, len(gs.Tests))
	}
}

// assertNoKafkaLabContainers: no container of any run is left (a cluster started by hand aside).
func assertNoKafkaLabContainers(t *testing.T) {
	t.Helper()
	// A pool of its own, not container.New, whose sweep would remove what it should find.
	pool, err := dockertest.NewPool("")
	if err != nil {
		t.Fatal(err)
	}
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {container.LabelApp + "=1"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.Labels[container.LabelKeep] != "1" && c.Labels[container.LabelPID] != strconv.Itoa(os.Getpid()) {
			t.Errorf("container %v of run %s is left", c.Names, c.Labels[container.LabelRun])
		}
	}
}
