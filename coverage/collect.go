package coverage

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Use is one place that cites a clause.
type Use struct {
	Where string // "checklist clothing", "session/plan.go:42", "session/plan_test.go TestValidatePlan"
	Cite  Ref
}

// Uses holds, by clause id, what cites it: pack items, the domain rules in
// session/ and tests.
type Uses struct {
	Pack, Rules, Tests map[string][]Use
	// Unresolved are pack citations the policy does not have.
	Unresolved []Use
	// External are pack citations of other sources, listed as such.
	External []Use
}

func newUses() *Uses {
	return &Uses{Pack: map[string][]Use{}, Rules: map[string][]Use{}, Tests: map[string][]Use{}}
}

// PackUses reads every "clause" field of a policy pack (JSON), naming each
// item by the section it is in and its id.
func PackUses(raw []byte, clauses map[string]Clause, u *Uses) error {
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("the policy pack is not JSON: %w", err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			name := path
			if id, ok := v["id"].(string); ok {
				name = strings.TrimSpace(path + " " + id)
			}
			if c, ok := v["clause"].(string); ok {
				for _, r := range ParseCitation(c) {
					use := Use{Where: name, Cite: r}
					switch {
					case r.External:
						u.External = append(u.External, use)
					case r.ID == "" || !known(r.ID, clauses):
						u.Unresolved = append(u.Unresolved, use)
					default:
						u.Pack[r.ID] = append(u.Pack[r.ID], use)
					}
				}
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if _, leaf := v[k].(string); leaf {
					continue
				}
				child := path
				if _, list := v[k].([]any); list || path == "" {
					child = strings.TrimSpace(path + " " + k)
				}
				walk(child, v[k])
			}
		case []any:
			for _, e := range v {
				walk(path, e)
			}
		}
	}
	walk("", doc)
	return nil
}

// known reports whether id is a clause of the policy, or an annex as a
// whole.
func known(id string, clauses map[string]Clause) bool {
	if id == string(Annex1) || id == string(Annex2) {
		return true
	}
	_, ok := clauses[id]
	return ok
}

// commentCitation finds citations inside a comment: "Annex 2 3.7", "(3.4.7.2)",
// "3.6 g". Bare numbers count only when they are a clause of the policy
// body, so "1.5x" or a version is not taken for one.
var commentCitation = regexp.MustCompile(`Annex 1 (?:` + boxKeys() + `)\b|Annex [12](?: \d+(?:\.\d+)*)?|\b\d+\.\d+(?:\.\d+)*(?: ?[a-z]\b)?`)

// boxKeys is the Annex 1 boxes' keys as regexp alternatives, longest first
// so that "no immediate risk" is not read as "immediate risk".
func boxKeys() string {
	keys := make([]string, 0, len(annex1Boxes))
	for _, b := range annex1Boxes {
		keys = append(keys, regexp.QuoteMeta(b.key))
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	return strings.Join(keys, "|")
}

// SourceUses walks the Go files under root: comments in session/'s rules,
// and the string literals of every test that begin with a citation (the
// names of table cases and subtests).
func SourceUses(root string, clauses map[string]Clause, u *Uses) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path == root {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin" || rel == "coverage" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		isTest := strings.HasSuffix(path, "_test.go")
		if !isTest && filepath.Dir(rel) != "session" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return fmt.Errorf("parsing %s: %w", rel, err)
		}
		rel = filepath.ToSlash(rel)
		if isTest {
			testUses(f, rel, clauses, u)
			return nil
		}
		for _, cg := range f.Comments {
			for _, m := range commentCitation.FindAllString(cg.Text(), -1) {
				for _, r := range ParseCitation(m) {
					if r.ID = resolve(r.ID, clauses); r.ID != "" && known(r.ID, clauses) {
						where := fmt.Sprintf("%s:%d", rel, fset.Position(cg.Pos()).Line)
						u.Rules[r.ID] = appendOnce(u.Rules[r.ID], Use{Where: where, Cite: r})
					}
				}
			}
		}
		return nil
	})
}

// resolve reads "1.3.2 a" as 1.3.2 when the policy has no item a under it:
// in "Annex 2 1.3.2 a method the customer cannot use", "a" is a word.
func resolve(id string, clauses map[string]Clause) string {
	if known(id, clauses) {
		return id
	}
	if i := strings.LastIndexByte(id, ' '); i > 0 && len(id)-i == 2 && known(id[:i], clauses) {
		return id[:i]
	}
	return id
}

func testUses(f *ast.File, rel string, clauses map[string]Clause, u *Uses) {
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, r := range TestCitations(s) {
				if r.ID = resolve(r.ID, clauses); known(r.ID, clauses) {
					u.Tests[r.ID] = appendOnce(u.Tests[r.ID], Use{Where: rel + " " + fn.Name.Name, Cite: r})
				}
			}
			return true
		})
	}
}

func appendOnce(us []Use, u Use) []Use {
	for _, x := range us {
		if x.Where == u.Where {
			return us
		}
	}
	return append(us, u)
}
