// Package gqlcheck validates GraphQL queries and their variables against
// GitHub's GraphQL schema (testdata/github.schema.graphql), with
// gqlparser. Only tests use it.
package gqlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

var schema struct {
	once sync.Once
	s    *ast.Schema
	err  error
}

// schemaPath is the schema's path in testdata/.
func schemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "github.schema.graphql")
}

// githubSchema is GitHub's schema, loaded once. The published schema defines two
// fields of EnterpriseOwnerInfo twice; the second definition is dropped.
func githubSchema() (*ast.Schema, error) {
	schema.once.Do(func() {
		b, err := os.ReadFile(schemaPath())
		if err != nil {
			schema.err = err
			return
		}
		doc, err := parser.ParseSchemas(validator.Prelude, &ast.Source{Name: "github.schema.graphql", Input: string(b)})
		if err != nil {
			schema.err = err
			return
		}
		for _, d := range doc.Definitions {
			seen := map[string]bool{}
			fields := d.Fields[:0]
			for _, f := range d.Fields {
				if !seen[f.Name] {
					seen[f.Name] = true
					fields = append(fields, f)
				}
			}
			d.Fields = fields
		}
		s, gerr := validator.ValidateSchemaDocument(doc)
		if gerr != nil {
			schema.err = gerr
			return
		}
		schema.s = s
	})
	return schema.s, schema.err
}

// Validate checks query, one operation, and its variables against the
// schema.
func Validate(query string, variables map[string]any) error {
	s, err := githubSchema()
	if err != nil {
		return err
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		return perr
	}
	if errs := validator.ValidateWithRules(s, doc, nil); len(errs) > 0 {
		return errs
	}
	if len(doc.Operations) != 1 {
		return fmt.Errorf("%d operations, want one", len(doc.Operations))
	}
	if _, err := validator.VariableValues(s, doc.Operations[0], variables); err != nil {
		return err
	}
	return nil
}
