package lifecycle

// Reads go through GitHub's GraphQL API: one query returns 100
// deployments with their latest state, where REST needs a call per
// deployment. Writes stay on REST.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// MaxPages bounds the pages of 100 deployments a listing reads: 10,000
// deployments. Whatever GitHub's answers say, no listing reads more.
const MaxPages = 100

// deployment is a deployment as the reads see it.
type deployment struct {
	ID          int64
	Environment string
	Task        string
	// Ref is the ref as deployed: the branch or tag name, or the commit
	// when the deployment was made of a SHA.
	Ref string
	// RefName is GraphQL's Ref.name: the branch or tag name without
	// refs/heads/ or refs/tags/; "" when the deployment was made of a SHA
	// (or its ref is gone).
	RefName string
	// RefPrefix is GraphQL's Ref.prefix: refs/heads/ or refs/tags/.
	RefPrefix string
	// RESTRef is the ref REST gives, as the deployment was made of, read
	// only where GraphQL's is null and the step needs it (readRESTRefs);
	// "" when not read or unknown.
	RESTRef string
	SHA     string
	// Created is when it was made; zero when GitHub did not say (its age
	// is then unknown).
	Created time.Time
	Payload string
	// State is the latest status's state as REST names it ("" with none).
	State string
	// Creator is who made it, as REST spells logins ("vercel[bot]" for
	// an app; "" when GitHub did not say or it is no login).
	Creator string
	// PullRequests are the pull requests of the deployment's commit
	// (read by sweep only); PullRequestsTruncated says it has more than
	// were read.
	PullRequests          []pullRequest
	PullRequestsTruncated bool
}

type pullRequest struct {
	Number         int    `json:"number"`
	State          string `json:"state"` // OPEN, CLOSED or MERGED
	HeadRefName    string `json:"headRefName"`
	HeadRefOid     string `json:"headRefOid"`
	BaseRepository *struct {
		NameWithOwner string `json:"nameWithOwner"`
	} `json:"baseRepository"`
	// HeadRepository is null when the fork it came from is gone.
	HeadRepository *struct {
		NameWithOwner string `json:"nameWithOwner"`
	} `json:"headRepository"`
	MergeCommit *struct {
		Oid string `json:"oid"`
	} `json:"mergeCommit"`
}

// listing is deployments newest first. Truncated is true when there were
// more than MaxPages pages: the rest was not read. Warnings say what
// GitHub's answers held that the action left alone.
type listing struct {
	all       []deployment
	truncated bool
	warnings  []string
}

const deploymentFields = `databaseId environment task createdAt commitOid payload ref { name prefix } latestStatus { state } creator { __typename login }`

// pullRequestFields are what sweep reads of a pull request to tell whether
// a deployment was made for it.
const pullRequestFields = `number state headRefName headRefOid baseRepository { nameWithOwner } headRepository { nameWithOwner } mergeCommit { oid }`

const deploymentsQuery = `query($owner: String!, $name: String!, $environments: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: 100, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ` + deploymentFields + ` }
    }
  }
}`

// withPullRequests is deploymentsQuery that also reads each deployment's
// commit's pull requests and their states.
const withPullRequests = `query($owner: String!, $name: String!, $environments: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: 100, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ` + deploymentFields + ` commit { associatedPullRequests(first: 10) { totalCount nodes { ` + pullRequestFields + ` } } } }
    }
  }
}`

type deploymentNode struct {
	DatabaseID  int64      `json:"databaseId"`
	Environment *string    `json:"environment"`
	Task        *string    `json:"task"`
	CreatedAt   *time.Time `json:"createdAt"`
	CommitOid   string     `json:"commitOid"`
	Payload     *string    `json:"payload"`
	Ref         *struct {
		Name   string `json:"name"`
		Prefix string `json:"prefix"`
	} `json:"ref"`
	LatestStatus *struct{ State string } `json:"latestStatus"`
	Creator      *struct {
		Typename string `json:"__typename"`
		Login    string `json:"login"`
	} `json:"creator"`
	Commit *struct {
		AssociatedPullRequests struct {
			TotalCount int            `json:"totalCount"`
			Nodes      []*pullRequest `json:"nodes"`
		} `json:"associatedPullRequests"`
	} `json:"commit"`
}

type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

// listDeployments lists the deployments of env (and ref, when not empty),
// newest first, 100 a query, following the cursor forwards up to
// MaxPages. A deployment of another environment in GitHub's answer is
// dropped with a warning: nothing is done to it.
func (c *Client) listDeployments(ctx context.Context, env, ref string) (listing, error) {
	l, err := c.queryDeployments(ctx, deploymentsQuery, []string{env})
	if err != nil {
		return l, err
	}
	kept := l.all[:0]
	var foreign foreignDeployments
	for _, d := range l.all {
		switch {
		case !vocab.SameEnvironment(d.Environment, env):
			l.warnings = foreign.warn(l.warnings, d, env)
		case ref == "" || refMatches(ref, d):
			kept = append(kept, d)
		}
	}
	l.all = kept
	l.warnings = foreign.rest(l.warnings)
	return l, nil
}

// foreignWarning is the warning for a deployment of another environment
// in the listing of env.
func foreignWarning(d deployment, env string) string {
	return fmt.Sprintf("GitHub listed deployment %d of environment %s among those of %s; it was left alone", d.ID, vocab.Quote(d.Environment), vocab.Quote(env))
}

// maxForeignWarnings bounds the warnings about deployments of other
// environments one step gives: past it, one more counts the rest, so an
// answer cannot set how much is printed.
const maxForeignWarnings = 10

// foreignDeployments counts the deployments of other environments a step
// was given and left alone.
type foreignDeployments struct{ n int }

// warn appends the warning for d, one of another environment in the
// listing of env, to warnings while there have been at most
// maxForeignWarnings.
func (f *foreignDeployments) warn(warnings []string, d deployment, env string) []string {
	if f.n++; f.n <= maxForeignWarnings {
		warnings = append(warnings, foreignWarning(d, env))
	}
	return warnings
}

// rest appends one warning that counts those past maxForeignWarnings.
func (f *foreignDeployments) rest(warnings []string) []string {
	if more := f.n - maxForeignWarnings; more > 0 {
		warnings = append(warnings, fmt.Sprintf("GitHub listed %d more deployments of other environments; they were left alone", more))
	}
	return warnings
}

// refMatches tells whether ref (as the user or the workflow gives it: a
// branch or tag name, refs/heads/…, refs/tags/…, or a full or short commit
// SHA) names the ref deployment d was made of. GraphQL's Ref.name has no
// refs/ prefix and is null when d was made of a SHA or its ref is gone;
// then the branch this action's run marker names, or the ref REST keeps
// as it was given (RESTRef, when read), stands for it. A SHA matches d's
// commit.
func refMatches(ref string, d deployment) bool {
	name := vocab.ShortRef(ref)
	if name == "" {
		return false
	}
	// refs/heads/v1 is a branch and refs/tags/v1 a tag: with a prefix
	// given, the deployment's must be the same, when GitHub says it.
	prefix := strings.TrimSuffix(strings.TrimSpace(ref), name)
	if prefix != "" && d.RefPrefix != "" && prefix != d.RefPrefix {
		return false
	}
	if d.RefName != "" && vocab.ShortRef(d.RefName) == name {
		return true
	}
	if d.RefName == "" {
		if m, st := d.marker(); st == markerOK && m.Branch != "" && m.Branch == name && prefix != "refs/tags/" {
			return true
		}
		if r := d.RESTRef; r != "" && vocab.ShortRef(r) == name {
			restPrefix := strings.TrimSuffix(r, vocab.ShortRef(r))
			if prefix == "" || restPrefix == "" || prefix == restPrefix {
				return true
			}
		}
	}
	// refs/heads/deadbeef is a branch, whatever its name looks like.
	if vocab.IsSHA(name) && name == strings.TrimSpace(ref) && d.SHA != "" {
		return strings.HasPrefix(strings.ToLower(d.SHA), strings.ToLower(name))
	}
	return false
}

// queryDeployments runs a deployments query for environments (all of the
// repository's when nil).
func (c *Client) queryDeployments(ctx context.Context, query string, environments []string) (listing, error) {
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s of %s/%s", quoteList(environments), c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": environments}
	var out listing
	seen := map[int64]bool{}
	truncated, err := c.paginate(ctx, vars, MaxPages, func(vars map[string]any) (pageInfo, error) {
		var data struct {
			Repository *struct {
				Deployments struct {
					PageInfo pageInfo          `json:"pageInfo"`
					Nodes    []*deploymentNode `json:"nodes"`
				} `json:"deployments"`
			} `json:"repository"`
		}
		if err := c.GQL.Query(ctx, query, vars, &data); err != nil {
			return pageInfo{}, err
		}
		if data.Repository == nil || data.Repository.Deployments.Nodes == nil {
			return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"}
		}
		for _, n := range data.Repository.Deployments.Nodes {
			if n == nil || n.DatabaseID <= 0 {
				return pageInfo{}, &githubapi.BadAnswerError{What: "a deployment in the list has no id"}
			}
			if !seen[n.DatabaseID] {
				seen[n.DatabaseID] = true
				out.all = append(out.all, n.deployment())
			}
		}
		return data.Repository.Deployments.PageInfo, nil
	})
	if err != nil {
		return listing{}, githubapi.Explain(call, err)
	}
	out.truncated = truncated
	return out, nil
}

// paginate runs page with vars, then again with vars["after"] set to each
// page's end cursor while there is a next page: only forwards (any cursor
// seen before ends it, so an answer whose cursors alternate cannot make it
// read a page twice), at most maxPages pages. A page that returns
// errEnoughPages ends it without an error (its reader has what it needs).
// truncated says a next page was left unread for maxPages.
func (c *Client) paginate(ctx context.Context, vars map[string]any, maxPages int, page func(map[string]any) (pageInfo, error)) (truncated bool, err error) {
	seen := map[string]bool{}
	for n := 1; ; n++ {
		info, err := page(vars)
		if errors.Is(err, errEnoughPages) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !info.HasNextPage || info.EndCursor == nil || *info.EndCursor == "" || seen[*info.EndCursor] {
			return false, nil
		}
		if n >= maxPages {
			return true, nil
		}
		if len(*info.EndCursor) > maxCursor {
			return false, &githubapi.BadAnswerError{What: fmt.Sprintf("a page's end cursor is %d bytes long", len(*info.EndCursor))}
		}
		seen[*info.EndCursor] = true
		vars["after"] = *info.EndCursor
	}
}

// restPaginate calls page for opts.Page, then for each next page REST's
// answer names, only forwards, at most maxPages pages; a page that
// returns errEnoughPages ends it without an error. truncated says a next
// page was left unread for maxPages. It is REST's paginate.
func restPaginate(opts *github.ListOptions, maxPages int, page func() (*github.Response, error)) (truncated bool, err error) {
	for n := 1; n <= maxPages; n++ {
		resp, err := page()
		if errors.Is(err, errEnoughPages) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opts.Page {
			return false, nil
		}
		if n == maxPages {
			return true, nil
		}
		opts.Page = resp.NextPage
	}
	return false, nil
}

// errEnoughPages, from a page of paginate or restPaginate, ends the
// reading: not a failure.
var errEnoughPages = errors.New("enough pages")

// maxCursor bounds the end cursor sent back to GitHub (GitHub's are a few
// dozen bytes).
const maxCursor = 1024

func (n *deploymentNode) deployment() deployment {
	d := deployment{ID: n.DatabaseID, SHA: n.CommitOid, Ref: n.CommitOid}
	if n.CreatedAt != nil {
		d.Created = *n.CreatedAt
	}
	if n.Environment != nil {
		d.Environment = *n.Environment
	}
	if n.Task != nil {
		d.Task = *n.Task
	}
	if n.Payload != nil {
		d.Payload = *n.Payload
	}
	if n.Ref != nil && n.Ref.Name != "" {
		d.Ref, d.RefName, d.RefPrefix = n.Ref.Name, n.Ref.Name, n.Ref.Prefix
	}
	if n.LatestStatus != nil {
		d.State = strings.ToLower(n.LatestStatus.State)
	}
	if cr := n.Creator; cr != nil {
		d.Creator = vocab.RESTLogin(cr.Login, cr.Typename == "Bot")
	}
	if n.Commit != nil {
		prs := n.Commit.AssociatedPullRequests
		for _, p := range prs.Nodes {
			if p != nil && len(d.PullRequests) < 10 {
				d.PullRequests = append(d.PullRequests, *p)
			}
		}
		d.PullRequestsTruncated = prs.TotalCount > len(d.PullRequests) || len(prs.Nodes) > len(d.PullRequests)
	}
	return d
}

func quoteList(list []string) string {
	if list == nil {
		return "(all)"
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) > 3 {
		q = append(q[:3], fmt.Sprintf("… %d more", len(list)-3))
	}
	return strings.Join(q, ", ")
}

// truncatedWarning is the warning for a listing that stopped at MaxPages.
func truncatedWarning(env string) string {
	return fmt.Sprintf("environment %q has more than %d deployments; only the newest %d were looked at: run the step again to go on", env, MaxPages*100, MaxPages*100)
}
