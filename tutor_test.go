package kafkalab

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/labcheck"
	"github.com/kafka-lab/kafka-lab/harness/labcluster"
	"github.com/kafka-lab/kafka-lab/harness/tutor"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// TestTutor does sections 2-6 of the lab by hand as a student does, with `kafka-lab tutor` open:
// in tmux, the tutor in one window and the lab's commands typed in others (the lab's tools in
// containers next to the broker, with the `docker run` line the tutor prints, and the reference
// programs with the host's python3). After each command it reads the tutor's screen
// (capture-pane) until the steps that command did are ticked. It does two steps wrong first, a
// my_first_topic of 1 partition and a console consumer outside my_group, and reads the spec's
// hint for each; and it deletes the topic once, which the tutor shows undone. Ctrl-C stops the
// tutor, which removes the cluster and prints the steps done and not done. The same again with
// -json, reading the JSON lines on the screen.
//
// The steps' titles and statuses come from harness/tutor (tutor.New's States), the hints from
// harness/labcheck: the test follows the spec's wording rather than a copy of it.
func TestTutor(t *testing.T) {
	integration.Require(t, integration.DockerRun, integration.Docker, tmuxNeed)
	labPortFree(t)
	bin := buildCommand(t, "kafka-lab")
	for _, json := range []bool{false, true} {
		name := "checklist"
		if json {
			name = "json"
		}
		t.Run(name, func(t *testing.T) { doLab(t, bin, json) })
	}
}

// labPortFree skips t when a cluster by hand runs already (a student's, another test's) or
// something holds the lab's port: the tutor would refuse to start, and the test must not take
// them.
func labPortFree(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := container.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := rt.Kept(ctx); err != nil {
		t.Fatal(err)
	} else if len(kept) > 0 {
		integration.Lacks(t, integration.Need{What: "no cluster by hand running", Get: "make down removes it"},
			"one runs already ("+strings.Join(kept, ", ")+"): not taking its ports")
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", cluster.LabPort))
	if err != nil {
		integration.Lacks(t, integration.Need{What: "the lab's port free", Get: "stop what holds it"}, err.Error())
	}
	l.Close()
}

// labSession is one run of the tutor in tmux, and the windows the student types in.
type labSession struct {
	t     *testing.T
	tm    *tmuxServer
	json  bool
	tutor *pane
	run   *job // the tutor's
	lab   *pane
	// tool runs a lab tool next to the broker, as the tutor's instructions say; toolIt the same
	// with a terminal, for the tools one types into or stops with Ctrl-C.
	tool, toolIt string
	report       string // the tutor's -out
	steps        map[string]tutor.StepState
	order        []string // the steps' IDs, in the lab's order
	// seen are the states not done that the test waited for, for the report's check.
	seen []tutor.StepState
}

// doLab starts the tutor in tmux and does sections 2-6 of the lab with it open.
func doLab(t *testing.T, bin string, json bool) {
	s := &labSession{t: t, tm: startTmux(t), json: json, steps: map[string]tutor.StepState{}}
	for _, st := range tutor.New(cluster.Single, "", nil).States() {
		s.steps[st.ID] = st
		s.order = append(s.order, st.ID)
	}
	if len(s.order) == 0 {
		t.Fatal("tutor.New(cluster.Single) has no steps")
	}
	s.tutor = s.tm.window("tutor")
	s.lab = s.tm.window("lab")
	s.report = filepath.Join(s.tm.dir, "report.json")
	args := bin + " tutor -out " + s.report
	if json {
		args = bin + " tutor -json -out " + s.report
	}
	s.run = s.tutor.start(args)
	t.Cleanup(func() {
		// After a failure: what still runs stopped as a student stops it, and the cluster
		// removed even if the tutor did not.
		s.tm.interrupt(s.tutor)
		s.stopTutor(false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if n, err := labcluster.Down(ctx); err != nil || n > 0 {
			t.Errorf("the tutor's cluster was left: removed %d container(s) (%v)", n, err)
		}
	})
	start := time.Now()
	s.readInstructions()
	t.Logf("the tutor's cluster up in %s", time.Since(start).Round(100*time.Millisecond))
	s.awaitThat("every step of the lab, none done yet (those Kafka keeps no trace of, unseen)", func(got map[string]shown, _ string) bool {
		for id, st := range s.steps {
			if got[id].status != st.Status {
				return false
			}
		}
		return true
	})
	start = time.Now()
	for i, section := range []func(){s.section2, s.section3, s.section4, s.section5, s.section6} {
		section()
		t.Logf("section %d done at %s", i+2, time.Since(start).Round(100*time.Millisecond))
	}
	s.stopTutor(true)
	t.Logf("the tutor stopped at %s", time.Since(start).Round(100*time.Millisecond))
}

// readInstructions waits for the tutor's instructions and takes from them how to run the lab's
// tools: `docker run --rm -it --network container:NAMESPACE -w /opt/kafka IMAGE bash`.
func (s *labSession) readInstructions() {
	t := s.t
	t.Helper()
	line := regexp.MustCompile(`(docker run --rm -it --network container:\S+ -w /opt/kafka \S+) bash`)
	var m []string
	s.tutor.await("the tutor's instructions, with the docker run line of the lab's tools", 3*time.Minute, func(string) bool {
		m = line.FindStringSubmatch(s.tutor.all())
		return m != nil || s.tutorEnded()
	})
	if m == nil {
		t.Fatalf("the tutor ended before it printed its instructions:\n%s", trimScreen(s.tutor.all()))
	}
	s.toolIt = m[1]
	s.tool = strings.Replace(m[1], " -it ", " ", 1)
}

// tutorEnded reports whether the tutor's command has ended.
func (s *labSession) tutorEnded() bool { return s.run.ended() }

const bootstrap = " --bootstrap-server localhost:9092"

// A bound on what a command takes to show in Kafka and then on the tutor: a JVM's start on a
// busy machine, a group's join, a look of the tutor.
const stepTimeout = 45 * time.Second

func (s *labSession) section2() {
	// Wrong first: created without --partitions, the topic gets 1 partition.
	s.lab.run(s.tool+" bin/kafka-topics.sh --create --topic my_first_topic"+bootstrap, stepTimeout)
	s.awaitDone("2.topic")
	s.awaitHint("2.partitions", labcheck.Topic(map[string]int{"my_first_topic": 1}, "my_first_topic", 10).Hint)
	// As the hint says: deleted (the tutor shows the topic undone) and created again.
	s.lab.run(s.tool+" bin/kafka-topics.sh --delete --topic my_first_topic"+bootstrap, stepTimeout)
	s.await("2.topic", tutor.Undone)
	s.lab.run(s.tool+" bin/kafka-topics.sh --create --topic my_first_topic --partitions 10"+bootstrap, stepTimeout)
	s.awaitDone("2.topic", "2.partitions")
}

func (s *labSession) section3() {
	// Two console consumers at once, each in a window of its own; a producer in the lab's.
	c1, c2 := s.tm.window("consumer-1"), s.tm.window("consumer-2")
	consumer := s.toolIt + " bin/kafka-console-consumer.sh --topic my_first_topic" + bootstrap
	j1, j2 := c1.start(consumer), c2.start(consumer)
	s.awaitDone("3.two-consumers")
	lines := []string{"This is my first message", "This is my second message"}
	s.produce(lines...)
	s.awaitDone("3.messages")
	for _, c := range []*pane{c1, c2} {
		c.await("the messages typed into the producer, in "+c.name, stepTimeout, func(screen string) bool {
			return strings.Contains(screen, lines[0]) && strings.Contains(screen, lines[1])
		})
	}
	s.stop(c1, j1)
	s.stop(c2, j2)
	j1 = c1.start(consumer + " --from-beginning")
	c1.await("the messages sent before, read from the beginning", stepTimeout, func(screen string) bool {
		return strings.Count(screen, lines[0]) == 2 // the first run's and this one's
	})
	s.awaitDone("3.from-beginning")
	s.stop(c1, j1)
}

func (s *labSession) section4() {
	group := s.toolIt + " bin/kafka-console-consumer.sh --topic my_first_topic" + bootstrap + " --group my_group"
	c1, c2 := s.tm.window("group-1"), s.tm.window("group-2")
	j1 := c1.start(group)
	// Wrong first: the second consumer started without --group, in a group of its own.
	j2 := c2.start(s.toolIt + " bin/kafka-console-consumer.sh --topic my_first_topic" + bootstrap)
	s.awaitHint("4.members", labcheck.InGroup([]cluster.Group{
		{Name: "my_group", Members: []cluster.Member{{ID: "1"}}},
		{Name: "console-consumer-1", Members: []cluster.Member{{ID: "2"}}},
	}, "my_group", 2).Hint)
	s.stop(c2, j2)
	j2 = c2.start(group)
	s.awaitDone("4.members", "4.split")
	s.produce("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
	s.awaitDone("4.read-once")
	s.stop(c1, j1)
	s.stop(c2, j2)
}

func (s *labSession) section5() {
	// The consumers stopped at the end of section 4.
	s.awaitDone("5.stopped")
	j := s.lab.start(s.tool + " bin/kafka-consumer-groups.sh" + bootstrap + " --group my_group --describe")
	if code := j.wait(stepTimeout); code != 0 {
		s.t.Fatalf("kafka-consumer-groups.sh --describe: exit status %d:\n%s", code, trimScreen(s.lab.screen()))
	}
	if screen := s.lab.screen(); !strings.Contains(screen, "has no active members") {
		s.t.Errorf("kafka-consumer-groups.sh --describe does not say my_group has no active members:\n%s", trimScreen(screen))
	}
	s.produce("eleven", "twelve")
	s.awaitDone("5.lag")
}

func (s *labSession) section6() {
	for _, topic := range []string{"transactions", "balance"} {
		s.lab.run(s.tool+" bin/kafka-topics.sh --create --topic "+topic+" --partitions 10"+bootstrap, stepTimeout)
	}
	s.awaitDone("6.topics")
	python := s.python()
	calc, gen := s.tm.window("calculator"), s.tm.window("generator")
	jc := calc.start(python + " balance_calculator.py")
	jg := gen.start(python + " transaction_generator.py")
	s.awaitDone("6.generator", "6.calculator")
	s.stop(gen, jg)
	s.stop(calc, jc)
}

// produce types lines into the console producer, in the lab's window, and ends it (Ctrl-D).
func (s *labSession) produce(lines ...string) {
	s.t.Helper()
	j := s.lab.start(s.toolIt + " bin/kafka-console-producer.sh --topic my_first_topic" + bootstrap)
	s.lab.await("the console producer's prompt", stepTimeout, func(screen string) bool { return strings.HasSuffix(trimScreen(screen), ">") })
	for _, l := range lines {
		s.lab.typeLine(l)
	}
	s.lab.key("C-d")
	if code := j.wait(stepTimeout); code != 0 {
		s.t.Fatalf("the console producer: exit status %d:\n%s", code, trimScreen(s.lab.screen()))
	}
}

// stop stops what runs in p with Ctrl-C, and waits for it to end.
func (s *labSession) stop(p *pane, j *job) {
	s.t.Helper()
	p.key("C-c")
	j.wait(stepTimeout)
}

// python is how the student runs the reference programs, in a window opened in their folder:
// the host's python3, with kafka-python as installed or as the local distribution (make dist)
// ships it.
func (s *labSession) python() string {
	t := s.t
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(submissionsDir, "reference"))); err != nil {
		t.Fatal(err)
	}
	cd := "cd " + dir + " && "
	if exec.Command("python3", "-c", "import kafka").Run() == nil {
		return cd + "python3"
	}
	// Where make dist, which make test runs first, puts it.
	for _, dist := range []string{os.Getenv(integration.DistEnv), filepath.Join(os.Getenv("HOME"), ".cache", "kafka-lab", "dist-"+kafkaVersion())} {
		lib := filepath.Join(dist, "python")
		if _, err := os.Stat(filepath.Join(lib, "kafka")); dist != "" && err == nil {
			return cd + "PYTHONPATH=" + lib + " python3"
		}
	}
	integration.Lacks(t, integration.Need{What: "kafka-python for the host's python3", Get: "make dist", CI: true},
		"python3 cannot import kafka, and no local distribution has it")
	return ""
}

// shown is what the tutor shows of a step: from the JSON lines, its last change; from the
// checklist, its status and whether its hint is on the screen.
type shown struct {
	status tutor.Status
	hint   string
}

// look is what the tutor shows now, step by step.
func (s *labSession) look() (map[string]shown, string) {
	if s.json {
		screen := s.tutor.all()
		got := map[string]shown{}
		for _, c := range jsonChanges(screen) {
			got[c.ID] = shown{status: c.Status, hint: c.Hint}
		}
		return got, screen
	}
	screen := s.tutor.screen()
	return checklist(screen, s.steps), screen
}

// jsonChanges are the changes among lines, those that parse.
func jsonChanges(lines string) []tutor.Change {
	var changes []tutor.Change
	for _, l := range strings.Split(lines, "\n") {
		var c tutor.Change
		if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &c) == nil && c.ID != "" {
			changes = append(changes, c)
		}
	}
	return changes
}

// marks are the checklist's marks of the statuses (internal/cli).
var marks = map[string]tutor.Status{"✓": tutor.Done, "✗": tutor.Wrong, "↺": tutor.Undone, "–": tutor.Unseen, "○": tutor.Todo}

// checklist reads the tutor's checklist on screen: each step's line, its mark and its title
// (the summary's lines put the section between them: "✓ §2 my_first_topic exists").
func checklist(screen string, steps map[string]tutor.StepState) map[string]shown {
	got := map[string]shown{}
	for _, line := range strings.Split(screen, "\n") {
		mark, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
		status, isMark := marks[mark]
		if !ok || !isMark {
			continue
		}
		if sec, title, ok := strings.Cut(rest, " "); ok && strings.HasPrefix(sec, "§") {
			rest = title
		}
		for id, st := range steps {
			// A title, or one followed by a note ("(Kafka keeps no trace of it...)") or a hint.
			if rest == st.Title || strings.HasPrefix(rest, st.Title+" (") || strings.HasPrefix(rest, st.Title+": ") {
				got[id] = shown{status: status}
			}
		}
	}
	return got
}

// await waits until the tutor shows step id with status want.
func (s *labSession) await(id string, want tutor.Status) {
	s.t.Helper()
	if want != tutor.Done {
		s.seen = append(s.seen, tutor.StepState{Step: tutor.Step{ID: id}, Status: want})
	}
	s.awaitThat(fmt.Sprintf("step %s (%q) %s", id, s.steps[id].Title, want), func(got map[string]shown, _ string) bool {
		return got[id].status == want
	})
}

// awaitDone waits until the tutor shows the steps ticked; a step whose result Kafka keeps no
// trace of (unseen) is skipped.
func (s *labSession) awaitDone(ids ...string) {
	s.t.Helper()
	for _, id := range ids {
		st, ok := s.steps[id]
		if !ok {
			s.t.Fatalf("the tutor has no step %s: update this test to the steps of harness/tutor", id)
		}
		if st.Status == tutor.Unseen {
			continue
		}
		s.await(id, tutor.Done)
	}
}

// awaitHint waits until the tutor shows step id wrong, with hint.
func (s *labSession) awaitHint(id, hint string) {
	s.t.Helper()
	s.seen = append(s.seen, tutor.StepState{Step: tutor.Step{ID: id}, Status: tutor.Wrong, Hint: hint})
	s.awaitThat(fmt.Sprintf("step %s (%q) wrong, with the hint %q", id, s.steps[id].Title, hint), func(got map[string]shown, screen string) bool {
		if got[id].status != tutor.Wrong {
			return false
		}
		if s.json {
			return got[id].hint == hint
		}
		return strings.Contains(normalSpace(screen), normalSpace(hint))
	})
}

func (s *labSession) awaitThat(what string, cond func(map[string]shown, string) bool) {
	s.t.Helper()
	s.tutor.await("the tutor to show "+what, stepTimeout, func(string) bool {
		if s.tutorEnded() {
			s.t.Fatalf("the tutor ended while the test waited for it to show %s:\n%s", what, trimScreen(s.tutor.all()))
		}
		got, screen := s.look()
		return cond(got, screen)
	})
}

// stopTutor stops the tutor with Ctrl-C, as a student does, and waits for it to end. With
// check, it checks what the tutor printed and wrote, and that the cluster is gone.
func (s *labSession) stopTutor(check bool) {
	t := s.t
	t.Helper()
	if s.tutorEnded() {
		return
	}
	s.tutor.key("C-c")
	code := s.run.wait(time.Minute)
	if !check {
		return
	}
	if code != 0 {
		t.Errorf("the tutor stopped with Ctrl-C: exit status %d, want 0", code)
	}
	all := s.tutor.all()
	// The steps done and not done, each with its mark: every step done but those Kafka keeps
	// no trace of.
	i := strings.LastIndex(all, "Done: ")
	if i < 0 {
		t.Fatalf("the tutor printed no summary of the steps done and not done:\n%s", trimScreen(all))
	}
	summary := checklist(all[i:], s.steps)
	for _, id := range s.order {
		if got, want := summary[id].status, finalStatus(s.steps[id]); got != want {
			t.Errorf("the tutor's summary shows step %s (%q) %q, want %s:\n%s", id, s.steps[id].Title, got, want, trimScreen(all[i:]))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := container.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kept, err := rt.Kept(ctx); err != nil || len(kept) > 0 {
		t.Errorf("after the tutor stopped, the cluster by hand is left: %v (%v)", kept, err)
	}

	var r tutor.Report
	if err := json.Unmarshal([]byte(readFile(t, s.report)), &r); err != nil {
		t.Fatalf("the tutor's -out %s: %v", s.report, err)
	}
	for _, st := range r.Steps {
		if want := finalStatus(s.steps[st.ID]); st.Status != want {
			t.Errorf("the report's step %s (%q) is %s, want %s", st.ID, st.Title, st.Status, want)
		}
	}
	// What the test saw on the way is in the report's changes: the wrong steps with their
	// hints, the topic undone.
	for _, w := range s.seen {
		if !slices.ContainsFunc(r.Changes, func(c tutor.Change) bool {
			return c.ID == w.ID && c.Status == w.Status && (w.Hint == "" || c.Hint == w.Hint)
		}) {
			t.Errorf("the report's changes lack step %s %s (hint %q)", w.ID, w.Status, w.Hint)
		}
	}
	if !s.json {
		return
	}
	// -json: one line per step at the start, then one per change, the report's.
	var lines []tutor.Change
	n := 0
	for _, l := range strings.Split(all, "\n") {
		if strings.HasPrefix(l, "{") {
			n++
		}
	}
	lines = jsonChanges(all)
	if len(lines) != n || n != len(s.order)+len(r.Changes) {
		t.Fatalf("-json printed %d lines that start like JSON, %d of them changes; want %d, one per step (%d) then one per change of the report (%d)",
			n, len(lines), len(s.order)+len(r.Changes), len(s.order), len(r.Changes))
	}
	for i, c := range r.Changes {
		l := lines[len(s.order)+i]
		if l.ID != c.ID || l.Status != c.Status || l.Hint != c.Hint || !l.Time.Equal(c.Time) {
			t.Errorf("-json's change %d is %+v; the report's is %+v", i, l, c)
		}
	}
}

// finalStatus is the status the lab done leaves a step in: done, but a step Kafka keeps no
// trace of stays unseen.
func finalStatus(st tutor.StepState) tutor.Status {
	if st.Status == tutor.Unseen {
		return tutor.Unseen
	}
	return tutor.Done
}
