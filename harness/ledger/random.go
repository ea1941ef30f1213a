package ledger

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// maxFalseAlarm bounds, per rule, the chance that a generator drawing each value uniformly and
// independently from [lo, hi] breaks it. RandomnessProblem applies only rules whose bound, for
// the values it was given, is below it: with four rules, a uniform generator is refused with a
// probability below 1e-9.
const maxFalseAlarm = 2.5e-10

// RandomnessProblem says why the values a generator sent to each partition (in offset order)
// are not independent random integers from lo to hi, or "" when nothing says so. It catches a
// constant generator, one cycling through a few values or counting through the range, one that
// gives each account a fixed or alternating pattern, one that sends the same value to every
// account in a round, and one that never goes below or above zero. Each rule's chance of
// refusing a uniform generator is bounded (a union bound, see each rule) by maxFalseAlarm.
// Values outside [lo, hi] are another check's business; they are counted as they are.
func RandomnessProblem(partitions map[int32][]int64, lo, hi int64) string {
	m := float64(hi - lo + 1) // the values a uniform draw can take
	var all []int64
	for _, p := range slices.Sorted(maps.Keys(partitions)) {
		all = append(all, partitions[p]...)
	}
	n := len(all)
	var problems []string

	// Too few distinct values: P(at most k distinct of m in n draws) <= C(m,k) (k/m)^n.
	const fewest = 8
	if bound := binomial(int(m), fewest) * math.Pow(fewest/m, float64(n)); bound < maxFalseAlarm {
		distinct := map[int64]bool{}
		for _, v := range all {
			distinct[v] = true
		}
		if len(distinct) <= fewest {
			problems = append(problems, fmt.Sprintf("only %d different values in %d transactions (%s)", len(distinct), n, joinInts(slices.Sorted(maps.Keys(distinct)))))
		}
	}

	// Never below zero, or never above: P <= 2 ((hi - 0 + 1)/m)^n for a range around 0.
	if lo < 0 && hi > 0 {
		side := float64(max(hi, -lo)+1) / m
		if bound := 2 * math.Pow(side, float64(n)); bound < maxFalseAlarm {
			neg, pos := false, false
			for _, v := range all {
				neg, pos = neg || v < 0, pos || v > 0
			}
			switch {
			case !neg:
				problems = append(problems, fmt.Sprintf("no withdrawal (< 0) in %d transactions", n))
			case !pos:
				problems = append(problems, fmt.Sprintf("no deposit (> 0) in %d transactions", n))
			}
		}
	}

	// An account's values follow a pattern: a constant step modulo m (constant, counting,
	// cycling through the range) or a period of 2. For a partition of k >= 5 values,
	// P(pattern) <= 2 m^-(k-2); a union bound over which `least` partitions have one.
	var patterned []string
	var chances []float64
	for _, p := range slices.Sorted(maps.Keys(partitions)) {
		vs := partitions[p]
		if len(vs) < 5 {
			continue
		}
		chances = append(chances, 2*math.Pow(m, -float64(len(vs)-2)))
		if pattern(vs, int64(m)) {
			patterned = append(patterned, fmt.Sprintf("account %d: %s", p, joinInts(vs)))
		}
	}
	if least := leastOf(chances); least > 0 && len(patterned) >= least {
		problems = append(problems, fmt.Sprintf("%d accounts get values in a pattern, not at random: %s", len(patterned), strings.Join(patterned, "; ")))
	}

	// Every account gets the same value in a round (the k-th message of each partition):
	// P(a round of a accounts all equal) = m^-(a-1); two such rounds, a union bound over pairs.
	rounds := 0
	for _, vs := range partitions {
		rounds = max(rounds, len(vs))
	}
	same, accounts := 0, len(partitions)
	for k := range rounds {
		var first int64
		equal, seen := true, 0
		for _, vs := range partitions {
			if k >= len(vs) {
				continue
			}
			if seen == 0 {
				first = vs[k]
			}
			equal = equal && vs[k] == first
			seen++
		}
		if equal && seen == accounts {
			same++
		}
	}
	if bound := binomial(rounds, 2) * math.Pow(m, -2*float64(accounts-1)); accounts >= 5 && bound < maxFalseAlarm && same >= 2 {
		problems = append(problems, fmt.Sprintf("in %d rounds every account got the same value: draw a value for each account", same))
	}
	return strings.Join(problems, "; ")
}

// pattern says whether vs steps by a constant modulo m, or repeats with a period of 2.
func pattern(vs []int64, m int64) bool {
	step := ((vs[1]-vs[0])%m + m) % m
	constant, period2 := true, true
	for i := 2; i < len(vs); i++ {
		constant = constant && ((vs[i]-vs[i-1])%m+m)%m == step
		period2 = period2 && vs[i] == vs[i-2]
	}
	return constant || period2
}

// leastOf is the fewest patterned partitions that refuse a generator: the smallest t for which
// the chance that t or more of them show a pattern by chance is below maxFalseAlarm (0 if none).
func leastOf(chances []float64) int {
	if len(chances) == 0 {
		return 0
	}
	worst := slices.Max(chances)
	for t := 1; t <= len(chances); t++ {
		if binomial(len(chances), t)*math.Pow(worst, float64(t)) < maxFalseAlarm {
			return t
		}
	}
	return 0
}

func binomial(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

func joinInts(vs []int64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}
