package grading

import (
	"strings"
	"testing"
)

func TestOutputMarkdown(t *testing.T) {
	msg := "expected: a `create_topic` answer with 10 partitions\n" +
		"observed: 3 partitions *and* <b>bold</b>\n" +
		"hint (lab section 2, answers.yaml `create_topic`): pass --partitions 10 to kafka_topics\n" +
		"--- it printed:\nCreated topic my_first_topic.\n```\n- a list?\n" +
		"--- stderr of balance_calculator.py:\nTraceback (most recent call last):"
	got := OutputMarkdown(msg)
	for _, want := range []string{
		"**Expected:** a `create_topic` answer with 10 partitions\n",
		`**Observed:** 3 partitions \*and\* \<b\>bold\</b\>` + "\n",
		"**Hint** (lab section 2, answers.yaml `create_topic`): pass --partitions 10 to kafka\\_topics\n",
		"*it printed*\n\n````text\nCreated topic my_first_topic.\n```\n- a list?\n````\n",
		"*stderr of balance\\_calculator.py*\n\n```text\nTraceback (most recent call last):\n```\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("OutputMarkdown lacks %q:\n%s", want, got)
		}
	}

	// An observed value over lines goes in a code block; a hint without a place stays a hint.
	got = OutputMarkdown("expected: 2 lines\nobserved: line 1\n# line 2\nhint: look")
	if !strings.Contains(got, "**Observed:**\n\n```text\nline 1\n# line 2\n```") || !strings.Contains(got, "**Hint:** look") {
		t.Errorf("multi-line observed:\n%s", got)
	}
	// What is not a check's message is text, verbatim.
	if got := OutputMarkdown("no ZooKeeper in 4.x_"); got != "no ZooKeeper in 4.x\\_" {
		t.Errorf("a skip's reason: %q", got)
	}
	if got := OutputMarkdown("step undefined:\n  Given x"); got != "```text\nstep undefined:\n  Given x\n```" {
		t.Errorf("an undefined step: %q", got)
	}
	// An unmatched backtick is text.
	if got := markdownInline("it's `odd"); got != "it's \\`odd" {
		t.Errorf("markdownInline: %q", got)
	}
}

func TestParseCheckKeepsObservedWhole(t *testing.T) {
	c, ok := parseCheck("expected: x\nobserved: a line that says hint: no\nand more\nhint (lab section 6, balance_calculator.py): h")
	if !ok || c.observed != "a line that says hint: no\nand more" || c.where != "lab section 6, balance_calculator.py" || c.hint != "h" {
		t.Errorf("parseCheck: %+v (%v)", c, ok)
	}
}

func TestVisibility(t *testing.T) {
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{nil, Visible},
		{[]string{"@section-2", "@hidden"}, Hidden},
		{[]string{"@after_due_date", "@points:1"}, AfterDueDate},
		{[]string{"@after_due_date", "@visible"}, Visible}, // the scenario's own tag wins
		{[]string{"@hidden", "@after_published"}, AfterPublished},
	} {
		if got := (Scenario{Tags: tc.tags}).Visibility(); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.tags, got, tc.want)
		}
	}
	scenarios := append([]Scenario{}, sample...)
	scenarios[1].Tags = append(scenarios[1].Tags, "@hidden")
	scenarios[3].Tags = append(scenarios[3].Tags, "@after_due_date")
	g := ToGradescope(scenarios)
	if g.Tests[1].Visible != Hidden || g.Tests[3].Visible != AfterDueDate || g.Tests[0].Visible != Visible {
		t.Errorf("visibilities %s %s %s", g.Tests[0].Visible, g.Tests[1].Visible, g.Tests[3].Visible)
	}
	// The summary gives away nothing of the tests not shown: neither their names nor points.
	if strings.Contains(g.Output, "list") || !strings.Contains(g.Output, "2 more test(s)") || !strings.Contains(g.Output, "**2/2 points**") {
		t.Errorf("summary with hidden tests:\n%s", g.Output)
	}
	if g.Score != 5 {
		t.Errorf("score %v: hidden tests count all the same", g.Score)
	}
}
