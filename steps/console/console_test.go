package console

import (
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

func TestHoldsTyped(t *testing.T) {
	typed := []string{"first", "second", "third"}
	msg := func(p int32, v string) cluster.Message { return cluster.Message{Partition: p, Value: v} }
	for _, tc := range []struct {
		name string
		msgs []cluster.Message
		fail string
	}{
		{"one partition, in order", []cluster.Message{msg(0, "first"), msg(0, "second"), msg(0, "third")}, ""},
		{"spread, in order in each", []cluster.Message{msg(1, "second"), msg(0, "first"), msg(0, "third")}, ""},
		{"reordered", []cluster.Message{msg(0, "second"), msg(0, "first"), msg(0, "third")}, "not in the order typed"},
		{"a key parsed off", []cluster.Message{msg(0, "first"), msg(0, "cond"), msg(0, "third")}, "parse.key"},
		{"one twice", []cluster.Message{msg(0, "first"), msg(0, "first"), msg(0, "second"), msg(0, "third")}, "4: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scenariotest.WantCheck(t, holdsTyped("my_first_topic", 3, typed, tc.msgs), tc.fail, "console_producer")
		})
	}
}
