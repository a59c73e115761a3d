package protocol

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Every Reason constant must be in Reasons (the UI's list and the HTTP status
// come from there), once, with words for people.
func TestEveryReasonConstantIsInTheTable(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "reasons.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Reason") {
					continue
				}
				v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				consts[v] = true
			}
		}
	}
	if len(consts) < 30 {
		t.Fatalf("found only %d reason constants; the parse is wrong", len(consts))
	}
	seen := map[string]bool{}
	for _, r := range Reasons() {
		if seen[r.Name] {
			t.Errorf("%q listed twice", r.Name)
		}
		seen[r.Name] = true
		if !consts[r.Name] {
			t.Errorf("%q is in the table but has no constant", r.Name)
		}
		if r.Text == "" || r.Status < 400 {
			t.Errorf("%q: status %d, text %q", r.Name, r.Status, r.Text)
		}
	}
	for c := range consts {
		if !seen[c] {
			t.Errorf("reason %q has no row in Reasons()", c)
		}
	}
	if StatusOf(ReasonNotFound) != http.StatusNotFound || StatusOf("no_such_reason") != http.StatusInternalServerError {
		t.Error("StatusOf does not read the table")
	}
}
