package fakegithub

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// graphQLPath is where the fake serves GitHub's GraphQL API: /graphql on
// github.com and GHE.com, /api/graphql on GHES (Prefix /api/v3).
func (f *Fake) graphQLPath() string {
	if strings.HasSuffix(f.Prefix, "/v3") {
		return strings.TrimSuffix(f.Prefix, "/v3") + "/graphql"
	}
	return f.Prefix + "/graphql"
}

type graphQLRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

// serveGraphQL answers a GraphQL query from the fake's state. It resolves
// the part of GitHub's schema the action reads (repositories'
// deployments, environments and pull requests); the tests validate every
// query against the whole schema first (ValidateGraphQL).
//
// As GitHub does, a field the fake cannot resolve to anything (an
// unknown repository or pull request) is null in a good answer, with an
// entry in errors; a field the fake does not know fails the whole answer.
func (f *Fake) serveGraphQL(w http.ResponseWriter, r *http.Request, body []byte) {
	var req graphQLRequest
	if err := json.Unmarshal(body, &req); err != nil || r.Method != http.MethodPost {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	f.writeGraphQL(w, req, f.answerGraphQL(r, req))
}

// answerGraphQL is the answer to req: {"data": …} with "errors" when any.
func (f *Fake) answerGraphQL(r *http.Request, req graphQLRequest) map[string]any {
	if f.ValidateGraphQL != nil {
		if err := f.ValidateGraphQL(req.Query, req.Variables); err != nil {
			if f.OnInvalid != nil {
				f.OnInvalid(r, fmt.Errorf("GraphQL: %w", err))
			}
			return map[string]any{"errors": []any{map[string]any{"message": err.Error()}}}
		}
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: req.Query})
	if perr != nil || len(doc.Operations) != 1 {
		return map[string]any{"errors": []any{map[string]any{"message": fmt.Sprint("parse: ", perr)}}}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	x := &executor{f: f, r: r, doc: doc, vars: req.Variables}
	data, err := x.selection(doc.Operations[0].SelectionSet, "Query", nil, nil)
	if err != nil {
		return map[string]any{"data": nil, "errors": []any{map[string]any{"message": err.Error()}}}
	}
	if len(x.errors) > 0 {
		return map[string]any{"data": data, "errors": x.errors}
	}
	return map[string]any{"data": data}
}

// writeGraphQL writes answer, through GraphQLAnswer when set.
func (f *Fake) writeGraphQL(w http.ResponseWriter, req graphQLRequest, answer map[string]any) {
	if f.GraphQLAnswer != nil {
		// The hook sees the answer as a client decodes it.
		b, _ := json.Marshal(answer)
		var decoded map[string]any
		_ = json.Unmarshal(b, &decoded)
		if changed := f.GraphQLAnswer(req.Query, req.Variables, decoded); changed != nil {
			writeJSON(w, http.StatusOK, changed)
			return
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

type executor struct {
	f    *Fake
	r    *http.Request
	doc  *ast.QueryDocument
	vars map[string]any
	// errors are the answer's errors for fields resolved to null.
	errors []any
}

// resolveError is a field GitHub cannot resolve to a value, e.g. a pull
// request that does not exist: the field is null and the error goes to the
// answer's errors, the rest of the answer stands. Only nullable fields
// give one (repository, pullRequest), so the null stays at the field
// instead of propagating to its parent.
type resolveError struct {
	Type    string // NOT_FOUND
	Message string
}

func (e *resolveError) Error() string { return e.Message }

// notFound is GitHub's NOT_FOUND error with its message.
func notFound(format string, args ...any) error {
	return &resolveError{Type: "NOT_FOUND", Message: fmt.Sprintf(format, args...)}
}

// selection resolves a selection set on a value of type typ, found at
// path (response keys and list indexes) in the answer.
func (x *executor) selection(set ast.SelectionSet, typ string, parent any, path []any) (map[string]any, error) {
	out := map[string]any{}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			at := append(slices.Clip(path), key)
			v, err := x.field(typ, parent, s, at)
			var re *resolveError
			switch {
			case errors.As(err, &re):
				x.errors = append(x.errors, map[string]any{
					"type": re.Type, "path": at, "message": re.Message,
					"locations": []any{map[string]any{"line": s.Position.Line, "column": s.Position.Column}},
				})
				v = nil
			case err != nil:
				return nil, err
			}
			out[key] = v
		case *ast.InlineFragment:
			if s.TypeCondition == "" || isA(typ, s.TypeCondition) {
				m, err := x.selection(s.SelectionSet, typ, parent, path)
				if err != nil {
					return nil, err
				}
				for k, v := range m {
					out[k] = v
				}
			}
		case *ast.FragmentSpread:
			def := x.doc.Fragments.ForName(s.Name)
			if def != nil && isA(typ, def.TypeCondition) {
				m, err := x.selection(def.SelectionSet, typ, parent, path)
				if err != nil {
					return nil, err
				}
				for k, v := range m {
					out[k] = v
				}
			}
		}
	}
	return out, nil
}

// interfaces are the schema's interfaces of the types the fake resolves,
// with those types that implement them: a fragment on an interface
// applies to each.
var interfaces = map[string][]string{
	"GitObject": {"Commit"},
	"Actor":     {"Bot", "User"},
	"Node":      {"Repository", "Deployment", "DeploymentStatus", "Ref", "Commit", "PullRequest", "Bot", "User", "Environment"},
}

// isA tells whether a value of type typ is of type or interface cond.
func isA(typ, cond string) bool {
	return typ == cond || slices.Contains(interfaces[cond], typ)
}

// arg is the value of a field's argument, variables resolved.
func (x *executor) arg(f *ast.Field, name string) any {
	a := f.Arguments.ForName(name)
	if a == nil {
		return nil
	}
	return x.value(a.Value)
}

func (x *executor) value(v *ast.Value) any {
	switch v.Kind {
	case ast.Variable:
		return x.vars[v.Raw]
	case ast.IntValue:
		n, _ := strconv.Atoi(v.Raw)
		return float64(n)
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return v.Raw
	case ast.BooleanValue:
		return v.Raw == "true"
	case ast.NullValue:
		return nil
	case ast.ListValue:
		var out []any
		for _, c := range v.Children {
			out = append(out, x.value(c.Value))
		}
		return out
	case ast.ObjectValue:
		out := map[string]any{}
		for _, c := range v.Children {
			out[c.Name] = x.value(c.Value)
		}
		return out
	}
	return nil
}
