package lifecycle

// The reads step: report makes, all GraphQL queries, every one counted
// against a cap: the environments (sweep's listing), each matched
// environment's deployments with their statuses, newest first, and the
// histories of the commits successful deployments shipped. It writes
// nothing.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// The bounds of a report's reads.
const (
	// MaxReportReads is the most queries one report sends, the
	// environments' listing included. When it is reached the report says
	// so (Complete false, Stopped) and computes the keys from what it read.
	MaxReportReads = 300
	// MaxReportPages is the most pages of 100 deployments a report reads
	// of one environment: 2,000 deployments.
	MaxReportPages = 20
	// HistoryDepth is how many commits of a successful deployment's
	// history a report reads, newest first.
	HistoryDepth = 50
	// historyBatch is how many commits' histories one query reads.
	historyBatch = 20
)

const reportDeploymentsQuery = `query($owner: String!, $name: String!, $environments: [String!], $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: 100, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ` + deploymentFields + ` statuses(first: 20) { totalCount nodes { state createdAt environmentUrl } } }
    }
  }
}`

// reportNode is a deployment of reportDeploymentsQuery's answer.
type reportNode struct {
	deploymentNode
	Statuses *struct {
		TotalCount int           `json:"totalCount"`
		Nodes      []*statusNode `json:"nodes"`
	} `json:"statuses"`
}

type statusNode struct {
	State          string     `json:"state"`
	CreatedAt      *time.Time `json:"createdAt"`
	EnvironmentURL *string    `json:"environmentUrl"`
}

// reportStatus is a deployment status as a report sees it.
type reportStatus struct {
	State   string // as REST names it: success, failure, …
	Created time.Time
	URL     string
}

// reportDeployment is a deployment with its statuses, oldest first.
type reportDeployment struct {
	deployment
	Statuses []reportStatus
	// StatusesCut says it has more statuses than were read.
	StatusesCut bool
}

// reader counts a report's queries against max.
type reportReader struct {
	c         *Client
	reads     int
	max       int
	stopped   string
	start     time.Time
	histories map[string][]commitTime
	warnings  []string
	foreign   foreignDeployments
}

// spend takes one read from the budget, or says why there is none left.
func (r *reportReader) spend() bool {
	if r.reads >= r.max {
		if r.stopped == "" {
			r.stopped = fmt.Sprintf("the report's %d reads were used up", r.max)
		}
		return false
	}
	r.reads++
	return true
}

// deployments reads env's deployments newest first, until the window is
// covered and two successful deployments, one of them made before the
// window, were seen (the live one, the one before it, and what the
// window's first success shipped on top of), or MaxReportPages pages, or
// the budget is spent. complete says the window was covered.
func (r *reportReader) deployments(ctx context.Context, env string) (list []reportDeployment, complete bool, err error) {
	c := r.c
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %q of %s/%s", env, c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": []string{env}}
	seen := map[int64]bool{}
	// The commits that went live: two of them (the live one and what a
	// rollback returns to), one before the window, end the reading.
	liveCommits, before := map[string]bool{}, false
	covered := func() bool { return len(list) > 0 && list[len(list)-1].Created.Before(r.start) }
	spent := false
	truncated, err := c.paginate(ctx, vars, MaxReportPages, func(vars map[string]any) (pageInfo, error) {
		if spent = !r.spend(); spent {
			return pageInfo{}, errEnoughPages
		}
		var data struct {
			Repository *struct {
				Deployments struct {
					PageInfo pageInfo      `json:"pageInfo"`
					Nodes    []*reportNode `json:"nodes"`
				} `json:"deployments"`
			} `json:"repository"`
		}
		if err := c.GQL.Query(ctx, reportDeploymentsQuery, vars, &data); err != nil {
			return pageInfo{}, err
		}
		if data.Repository == nil || data.Repository.Deployments.Nodes == nil {
			return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"}
		}
		for _, n := range data.Repository.Deployments.Nodes {
			if d, ok := r.take(env, n, seen); ok {
				list = append(list, d)
				if !d.liveAt().IsZero() {
					liveCommits[strings.ToLower(d.SHA)] = true
					before = before || d.Created.Before(r.start)
				}
			}
		}
		if covered() && len(liveCommits) >= 2 && before {
			return pageInfo{}, errEnoughPages
		}
		return data.Repository.Deployments.PageInfo, nil
	})
	switch {
	case err != nil:
		return nil, false, githubapi.Explain(call, err)
	case spent:
		return list, false, nil
	case truncated:
		return list, covered(), nil
	}
	// The last page, or enough of them.
	return list, true, nil
}

// take is node n of env's listing as a deployment, unless it is none, was
// seen, or is of another environment (a warning).
func (r *reportReader) take(env string, n *reportNode, seen map[int64]bool) (reportDeployment, bool) {
	if n == nil || n.DatabaseID <= 0 || seen[n.DatabaseID] {
		return reportDeployment{}, false
	}
	seen[n.DatabaseID] = true
	d := n.reportDeployment()
	if !vocab.SameEnvironment(d.Environment, env) {
		r.warnings = r.foreign.warn(r.warnings, d.deployment, env)
		return reportDeployment{}, false
	}
	return d, true
}

// reportDeployment is n with its statuses, oldest first (GitHub's order
// is not relied on: they are sorted by their times).
func (n *reportNode) reportDeployment() reportDeployment {
	d := reportDeployment{deployment: n.deployment()}
	if n.Statuses == nil {
		return d
	}
	for _, s := range n.Statuses.Nodes {
		if s == nil || s.CreatedAt == nil {
			continue
		}
		st := reportStatus{State: strings.ToLower(s.State), Created: s.CreatedAt.UTC()}
		if s.EnvironmentURL != nil {
			st.URL = *s.EnvironmentURL
		}
		d.Statuses = append(d.Statuses, st)
	}
	sort.SliceStable(d.Statuses, func(i, j int) bool { return d.Statuses[i].Created.Before(d.Statuses[j].Created) })
	d.StatusesCut = n.Statuses.TotalCount > len(d.Statuses)
	return d
}

// commitTime is a commit of a history and its committer date.
type commitTime struct {
	SHA       string
	Committed time.Time
}

// readHistories reads the histories of shas (HistoryDepth commits each,
// newest first), historyBatch a query, into r.histories, while the budget
// lasts. A commit GitHub does not know stays out of the map.
func (r *reportReader) readHistories(ctx context.Context, shas []string) error {
	call := githubapi.Call{Op: "read commit histories", Target: fmt.Sprintf("%s/%s", r.c.Owner, r.c.Repo)}
	for batch := range slices.Chunk(shas, historyBatch) {
		if !r.spend() {
			return nil
		}
		q, vars := r.historyQuery(batch)
		type historyNode struct {
			History *struct {
				Nodes []*struct {
					Oid           string     `json:"oid"`
					CommittedDate *time.Time `json:"committedDate"`
				} `json:"nodes"`
			} `json:"history"`
		}
		var data struct {
			Repository map[string]*historyNode `json:"repository"`
		}
		if _, err := r.c.GQL.QueryPartial(ctx, q, vars, &data); err != nil {
			return githubapi.Explain(call, err)
		}
		for i, sha := range batch {
			n := data.Repository[fmt.Sprintf("c%d", i)]
			if n == nil || n.History == nil {
				continue
			}
			list := []commitTime{}
			for _, c := range n.History.Nodes {
				if c != nil && c.CommittedDate != nil && vocab.IsSHA(c.Oid) && len(list) < HistoryDepth {
					list = append(list, commitTime{SHA: strings.ToLower(c.Oid), Committed: c.CommittedDate.UTC()})
				}
			}
			// A history that does not start at its commit is not believed.
			if len(list) > 0 && list[0].SHA == strings.ToLower(sha) {
				r.histories[strings.ToLower(sha)] = list
			}
		}
	}
	return nil
}

// historyQuery is the query that reads the histories of batch, the i-th
// commit as alias ci, and its variables.
func (r *reportReader) historyQuery(batch []string) (string, map[string]any) {
	var q strings.Builder
	vars := map[string]any{"owner": r.c.Owner, "name": r.c.Repo}
	q.WriteString("query($owner: String!, $name: String!")
	for i := range batch {
		fmt.Fprintf(&q, ", $c%d: GitObjectID!", i)
	}
	q.WriteString(") { repository(owner: $owner, name: $name) {")
	for i, sha := range batch {
		fmt.Fprintf(&q, " c%d: object(oid: $c%d) { ... on Commit { history(first: %d) { nodes { oid committedDate } } } }", i, i, HistoryDepth)
		vars[fmt.Sprintf("c%d", i)] = sha
	}
	q.WriteString(" } }")
	return q.String(), vars
}
