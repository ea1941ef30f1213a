package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/ledger"
	pipe "github.com/kafka-lab/kafka-lab/harness/pipeline"
	"github.com/kafka-lab/kafka-lab/harness/sandbox"
	"github.com/kafka-lab/kafka-lab/steps/scenario"
	"github.com/kafka-lab/kafka-lab/steps/scenario/scenariotest"
)

func TestLastBalances(t *testing.T) {
	check := lastBalances(map[int32][]string{0: {"5", "2"}})
	if msg := check(0, ledger.Account{Balances: []string{"1", "5", "2"}}); msg != "" {
		t.Errorf("last balances 5, 2: %q", msg)
	}
	if msg := check(0, ledger.Account{Balances: []string{"5", "3"}}); !strings.Contains(msg, "its last balances are 5, 3, not 5, 2") {
		t.Errorf("last balances 5, 3: %q", msg)
	}
	if msg := check(0, ledger.Account{Balances: []string{"2"}}); msg == "" {
		t.Error("one balance for two transactions passed")
	}
}

func TestSaid(t *testing.T) {
	forged := &pipe.Forged{Topic: "transactions", Stamp: time.Unix(0, 0), Off: -time.Hour}
	scenariotest.WantCheck(t, said(&pipe.Unmet{Program: pipe.Generator, What: "the first transaction", Err: forged}), "stamped when they are sent", "timestamp_ms")
	scenariotest.WantCheck(t, said(&pipe.Unmet{Program: pipe.Calculator, What: "a balance", Err: errors.New("timed out"), Tail: "--- its output"}), "a balance", "timed out", "--- its output")
	plain := errors.New("the broker is gone")
	if err := said(plain); err != plain {
		t.Errorf("said(%v) = %v; an error of the harness passes as it is", plain, err)
	}
	var c scenario.Check
	if errors.As(said(&pipe.Unmet{Program: pipe.Calculator, What: "x", Err: errors.New("y")}), &c) && c.Program != pipe.Calculator {
		t.Errorf("the check names %q; want the program waited on", c.Program)
	}
}

// A calculator that crashed on a value the generator wrote: the hint is the generator's, and
// names the value and where it is.
func TestUnreadableBlamesTheWriter(t *testing.T) {
	crash := &sandbox.Failure{Script: pipe.Calculator, What: "crashed (exit status 1): ValueError: invalid literal for int() with base 10: b'3.5' (balance_calculator.py line 9)"}
	err := unreadable("balances", &pipe.Unreadable{Value: "3.5", Writer: pipe.Generator, Partition: 2, Offset: 0, Err: &pipe.Unmet{Err: crash}})
	msg := err.Error()
	for _, w := range []string{"observed: balance_calculator.py crashed", "ValueError", `hint (lab section 6, transaction_generator.py): transaction_generator.py sent "3.5" to transactions (partition 2, offset 0)`, "value=b'%d' % n"} {
		if !strings.Contains(msg, w) {
			t.Errorf("the message does not say %q:\n%s", w, msg)
		}
	}
}
