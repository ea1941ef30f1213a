package spec

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/kafka-lab/kafka-lab/features"
	"github.com/kafka-lab/kafka-lab/steps"
)

func TestShuffle(t *testing.T) {
	paths := []string{features.Dir}
	same, err := Shuffle(features.FS, paths, 0)
	if err != nil || !slices.Equal(same, paths) {
		t.Fatalf("seed 0: %q, %v; want the paths as given, the features' order", same, err)
	}
	a, err := Shuffle(features.FS, paths, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Shuffle(features.FS, paths, 42)
	if !slices.Equal(a, b) {
		t.Errorf("seed 42 gave %q, then %q: a seed must replay its order", a, b)
	}
	if len(a) != 7 {
		t.Errorf("seed 42: %q; want the 7 feature files", a)
	}
	differs := false
	for seed := int64(1); seed <= 5 && !differs; seed++ {
		c, _ := Shuffle(features.FS, paths, seed)
		differs = !slices.IsSorted(c)
	}
	if !differs {
		t.Error("seeds 1 to 5 all kept the features' order")
	}
	if _, err := Shuffle(features.FS, []string{"nowhere"}, 1); err == nil {
		t.Error("no error for a path that does not exist")
	}
}

func TestNewSeed(t *testing.T) {
	for range 100 {
		if s := NewSeed(); s <= 0 {
			t.Fatalf("NewSeed() = %d; want a positive seed (0 is the features' order)", s)
		}
	}
}

func TestInFeatureOrder(t *testing.T) {
	fsys := fstest.MapFS{
		"f/a.feature": {Data: []byte("Feature: a\n  Scenario: one\n    Given x\n  Scenario: two\n    Given x\n")},
		"f/b.feature": {Data: []byte("Feature: b\n  Scenario: three\n    Given x\n")},
	}
	results := []steps.Result{
		{Feature: "f/b.feature", Name: "three"},
		{Feature: "elsewhere", Name: "stray"},
		{Feature: "f/a.feature", Name: "two"},
		{Feature: "f/a.feature", Name: "one"},
	}
	InFeatureOrder(fsys, []string{"f"}, results)
	var got []string
	for _, r := range results {
		got = append(got, r.Name)
	}
	if want := []string{"one", "two", "three", "stray"}; !slices.Equal(got, want) {
		t.Errorf("InFeatureOrder: %q, want %q", got, want)
	}
}
