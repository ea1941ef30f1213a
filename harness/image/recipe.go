package image

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// recipeFS is the image's recipe: this folder's files but the Go package and the documentation
// (ca/ holds only its README: certificates of someone's network are never built into the
// program). Whole folders are embedded, so what is added to them is part of the recipe; a new
// file at the top must match a pattern here (TestRecipeIsTheFolder says so).
//
//go:embed *Dockerfile* *.sh *.xml bin config docker ca/README.md
var recipeFS embed.FS

// RecipeFiles lists the recipe's files, slash-separated, in order.
func RecipeFiles() ([]string, error) {
	var files []string
	err := fs.WalkDir(recipeFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("the embedded recipe: %w", err)
	}
	slices.Sort(files)
	return files, nil
}

// WriteRecipe writes the recipe into dir, as this folder holds it: scripts (files that start
// with "#!") executable.
func WriteRecipe(dir string) error {
	files, err := RecipeFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := recipeFS.ReadFile(f)
		if err != nil {
			return fmt.Errorf("the embedded recipe: %w", err)
		}
		mode := os.FileMode(0o644)
		if bytes.HasPrefix(data, []byte("#!")) {
			mode = 0o755
		}
		dst := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("write the recipe: %w", err)
		}
		if err := os.WriteFile(dst, data, mode); err != nil {
			return fmt.Errorf("write the recipe: %w", err)
		}
		// WriteFile keeps the mode of a file that was there, and the umask may have cut it.
		if err := os.Chmod(dst, mode); err != nil {
			return fmt.Errorf("write the recipe: %w", err)
		}
	}
	return nil
}

// recipeSums lists the recipe's files in dir as build.sh hashes them (its recipe_files, then
// sha256sum): "<sha256>  ./<path>" lines, in byte order, leaving out documentation (*.md),
// hidden files, Go files, dist/ and programs.* (the program image's, programs.sh).
func recipeSums(dir string) (string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") ||
			strings.HasPrefix(name, "programs.") || strings.HasPrefix(rel, "dist/") {
			return nil
		}
		paths = append(paths, "./"+rel)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash the recipe: %w", err)
	}
	slices.Sort(paths)
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return "", fmt.Errorf("hash the recipe: %w", err)
		}
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(data), p)
	}
	return b.String(), nil
}
