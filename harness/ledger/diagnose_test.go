package ledger

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// calculator is how a calculator turns the transaction it reads into the balance it sends: the
// account's balance before it, the total of every account before it, and the transaction.
type calculator func(balance, total, tx int64) int64

// ledgerOf runs calc over rounds of random transactions to three accounts, read round by round
// as a calculator reads them, after zeros[p] zeros that it missed (the first) or read (the
// rest, one each).
func ledgerOf(calc calculator, zeros map[int32]int, rounds int, seed uint64) map[int32]Account {
	rng := rand.New(rand.NewPCG(seed, 1))
	accounts := map[int32]Account{}
	balance := map[int32]int64{}
	var total int64
	read := func(p int32, tx int64) {
		a := accounts[p]
		a.Transactions = append(a.Transactions, strconv.FormatInt(tx, 10))
		a.Balances = append(a.Balances, strconv.FormatInt(calc(balance[p], total, tx), 10))
		accounts[p] = a
		balance[p] += tx
		total += tx
	}
	for p := range int32(3) {
		for i := range zeros[p] {
			if i == 0 { // sent before the calculator was running: missed
				a := accounts[p]
				a.Transactions = append(a.Transactions, "0")
				accounts[p] = a
				continue
			}
			read(p, 0)
		}
	}
	for range rounds {
		for p := range int32(3) {
			read(p, int64(rng.IntN(21)-10))
		}
	}
	return accounts
}

func TestDiagnose(t *testing.T) {
	zeros := map[int32]int{0: 2, 1: 1, 2: 0}
	for _, tc := range []struct {
		name string
		calc calculator
		want string
	}{
		{"right", func(b, _, tx int64) int64 { return b + tx }, ""},
		{"sends, then adds", func(b, _, _ int64) int64 { return b }, "each balance is the one before its transaction: add the transaction first, then send"},
		{"no accumulation", func(_, _, tx int64) int64 { return tx }, "each balance is its transaction's own value"},
		{"one total", func(_, total, tx int64) int64 { return total + tx }, "one running sum of all the accounts together"},
	} {
		for seed := range uint64(20) {
			if got := Diagnose(ledgerOf(tc.calc, zeros, 5, seed), zeros); !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
				t.Errorf("%s (seed %d): Diagnose = %q, want %q", tc.name, seed, got, tc.want)
			}
		}
	}
}

// Mistakes it cannot name get no diagnosis, rather than a wrong one.
func TestDiagnoseNamesNoOtherMistake(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accounts map[int32]Account
	}{
		{"restarted from 0", map[int32]Account{0: {Transactions: []string{"5", "1", "2"}, Balances: []string{"5", "6", "2"}}}},
		{"doubled", map[int32]Account{0: {Transactions: []string{"5", "1"}, Balances: []string{"10", "12"}}}},
		{"missing balances", map[int32]Account{0: {Transactions: []string{"5", "1", "2"}, Balances: []string{"5"}}}},
		{"not a number", map[int32]Account{0: {Transactions: []string{"5"}, Balances: []string{"five"}}}},
		// A single account: one total is its own running sum, which is right.
		{"one account right", map[int32]Account{0: {Transactions: []string{"5", "1"}, Balances: []string{"5", "6"}}}},
	} {
		if got := Diagnose(tc.accounts, nil); got != "" {
			t.Errorf("%s: Diagnose = %q, want none", tc.name, got)
		}
	}
}
