package kafkalab

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxMethods is the most methods an exported type may have: one with more does several things,
// and a reader (or a fake in a test) has to know all of them to use one.
const maxMethods = 40

// TestTypeSize holds every exported type of the module (tests excluded) to maxMethods methods,
// exported and unexported, with those it gets from the types it embeds.
func TestTypeSize(t *testing.T) {
	type typeKey struct{ dir, name string }
	methods := map[typeKey]int{}
	embeds := map[typeKey][]string{}
	exported := map[typeKey]token.Position{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv != nil && len(decl.Recv.List) == 1 {
					methods[typeKey{dir, receiverName(decl.Recv.List[0].Type)}]++
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					k := typeKey{dir, ts.Name.Name}
					if ts.Name.IsExported() {
						exported[k] = fset.Position(ts.Pos())
					}
					if st, ok := ts.Type.(*ast.StructType); ok {
						for _, field := range st.Fields.List {
							if len(field.Names) == 0 {
								embeds[k] = append(embeds[k], receiverName(field.Type))
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// count is a type's methods with those promoted from the package's types it embeds.
	var count func(k typeKey, seen map[typeKey]bool) int
	count = func(k typeKey, seen map[typeKey]bool) int {
		if seen[k] {
			return 0
		}
		seen[k] = true
		n := methods[k]
		for _, e := range embeds[k] {
			n += count(typeKey{k.dir, e}, seen)
		}
		return n
	}
	if len(exported) == 0 {
		t.Fatal("no exported type found: is the test in the module's root?")
	}
	for k, pos := range exported {
		if n := count(k, map[typeKey]bool{}); n > maxMethods {
			t.Errorf("%s: type %s has %d methods, more than %d: split what it does into types of their own", pos, k.name, n, maxMethods)
		}
	}
}

// receiverName is the name of the type a receiver or embedded field names (T of T, *T, T[P]);
// "" for another package's type, whose methods are counted in its own package.
func receiverName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return receiverName(e.X)
	case *ast.IndexExpr:
		return receiverName(e.X)
	case *ast.IndexListExpr:
		return receiverName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}
