package fakegithub

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// deployments resolves a DeploymentConnection of list (oldest first) as
// Repository.deployments and Commit.deployments answer it: environments
// matches names in any case, as GitHub does; orderBy is CREATED_AT, ASC
// by default (ids grow with creation).
func (x *executor) deployments(f *ast.Field, list []*deployment, path []any) (any, error) {
	var envs []string
	if l, ok := x.arg(f, "environments").([]any); ok {
		for _, e := range l {
			envs = append(envs, fmt.Sprint(e))
		}
	}
	var nodes []any
	for _, d := range list {
		if envs == nil || slices.ContainsFunc(envs, func(e string) bool { return strings.EqualFold(e, d.Environment) }) {
			nodes = append(nodes, d)
		}
	}
	if order, ok := x.arg(f, "orderBy").(map[string]any); ok && order["direction"] == "DESC" {
		slices.Reverse(nodes)
	}
	return x.connection(f, "Deployment", nodes, path)
}

// connection pages nodes by first and after (the index of the last node
// returned, as a cursor) and resolves a *Connection selection.
func (x *executor) connection(f *ast.Field, nodeType string, nodes []any, path []any) (any, error) {
	start, end, err := x.page(f, len(nodes))
	if err != nil {
		return nil, err
	}
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
			out[key] = pageInfo(s, start, end, len(nodes))
		case "nodes":
			list := make([]any, 0, end-start)
			for i, n := range nodes[start:end] {
				v, err := x.selection(s.SelectionSet, nodeType, n, append(slices.Clip(path), key, i))
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

// page is where the page that f's after and first arguments ask for
// starts and ends in a list of n nodes.
func (x *executor) page(f *ast.Field, n int) (start, end int, err error) {
	if after, ok := x.arg(f, "after").(string); ok && after != "" {
		i, err := strconv.Atoi(strings.TrimPrefix(after, "cursor:"))
		if err != nil {
			return 0, 0, fmt.Errorf("invalid cursor %q", after)
		}
		start = i + 1
	}
	first := 100
	if v, ok := x.arg(f, "first").(float64); ok {
		if v < 1 || v > 100 {
			return 0, 0, fmt.Errorf("requesting %v records on the connection exceeds the `first` limit of 100 records", v)
		}
		first = int(v)
	}
	start = min(start, n)
	return start, min(start+first, n), nil
}

// pageInfo resolves selection s of a connection's pageInfo, for the page
// from start to end of total nodes.
func pageInfo(s *ast.Field, start, end, total int) map[string]any {
	info := map[string]any{"hasNextPage": end < total, "hasPreviousPage": start > 0,
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
	return m
}

func (x *executor) repoOf(d *deployment) *repo {
	if d.repo != nil {
		return d.repo
	}
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

// repoNamed is the repository owner/name for a pull request of rp: rp
// when name is "", a repository of the fake, or one that only has a name
// (a fork the fake does not hold).
func (x *executor) repoNamed(rp *repo, name string) *repo {
	if name == "" || name == rp.fullName {
		return rp
	}
	if other := x.f.repos[name]; other != nil {
		return other
	}
	return &repo{fullName: name}
}

type commitNode struct {
	rp  *repo
	oid string
}

type envNode struct {
	rp *repo
	e  *environment
}

type refNode struct {
	rp           *repo
	name, prefix string
}

type pullNode struct {
	rp *repo
	p  *Pull
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// actorNode is a deployment's creator, a Bot or a User.
type actorNode struct{ login string }
