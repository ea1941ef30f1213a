// Package scenario is what every domain's steps share in one scenario: the run's session, the
// scenario's cluster, the student's answers, the last command that ran, the console consumers
// and the messages sent around them; and Check, the failed check every step reports. Each
// domain keeps the rest of its state to itself (Put and Get).
package scenario

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/session"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// State is one scenario's shared state.
type State struct {
	Session *session.Session
	Started time.Time
	// Cluster is the scenario's Kafka, once a step has started or picked one.
	Cluster *cluster.Cluster
	// Answers is the student's submission, once a step has asked for it.
	Answers *submission.Submission
	// Ran is the last one-shot student command and what it printed.
	Ran *runner.Result
	// Consumers are the console consumers whose output the scenario checks.
	Consumers []*runner.Process
	// Before and After are the messages sent before and after the consumers started.
	Before, After []string

	// ConfigSkipped are the student's configuration files left out, and why (see ConfigFiles).
	ConfigSkipped []string

	processes []*runner.Process // long-running commands, stopped after the scenario
	config    map[string]string // the student's configuration files, staged (see Runner)
	// configData are their contents, read once (see Config).
	configData map[string][]byte
}

type stateKey struct{}

// New returns a scenario's state in ctx.
func New(ctx context.Context, s *session.Session) context.Context {
	return context.WithValue(ctx, stateKey{}, &State{Session: s, Started: time.Now()})
}

// From returns the scenario's state.
func From(ctx context.Context) (*State, error) {
	s, ok := ctx.Value(stateKey{}).(*State)
	if !ok {
		return nil, errors.New("no scenario state in the context: are the steps registered through steps.Suite.InitializeScenario?")
	}
	return s, nil
}

// WithCluster returns the scenario's state and its cluster, or says which step gives one.
func WithCluster(ctx context.Context) (*State, *cluster.Cluster, error) {
	s, err := From(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.RequireCluster()
	return s, c, err
}

// RequireCluster returns the scenario's cluster, or says which step gives one.
func (s *State) RequireCluster() (*cluster.Cluster, error) {
	if s.Cluster == nil {
		return nil, errors.New("no Kafka in this scenario: start with a step like `Given Kafka is started in KRaft mode with one broker`")
	}
	return s.Cluster, nil
}

// domainKey keys a domain's own state, one per state type.
type domainKey[T any] struct{}

// Put gives the scenario a domain's own state, of a type no other domain uses.
func Put[T any](ctx context.Context, v *T) context.Context {
	return context.WithValue(ctx, domainKey[T]{}, v)
}

// Get returns the domain's own state that Put gave the scenario.
func Get[T any](ctx context.Context) (*T, error) {
	v, ok := ctx.Value(domainKey[T]{}).(*T)
	if !ok {
		return nil, fmt.Errorf("no %T in the context: is its domain registered through steps.Suite.InitializeScenario?", v)
	}
	return v, nil
}

// Skip ends the scenario as skipped and tells the reader why.
func (s *State) Skip(ctx context.Context, reason string) error {
	fmt.Fprintf(s.Session.Out, "skipped: %s\n", reason)
	godog.Logf(ctx, "skipped: %s", reason)
	return fmt.Errorf("%w: %s", godog.ErrSkip, reason)
}

// Commands returns the student's commands under key, or says what to add to answers.yaml.
func (s *State) Commands(key string) ([]submission.Command, error) {
	if s.Answers == nil {
		return nil, errors.New("no submission in this scenario: add `Given the student's answers.yaml` before this step")
	}
	if _, ok := submission.Info(submission.Key(key)); !ok {
		return nil, fmt.Errorf("the spec asks for answers.yaml key %q, which the submission format does not have", key)
	}
	cmds, err := s.Answers.Commands(submission.Key(key))
	if err != nil {
		return nil, AnswerCheck(key, err)
	}
	return cmds, nil
}

// Command returns the student's single command under key.
func (s *State) Command(key string) (submission.Command, error) {
	if _, err := s.Commands(key); err != nil {
		return submission.Command{}, err
	}
	cmd, err := s.Answers.Command(submission.Key(key))
	if err != nil {
		return cmd, AnswerCheck(key, err)
	}
	return cmd, nil
}

// Runner runs commands on the scenario's cluster.
func (s *State) Runner() (runner.Runner, error) {
	c, err := s.RequireCluster()
	if err != nil {
		return runner.Runner{}, err
	}
	if err := s.stageConfig(c); err != nil {
		return runner.Runner{}, err
	}
	return runner.Runner{Cluster: c, Config: s.config}, nil
}

// stageConfig copies the student's configuration files (submission.ConfigFiles) once per
// scenario into a folder of the cluster's run that every user may read: the commands run as
// users of their own, and never see the folder handed in.
func (s *State) stageConfig(c *cluster.Cluster) error {
	if s.config != nil || s.Answers == nil {
		return nil
	}
	files, skipped, err := submission.ConfigFiles(s.Answers.Dir)
	if err != nil {
		return err
	}
	s.ConfigSkipped, s.configData = skipped, files
	s.config = map[string]string{}
	if len(files) == 0 {
		return nil
	}
	dir, err := c.TempDir("config")
	if err != nil {
		return fmt.Errorf("stage the submission's %s/: %w", submission.ConfigDir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("stage the submission's %s/%s: %w", submission.ConfigDir, name, err)
		}
		s.config[name] = path
	}
	return nil
}

// Config returns the student's configuration files, by name, as staged for the commands (see
// submission.ConfigFiles): what a check reads of them is what the commands find in config/.
// ConfigSkipped then says which were left out.
func (s *State) Config() (map[string][]byte, error) {
	c, err := s.RequireCluster()
	if err != nil {
		return nil, err
	}
	if err := s.stageConfig(c); err != nil {
		return nil, err
	}
	return s.configData, nil
}

// Start starts the student's long-running command under key; it is stopped after the scenario.
func (s *State) Start(ctx context.Context, key string) (*runner.Process, error) {
	cmd, err := s.Command(key)
	if err != nil {
		return nil, err
	}
	return s.StartCommand(ctx, cmd)
}

// StartCommand starts a long-running command; it is stopped after the scenario.
func (s *State) StartCommand(ctx context.Context, cmd submission.Command) (*runner.Process, error) {
	r, err := s.Runner()
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

// StartConsumers starts n consumers of cmd whose output the scenario checks.
func (s *State) StartConsumers(ctx context.Context, cmd submission.Command, n int) error {
	for range n {
		p, err := s.StartCommand(ctx, cmd)
		if err != nil {
			return err
		}
		s.Consumers = append(s.Consumers, p)
	}
	return nil
}

// StopProcesses stops every command the scenario started, all at once (each may take its
// grace to stop), as Ctrl-C would.
func (s *State) StopProcesses(ctx context.Context) error {
	err := container.StopAll(ctx, s.processes)
	s.processes = nil
	return err
}

// Printed is what the last one-shot command printed, stdout then stderr.
func (s *State) Printed() string {
	if s.Ran == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimSpace(s.Ran.Stdout) + "\n" + strings.TrimSpace(s.Ran.Stderr))
}

// RequireRan returns the last one-shot command's result, or says which step runs one.
func (s *State) RequireRan() (*runner.Result, error) {
	if s.Ran == nil {
		return nil, errors.New("no command has run in this scenario: add `When the student's <key> command runs` before this step")
	}
	return s.Ran, nil
}
