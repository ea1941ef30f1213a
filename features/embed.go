// Package features holds the lab's executable specification, one .feature file per lab section,
// embedded so that a kafka-lab binary grades with the features it was built with, from any
// folder and without a checkout.
package features

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed *.feature
var files embed.FS

// Dir is the folder the features lie in, in the repository and in FS.
const Dir = "features"

// FS holds the features under Dir, as they lie in the repository, so that godog's reports name
// them (features/02_topics.feature:12) as a run from a checkout does.
var FS fs.FS = underDir{files}

// underDir shows an FS as the folder Dir of an FS of its own: it opens Dir and what lies under it.
type underDir struct{ fs.FS }

func (u underDir) Open(name string) (fs.File, error) {
	if name == Dir {
		return u.FS.Open(".")
	}
	if rest, ok := strings.CutPrefix(name, Dir+"/"); ok {
		return u.FS.Open(rest)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
