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
// have started after the first zeros transactions, worth 0, that the harness sent while it
// waited for the calculator to run (a consumer that reads only new messages misses what came
// before it was ready); it may skip no more than those, so that its running sums start from 0
// too. Transactions and balances are numbered from 1, as a student counts them; the message
// says how many of each there are, and which transactions the balances match, so that its
// numbers add up.
func (a Account) Check(zeros int) string {
	tx, bad := amounts(a.Transactions)
	if bad >= 0 {
		return fmt.Sprintf("transaction %d is %q, not an integer", bad+1, a.Transactions[bad])
	}
	bal, bad := amounts(a.Balances)
	if bad >= 0 {
		return fmt.Sprintf("balance %d is %q, not an integer written as text (b'%%d')", bad+1, a.Balances[bad])
	}
	zeros = min(zeros, len(tx))
	skipped := len(tx) - len(bal)
	switch {
	case skipped < 0:
		return fmt.Sprintf("%s, %s: one balance per transaction, no more", counted(len(tx), zeros), plural(len(bal), "balance"))
	case skipped > zeros:
		return fmt.Sprintf("%s, %s: %s", counted(len(tx), zeros), plural(len(bal), "balance"), unmatched(tx, bal, zeros))
	}
	sums := runningSums(tx)
	for i := range skipped {
		if tx[i] != 0 {
			return fmt.Sprintf("the first %d transaction(s) have no balance, and transaction %d is worth %d", skipped, i+1, tx[i])
		}
	}
	for k, got := range bal {
		i := skipped + k
		if got == sums[i] {
			continue
		}
		which := fmt.Sprintf("balance %d", k+1)
		if skipped > 0 { // the calculator missed the first zeros: say which transaction it is for
			which += fmt.Sprintf(" (for transaction %d)", i+1)
		}
		if i == 0 {
			return fmt.Sprintf("%s is %d, but transaction 1 is worth %d", which, got, sums[i])
		}
		return fmt.Sprintf("%s is %d, but transactions 1 to %d sum to %d", which, got, i+1, sums[i])
	}
	return ""
}

// counted says how many transactions an account holds, and how many of the first were the
// harness's zeros.
func counted(n, zeros int) string {
	switch zeros {
	case 0:
		return plural(n, "transaction")
	case 1:
		return plural(n, "transaction") + " (the first worth 0, sent by the harness before the calculator was running, which it may have missed)"
	}
	return fmt.Sprintf("%s (the first %d worth 0, sent by the harness before the calculator was running, which it may have missed)", plural(n, "transaction"), zeros)
}

// plural is "1 balance", "2 balances".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// named is "transaction 3", "transactions 4 and 5".
func named(word string, ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("%s %d", word, ns[0])
	}
	return word + "s " + numbers(ns)
}

// unmatched says which transactions balances too few for them match, in order: each balance
// is taken for the first running sum it equals after the previous one's, and the transactions
// past the zeros that got none are named.
func unmatched(tx, bal []int64, zeros int) string {
	sums := runningSums(tx)
	var after []int
	covered := make([]bool, len(tx))
	j := 0
	for k, b := range bal {
		for j < len(sums) && sums[j] != b {
			j++
		}
		if j == len(sums) {
			missing := len(tx) - zeros - len(bal)
			switch len(after) {
			case 0:
				return fmt.Sprintf("balance 1 is %d, which is no running sum of the transactions; %s", b, atLeast(missing))
			case 1:
				return fmt.Sprintf("balance 1 is the running sum after transaction %d; balance 2 is %d, which is no running sum after that; %s", after[0], b, atLeast(missing))
			}
			return fmt.Sprintf("%s are the running sums after %s; balance %d is %d, which is no running sum after that; %s", named("balance", seq(k)), named("transaction", after), k+1, b, atLeast(missing))
		}
		covered[j] = true
		after = append(after, j+1)
		j++
	}
	var none []int
	for i := zeros; i < len(tx); i++ {
		if !covered[i] {
			none = append(none, i+1)
		}
	}
	var b strings.Builder
	if len(after) > 0 {
		if len(after) == 1 {
			fmt.Fprintf(&b, "the running sum after transaction %d; ", after[0])
		} else {
			fmt.Fprintf(&b, "the running sums after %s; ", named("transaction", after))
		}
	}
	if len(none) == 1 {
		fmt.Fprintf(&b, "transaction %d has no balance", none[0])
	} else {
		fmt.Fprintf(&b, "%s have no balance", named("transaction", none))
	}
	return b.String()
}

// seq is 1 to n.
func seq(n int) []int {
	ns := make([]int, n)
	for i := range ns {
		ns[i] = i + 1
	}
	return ns
}

// atLeast says how many transactions have no balance at least, when which is not known.
func atLeast(n int) string {
	if n == 1 {
		return "at least 1 transaction has no balance"
	}
	return fmt.Sprintf("at least %d transactions have no balance", n)
}

// numbers lists ascending numbers, runs of three or more as ranges: "4, 5", "6 to 9".
func numbers(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, fmt.Sprintf("%d to %d", ns[i], ns[j]))
		default:
			for _, n := range ns[i : j+1] {
				parts = append(parts, strconv.Itoa(n))
			}
		}
		i = j + 1
	}
	if len(parts) > 1 {
		return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return strings.Join(parts, "")
}

// amounts parses values (ParseAmount); bad is the index of the first that is no integer, or -1.
func amounts(values []string) (ns []int64, bad int) {
	ns = make([]int64, len(values))
	for i, v := range values {
		n, err := ParseAmount(v)
		if err != nil {
			return nil, i
		}
		ns[i] = n
	}
	return ns, -1
}

// runningSums are the balances after each transaction, from 0.
func runningSums(tx []int64) []int64 {
	sums := make([]int64, len(tx))
	var sum int64
	for i, t := range tx {
		sum += t
		sums[i] = sum
	}
	return sums
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
