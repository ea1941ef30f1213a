package grading

import "strings"

// Visibility tags say when Gradescope shows a scenario's test to students: @hidden never,
// @after_due_date once the due date (or the late one) has passed, @after_published once the
// grades are published; @visible (the default) always. A scenario's own tag wins over its
// feature's, so a feature tagged @after_due_date can keep one scenario @visible.
const (
	Visible        = "visible"
	Hidden         = "hidden"
	AfterDueDate   = "after_due_date"
	AfterPublished = "after_published"
)

// VisibilityTags are the tags that set a scenario's visibility, each "@" and its value.
var VisibilityTags = []string{"@" + Visible, "@" + Hidden, "@" + AfterDueDate, "@" + AfterPublished}

// Visibility is when the scenario's test is shown to students (Visible without a tag).
func (s Scenario) Visibility() string {
	v := Visible
	for _, t := range s.Tags { // the feature's tags first, then the scenario's own
		for _, vt := range VisibilityTags {
			if t == vt {
				v = strings.TrimPrefix(t, "@")
			}
		}
	}
	return v
}
