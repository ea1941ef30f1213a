package spec

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io/fs"
	mrand "math/rand"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/steps"
)

// Scenarios run in the features' order (the lab's sections in turn) or, given a seed, in an
// order of that seed: each lane's feature files shuffled, and the scenarios within each file
// (godog's Options.Randomize). A scenario that relies on what an earlier one left (a topic, a
// group's offsets, a broker stopped) then fails on some seeds: the order tests isolation, and
// the seed replays it.

// NewSeed returns a seed for a random order: never 0, which is the features' order.
func NewSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	seed := int64(binary.BigEndian.Uint64(b[:]) >> 1) // positive, as godog's own are
	if seed == 0 {
		seed = 1
	}
	return seed
}

// SeedNote is how a run says its order, at its start and in a failure, with how to replay it.
func SeedNote(seed int64) string {
	if seed == 0 {
		return "scenarios in the features' order"
	}
	return fmt.Sprintf("scenarios in random order, seed %d (replay: -godog.random=%d)", seed, seed)
}

// Shuffle returns the feature files under paths (files or folders, on fsys, or the disk when
// fsys is nil) in the order of seed; paths themselves when seed is 0. godog runs features in
// the order of its paths and shuffles only the scenarios within each.
func Shuffle(fsys fs.FS, paths []string, seed int64) ([]string, error) {
	if seed == 0 {
		return paths, nil
	}
	var files []string
	for _, p := range paths {
		walk := func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".feature") {
				files = append(files, path)
			}
			return nil
		}
		var err error
		if fsys == nil {
			err = filepath.WalkDir(p, walk)
		} else {
			err = fs.WalkDir(fsys, p, walk)
		}
		if err != nil {
			return nil, fmt.Errorf("the features under %s: %w", p, err)
		}
	}
	slices.Sort(files) // as godog walks them: the shuffle is the seed's alone
	r := mrand.New(mrand.NewSource(seed))
	r.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	return files, nil
}

// InFeatureOrder sorts results (in place) into the order the features of paths list their
// scenarios, however they ran: a report reads the same whatever the seed. A result of no
// scenario of paths goes last, in the order it ran.
func InFeatureOrder(fsys fs.FS, paths []string, results []steps.Result) {
	features, err := godog.TestSuite{Options: &godog.Options{FS: fsys, Paths: paths}}.RetrieveFeatures()
	if err != nil {
		return // run said why; the results stay as they ran
	}
	type key struct{ uri, name string }
	pos := map[key]int{}
	n := 0
	for _, f := range features {
		for _, p := range f.Pickles {
			if _, seen := pos[key{p.Uri, p.Name}]; !seen {
				pos[key{p.Uri, p.Name}] = n
			}
			n++
		}
	}
	at := func(r steps.Result) int {
		if i, ok := pos[key{r.Feature, r.Name}]; ok {
			return i
		}
		return n
	}
	slices.SortStableFunc(results, func(a, b steps.Result) int { return at(a) - at(b) })
}
