package lifecycle

// The queries of a wait's poll, and the deeper reads of its first poll.
// Every poll is one GraphQL query: the deployments of the commit a SHA
// names, or of the commit a branch or tag names now and the environment's
// newest, and the deployment the last poll took as the newest (by its
// node id), so that one found deep in the history stays in sight at one
// read a poll. The first usable poll also reads where later polls do not
// need to look again: a branch's or tag's deployments through REST's
// listing filtered by ref (where its deployments of older commits are),
// and a commit's deployments beyond its newest 100.

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// The bounds of a poll's reads. Among the environment's newest, for a
// branch's or tag's deployments made since the last poll: 20, or the
// repository's 100 for a pattern (filtered here). A commit's deployments:
// its newest 100 each poll (of the environment, or of every environment
// for a pattern), and on the first poll up to waitCommitPages pages of
// 100 until the one waited for is found. A branch's or tag's: on the first
// poll, REST's listing by ref (and environment, for a name), up to
// waitRESTPages pages of 100 for each spelling of the ref.
const (
	waitExactFirst    = 20
	waitWildcardFirst = 100
	waitCommitPages   = 10
	waitRESTPages     = 3
	// maxWaitID bounds a node id or cursor taken from an answer into the
	// next query.
	maxWaitID = 200
)

const waitNodeFields = `id databaseId environment commitOid ref { name prefix } latestStatus { state environmentUrl logUrl } creator { __typename login }`

// waitOfCommit is the deployments of a commit, as a Commit's selection,
// from the cursor $after when after.
func waitOfCommit(after bool) string {
	a := ""
	if after {
		a = ", after: $after"
	}
	return `oid deployments(environments: $environments, first: 100` + a + `, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { ` +
		waitNodeFields + ` } pageInfo { hasNextPage endCursor } }`
}

// waitTarget is a Git object's selection: a commit's deployments.
var waitTarget = `__typename ... on Commit { ` + waitOfCommit(false) + ` }`

// waitPageQuery reads a commit's deployments after a cursor.
var waitPageQuery = `query($owner: String!, $name: String!, $environments: [String!], $oid: GitObjectID!, $after: String!) {
  repository(owner: $owner, name: $name) {
    object(oid: $oid) { __typename ... on Commit { ` + waitOfCommit(true) + ` } }
  }
}`

// waitRefKind is what a wait's ref may be, as its poll reads it.
type waitRefKind int

const (
	// refIsName: a branch or tag (refs/heads/x, refs/tags/x, or x).
	refIsName waitRefKind = iota
	// refIsFullSHA: a commit, read by object(oid:).
	refIsFullSHA
	// refIsHex: 7 to 39 hex digits, a short SHA or a branch or tag named
	// like one (c0ffee42): read both ways, the ref preferred when it
	// exists (git's rule).
	refIsHex
)

func waitKind(ref string) waitRefKind {
	switch ref = strings.TrimSpace(ref); {
	case vocab.IsFullSHA(ref):
		return refIsFullSHA
	case vocab.IsSHA(ref):
		return refIsHex
	}
	return refIsName
}

// waitQuery is the query of a poll for w and its variables.
func (c *Client) waitQuery(w *WaitResult) (string, map[string]any) {
	envs := []string{w.Pattern}
	if vocab.IsWildcard(w.Pattern) {
		envs = nil
	}
	ref := strings.TrimSpace(w.Ref)
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": envs}
	decl := []string{"$owner: String!", "$name: String!", "$environments: [String!]"}
	var sel []string
	kind := waitKind(ref)
	if kind == refIsFullSHA {
		decl, vars["rev"] = append(decl, "$rev: GitObjectID!"), strings.ToLower(ref)
		sel = append(sel, `object(oid: $rev) { `+waitTarget+` }`)
	} else {
		vars["first"] = waitExactFirst
		if envs == nil {
			vars["first"] = waitWildcardFirst
		}
		vars["branch"], vars["tag"] = "refs/heads/"+ref, "refs/tags/"+ref
		if strings.HasPrefix(ref, "refs/") {
			vars["branch"], vars["tag"] = ref, ref
		}
		decl = append(decl, "$first: Int!", "$branch: String!", "$tag: String!")
		sel = append(sel, `recent: deployments(environments: $environments, first: $first, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { `+waitNodeFields+` } }`,
			`branch: ref(qualifiedName: $branch) { target { `+waitTarget+` } }`,
			`tag: ref(qualifiedName: $tag) { target { `+waitTarget+` ... on Tag { target { `+waitTarget+` } } } }`)
	}
	if kind == refIsHex {
		// Hex digits in any case, as git reads an abbreviated SHA.
		decl, vars["rev"] = append(decl, "$rev: String!"), strings.ToLower(ref)
		sel = append(sel, `object(expression: $rev) { `+waitTarget+` }`)
	}
	top := ""
	if id := w.trackedID(); id != "" {
		decl, vars["tracked"] = append(decl, "$tracked: ID!"), id
		top = `tracked: node(id: $tracked) { __typename ... on Deployment { ` + waitNodeFields + ` repository { nameWithOwner } } }
  `
	}
	return fmt.Sprintf("query(%s) {\n  %srepository(owner: $owner, name: $name) {\n    %s\n  }\n}", strings.Join(decl, ", "), top, strings.Join(sel, "\n    ")), vars
}

// readDeeper reads on, on a wait's first poll, in the deployments of the
// commits whose first page read holds, each up to waitCommitPages pages,
// while a page may still hold a deployment newer than the newest match.
func (c *Client) readDeeper(ctx context.Context, w *WaitResult, read *waitRead) error {
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s at %s of %s/%s", w.Pattern, shortCommit(w.Ref), c.Owner, c.Repo)}
	for _, commit := range read.deeper {
		conn := commit.Deployments
		info := conn.PageInfo
		if info == nil || !info.HasNextPage || info.EndCursor == nil || len(*info.EndCursor) > maxWaitID || !vocab.IsObjectID(commit.Oid) {
			continue
		}
		vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": queryEnvironments(w.Pattern), "oid": commit.Oid, "after": *info.EndCursor}
		_, err := c.paginate(ctx, vars, waitCommitPages-1, func(vars map[string]any) (pageInfo, error) {
			if best := w.newest(read); best != nil && oldestID(conn.Nodes) < best.DatabaseID {
				return pageInfo{}, errEnoughPages // what is further is older than the newest match
			}
			var data struct {
				Repository *struct {
					Object *waitObject `json:"object"`
				} `json:"repository"`
			}
			w.Reads++
			if err := c.GQL.Query(ctx, waitPageQuery, vars, &data); err != nil {
				return pageInfo{}, err
			}
			if data.Repository == nil {
				return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"}
			}
			next, bad := data.Repository.Object.commit()
			if bad {
				return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"}
			}
			if next == nil || next.Deployments.PageInfo == nil {
				return pageInfo{}, errEnoughPages
			}
			conn = next.Deployments
			read.nodes = append(read.nodes, conn.Nodes...)
			return *conn.PageInfo, nil
		})
		if err != nil {
			return githubapi.Explain(call, err)
		}
	}
	return nil
}

// queryEnvironments is the environments argument for pattern: the name,
// or every environment (nil) for a pattern, filtered here.
func queryEnvironments(pattern string) []string {
	if vocab.IsWildcard(pattern) {
		return nil
	}
	return []string{pattern}
}

// oldestID is the lowest id of nodes (the answer's order is not trusted).
func oldestID(nodes []*waitNode) int64 {
	var low int64
	for i, n := range nodes {
		if n != nil && (i == 0 || n.DatabaseID < low) {
			low = n.DatabaseID
		}
	}
	return low
}

// discoverByREST reads, on a wait's first poll for a branch or tag, its
// deployments through REST's listing filtered by ref (as given, and in
// its other spelling: x for refs/heads/x or refs/tags/x, refs/heads/x for
// x) and by environment for a name, up to waitRESTPages pages for each,
// newest first, until a page holds one that matches the environment and
// creator, and keeps those as the deployments the poll's query reads by
// node id (the newest first). GitHub filters by the ref as the
// deployment was made with it; one listed under x for refs/heads/x is
// taken only while GitHub says its ref is the one given (waitCand).
func (c *Client) discoverByREST(ctx context.Context, w *WaitResult) (bool, error) {
	ref := strings.TrimSpace(w.Ref)
	spellings := []string{ref, "refs/heads/" + ref}
	if short := vocab.ShortRef(ref); short != ref {
		spellings[1] = short
	}
	env := ""
	if !vocab.IsWildcard(w.Pattern) {
		env = w.Pattern
	}
	found := false
	for _, sp := range spellings {
		opts := &github.DeploymentsListOptions{Ref: sp, Environment: env, ListOptions: github.ListOptions{PerPage: 100}}
		_, err := restPaginate(&opts.ListOptions, waitRESTPages, func() (*github.Response, error) {
			w.Reads++
			list, resp, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, opts)
			if err != nil {
				return nil, err
			}
			here := false
			for _, d := range list {
				if d == nil || d.GetID() <= 0 || d.GetNodeID() == "" || len(d.GetNodeID()) > maxWaitID || !restWaitMatch(w, d) {
					continue
				}
				here = true
				w.addCand(waitCand{nodeID: d.GetNodeID(), id: d.GetID(), sha: d.GetSHA(), needRef: sp != ref && ref != vocab.ShortRef(ref)})
			}
			if found = found || here; here {
				return resp, errEnoughPages
			}
			return resp, nil
		})
		if err != nil {
			return false, githubapi.Explain(githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("ref %s of %s/%s", vocab.Quote(sp), c.Owner, c.Repo)}, err)
		}
	}
	return found, nil
}

// restWaitMatch tells whether REST's deployment d is of w's environment
// and creator (its ref REST's filter chose).
func restWaitMatch(w *WaitResult, d *github.Deployment) bool {
	if !envMatches(w.Pattern, d.GetEnvironment()) {
		return false
	}
	n := &waitNode{}
	if u := d.GetCreator(); u != nil {
		typ := "User"
		if u.GetType() == "Bot" {
			typ = "Bot"
		}
		n.Creator = &struct {
			Typename string `json:"__typename"`
			Login    string `json:"login"`
		}{typ, u.GetLogin()}
	}
	return creatorMatches(w.Creators, n)
}

// waitPrefixQuery reads the commits of an environment's deployments (of
// every environment, for a pattern), newest first, from a cursor.
const waitPrefixQuery = `query($owner: String!, $name: String!, $environments: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: 100, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { commitOid } pageInfo { hasNextPage endCursor } }
  }
}`

// deployedWithPrefix tells, on a wait's first poll for a short SHA that
// GitHub resolves to no commit, whether one of the environment's newest
// deployments (of every environment for a pattern; up to waitCommitPages
// pages of 100) is of a commit that starts with it: then the commit
// exists, and the SHA is ambiguous rather than not pushed yet.
func (c *Client) deployedWithPrefix(ctx context.Context, w *WaitResult) (bool, error) {
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s of %s/%s", w.Pattern, c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": queryEnvironments(w.Pattern), "after": nil}
	found := false
	_, err := c.paginate(ctx, vars, waitCommitPages, func(vars map[string]any) (pageInfo, error) {
		var data struct {
			Repository *struct {
				Deployments *waitConnection `json:"deployments"`
			} `json:"repository"`
		}
		w.Reads++
		if err := c.GQL.Query(ctx, waitPrefixQuery, vars, &data); err != nil {
			return pageInfo{}, err
		}
		if data.Repository == nil || data.Repository.Deployments == nil {
			return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"}
		}
		conn := data.Repository.Deployments
		if found = hasCommitWithPrefix(conn.Nodes, strings.TrimSpace(w.Ref)); found || conn.PageInfo == nil {
			return pageInfo{}, errEnoughPages
		}
		return *conn.PageInfo, nil
	})
	if err != nil {
		return false, githubapi.Explain(call, err)
	}
	return found, nil
}
