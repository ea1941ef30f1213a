package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/fault"
)

// Blame decides from the evidence whose a node's death is: the student's only when the node ran
// out of its Java heap while the student's code ran; anything else is the harness's.
func TestBlame(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	heapLog := "[2026-12-07 12:00:20,001] INFO [BrokerServer id=1] started\n" +
		"Terminating due to java.lang.OutOfMemoryError: Java heap space\n"
	outOfHeap := func(s int) Death {
		return Death{Node: "kafka-lab-1-broker-1", Kafka: "broker 1", State: container.State{ExitCode: 3, FinishedAt: at(s)}, Log: heapLog}
	}
	calculator := StudentRun{What: "your program balance_calculator.py", Started: at(10)}
	producer := StudentRun{What: "your command `bin/kafka-console-producer.sh --topic t`", Started: at(2), Ended: at(5)}
	for _, tc := range []struct {
		name   string
		deaths []Death
		runs   []StudentRun
		// say is in the student's message when the death is theirs; empty, it is the harness's.
		say []string
	}{
		{name: "out of heap while the program runs", deaths: []Death{outOfHeap(24)}, runs: []StudentRun{producer, calculator},
			say: []string{"Kafka's broker 1 ran out of memory while your program balance_calculator.py ran (14s after it started)",
				"java.lang.OutOfMemoryError: Java heap space"}},
		{name: "out of heap just after the command exited", deaths: []Death{outOfHeap(8)}, runs: []StudentRun{producer},
			say: []string{"while your command `bin/kafka-console-producer.sh --topic t` ran (6s after it started)"}},
		{name: "a request past the VM's array limit", runs: []StudentRun{calculator},
			deaths: []Death{{Node: "kafka-lab-1-ha-broker-2", Kafka: "broker 2", State: container.State{ExitCode: 3, FinishedAt: at(11)},
				Log: "Terminating due to java.lang.OutOfMemoryError: Requested array size exceeds VM limit"}},
			say: []string{"Kafka's broker 2 ran out of memory"}},
		{name: "out of heap with no student code", deaths: []Death{outOfHeap(24)}},
		{name: "out of heap before the program started", deaths: []Death{outOfHeap(9)}, runs: []StudentRun{calculator}},
		{name: "out of heap long after the command exited", deaths: []Death{outOfHeap(30)}, runs: []StudentRun{producer}},
		{name: "out of heap at an unknown time", runs: []StudentRun{calculator},
			deaths: []Death{{Node: "broker-1", State: container.State{ExitCode: 3}, Log: heapLog}}},
		{name: "killed by the kernel for the machine's memory", runs: []StudentRun{calculator},
			deaths: []Death{{Node: "broker-1", State: container.State{ExitCode: 137, OOMKilled: true, FinishedAt: at(20)}, Log: heapLog}}},
		{name: "killed by a signal", runs: []StudentRun{calculator},
			deaths: []Death{{Node: "broker-1", State: container.State{ExitCode: 137, FinishedAt: at(20)}}}},
		{name: "exited for another reason while the program ran", runs: []StudentRun{calculator},
			deaths: []Death{{Node: "broker-1", State: container.State{ExitCode: 1, FinishedAt: at(20)},
				Log: "ERROR Shutdown broker because all log dirs in /var/lib/kafka/data have failed"}}},
		{name: "out of threads is the machine's", runs: []StudentRun{calculator},
			deaths: []Death{{Node: "broker-1", State: container.State{ExitCode: 3, FinishedAt: at(20)},
				Log: "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory or process/resource limits reached"}}},
		{name: "one node the student's, another not", runs: []StudentRun{calculator},
			deaths: []Death{outOfHeap(20), {Node: "ha-controller", State: container.State{ExitCode: 137, FinishedAt: at(20)}}}},
		{name: "no death"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, ok := Blame(tc.deaths, tc.runs)
			if ok != (len(tc.say) > 0) {
				t.Fatalf("Blame says the student's: %v (%q), want %v", ok, msg, len(tc.say) > 0)
			}
			for _, s := range tc.say {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q lacks %q", msg, s)
				}
			}
		})
	}
}

func TestDescribeRun(t *testing.T) {
	for _, tc := range []struct {
		spec    container.Spec
		want    string
		program bool
	}{
		{container.Spec{Entrypoint: []string{"python3", "-c", "launcher", "/submission/balance_calculator.py"}}, "your program balance_calculator.py", true},
		{container.Spec{Cmd: []string{"bin/kafka-topics.sh", "--list"}}, "your command `bin/kafka-topics.sh --list`", false},
	} {
		if got, program := describeRun(tc.spec); got != tc.want || program != tc.program {
			t.Errorf("describeRun(%v) = %q, %v, want %q, %v", tc.spec, got, program, tc.want, tc.program)
		}
	}
}

func TestKafkaName(t *testing.T) {
	for _, tc := range []struct {
		n    Node
		want string
	}{
		{Node{ID: 1, Role: "broker,controller"}, "broker 1"},
		{Node{ID: 3, Role: "broker"}, "broker 3"},
		{Node{ID: 0, Role: "controller"}, "controller 0"},
		{Node{ID: 0, Role: "zookeeper"}, "zookeeper"},
	} {
		if got := tc.n.kafkaName(); got != tc.want {
			t.Errorf("kafkaName of %s %d = %q, want %q", tc.n.Role, tc.n.ID, got, tc.want)
		}
	}
}

// A wait on Kafka that fails while the student's code runs is theirs only if Kafka answers once
// that code is stopped.
func TestWeighStall(t *testing.T) {
	ctx := context.Background()
	timedOut := fault.Harness("see the scenario's topics on every broker", errors.New("broker 1: i/o timeout"))
	calc := []string{"your program balance_calculator.py", "your program balance_calculator.py"}
	for _, tc := range []struct {
		name     string
		by       []string
		answers  bool // once the student's code is stopped
		passes   bool // the slow moment passes with the student's code running
		wantStop bool
		student  bool
	}{
		{name: "Kafka answers once the program is stopped", by: calc, answers: true, wantStop: true, student: true},
		{name: "Kafka still does not answer", by: calc, answers: false, wantStop: true},
		{name: "nothing of the student's ran", answers: true},
		{name: "a slow moment passes by itself", by: calc, passes: true, answers: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stopped := false
			err := weighStall(ctx, timedOut, tc.by, func(context.Context) { stopped = true },
				func(context.Context) error {
					if (!stopped && !tc.passes) || (stopped && !tc.answers) {
						return errors.New("still no answer")
					}
					return nil
				})
			if stopped != tc.wantStop {
				t.Errorf("the student's code stopped: %v, want %v", stopped, tc.wantStop)
			}
			if tc.passes {
				if err != nil {
					t.Fatalf("weighStall = %v, want nil: Kafka answered with the student's code running", err)
				}
				return
			}
			var s *Stalled
			if got := errors.As(err, &s); got != tc.student || fault.Is(err) == tc.student {
				t.Fatalf("weighStall = %v (the student's: %v, a fault: %v), want the student's: %v", err, got, fault.Is(err), tc.student)
			}
			if tc.student {
				for _, want := range []string{"Kafka stopped answering while your program balance_calculator.py ran, and answered again", "broker 1: i/o timeout"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("message %q lacks %q", err, want)
					}
				}
				if strings.Contains(err.Error(), "the grader could not") || strings.Count(err.Error(), "balance_calculator.py") != 1 {
					t.Errorf("message %q: want the program named once, and no word of the grader's failure", err)
				}
			}
		})
	}
}
