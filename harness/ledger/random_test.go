package ledger

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// rounds builds what a generator sends to 10 accounts in 6 rounds.
func rounds(value func(round, account int) int64) map[int32][]int64 {
	out := map[int32][]int64{}
	for r := range 6 {
		for a := range 10 {
			out[int32(a)] = append(out[int32(a)], value(r, a))
		}
	}
	return out
}

// A uniform generator passes: its chance of failing is bounded below 1e-9, so 20,000 runs
// (and those with fewer rounds, where fewer rules apply) never fail.
func TestRandomnessUniformPasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		got := rounds(func(int, int) int64 { return int64(rng.IntN(21) - 10) })
		if i%2 == 1 {
			for a := range got {
				got[a] = got[a][:3+i%4] // 3 to 6 messages per account
			}
		}
		if p := RandomnessProblem(got, -10, 10); p != "" {
			t.Fatalf("run %d: a uniform generator refused: %s", i, p)
		}
	}
}

func TestRandomnessRefusesPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	few := []int64{-5, 0, 5}
	for _, tc := range []struct {
		name  string
		value func(round, account int) int64
		say   string
	}{
		{"constant", func(int, int) int64 { return 3 }, "different values"},
		{"cycling through a few", func(r, a int) int64 { return few[(r*10+a)%3] }, "different values"},
		{"counting through the range", func(r, a int) int64 { return int64((r*10+a)%21 - 10) }, "pattern"},
		{"a fixed value per account", func(_, a int) int64 { return int64(a - 5) }, "pattern"},
		{"alternating per account", func(r, a int) int64 { return int64((r%2)*2*a - a) }, "pattern"},
		{"one draw per round for every account", func() func(int, int) int64 {
			per := map[int]int64{}
			return func(r, _ int) int64 {
				if _, ok := per[r]; !ok {
					per[r] = int64(rng.IntN(21) - 10)
				}
				return per[r]
			}
		}(), "same value"},
		{"deposits only", func(int, int) int64 { return int64(rng.IntN(11)) }, "no withdrawal"},
		{"withdrawals only", func(int, int) int64 { return int64(-rng.IntN(11)) }, "no deposit"},
		{"two values", func(int, int) int64 { return int64(rng.IntN(2)*20 - 10) }, "different values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p := RandomnessProblem(rounds(tc.value), -10, 10); !strings.Contains(p, tc.say) {
				t.Errorf("RandomnessProblem = %q, want it to say %q", p, tc.say)
			}
		})
	}
}
