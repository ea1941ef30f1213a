package ledger

import (
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		tx, bal   []string
		skippable int
		want      string // substring of the problem; "" for none
	}{
		{"running sums", []string{"5", "-3", "10"}, []string{"5", "2", "12"}, 0, ""},
		{"started after two zeros", []string{"0", "0", "0", "4", "-1"}, []string{"0", "4", "3"}, 2, ""},
		{"missed too many", []string{"0", "0", "4"}, []string{"4"}, 1, "transaction 2 has no balance"},
		{"missed a real one", []string{"7", "1"}, []string{"1"}, 1, "worth 7"},
		{"no accumulation", []string{"5", "-3"}, []string{"5", "-3"}, 0, "balance 2 is -3, but transactions 1 to 2 sum to 2"},
		{"wrong after a missed zero", []string{"0", "5", "-3"}, []string{"5", "-3"}, 1, "balance 2 (for transaction 3) is -3, but transactions 1 to 3 sum to 2"},
		{"first balance wrong", []string{"5", "-3"}, []string{"4", "1"}, 0, "balance 1 is 4, but transaction 1 is worth 5"},
		{"twice per transaction", []string{"5"}, []string{"5", "5"}, 0, "no more"},
		{"not a number", []string{"5"}, []string{"five"}, 0, "not an integer"},
		{"written as int() reads them", []string{"+5", " -3\n", "1_0"}, []string{"5\n", "+2", "12 "}, 0, ""},
		{"a decimal is not an integer", []string{"5"}, []string{"5.0"}, 0, "not an integer"},
		{"restarted from zero", []string{"5", "1", "2"}, []string{"5", "6", "2"}, 0, "sum to 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Account{Transactions: tc.tx, Balances: tc.bal}.Check(tc.skippable)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Check = %q, want %q", got, tc.want)
			}
		})
	}
}

// Check reads balances aligned to the end of the transactions. A calculator that is behind,
// however many zeros it may skip, is not aligned into a pass: its balances meet the running
// sums of later transactions, and differ (the wait goes on until it settles). But one real
// transaction past the zeros is its own running sum: on so little, a calculator that does not
// add up checks out, which is why the generator's window must hold several transactions per
// account (pipeline.Run.AwaitWindow counts it from the generator's first, not from the zeros).
func TestCheckOnFewTransactions(t *testing.T) {
	zeros := []string{"0", "0", "0", "0", "0"}
	with := func(real ...string) []string { return append(append([]string(nil), zeros...), real...) }
	for _, tc := range []struct {
		name    string
		tx, bal []string
		want    string // substring of the problem; "" for none
	}{
		{"no accumulation, one transaction past the zeros", with("4"), []string{"0", "0", "4"}, ""},
		{"no accumulation, two past the zeros", with("4", "-1"), []string{"0", "0", "4", "-1"}, "sum to 3"},
		{"no accumulation behind by one", with("4", "-1", "3"), []string{"0", "0", "4", "-1"}, "sum to 4"},
		{"right sums behind by one", with("4", "-1"), []string{"0", "0", "4"}, "sum to 4"},
		{"right sums behind by two", with("4", "-1"), []string{"0", "0"}, "sum to 4"},
		{"only zeros answered, none past them", zeros, []string{"0", "0"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Account{Transactions: tc.tx, Balances: tc.bal}.Check(len(zeros))
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Check = %q, want %q", got, tc.want)
			}
		})
	}
}

// A calculator that sent only some balances: the message counts the transactions (the
// harness's zeros apart), the balances, which running sums the balances are, and which
// transactions have none, so that its numbers add up.
func TestCheckMissingBalances(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tx, bal []string
		zeros   int
		want    string
	}{
		{"stopped early", []string{"0", "0", "0", "4", "-1", "2", "5", "1", "3"}, []string{"4", "3"}, 3,
			"9 transactions (the first 3 worth 0, sent by the harness before the calculator was running, which it may have missed), 2 balances: " +
				"the running sums after transactions 4 and 5; transactions 6 to 9 have no balance"},
		{"one zero", []string{"0", "0", "4"}, []string{"4"}, 1,
			"3 transactions (the first worth 0, sent by the harness before the calculator was running, which it may have missed), 1 balance: " +
				"the running sum after transaction 3; transaction 2 has no balance"},
		{"missed one in the middle", []string{"1", "2", "3", "4"}, []string{"1", "6", "10"}, 0,
			"4 transactions, 3 balances: the running sums after transactions 1, 3 and 4; transaction 2 has no balance"},
		{"none at all", []string{"0", "5"}, nil, 1, "2 transactions (the first worth 0, sent by the harness before the calculator was running, which it may have missed), 0 balances: transaction 2 has no balance"},
		{"wrong too", []string{"1", "2", "3"}, []string{"1", "7"}, 0,
			"3 transactions, 2 balances: balance 1 is the running sum after transaction 1; balance 2 is 7, which is no running sum after that; at least 1 transaction has no balance"},
		{"restarted from 0", []string{"0", "1", "2", "3", "4"}, []string{"1", "3", "4"}, 1,
			"5 transactions (the first worth 0, sent by the harness before the calculator was running, which it may have missed), 3 balances: balances 1 and 2 are the running sums after transactions 2 and 3; balance 3 is 4, which is no running sum after that; at least 1 transaction has no balance"},
		{"too many", []string{"5"}, []string{"5", "5"}, 0, "1 transaction, 2 balances: one balance per transaction, no more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Account{Transactions: tc.tx, Balances: tc.bal}).Check(tc.zeros); got != tc.want {
				t.Errorf("Check =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"-3": -3, "7": 7, "+5": 5, "5\n": 5, " -10 ": -10, "1_000": 1000, "0": 0, "-0": 0} {
		if got, err := ParseAmount(in); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", " ", "-", "+-5", "--5", "5.0", "1e3", "0x1f", "_1", "1_", "1__0", "five", `"5"`, "{\"v\": 5}", "99999999999999999999"} {
		if got, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %d, want an error", in, got)
		}
	}
}

func TestSettled(t *testing.T) {
	behind := map[int32]Account{0: {Transactions: []string{"1", "2"}, Balances: []string{"1"}}}
	for _, tc := range []struct {
		name    string
		p       Progress
		settled bool
	}{
		{"caught up, even when busy", Progress{Accounts: map[int32]Account{0: {Transactions: []string{"1"}, Balances: []string{"1"}}}, Behind: "rebalancing"}, true},
		// As many balances as transactions past the zeros, yet one that reads from the
		// beginning is still on its way: not caught up until quiet.
		{"past the skippable zeros, still sending", Progress{Accounts: map[int32]Account{0: {Transactions: []string{"0", "0", "5"}, Balances: []string{"0"}}}, Quiet: time.Second}, false},
		{"past the skippable zeros, quiet", Progress{Accounts: map[int32]Account{0: {Transactions: []string{"0", "5"}, Balances: []string{"5"}}}, Quiet: 3 * time.Second}, true},
		{"sending", Progress{Accounts: behind, Quiet: time.Second}, false},
		{"quiet and nothing on its way", Progress{Accounts: behind, Quiet: 3 * time.Second}, true},
		{"quiet in a rebalance", Progress{Accounts: behind, Quiet: time.Minute, Behind: "group g is rebalancing"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, why := Settled(tc.p, 3*time.Second); got != tc.settled {
				t.Errorf("Settled = %v (%s), want %v", got, why, tc.settled)
			}
		})
	}
}
