// Package answers holds the steps of the student's submission: loading answers.yaml and
// running the one-shot commands under its keys, whichever lab section they belong to.
package answers

import (
	"context"
	"fmt"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/steps/scenario"
)

// AddSteps registers the submission's steps.
func AddSteps(sc *godog.ScenarioContext) {
	sc.Step(`^the student's answers\.yaml$`, studentsAnswers)
	sc.Step(`^the student's (\w+) commands? runs?$`, studentCommandRuns)
}

func studentsAnswers(ctx context.Context) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	sub := s.Session.Submission()
	if err := sub.Err(); err != nil {
		return scenario.Check{Expected: "an answers.yaml in " + sub.Dir + " that maps each key to a command or a list of commands",
			Observed: err.Error(), Hint: "docs/students.md shows the format of answers.yaml, with every key"}
	}
	s.Answers = sub
	return nil
}

func studentCommandRuns(ctx context.Context, key string) error {
	s, err := scenario.From(ctx)
	if err != nil {
		return err
	}
	cmds, err := s.Commands(key)
	if err != nil {
		return err
	}
	r, err := s.Runner()
	if err != nil {
		return err
	}
	results, err := r.RunAll(ctx, cmds)
	if len(results) > 0 {
		s.Ran = &results[len(results)-1]
	}
	return scenario.Failed(fmt.Sprintf("`%s` to run and finish without an error", key), err)
}
