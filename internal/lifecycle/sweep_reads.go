package lifecycle

// The reads a sweep makes besides the deployments: the environments and
// the default branch, the states of the pull requests run markers name,
// and whether the refs branch-deleted checks still exist.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

const environmentsQuery = `query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    defaultBranchRef { name target { oid } }
    environments(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { name protectionRules(first: 10) { totalCount nodes { type } } }
    }
  }
}`

// environmentsAnswer is GitHub's answer to environmentsQuery.
type environmentsAnswer struct {
	Repository *struct {
		DefaultBranchRef *struct {
			Name   string `json:"name"`
			Target *struct {
				Oid string `json:"oid"`
			} `json:"target"`
		} `json:"defaultBranchRef"`
		Environments struct {
			PageInfo pageInfo           `json:"pageInfo"`
			Nodes    []*environmentNode `json:"nodes"`
		} `json:"environments"`
	} `json:"repository"`
}

// environmentNode is one environment in environmentsAnswer.
type environmentNode struct {
	Name            string `json:"name"`
	ProtectionRules *struct {
		TotalCount int `json:"totalCount"`
		Nodes      []*struct {
			Type string `json:"type"`
		} `json:"nodes"`
	} `json:"protectionRules"`
}

// listEnvironments lists the repository's environments, 100 a query,
// with their protection rules, and reads the default branch. A name twice
// (in any case) is one environment; a name that could not be one (a dot
// segment, control characters) is left alone with a warning.
func (c *Client) listEnvironments(ctx context.Context) (list environmentList, f sweepFacts, truncated bool, err error) {
	call := githubapi.Call{Op: "list environments", Target: fmt.Sprintf("the environments of %s/%s", c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo}
	f.Repository = c.Owner + "/" + c.Repo
	list = environmentList{seen: map[string]int{}}
	truncated, err = c.paginate(ctx, vars, MaxPages, func(vars map[string]any) (pageInfo, error) {
		list.pages++
		var data environmentsAnswer
		if err := c.GQL.Query(ctx, environmentsQuery, vars, &data); err != nil {
			return pageInfo{}, err
		}
		if data.Repository == nil || data.Repository.Environments.Nodes == nil {
			return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of environments"}
		}
		if b := data.Repository.DefaultBranchRef; b != nil && f.DefaultBranch == "" {
			f.DefaultBranch = b.Name
			if b.Target != nil {
				f.DefaultHead = b.Target.Oid
			}
		}
		list.addPage(data.Repository.Environments.Nodes)
		return data.Repository.Environments.PageInfo, nil
	})
	if err != nil {
		return list, f, false, githubapi.Explain(call, err)
	}
	return list, f, truncated, nil
}

// environmentList gathers the environments listEnvironments reads, page
// by page, each name (in any case) once, and the warnings about names it
// left alone.
type environmentList struct {
	envs []environment
	// seen is the index in envs of each EnvironmentKey.
	seen     map[string]int
	warnings []string
	// pages counts the queries the listing sent.
	pages int
}

// addPage adds the environments of one page of the listing. A name that
// could not be an environment's is left alone with a warning.
func (l *environmentList) addPage(nodes []*environmentNode) {
	for _, n := range nodes {
		if n == nil || n.Name == "" {
			continue
		}
		if err := vocab.CheckEnvironment(n.Name); err != nil {
			l.warnings = append(l.warnings, fmt.Sprintf("GitHub listed an environment named %s, which cannot be an environment's name (%s); it was left alone", vocab.Quote(n.Name), err))
			continue
		}
		l.add(n.environment())
	}
}

// environment is the environment n names, with the types of its
// protection rules (at most 10; their count when GitHub named none), and
// RulesKnown false when GitHub did not say.
func (n *environmentNode) environment() environment {
	e := environment{Name: n.Name}
	if pr := n.ProtectionRules; pr != nil {
		e.RulesKnown = true
		for _, r := range pr.Nodes {
			if r != nil && r.Type != "" && len(e.Rules) < 10 {
				e.Rules = append(e.Rules, r.Type)
			}
		}
		if len(e.Rules) == 0 && pr.TotalCount > 0 {
			e.Rules = []string{fmt.Sprintf("%d rules", pr.TotalCount)}
		}
	}
	return e
}

// add adds e to the list. A name listed twice (in any case) is one
// environment: what either listing says protects it.
func (l *environmentList) add(e environment) {
	key := vocab.EnvironmentKey(e.Name)
	if i, dup := l.seen[key]; dup {
		l.envs[i].RulesKnown = l.envs[i].RulesKnown && e.RulesKnown
		for _, r := range e.Rules {
			if !slices.Contains(l.envs[i].Rules, r) && len(l.envs[i].Rules) < 10 {
				l.envs[i].Rules = append(l.envs[i].Rules, r)
			}
		}
		return
	}
	l.seen[key] = len(l.envs)
	l.envs = append(l.envs, e)
}

// pullRequestStates reads the states of the pull requests the run markers
// of the environments' deployments name, 50 a query. A pull request GitHub
// cannot resolve (NOT_FOUND: a stale or forged marker), or a number
// GraphQL's Int cannot hold, is missing from the map: unknown, and what
// names it is kept.
func (c *Client) pullRequestStates(ctx context.Context, opts config.SweepOptions, byEnv map[string]listing) (map[int]string, error) {
	states := map[int]string{}
	if !opts.PullRequestClosed {
		return states, nil
	}
	var wanted []int
	for _, l := range byEnv {
		for _, d := range l.all {
			if m, st := d.marker(); st == markerOK && m.PullRequest > 0 && m.PullRequest <= math.MaxInt32 && !slices.Contains(wanted, m.PullRequest) {
				wanted = append(wanted, m.PullRequest)
			}
		}
	}
	call := githubapi.Call{Op: "read pull requests", Target: fmt.Sprintf("pull requests of %s/%s", c.Owner, c.Repo)}
	slices.Sort(wanted)
	for batch := range slices.Chunk(wanted, 50) {
		var q strings.Builder
		q.WriteString("query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {")
		for _, n := range batch {
			fmt.Fprintf(&q, " pr%d: pullRequest(number: %d) { number state }", n, n)
		}
		q.WriteString(" } }")
		var data struct {
			Repository map[string]*pullRequest `json:"repository"`
		}
		// A pull request GitHub cannot resolve is null with a NOT_FOUND
		// error: the rest of the answer is good.
		if _, err := c.GQL.QueryPartial(ctx, q.String(), map[string]any{"owner": c.Owner, "name": c.Repo}, &data); err != nil {
			return nil, githubapi.Explain(call, err)
		}
		for _, n := range batch {
			if p := data.Repository[fmt.Sprintf("pr%d", n)]; p != nil && p.Number == n {
				states[n] = p.State
			}
		}
	}
	return states, nil
}

// readSweepRESTRefs reads, for each matched environment where it can
// change a decision (restRefsMatter), the refs REST keeps for other tools'
// deployments whose GraphQL ref is null (readRESTRefs), within one budget
// for the sweep. What is left unknown is warned about: those deployments
// are each a lineage of their own commit, and branch-deleted keeps them.
func (c *Client) readSweepRESTRefs(ctx context.Context, opts config.SweepOptions, matched []environment, p *sweepPlan) error {
	budget := newRESTRefBudget()
	for _, e := range matched {
		key := vocab.EnvironmentKey(e.Name)
		l := p.byEnv[key]
		if !restRefsMatter(l.all, opts.BranchDeleted) {
			continue
		}
		w, err := c.readRESTRefs(ctx, e.Name, &l, needsRESTRef, budget)
		if err != nil {
			return err
		}
		if w != "" {
			p.warnings = append(p.warnings, w)
		}
		p.byEnv[key] = l
	}
	return nil
}

// restRefsMatter tells whether REST's refs of all's deployments whose
// GraphQL ref is null can change a sweep's decision: with branch-deleted,
// whose rule reads them, as soon as one is there; else when two of them
// were made of different commits, which REST's refs may show to be one
// branch's (one lineage).
func restRefsMatter(all []deployment, branchDeleted bool) bool {
	sha := ""
	for _, d := range all {
		if !needsRESTRef(d) {
			continue
		}
		if branchDeleted || (sha != "" && d.SHA != sha) {
			return true
		}
		sha = d.SHA
	}
	return false
}

// refStates reads what branch-deleted needs: whether each branch or tag
// the newest deployment of each lineage names exists, 50 a query. A ref
// GitHub does not answer for stays unknown.
func (c *Client) refStates(ctx context.Context, byEnv map[string]listing, f *sweepFacts) error {
	f.Refs = map[string]bool{}
	wanted := refsToCheck(byEnv)
	call := githubapi.Call{Op: "read refs", Target: fmt.Sprintf("branches and tags of %s/%s", c.Owner, c.Repo)}
	for batch := range slices.Chunk(wanted, 50) {
		if err := c.readRefs(ctx, batch, f.Refs); err != nil {
			return githubapi.Explain(call, err)
		}
	}
	return nil
}

// refsToCheck is the refs branch-deleted checks for the newest deployment
// of each lineage of each environment in byEnv (by key, in order), each
// once.
func refsToCheck(byEnv map[string]listing) []string {
	var wanted []string
	for _, key := range slices.Sorted(maps.Keys(byEnv)) {
		for _, g := range lineages(byEnv[key].all) {
			_, refs, _ := refsOf(g.all[0])
			for _, r := range refs {
				if !slices.Contains(wanted, r) {
					wanted = append(wanted, r)
				}
			}
		}
	}
	return wanted
}

// refNode is what GitHub answers for a ref that exists.
type refNode struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

// readRefs reads in one query whether each ref of batch exists, into
// refs. A ref GitHub does not answer for, or answers for with a null and
// an error, stays out of refs: unknown.
func (c *Client) readRefs(ctx context.Context, batch []string, refs map[string]bool) error {
	q, vars := c.refsQuery(batch)
	var data struct {
		Repository map[string]*refNode `json:"repository"`
	}
	notFound, err := c.GQL.QueryPartial(ctx, q, vars, &data)
	if err != nil {
		return err
	}
	// An answer that names another ref than its alias asked for is
	// not believed: the whole batch stays unknown. A null that came
	// with an error is unknown too.
	believed := data.Repository != nil
	for i, r := range batch {
		if v := data.Repository[fmt.Sprintf("r%d", i)]; v != nil && v.Prefix+v.Name != r {
			believed = false
		}
	}
	if !believed {
		return nil
	}
	for i, r := range batch {
		alias := fmt.Sprintf("r%d", i)
		v, present := data.Repository[alias]
		if present && !slices.Contains(notFound, "repository."+alias) {
			refs[r] = v != nil
		}
	}
	return nil
}

// refsQuery is the query that asks whether each ref of batch exists, the
// i-th as alias ri, and its variables.
func (c *Client) refsQuery(batch []string) (string, map[string]any) {
	var q strings.Builder
	vars := map[string]any{"owner": c.Owner, "name": c.Repo}
	q.WriteString("query($owner: String!, $name: String!")
	for i := range batch {
		fmt.Fprintf(&q, ", $r%d: String!", i)
	}
	q.WriteString(") { repository(owner: $owner, name: $name) {")
	for i, r := range batch {
		fmt.Fprintf(&q, " r%d: ref(qualifiedName: $r%d) { prefix name }", i, i)
		vars[fmt.Sprintf("r%d", i)] = r
	}
	q.WriteString(" } }")
	return q.String(), vars
}
