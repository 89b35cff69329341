package fakegithub

import (
	"encoding/json"
	"errors"
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

// field resolves field f of a value of type typ, at path in the answer.
// Its length is one switch over the schema's types, each a switch over
// the type's fields: the fake's resolver table.
func (x *executor) field(typ string, parent any, f *ast.Field, path []any) (any, error) {
	if f.Name == "__typename" {
		return typ, nil
	}
	sub := func(t string, v any) (any, error) {
		if v == nil {
			return nil, nil
		}
		return x.selection(f.SelectionSet, t, v, path)
	}
	switch typ {
	case "Query":
		if f.Name == "repository" {
			owner, _ := x.arg(f, "owner").(string)
			name, _ := x.arg(f, "name").(string)
			rp := x.f.repos[owner+"/"+name]
			if rp == nil {
				// GitHub's own message.
				return nil, notFound("Could not resolve to a Repository with the name '%s/%s'.", owner, name)
			}
			return sub("Repository", rp)
		}
	case "Repository":
		rp := parent.(*repo)
		switch f.Name {
		case "deployments":
			return x.deployments(f, rp.deployments, path)
		case "object":
			// object(oid:) or object(expression:): a commit the fake knows
			// (a full SHA, a branch or tag, a short SHA; one of its commit
			// history, refs, pull requests or deployments), else null
			// without an error, as GitHub answers for an object it does not
			// have.
			rev, _ := x.arg(f, "oid").(string)
			if rev == "" {
				rev, _ = x.arg(f, "expression").(string)
			}
			sha := rp.resolve(rev)
			if sha == "" || (rp.commits[sha] == nil && rp.commitWithPrefix(sha) != sha && !slices.ContainsFunc(rp.deployments, func(d *deployment) bool { return d.SHA == sha })) {
				return nil, nil
			}
			return sub("Commit", commitNode{rp: rp, oid: sha})
		case "environments":
			var nodes []any
			for _, e := range rp.sortedEnvironments() {
				nodes = append(nodes, envNode{rp: rp, e: e})
			}
			return x.connection(f, "Environment", nodes, path)
		case "environment":
			// null, without an error, when there is none (any case).
			name, _ := x.arg(f, "name").(string)
			if e := rp.environment(name); e != nil {
				return sub("Environment", envNode{rp: rp, e: e})
			}
			return nil, nil
		case "pullRequest":
			n, _ := x.arg(f, "number").(float64)
			p := rp.pulls[int(n)]
			if p == nil {
				// GitHub's own message.
				return nil, notFound("Could not resolve to a PullRequest with the number of %d.", int(n))
			}
			return sub("PullRequest", pullNode{rp: rp, p: p})
		case "ref":
			// ref(qualifiedName:): a branch or tag that exists, else null
			// (no error, as GitHub answers).
			q, _ := x.arg(f, "qualifiedName").(string)
			if name, ok := strings.CutPrefix(q, "refs/heads/"); ok {
				if _, exists := rp.refs[name]; (exists && !rp.tags[name]) || name == rp.defaultBranchName() {
					return sub("Ref", refNode{rp: rp, name: name, prefix: "refs/heads/"})
				}
			} else if name, ok := strings.CutPrefix(q, "refs/tags/"); ok && rp.tags[name] {
				return sub("Ref", refNode{rp: rp, name: name, prefix: "refs/tags/"})
			}
			return nil, nil
		case "defaultBranchRef":
			return sub("Ref", refNode{rp: rp, name: rp.defaultBranchName(), prefix: "refs/heads/"})
		case "nameWithOwner":
			return rp.fullName, nil
		case "name":
			_, name, _ := strings.Cut(rp.fullName, "/")
			return name, nil
		case "id":
			return "R_" + rp.fullName, nil
		}
	case "Deployment":
		d := parent.(*deployment)
		switch f.Name {
		case "creator":
			// An Actor: GraphQL's Bot.login has no [bot] suffix, which
			// REST's login has; __typename tells them apart.
			login := d.Creator
			if login == "" {
				login = "github-actions[bot]"
			}
			if name, ok := strings.CutSuffix(login, "[bot]"); ok {
				return sub("Bot", actorNode{login: name})
			}
			return sub("User", actorNode{login: login})
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
		case "statuses":
			// Oldest first, as a connection lists by default.
			nodes := make([]any, 0, len(d.statuses))
			for _, st := range slices.Backward(d.statuses) {
				nodes = append(nodes, st)
			}
			return x.connection(f, "DeploymentStatus", nodes, path)
		case "ref":
			// null for a deployment of a commit; a branch or tag's name
			// without its refs/heads/ or refs/tags/ prefix.
			rp := x.repoOf(d)
			if rp == nil || rp.isSHA(d.Ref) {
				return nil, nil
			}
			name, prefix := rp.refName(d.Ref)
			if rp.deletedRefs[name] {
				return nil, nil // the branch or tag is gone
			}
			return sub("Ref", refNode{rp: rp, name: name, prefix: prefix})
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
		ref := parent.(refNode)
		switch f.Name {
		case "name":
			return ref.name, nil
		case "prefix":
			return ref.prefix, nil
		case "id":
			return "REF_" + ref.prefix + ref.name, nil
		case "target":
			// The commit the ref names now (null when it names none).
			sha := ref.rp.resolve(ref.prefix + ref.name)
			if sha == "" {
				return nil, nil
			}
			return sub("Commit", commitNode{rp: ref.rp, oid: sha})
		}
	case "Commit":
		c := parent.(commitNode)
		switch f.Name {
		case "oid":
			return c.oid, nil
		case "abbreviatedOid":
			return c.oid[:min(7, len(c.oid))], nil
		case "deployments":
			// The deployments made of this commit, by whatever ref.
			var list []*deployment
			if c.rp != nil {
				for _, d := range c.rp.deployments {
					if d.SHA == c.oid {
						list = append(list, d)
					}
				}
			}
			return x.deployments(f, list, path)
		case "committedDate":
			if c.rp == nil {
				return time.Unix(0, 0).UTC().Format(time.RFC3339), nil
			}
			return c.rp.committedDate(c.oid).Format(time.RFC3339), nil
		case "history":
			var nodes []any
			if c.rp != nil {
				for _, sha := range c.rp.history(c.oid) {
					nodes = append(nodes, commitNode{rp: c.rp, oid: sha})
				}
			}
			return x.connection(f, "Commit", nodes, path)
		case "associatedPullRequests":
			// As GitHub lists them: the pull requests whose head is the
			// commit, and the merged ones whose merge commit it is.
			var nodes []any
			if c.rp != nil {
				for _, n := range slices.Sorted(maps.Keys(c.rp.pulls)) {
					if p := c.rp.pulls[n]; p.HeadSHA == c.oid || (p.MergeSHA != "" && p.MergeSHA == c.oid) {
						nodes = append(nodes, pullNode{rp: c.rp, p: p})
					}
				}
			}
			return x.connection(f, "PullRequest", nodes, path)
		}
	case "PullRequest":
		pn := parent.(pullNode)
		p := pn.p
		switch f.Name {
		case "id":
			return fmt.Sprintf("PR_%d", p.Number), nil
		case "number":
			return p.Number, nil
		case "state":
			return p.State, nil
		case "merged":
			return p.State == "MERGED", nil
		case "closed":
			return p.State != "OPEN", nil
		case "headRefName":
			return p.HeadRef, nil
		case "headRefOid":
			return p.HeadSHA, nil
		case "baseRefName":
			return x.repoNamed(pn.rp, p.BaseRepository).defaultBranchName(), nil
		case "mergeCommit":
			if p.MergeSHA == "" {
				return nil, nil
			}
			return sub("Commit", commitNode{rp: pn.rp, oid: p.MergeSHA})
		case "baseRepository":
			return sub("Repository", x.repoNamed(pn.rp, p.BaseRepository))
		case "headRepository":
			if p.HeadRepositoryDeleted {
				return nil, nil
			}
			return sub("Repository", x.repoNamed(pn.rp, p.HeadRepository))
		}
	case "Bot", "User":
		if f.Name == "login" {
			return parent.(actorNode).login, nil
		}
	case "Environment":
		e := parent.(envNode).e
		switch f.Name {
		case "name":
			return e.Name, nil
		case "id":
			return "EN_" + e.Name, nil
		case "databaseId":
			return e.ID, nil
		case "isPinned":
			return false, nil
		case "pinnedPosition":
			return nil, nil
		case "protectionRules":
			var nodes []any
			for _, rule := range e.Rules {
				nodes = append(nodes, rule)
			}
			return x.connection(f, "DeploymentProtectionRule", nodes, path)
		}
	case "DeploymentProtectionRule":
		rule := parent.(ProtectionRule)
		switch f.Name {
		case "type":
			return rule.Type, nil
		case "databaseId":
			return rule.ID, nil
		case "timeout":
			return rule.Timeout, nil
		case "preventSelfReview":
			if rule.Type == "REQUIRED_REVIEWERS" {
				return false, nil
			}
			return nil, nil
		}
	}
	return nil, fmt.Errorf("the fake GitHub does not resolve %s.%s", typ, f.Name)
}

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
