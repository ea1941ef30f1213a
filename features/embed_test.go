package features

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFSIsTheFolder checks that the embedded features are the folder's, under Dir.
func TestFSIsTheFolder(t *testing.T) {
	onDisk, err := filepath.Glob("*.feature")
	if err != nil || len(onDisk) == 0 {
		t.Fatalf("no feature in the folder: %v", err)
	}
	embedded, err := fs.Glob(FS, Dir+"/*.feature")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range onDisk {
		want = append(want, Dir+"/"+f)
		disk, _ := os.ReadFile(f)
		emb, err := fs.ReadFile(FS, Dir+"/"+f)
		if err != nil || string(emb) != string(disk) {
			t.Errorf("%s: embedded copy differs from the folder's (%v)", f, err)
		}
	}
	if !slices.Equal(embedded, want) {
		t.Errorf("embedded %v, want %v", embedded, want)
	}
	if _, err := FS.Open("01_starting_kafka.feature"); err == nil {
		t.Error("a feature opened outside features/")
	}
}
