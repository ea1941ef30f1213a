package handout

import (
	"bytes"
	"os"
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
