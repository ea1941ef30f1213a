// Package ledger checks the lab's bank: transactions, one partition per account, and the
// balances a calculator derived from them. It is pure: the caller reads both topics.
package ledger

import (
	"fmt"
	"strconv"
	"strings"
)

// Account is one partition of both topics: the values of its transactions and of its
// balances, in offset order, as the messages' text.
type Account struct {
	Transactions []string
	Balances     []string
}

// Check says what is wrong with an account's balances, or "" when the k-th balance is the sum
// of the calculator's first k transactions, one balance per transaction. The calculator may
// have started after the first skippable transactions (a consumer that reads only new
// messages misses what came before it was ready); it may skip no more than that, and those
// must be worth 0, so that its running sums start from 0 too.
func (a Account) Check(skippable int) string {
	skipped := len(a.Transactions) - len(a.Balances)
	if skipped < 0 {
		return fmt.Sprintf("%d balances for %d transactions: one balance per transaction, no more", len(a.Balances), len(a.Transactions))
	}
	if skipped > skippable {
		return fmt.Sprintf("%d balances for %d transactions: %d transaction(s) have no balance", len(a.Balances), len(a.Transactions), skipped-skippable)
	}
	var sum int64
	for i, t := range a.Transactions {
		v, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil {
			return fmt.Sprintf("transaction %d is %q, not an integer", i, t)
		}
		sum += v
		if i < skipped {
			if v != 0 {
				return fmt.Sprintf("the first %d transaction(s) have no balance, and transaction %d is worth %d", skipped, i, v)
			}
			continue
		}
		k := i - skipped
		got, err := strconv.ParseInt(strings.TrimSpace(a.Balances[k]), 10, 64)
		if err != nil {
			return fmt.Sprintf("balance %d is %q, not an integer written as text (b'%%d')", k, a.Balances[k])
		}
		if got != sum {
			return fmt.Sprintf("balance %d is %d, but the transactions up to it (offset %d) sum to %d", k, got, i, sum)
		}
	}
	return ""
}
