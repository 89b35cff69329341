package fakegithub

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

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
		if f.Name == "node" {
			// A deployment by its node id (DE_<id>, REST's node_id), else
			// null with GitHub's NOT_FOUND error.
			id, _ := x.arg(f, "id").(string)
			if d := x.f.deploymentByNodeID(id); d != nil {
				return sub("Deployment", d)
			}
			return nil, notFound("Could not resolve to a node with the global id of '%s'", id)
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
		case "repository":
			if rp := x.repoOf(d); rp != nil {
				return sub("Repository", rp)
			}
			return nil, nil
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
