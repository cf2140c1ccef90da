package coverage

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is this repository's module path: imports under it are arrows
// between our packages.
const module = "safeguard/companion"

// TestArchitecture keeps docs/ARCHITECTURE.md true (issue 15): every import
// arrow between this module's packages in production code (not tests) is
// listed in its "arrows" block and every listed arrow exists, and no package
// imports what its line in the "never" block forbids (session importing
// Fyne, SQL, the network or cryptography, for one). Build constraints are
// ignored: an import in any file, for any platform or tag, counts.
func TestArchitecture(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(root, "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	arrows, err := docBlock(string(doc), "arrows", "->")
	if err != nil {
		t.Fatal(err)
	}
	never, err := docBlock(string(doc), "never", ":")
	if err != nil {
		t.Fatal(err)
	}
	imports, err := productionImports(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range sortedKeys(imports) {
		listed, ok := arrows[pkg]
		if !ok {
			t.Errorf("package %s is not in docs/ARCHITECTURE.md's arrows: add its line (and its row in the table)", pkg)
			continue
		}
		var ours []string
		for imp := range imports[pkg] {
			if p, ok := strings.CutPrefix(imp, module+"/"); ok {
				ours = append(ours, p)
				if !slices.Contains(listed, p) {
					t.Errorf("new arrow %s -> %s is not in docs/ARCHITECTURE.md: if it is right, add it there and say why; if not, remove the import (%s)",
						pkg, p, strings.Join(imports[pkg][imp], ", "))
				}
			}
			for _, bad := range never[pkg] {
				if imp == bad || strings.HasPrefix(imp, bad+"/") {
					t.Errorf("%s imports %s, which docs/ARCHITECTURE.md says it must never do (%s)", pkg, imp, strings.Join(imports[pkg][imp], ", "))
				}
			}
		}
		for _, p := range listed {
			if !slices.Contains(ours, p) {
				t.Errorf("docs/ARCHITECTURE.md lists the arrow %s -> %s, which the code no longer has: remove it there", pkg, p)
			}
		}
	}
	for _, pkg := range sortedKeys(arrows) {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("docs/ARCHITECTURE.md lists package %s, which the repository does not have", pkg)
		}
	}
	for _, pkg := range sortedKeys(never) {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("docs/ARCHITECTURE.md's never block names package %s, which the repository does not have", pkg)
		}
	}
}

// TestArchitectureCatchesANewArrow: the check above fails on the arrows the
// issue names, so it is not passing by reading nothing.
func TestArchitectureCatchesANewArrow(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, src string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("session/s.go", "package session\n\nimport (\n\t_ \"database/sql\"\n\t_ \"fyne.io/fyne/v2\"\n\t_ \""+module+"/store\"\n)\n")
	write("session/s_test.go", "package session\n\nimport _ \"net/http\"\n")
	write("store/s.go", "//go:build windows\n\npackage store\n\nimport _ \"os\"\n")
	imports, err := productionImports(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := sortedKeys(imports["session"])
	if want := []string{"database/sql", "fyne.io/fyne/v2", module + "/store"}; !slices.Equal(got, want) {
		t.Errorf("session's production imports = %v, want %v (tests left out)", got, want)
	}
	if _, ok := imports["store"]["os"]; !ok {
		t.Error("an import behind a build constraint was not counted")
	}
	never, err := docBlock("```never\nsession: fyne.io database/sql net\n```\n", "never", ":")
	if err != nil || !slices.Equal(never["session"], []string{"fyne.io", "database/sql", "net"}) {
		t.Errorf("never block read as %v, %v", never, err)
	}
}

// docBlock reads the fenced block ```name from a Markdown document: one
// package a line, then sep, then the space-separated list for it.
func docBlock(doc, name, sep string) (map[string][]string, error) {
	out := map[string][]string{}
	in := false
	sc := bufio.NewScanner(strings.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "```"+name:
			in = true
		case in && line == "```":
			return out, nil
		case in && line != "":
			pkg, list, ok := strings.Cut(line, sep)
			if !ok {
				return nil, fmt.Errorf("docs/ARCHITECTURE.md line %d: %q has no %q", n, line, sep)
			}
			pkg = strings.TrimSpace(pkg)
			if _, dup := out[pkg]; dup {
				return nil, fmt.Errorf("docs/ARCHITECTURE.md line %d: %s is listed twice in the %s block", n, pkg, name)
			}
			out[pkg] = strings.Fields(list)
		}
	}
	if in {
		return nil, fmt.Errorf("docs/ARCHITECTURE.md: the %s block is not closed", name)
	}
	return nil, fmt.Errorf("docs/ARCHITECTURE.md has no ```%s block", name)
}

// productionImports reads the imports of every non-test Go file under
// root, by package folder: folder -> import path -> the files importing it.
func productionImports(root string) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		if out[pkg] == nil {
			out[pkg] = map[string][]string{}
		}
		for _, im := range f.Imports {
			p, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			out[pkg][p] = append(out[pkg][p], filepath.Base(rel))
		}
		return nil
	})
	return out, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
