package ledger

import (
	"strings"
	"testing"
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
		{"missed too many", []string{"0", "0", "4"}, []string{"4"}, 1, "have no balance"},
		{"missed a real one", []string{"7", "1"}, []string{"1"}, 1, "worth 7"},
		{"no accumulation", []string{"5", "-3"}, []string{"5", "-3"}, 0, "balance 1 is -3"},
		{"twice per transaction", []string{"5"}, []string{"5", "5"}, 0, "no more"},
		{"not a number", []string{"5"}, []string{"five"}, 0, "not an integer"},
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
