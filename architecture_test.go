package kafkalab

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

var updateArchitecture = flag.Bool("update-architecture", false, "rewrite the package graph in ARCHITECTURE.md")

// projectPackages lists the module's packages (tests excluded) with the module's packages each
// imports, from `go list`.
func projectPackages(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, "github.com/kafka-lab/kafka-lab/")
		if name == "github.com/kafka-lab/kafka-lab" {
			continue // the root package holds only tests
		}
		var deps []string
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, "github.com/kafka-lab/kafka-lab/"); ok {
				deps = append(deps, dep)
			}
			if imp == "github.com/cucumber/godog" {
				deps = append(deps, "godog")
			}
		}
		pkgs[name] = deps
	}
	return pkgs
}

// TestLayers holds the rules of ARCHITECTURE.md: the harness knows nothing of godog or the
// steps, a domain's steps know no other domain's, and the commands grade through spec.
func TestLayers(t *testing.T) {
	for pkg, deps := range projectPackages(t) {
		for _, dep := range deps {
			var broken string
			switch {
			case strings.HasPrefix(pkg, "harness/") && (dep == "godog" || dep == "spec" || strings.HasPrefix(dep, "steps") || strings.HasPrefix(dep, "cmd/")):
				broken = "the harness imports nothing above it"
			case (strings.HasPrefix(pkg, "cmd/") || pkg == "internal/cli") && strings.HasPrefix(dep, "steps"):
				broken = "a command grades through spec, never through a step package"
			case strings.HasPrefix(pkg, "steps/") && !strings.HasPrefix(pkg, "steps/scenario") &&
				strings.HasPrefix(dep, "steps/") && !strings.HasPrefix(dep, "steps/scenario"):
				broken = "a domain's steps import no other domain's: what they share is in steps/scenario"
			case strings.HasPrefix(pkg, "steps") && (dep == "spec" || strings.HasPrefix(dep, "cmd/")):
				broken = "the steps import nothing above them"
			}
			if broken != "" {
				t.Errorf("%s imports %s: %s", pkg, dep, broken)
			}
		}
	}
}

const graphStart, graphEnd = "<!-- package graph: go test -run TestArchitectureGraph -update-architecture -->", "<!-- end of package graph -->"

// TestArchitectureGraph checks that ARCHITECTURE.md draws the packages as they import each
// other today.
func TestArchitectureGraph(t *testing.T) {
	pkgs := projectPackages(t)
	var b strings.Builder
	b.WriteString(graphStart + "\n```mermaid\nflowchart TD\n")
	for _, pkg := range slices.Sorted(func(yield func(string) bool) {
		for p := range pkgs {
			if !yield(p) {
				return
			}
		}
	}) {
		deps := slices.Clone(pkgs[pkg])
		slices.Sort(deps)
		for _, dep := range deps {
			if dep == "godog" || strings.HasSuffix(dep, "/internal/labtest") {
				continue
			}
			fmt.Fprintf(&b, "  %s --> %s\n", node(pkg), node(dep))
		}
		if len(deps) == 0 {
			fmt.Fprintf(&b, "  %s\n", node(pkg))
		}
	}
	b.WriteString("```\n" + graphEnd)
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(doc, []byte(graphStart)), bytes.Index(doc, []byte(graphEnd))
	if i < 0 || j < i {
		t.Fatalf("ARCHITECTURE.md has no package graph between %q and %q", graphStart, graphEnd)
	}
	got := string(doc[i : j+len(graphEnd)])
	if got == b.String() {
		return
	}
	if !*updateArchitecture {
		t.Fatalf("ARCHITECTURE.md's package graph is not the packages' today: run `go test -run TestArchitectureGraph -update-architecture .`")
	}
	updated := append(append(append([]byte(nil), doc[:i]...), b.String()...), doc[j+len(graphEnd):]...)
	if err := os.WriteFile("ARCHITECTURE.md", updated, 0o644); err != nil {
		t.Fatal(err)
	}
}

// node is a package's node in the mermaid graph: an id without slashes, labelled with its path.
func node(pkg string) string {
	return strings.NewReplacer("/", "_", "-", "_").Replace(pkg) + "[" + pkg + "]"
}
