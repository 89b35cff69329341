package lifecycle

// Reads go through GitHub's GraphQL API: one query returns 100
// deployments with their latest state, where REST needs a call per
// deployment. Writes stay on REST.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
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
	Ref     string
	SHA     string
	Created time.Time
	Payload string
	// State is the latest status's state as REST names it ("" with none).
	State string
	// PullRequests are the pull requests of the deployment's commit
	// (read by sweep only).
	PullRequests []pullRequest
}

type pullRequest struct {
	Number int
	State  string // OPEN, CLOSED or MERGED
}

// listing is deployments newest first. Truncated is true when there were
// more than MaxPages pages: the rest was not read.
type listing struct {
	all       []deployment
	truncated bool
}

const deploymentFields = `databaseId environment task createdAt commitOid payload ref { name } latestStatus { state }`

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
      nodes { ` + deploymentFields + ` commit { associatedPullRequests(first: 10) { nodes { number state } } } }
    }
  }
}`

type deploymentNode struct {
	DatabaseID   int64     `json:"databaseId"`
	Environment  *string   `json:"environment"`
	Task         *string   `json:"task"`
	CreatedAt    time.Time `json:"createdAt"`
	CommitOid    string    `json:"commitOid"`
	Payload      *string   `json:"payload"`
	Ref          *struct{ Name string }
	LatestStatus *struct{ State string } `json:"latestStatus"`
	Commit       *struct {
		AssociatedPullRequests struct {
			Nodes []pullRequest `json:"nodes"`
		} `json:"associatedPullRequests"`
	} `json:"commit"`
}

type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

// listDeployments lists the deployments of env (and ref, when not empty),
// newest first, 100 a query, following the cursor forwards up to
// MaxPages.
func (c *Client) listDeployments(ctx context.Context, env, ref string) (listing, error) {
	l, err := c.queryDeployments(ctx, deploymentsQuery, []string{env})
	if err != nil || ref == "" {
		return l, err
	}
	kept := l.all[:0]
	for _, d := range l.all {
		if d.Ref == ref {
			kept = append(kept, d)
		}
	}
	l.all = kept
	return l, nil
}

// queryDeployments runs a deployments query for environments (all of the
// repository's when nil).
func (c *Client) queryDeployments(ctx context.Context, query string, environments []string) (listing, error) {
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s of %s/%s", quoteList(environments), c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": environments}
	var out listing
	seen := map[int64]bool{}
	truncated, err := c.paginate(ctx, vars, func(vars map[string]any) (pageInfo, error) {
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
// page's end cursor while there is a next page: only forwards (a cursor
// seen again ends it), at most MaxPages pages. truncated says a next page
// was left unread.
func (c *Client) paginate(ctx context.Context, vars map[string]any, page func(map[string]any) (pageInfo, error)) (truncated bool, err error) {
	cursor := ""
	for n := 1; ; n++ {
		if cursor != "" {
			vars["after"] = cursor
		}
		info, err := page(vars)
		if err != nil {
			return false, err
		}
		if !info.HasNextPage || info.EndCursor == nil || *info.EndCursor == "" || *info.EndCursor == cursor {
			return false, nil
		}
		if n == MaxPages {
			return true, nil
		}
		cursor = *info.EndCursor
	}
}

func (n *deploymentNode) deployment() deployment {
	d := deployment{ID: n.DatabaseID, SHA: n.CommitOid, Created: n.CreatedAt, Ref: n.CommitOid}
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
		d.Ref = n.Ref.Name
	}
	if n.LatestStatus != nil {
		d.State = strings.ToLower(n.LatestStatus.State)
	}
	if n.Commit != nil {
		d.PullRequests = n.Commit.AssociatedPullRequests.Nodes
	}
	return d
}

// marker is the run marker in the deployment's payload, if any.
func (d deployment) marker() (Marker, bool) { return markerIn([]byte(d.Payload)) }

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
