package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"kafka-lab/harness/runner"
	"kafka-lab/harness/sandbox"
	"kafka-lab/harness/submission"
)

// The student's submission: loading answers.yaml and running its commands.
func addSubmissionSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the student's answers\.yaml$`, studentsAnswers)
	sc.Step(`^the student's (\w+) commands? runs?$`, studentCommandRuns)
}

func studentsAnswers(ctx context.Context) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	sub := s.suite.Submission()
	if err := sub.Err(); err != nil {
		return check{expected: "an answers.yaml in " + sub.Dir + " that maps each key to a command or a list of commands",
			observed: err.Error(), hint: "the README shows the format of answers.yaml, with the lab's keys"}
	}
	s.answers = sub
	return nil
}

// commands returns the student's commands under key, or says what to add to answers.yaml.
func (s *Scenario) commands(key string) ([]submission.Command, error) {
	if s.answers == nil {
		return nil, errors.New("no submission in this scenario: add `Given the student's answers.yaml` before this step")
	}
	if _, ok := submission.Info(submission.Key(key)); !ok {
		return nil, fmt.Errorf("the spec asks for answers.yaml key %q, which the submission format does not have", key)
	}
	cmds, err := s.answers.Commands(submission.Key(key))
	if err != nil {
		return nil, answerCheck(key, err)
	}
	return cmds, nil
}

// answerCheck reports a problem with the answer under key.
func answerCheck(key string, err error) error {
	info, _ := submission.Info(submission.Key(key))
	return check{key: key, expected: fmt.Sprintf("a `%s` answer: the command you ran in section %d (%s)", key, info.Section, info.Task),
		observed: err.Error(),
		hint:     fmt.Sprintf("write the %s.sh command as you typed it in the Kafka folder", info.Tool)}
}

// failed turns a student's command that did not do its job into a check; other errors pass.
func failed(expected string, err error) error {
	var pf *sandbox.Failure
	if errors.As(err, &pf) {
		return check{program: pf.Script, expected: expected, observed: pf.Script + " " + pf.What, hint: pf.Hint, tail: pf.Output}
	}
	var f *runner.Failure
	if !errors.As(err, &f) {
		return err
	}
	return check{key: string(f.Command.Key), expected: expected, observed: f.Command.Text + ": " + f.What, hint: f.Hint, tail: f.Output}
}

// command returns the student's single command under key.
func (s *Scenario) command(key string) (submission.Command, error) {
	if _, err := s.commands(key); err != nil {
		return submission.Command{}, err
	}
	cmd, err := s.answers.Command(submission.Key(key))
	if err != nil {
		return cmd, answerCheck(key, err)
	}
	return cmd, nil
}

func (s *Scenario) runner() (runner.Runner, error) {
	c, err := s.requireCluster()
	return runner.Runner{Cluster: c}, err
}

func studentCommandRuns(ctx context.Context, key string) error {
	s, err := scenarioFrom(ctx)
	if err != nil {
		return err
	}
	cmds, err := s.commands(key)
	if err != nil {
		return err
	}
	r, err := s.runner()
	if err != nil {
		return err
	}
	results, err := r.RunAll(ctx, cmds)
	if len(results) > 0 {
		s.ran = &results[len(results)-1]
	}
	return failed(fmt.Sprintf("`%s` to run and finish without an error", key), err)
}

// start starts the student's long-running command under key; it is stopped after the scenario.
func (s *Scenario) start(ctx context.Context, key string) (*runner.Process, error) {
	cmd, err := s.command(key)
	if err != nil {
		return nil, err
	}
	return s.startCommand(ctx, cmd)
}

// startCommand starts a long-running command; it is stopped after the scenario.
func (s *Scenario) startCommand(ctx context.Context, cmd submission.Command) (*runner.Process, error) {
	r, err := s.runner()
	if err != nil {
		return nil, err
	}
	p, err := r.Start(ctx, cmd)
	if err != nil {
		return nil, err
	}
	s.processes = append(s.processes, p)
	return p, nil
}

// check is a failed check as every step reports it: what was expected, what was observed, and
// a hint naming the lab section and the answers.yaml key to look at.
type check struct {
	key      string // answers.yaml key whose command is checked
	program  string // or the program checked, such as balance_calculator.py (lab section 6)
	expected string
	observed string
	hint     string
	output   string // what the command printed, when it helps
	tail     string // the ends of a process's streams, already headed
}

func (c check) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "expected: %s\nobserved: %s", c.expected, c.observed)
	if info, ok := submission.Info(submission.Key(c.key)); ok {
		fmt.Fprintf(&b, "\nhint (lab section %d, answers.yaml `%s`): %s", info.Section, c.key, c.hint)
	} else if c.program != "" {
		fmt.Fprintf(&b, "\nhint (lab section 6, %s): %s", c.program, c.hint)
	} else if c.hint != "" {
		fmt.Fprintf(&b, "\nhint: %s", c.hint)
	}
	if out := strings.TrimSpace(c.output); out != "" {
		fmt.Fprintf(&b, "\n--- it printed:\n%s", tailLines(out, 25))
	}
	if c.tail != "" {
		fmt.Fprintf(&b, "\n%s", c.tail)
	}
	return b.String()
}

// printed is what the last one-shot command printed, stdout then stderr.
func (s *Scenario) printed() string {
	if s.ran == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimSpace(s.ran.Stdout) + "\n" + strings.TrimSpace(s.ran.Stderr))
}

// requireRan returns the last one-shot command's result, or says which step runs one.
func (s *Scenario) requireRan() (*runner.Result, error) {
	if s.ran == nil {
		return nil, errors.New("no command has run in this scenario: add `When the student's <key> command runs` before this step")
	}
	return s.ran, nil
}

func tailLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return fmt.Sprintf("[%d earlier lines not shown]\n%s", len(lines)-n, strings.Join(lines[len(lines)-n:], "\n"))
}
