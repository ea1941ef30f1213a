package handout

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestRenderTheSpec(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, os.DirFS("../.."), "features", "Lab"); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# Lab\n",
		"## Creating, listing and describing a topic\n",
		"### Scenario: create_topic creates my_first_topic with 10 partitions\n",
		"- **Then** the cluster has a topic my_first_topic with 10 partitions\n",
		"| account | transactions |\n| --- | --- |\n| 0 | 5, -3, 10 |",                          // a data table
		"| acks | min isr | down | producer sees | read while down | read when back |\n| --- |", // an Examples table
		"| all | 2 | 1 | NOT_ENOUGH_REPLICAS | no | no |",
		"> The lab's two terminals, started by the harness.", // a comment beside a scenario, as a note
		"### Scenario Outline: acks=\\<acks\\>",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the handout lacks %q", want)
		}
	}
	if n := strings.Count(md, "\n## "); n != 7 {
		t.Errorf("%d sections, want the lab's 7", n)
	}
}

func TestRenderSaysWhatIsMissing(t *testing.T) {
	if err := Render(&bytes.Buffer{}, os.DirFS(t.TempDir()), ".", "x"); err == nil || !strings.Contains(err.Error(), "no .feature file") {
		t.Errorf("err = %v", err)
	}
}

// TestBlocks: an indented run after a blank line is code, its indentation kept; a list item's
// next line, indented right after it, is text.
func TestBlocks(t *testing.T) {
	in := []string{
		" The keys:",
		"",
		"   acks_experiment:",
		"     - producer: x",
		"",
		"       brokers_down: 1",
		"",
		" - acks=0 asks for nothing:",
		"   the producer sees no error.",
	}
	want := []string{"The keys:", "", "```", "acks_experiment:", "  - producer: x", "", "    brokers_down: 1", "```", "", "- acks=0 asks for nothing:", "the producer sees no error."}
	if got := blocks(in); !slices.Equal(got, want) {
		t.Errorf("blocks:\n%q\nwant:\n%q", got, want)
	}
}
