package answers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

func TestStudentsAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		fail       string
	}{
		{"none", "", "an answers.yaml in"},
		{"not a map", "- bin/kafka-topics.sh --list\n", "maps each key to a command"},
		{"a command", "list_topics: bin/kafka-topics.sh --list --bootstrap-server localhost:9092\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.yaml != "" {
				if err := os.WriteFile(filepath.Join(dir, "answers.yaml"), []byte(tc.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, s := scenariotest.New(t)
			s.Session.SetSubmission(dir)
			scenariotest.WantCheck(t, studentsAnswers(ctx), tc.fail)
			if tc.fail == "" && s.Answers == nil {
				t.Error("the answers are not the scenario's")
			}
		})
	}
	t.Run("a command of an unknown key is the spec's error", func(t *testing.T) {
		_, s := scenariotest.New(t)
		s.Session.SetSubmission(t.TempDir())
		if _, err := s.Commands("list_topics"); err == nil {
			t.Error("Commands before the answers were loaded: want an error that names the step")
		}
	})
}
