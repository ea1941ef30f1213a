package kafkalab

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// docFiles are the Markdown pages people read, from the repository's root: a link between them
// that breaks leaves a reader at a dead end.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "ARCHITECTURE.md", "classroom/README.md"}
	for _, pattern := range []string{"gradescope/*.md", "prairielearn/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, root := range []string{"docs", "testdata"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".md") && (root == "docs" || d.Name() == "README.md") {
				files = append(files, filepath.ToSlash(p))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

var (
	// A link's target: [text](target) or [text](target "title"); images alike.
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// Fenced code blocks and inline code hold no links, only text that may look like one.
	fence      = regexp.MustCompile("(?ms)^```.*?^```")
	inlineCode = regexp.MustCompile("`[^`\n]*`")
	heading    = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
)

// prose is a Markdown document without its code, where links live.
func prose(doc string) string {
	return inlineCode.ReplaceAllString(fence.ReplaceAllString(doc, ""), "")
}

// Slug is the anchor GitHub gives a heading: lower case, spaces to hyphens, every character but
// letters, digits, hyphens and underscores dropped (backticks, colons, commas, parentheses).
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors are a document's heading anchors; a repeated heading gets -1, -2, ... as on GitHub.
func anchors(doc string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(fence.ReplaceAllString(doc, ""), -1) {
		s := slug(m[1])
		if n := seen[s]; n > 0 {
			out[s+"-"+strconv.Itoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// brokenLinks lists the relative links of the document at path (from the repository's root)
// whose file, or heading, does not exist.
func brokenLinks(path string, doc string, read func(string) (string, error)) []string {
	var broken []string
	for _, m := range mdLink.FindAllStringSubmatch(prose(doc), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		resolved := path
		if file != "" {
			resolved = filepath.ToSlash(filepath.Join(filepath.Dir(path), file))
			if strings.HasPrefix(resolved, "../") {
				broken = append(broken, target+" (outside the repository)")
				continue
			}
			if _, err := os.Stat(resolved); err != nil {
				broken = append(broken, target+" (no such file)")
				continue
			}
		}
		if anchor == "" {
			continue
		}
		if !strings.HasSuffix(resolved, ".md") {
			broken = append(broken, target+" (an anchor into a file that is not Markdown)")
			continue
		}
		text, err := doc, error(nil)
		if file != "" {
			text, err = read(resolved)
		}
		if err != nil {
			broken = append(broken, target+" ("+err.Error()+")")
			continue
		}
		if !anchors(text)[anchor] {
			broken = append(broken, target+" (no such heading)")
		}
	}
	return broken
}

// TestDocLinks: every relative link of the docs leads to a file that exists, and every #anchor
// to a heading of its page, as GitHub makes anchors.
func TestDocLinks(t *testing.T) {
	read := func(p string) (string, error) {
		b, err := os.ReadFile(p)
		return string(b), err
	}
	links := 0
	for _, p := range docFiles(t) {
		doc, err := read(p)
		if err != nil {
			t.Fatal(err)
		}
		links += len(mdLink.FindAllString(prose(doc), -1))
		for _, b := range brokenLinks(p, doc, read) {
			t.Errorf("%s: broken link %s", p, b)
		}
	}
	if links == 0 {
		t.Error("no link found in the docs: is the link pattern right?")
	}
}

func TestSlug(t *testing.T) {
	for h, want := range map[string]string{
		"Check your own work":                                       "check-your-own-work",
		"Time limits, and slow machines":                            "time-limits-and-slow-machines",
		"Verdicts that depend on the submission alone: `make soak`": "verdicts-that-depend-on-the-submission-alone-make-soak",
		"Building the image on any Docker (macOS, Windows, Ubuntu)": "building-the-image-on-any-docker-macos-windows-ubuntu",
		"kafka-lab's own_image":                                     "kafka-labs-own_image",
	} {
		if got := slug(h); got != want {
			t.Errorf("slug(%q) = %q, want %q", h, got, want)
		}
	}
	a := anchors("# A\n\n## A\n\n```\n# not a heading\n```\n### B: c\n")
	for _, want := range []string{"a", "a-1", "b-c"} {
		if !a[want] {
			t.Errorf("anchors: no %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a comment in a code block is taken for a heading")
	}
}

func TestBrokenLinksFound(t *testing.T) {
	read := func(p string) (string, error) {
		if p == "ARCHITECTURE.md" {
			return "# Architecture\n\n## Adding a lab section\n", nil
		}
		return "", os.ErrNotExist
	}
	doc := "[ok](ARCHITECTURE.md#adding-a-lab-section) [gone](nowhere.md) [bad](ARCHITECTURE.md#no-such) " +
		"[web](https://example.com/x.md) `[code](nowhere.md)` [self](#here)\n\n## Here\n"
	got := brokenLinks("README.md", doc, read)
	want := []string{"nowhere.md (no such file)", "ARCHITECTURE.md#no-such (no such heading)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("broken links: got %q, want %q", got, want)
	}
}

var (
	// `pkg.Name` or `pkg.Type.Method` in backticks: a Go identifier of the module.
	goName = regexp.MustCompile("`([a-z][a-z0-9]*)\\.([A-Za-z_][A-Za-z0-9_]*)(?:\\.([A-Za-z_][A-Za-z0-9_]*))?(?:\\(\\))?`")
	// `dir/file` in backticks: a path of the repository, when its first element is one.
	repoPath = regexp.MustCompile("`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?)`")
)

// goPackages maps each package name of the module to the folders that hold one of that name.
func goPackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			dir := filepath.Dir(p)
			name := filepath.Base(dir)
			if !slices.Contains(pkgs[name], dir) {
				pkgs[name] = append(pkgs[name], dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// declares reports whether the Go files of dir declare name: a func, method, type, var, const
// or struct field.
func declares(t *testing.T, dir, name string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`(?m)^(?:func (?:\([^)]*\) )?` + name + `\b|type ` + name + `\b|(?:var|const) ` + name + `\b|\t+` + name + `\b[ ,]|\t+` + name + `$)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if decl.Match(b) {
			return true
		}
	}
	return false
}

// TestDocNamesExist: the Go identifiers (`cluster.Reusable`, `steps.Suite.InitializeScenario`)
// and repository paths (`harness/image/dist.sh`) that ARCHITECTURE.md and the docs name in
// backticks still exist, so a renaming that forgets the docs fails here.
func TestDocNamesExist(t *testing.T) {
	pkgs := goPackages(t)
	top, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	topNames := map[string]bool{}
	for _, e := range top {
		topNames[e.Name()] = true
	}
	for _, p := range docFiles(t) {
		if strings.HasPrefix(p, "testdata/") || strings.HasPrefix(p, "classroom/") {
			continue // names of the student's repository, or of an attack
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc := fence.ReplaceAllString(string(b), "")
		for _, m := range goName.FindAllStringSubmatch(doc, -1) {
			dirs, ok := pkgs[m[1]]
			if !ok || strings.ToLower(m[2]) == m[2] && m[3] == "" {
				continue // not a package of the module (`server.properties`), or a file (`answers.yaml`)
			}
			found := false
			for _, dir := range dirs {
				found = found || declares(t, dir, m[2]) && (m[3] == "" || declares(t, dir, m[3]))
			}
			if !found {
				t.Errorf("%s names %s, which no package %s declares", p, m[0], m[1])
			}
		}
		for _, m := range repoPath.FindAllStringSubmatch(doc, -1) {
			path := m[1]
			first, _, nested := strings.Cut(path, "/")
			if !nested || !topNames[first] || strings.Contains(path, "...") || strings.Contains(path, "NN") {
				continue // not a path of the repository (`/opt/kafka`, `config/server.properties`), or a pattern
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s names %s, which does not exist", p, m[0])
			}
		}
	}
}
