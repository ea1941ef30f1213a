package ledger

import "slices"

// Diagnose names the mistake behind balances that do not check out, as a teacher reading the
// ledger would, or "" when it sees none it can name (or every account checks out). It reads
// every account, since one of the mistakes shows only across accounts. Each account's balances
// are lined up with its last transactions, one each; zeros (per account, see Check) are the
// harness's, which the calculator may have skipped. The mistakes it names:
//   - each balance is the one before its transaction (the calculator sends, then adds);
//   - each balance is its transaction itself (nothing is added up);
//   - one running sum for all accounts (a single total, not one per partition).
func Diagnose(accounts map[int32]Account, zeros map[int32]int) string {
	lined := map[int32][]pair{}
	wrong := false
	for p, a := range accounts {
		if a.Check(zeros[p]) != "" {
			wrong = true
		}
		tx, bad := amounts(a.Transactions)
		if bad >= 0 {
			return ""
		}
		bal, bad := amounts(a.Balances)
		if bad >= 0 {
			return ""
		}
		skipped := len(tx) - len(bal)
		if skipped < 0 || skipped > zeros[p] {
			return "" // not one balance per transaction: Check says so
		}
		for k, b := range bal {
			lined[p] = append(lined[p], pair{tx[skipped+k], b})
		}
	}
	if !wrong || len(lined) == 0 {
		return ""
	}
	every := func(ok func(before int64, x pair) bool) bool {
		for _, ps := range lined {
			var sum int64
			for _, x := range ps {
				if !ok(sum, x) {
					return false
				}
				sum += x.tx
			}
		}
		return true
	}
	switch {
	case every(func(_ int64, x pair) bool { return x.bal == x.tx }):
		return "each balance is its transaction's own value, nothing is added up: keep a balance per account, add each transaction to it, and send the sum"
	case every(func(before int64, x pair) bool { return x.bal == before }):
		return "each balance is the one before its transaction: add the transaction first, then send the balance"
	case len(lined) > 1 && oneTotal(lined):
		return "the balances are one running sum of all the accounts together: keep a balance per account (msg.partition), a dict such as balance[msg.partition]"
	}
	return ""
}

// pair is a transaction and the balance the calculator sent for it.
type pair struct{ tx, bal int64 }

// oneTotal reports whether each account's balances are the running sum of every account's
// transactions together, in some order the calculator could have read them (each account's in
// its own order): it looks for that order, step by step, and gives up after a bound.
func oneTotal(lined map[int32][]pair) bool {
	keys := make([]int32, 0, len(lined))
	for p := range lined {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	next := make([]int, len(keys))
	budget := 100_000
	var search func(total int64, left int) bool
	search = func(total int64, left int) bool {
		if left == 0 {
			return true
		}
		if budget--; budget < 0 {
			return false
		}
		for i, p := range keys {
			ps := lined[p]
			if next[i] == len(ps) {
				continue
			}
			x := ps[next[i]]
			if total+x.tx != x.bal {
				continue
			}
			next[i]++
			if search(total+x.tx, left-1) {
				return true
			}
			next[i]--
		}
		return false
	}
	left := 0
	for _, ps := range lined {
		left += len(ps)
	}
	return search(0, left)
}
