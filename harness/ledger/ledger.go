// Package ledger checks the lab's bank: transactions, one partition per account, and the
// balances a calculator derived from them. It is pure: the caller reads both topics.
package ledger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseAmount reads a message of either topic as the lab's own programs read one, with Python's
// int(msg.value): an optional sign and decimal digits (an underscore may join two digits),
// blanks around them allowed. The lab writes b'%d' % n, so "-3" and "7"; "+5" and "5\n" are the
// same integers to a reader, and every check takes them so. Nothing else is an integer here:
// no decimals, no JSON, no hex.
func ParseAmount(value string) (int64, error) {
	s := strings.TrimSpace(value)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' || strings.Contains(digits, "__") {
		return 0, errNotInteger
	}
	for _, r := range digits {
		if (r < '0' || r > '9') && r != '_' {
			return 0, errNotInteger
		}
	}
	n, err := strconv.ParseInt(s[:len(s)-len(digits)]+strings.ReplaceAll(digits, "_", ""), 10, 64)
	if err != nil {
		return 0, errNotInteger
	}
	return n, nil
}

var errNotInteger = errors.New("not an integer written as text")

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
		v, err := ParseAmount(t)
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
		got, err := ParseAmount(a.Balances[k])
		if err != nil {
			return fmt.Sprintf("balance %d is %q, not an integer written as text (b'%%d')", k, a.Balances[k])
		}
		if got != sum {
			return fmt.Sprintf("balance %d is %d, but the transactions up to it (offset %d) sum to %d", k, got, i, sum)
		}
	}
	return ""
}

// Progress is what the harness sees of a running calculator at one moment.
type Progress struct {
	Accounts map[int32]Account
	// Quiet is how long no new balance has come.
	Quiet time.Duration
	// Behind, when not "", says why the calculator has not caught up yet though it sends
	// nothing: its consumer group is rebalancing, or has committed less than the end of
	// transactions.
	Behind string
}

// Settled says whether what the calculator sent is final, so that balances that do not check
// out are its mistake and not a wait cut short, and why. It is final when every account has a
// balance for every transaction it holds (caught up), or when no balance has come for quiet
// while nothing says the calculator is still on its way (Behind). A calculator that restarts
// and waits for its group's rebalance is quiet, yet not settled. The transactions a calculator
// may skip (see Check) do not count towards caught up: one that reads from the beginning has
// balances for them too, and is on its way until it has them all.
func Settled(p Progress, quiet time.Duration) (bool, string) {
	caughtUp := true
	for _, a := range p.Accounts {
		if len(a.Balances) < len(a.Transactions) {
			caughtUp = false
		}
	}
	switch {
	case caughtUp:
		return true, "a balance for every transaction"
	case p.Behind != "":
		return false, p.Behind
	case p.Quiet >= quiet:
		return true, fmt.Sprintf("no new balance for %s", p.Quiet.Round(100*time.Millisecond))
	}
	return false, fmt.Sprintf("new balances %s ago", p.Quiet.Round(100*time.Millisecond))
}
