package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function may be, from `func` to its
// closing brace, unless its doc comment says why ("Its length is …": one
// table, one switch over cases).
const maxFuncLines = 60

// maxFileLines is the longest a file of the module's code (tests aside)
// may be: past it, split it by concept.
const maxFileLines = 450

// TestFunctionsAreShort: no function of the module's code (tests aside) is
// over maxFuncLines lines without a reason in its doc comment. With -v it
// logs the longest ones: `go test -run TestFunctionsAreShort -v .`.
func TestFunctionsAreShort(t *testing.T) {
	t.Parallel()
	type fn struct {
		where string
		lines int
	}
	var all []fn
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (p == "testdata" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			where := p + " " + fd.Name.Name
			all = append(all, fn{where, n})
			if n > maxFuncLines && !strings.Contains(fd.Doc.Text(), "Its length is") {
				t.Errorf("%s is %d lines, over %d: split it into functions that each do one thing, or say in its doc comment why not (\"Its length is …\")", where, n, maxFuncLines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 {
		t.Fatalf("only %d functions found: the walk missed the code", len(all))
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lines > all[j].lines })
	for _, f := range all[:8] {
		t.Logf("%4d %s", f.lines, f.where)
	}
}

// TestProductFilesAreShort: no file of the module's code (tests aside) is
// over maxFileLines lines.
func TestProductFilesAreShort(t *testing.T) {
	t.Parallel()
	files := 0
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if n := bytes.Count(data, []byte("\n")); n > maxFileLines {
			t.Errorf("%s is %d lines, over %d: split it by concept, a file each", p, n, maxFileLines)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d files found: the walk missed the code", files)
	}
}
