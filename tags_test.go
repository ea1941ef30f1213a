package kafkalab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/kafka-lab/kafka-lab/harness/grading"
)

// TestKafkaOnlyTags: a scenario is tagged @kafka-only exactly when none of its steps (its
// Background's included) touches the submission, and such a scenario is worth no points. A
// grading leaves these scenarios out, so a wrong tag either grades a student on Kafka itself or
// drops their work from the grade.
func TestKafkaOnlyTags(t *testing.T) {
	kafkaOnly := 0
	for path, doc := range featureDocs(t) {
		var background []*messages.Step
		for _, child := range doc.Feature.Children {
			if child.Background != nil {
				background = child.Background.Steps
				continue
			}
			sc := child.Scenario
			if sc == nil {
				continue
			}
			var tags []string
			for _, tg := range append(doc.Feature.Tags, sc.Tags...) {
				tags = append(tags, tg.Name)
			}
			student := false
			for _, st := range append(append([]*messages.Step(nil), background...), sc.Steps...) {
				// Every step that reads or runs the submission names it so.
				student = student || strings.Contains(st.Text, "the student's") || strings.Contains(st.Text, "the calculator")
			}
			points := false
			for _, tg := range tags {
				points = points || strings.HasPrefix(tg, "@points:")
			}
			switch only := grading.IsKafkaOnly(tags); {
			case only:
				kafkaOnly++
				if student || points {
					t.Errorf("%s: %q is tagged %s but runs the submission or is worth points", path, sc.Name, grading.KafkaOnly)
				}
			case !student:
				t.Errorf("%s: %q runs nothing of the submission: tag it %s", path, sc.Name, grading.KafkaOnly)
			}
		}
	}
	if kafkaOnly == 0 {
		t.Errorf("no scenario is tagged %s", grading.KafkaOnly)
	}
}

// TestTagsAreKnown: every tag of the features is one that something reads: the grading's
// (@section-N, @points:N, @optional, @kafka-only, and Gradescope's visibility tags) or the
// filters of the tests and the Makefile (@zookeeper, @generator, @calculator, @exactly-once,
// @acks-experiment).
// A misspelt tag would silently do nothing: an @hiden test would be shown to students. A
// scenario (with its feature) sets its visibility at most once at each level.
func TestTagsAreKnown(t *testing.T) {
	known := map[string]bool{"@optional": true, grading.KafkaOnly: true, "@zookeeper": true,
		"@generator": true, "@calculator": true, "@exactly-once": true, "@own-cluster": true, "@acks-experiment": true}
	for _, v := range grading.VisibilityTags {
		known[v] = true
	}
	visibilities := func(tags []*messages.Tag) int {
		n := 0
		for _, tg := range tags {
			if slices.Contains(grading.VisibilityTags, tg.Name) {
				n++
			}
		}
		return n
	}
	for path, doc := range featureDocs(t) {
		check := func(where string, tags []*messages.Tag) {
			for _, tg := range tags {
				if !known[tg.Name] && !numbered(tg.Name, "@section-") && !numbered(tg.Name, "@points:") {
					t.Errorf("%s: %s has tag %s, which nothing reads", path, where, tg.Name)
				}
			}
			if visibilities(tags) > 1 {
				t.Errorf("%s: %s has more than one visibility tag (%v)", path, where, grading.VisibilityTags)
			}
		}
		check("the feature", doc.Feature.Tags)
		for _, child := range doc.Feature.Children {
			if child.Scenario != nil {
				check(fmt.Sprintf("%q", child.Scenario.Name), child.Scenario.Tags)
			}
		}
	}
}

// featureDocs parses features/*.feature, by path.
func featureDocs(t *testing.T) map[string]*messages.GherkinDocument {
	t.Helper()
	files, err := filepath.Glob("features/*.feature")
	if err != nil || len(files) == 0 {
		t.Fatalf("no features: %v", err)
	}
	docs := map[string]*messages.GherkinDocument{}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := gherkin.ParseGherkinDocument(f, (&messages.Incrementing{}).NewId)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs[path] = doc
	}
	return docs
}

// numbered says whether tag is prefix and a whole number.
func numbered(tag, prefix string) bool {
	n, ok := strings.CutPrefix(tag, prefix)
	if !ok {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}
