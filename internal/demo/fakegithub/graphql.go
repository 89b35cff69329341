package fakegithub

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// GraphQLPath is where the fake serves GitHub's GraphQL API: /graphql on
// github.com and GHE.com, /api/graphql on GHES (Prefix /api/v3).
func (f *Fake) GraphQLPath() string {
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
func (f *Fake) serveGraphQL(w http.ResponseWriter, r *http.Request, body []byte) {
	var req graphQLRequest
	if err := json.Unmarshal(body, &req); err != nil || r.Method != http.MethodPost {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if f.ValidateGraphQL != nil {
		if err := f.ValidateGraphQL(req.Query, req.Variables); err != nil {
			if f.OnInvalid != nil {
				f.OnInvalid(r, fmt.Errorf("GraphQL: %w", err))
			}
			writeJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": err.Error()}}})
			return
		}
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: req.Query})
	if perr != nil || len(doc.Operations) != 1 {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": fmt.Sprint("parse: ", perr)}}})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	x := &executor{f: f, r: r, doc: doc, vars: req.Variables}
	data, err := x.selection(doc.Operations[0].SelectionSet, "Query", nil)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"data": nil, "errors": []any{map[string]any{"message": err.Error()}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

type executor struct {
	f    *Fake
	r    *http.Request
	doc  *ast.QueryDocument
	vars map[string]any
}

// selection resolves a selection set on a value of type typ.
func (x *executor) selection(set ast.SelectionSet, typ string, parent any) (map[string]any, error) {
	out := map[string]any{}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			v, err := x.field(typ, parent, s)
			if err != nil {
				return nil, err
			}
			out[key] = v
		case *ast.InlineFragment:
			if s.TypeCondition == "" || s.TypeCondition == typ {
				m, err := x.selection(s.SelectionSet, typ, parent)
				if err != nil {
					return nil, err
				}
				for k, v := range m {
					out[k] = v
				}
			}
		case *ast.FragmentSpread:
			def := x.doc.Fragments.ForName(s.Name)
			if def != nil && def.TypeCondition == typ {
				m, err := x.selection(def.SelectionSet, typ, parent)
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

func (x *executor) field(typ string, parent any, f *ast.Field) (any, error) {
	if f.Name == "__typename" {
		return typ, nil
	}
	sub := func(t string, v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		return x.selection(f.SelectionSet, t, v)
	}
	switch typ {
	case "Query":
		if f.Name == "repository" {
			owner, _ := x.arg(f, "owner").(string)
			name, _ := x.arg(f, "name").(string)
			rp := x.f.repos[owner+"/"+name]
			if rp == nil {
				//lint:ignore ST1005 GitHub's own message
				return nil, fmt.Errorf("Could not resolve to a Repository with the name '%s/%s'.", owner, name)
			}
			return sub("Repository", rp)
		}
	case "Repository":
		rp := parent.(*repo)
		switch f.Name {
		case "deployments":
			var envs []string
			if list, ok := x.arg(f, "environments").([]any); ok {
				for _, e := range list {
					envs = append(envs, fmt.Sprint(e))
				}
			}
			var nodes []any
			for _, d := range rp.deployments {
				if envs == nil || slices.Contains(envs, d.Environment) {
					nodes = append(nodes, d)
				}
			}
			if order, ok := x.arg(f, "orderBy").(map[string]any); !ok || order["direction"] != "DESC" {
				// GitHub's default is CREATED_AT ASC; ids grow with creation.
			} else {
				slices.Reverse(nodes)
			}
			return x.connection(f, "Deployment", nodes)
		case "environments":
			var nodes []any
			for _, n := range slices.Sorted(maps.Keys(rp.environments)) {
				nodes = append(nodes, envNode{rp: rp, name: n})
			}
			return x.connection(f, "Environment", nodes)
		case "pullRequest":
			n, _ := x.arg(f, "number").(float64)
			return sub("PullRequest", rp.pulls[int(n)])
		case "nameWithOwner":
			return rp.fullName, nil
		}
	case "Deployment":
		d := parent.(*deployment)
		switch f.Name {
		case "id":
			return fmt.Sprintf("DE_%d", d.ID), nil
		case "databaseId":
			return d.ID, nil
		case "environment", "latestEnvironment":
			return d.Environment, nil
		case "originalEnvironment":
			return d.OriginalEnvironment, nil
		case "task":
			return d.Task, nil
		case "description":
			return d.Description, nil
		case "createdAt":
			return d.Created.UTC().Format(time.RFC3339), nil
		case "commitOid":
			return d.SHA, nil
		case "payload":
			b, _ := json.Marshal(d.Payload)
			return string(b), nil
		case "state":
			return deploymentState(d), nil
		case "latestStatus":
			if len(d.statuses) == 0 {
				return nil, nil
			}
			return sub("DeploymentStatus", d.statuses[0])
		case "ref":
			if shaPattern.MatchString(d.Ref) {
				return nil, nil
			}
			return sub("Ref", d.Ref)
		case "commit":
			return sub("Commit", commitNode{rp: x.repoOf(d), oid: d.SHA})
		}
	case "DeploymentStatus":
		s := parent.(*status)
		switch f.Name {
		case "state":
			return strings.ToUpper(s.State), nil
		case "environmentUrl":
			return nilIfEmpty(s.EnvironmentURL), nil
		case "logUrl":
			return nilIfEmpty(s.LogURL), nil
		case "description":
			return nilIfEmpty(s.Description), nil
		case "createdAt":
			return s.Created.UTC().Format(time.RFC3339), nil
		}
	case "Ref":
		if f.Name == "name" {
			return parent.(string), nil
		}
	case "Commit":
		c := parent.(commitNode)
		switch f.Name {
		case "oid":
			return c.oid, nil
		case "associatedPullRequests":
			var nodes []any
			if c.rp != nil {
				for _, n := range slices.Sorted(maps.Keys(c.rp.pulls)) {
					if p := c.rp.pulls[n]; p.HeadSHA == c.oid || p.MergeSHA == c.oid {
						nodes = append(nodes, p)
					}
				}
			}
			return x.connection(f, "PullRequest", nodes)
		}
	case "PullRequest":
		p := parent.(*pull)
		switch f.Name {
		case "number":
			return p.Number, nil
		case "state":
			return p.State, nil
		case "headRefOid":
			return p.HeadSHA, nil
		}
	case "Environment":
		e := parent.(envNode)
		switch f.Name {
		case "name":
			return e.name, nil
		case "id":
			return "EN_" + e.name, nil
		}
	}
	return nil, fmt.Errorf("the fake GitHub does not resolve %s.%s", typ, f.Name)
}

// connection pages nodes by first and after (the index of the last node
// returned, as a cursor) and resolves a *Connection selection.
func (x *executor) connection(f *ast.Field, nodeType string, nodes []any) (any, error) {
	start := 0
	if after, ok := x.arg(f, "after").(string); ok && after != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(after, "cursor:"))
		if err != nil {
			return nil, fmt.Errorf("invalid cursor %q", after)
		}
		start = n + 1
	}
	first := 100
	if n, ok := x.arg(f, "first").(float64); ok {
		if n < 1 || n > 100 {
			return nil, fmt.Errorf("requesting %v records on the connection exceeds the `first` limit of 100 records", n)
		}
		first = int(n)
	}
	start = min(start, len(nodes))
	end := min(start+first, len(nodes))
	page := nodes[start:end]
	out := map[string]any{}
	for _, sel := range f.SelectionSet {
		s, ok := sel.(*ast.Field)
		if !ok {
			continue
		}
		key := s.Alias
		if key == "" {
			key = s.Name
		}
		switch s.Name {
		case "totalCount":
			out[key] = len(nodes)
		case "pageInfo":
			info := map[string]any{"hasNextPage": end < len(nodes), "hasPreviousPage": start > 0,
				"endCursor": nil, "startCursor": nil}
			if end > start {
				info["endCursor"] = fmt.Sprintf("cursor:%d", end-1)
				info["startCursor"] = fmt.Sprintf("cursor:%d", start)
			}
			m := map[string]any{}
			for _, ps := range s.SelectionSet {
				if pf, ok := ps.(*ast.Field); ok {
					k := pf.Alias
					if k == "" {
						k = pf.Name
					}
					m[k] = info[pf.Name]
				}
			}
			out[key] = m
		case "nodes":
			list := make([]any, 0, len(page))
			for _, n := range page {
				v, err := x.selection(s.SelectionSet, nodeType, n)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			out[key] = list
		default:
			return nil, fmt.Errorf("the fake GitHub does not resolve %sConnection.%s", nodeType, s.Name)
		}
	}
	return out, nil
}

func (x *executor) repoOf(d *deployment) *repo {
	for _, rp := range x.f.repos {
		if slices.Contains(rp.deployments, d) {
			return rp
		}
	}
	return nil
}

// deploymentState is GitHub's DeploymentState for d's latest status.
func deploymentState(d *deployment) string {
	if len(d.statuses) == 0 {
		return "PENDING"
	}
	switch s := d.statuses[0].State; s {
	case "success":
		return "ACTIVE"
	default:
		return strings.ToUpper(s)
	}
}

type commitNode struct {
	rp  *repo
	oid string
}

type envNode struct {
	rp   *repo
	name string
}

// pull is a pull request of the fake.
type pull struct {
	Number   int
	HeadSHA  string
	MergeSHA string
	State    string // OPEN, CLOSED or MERGED
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
