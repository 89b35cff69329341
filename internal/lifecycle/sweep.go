package lifecycle

// sweep: find the stale environments among those whose names match the
// patterns, and tear them down as delete-env (or deactivate-env) would,
// within GitHub's limits. Every decision sweep makes is in this file.

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"golang.org/x/sync/errgroup"
)

// Decisions a sweep takes about a candidate environment.
const (
	DecisionSwept      = "swept"
	DecisionWouldSweep = "would sweep"
	DecisionKept       = "kept"
	DecisionLeft       = "left for the next run"
	DecisionFailed     = "failed"
)

// SweepCandidate is one environment whose name matched, and what the sweep
// decided about it and why.
type SweepCandidate struct {
	Environment string `json:"environment"`
	Decision    string `json:"decision"`
	Reason      string `json:"reason"`
	// Newest is when its newest deployment was made (zero with none).
	Newest      time.Time       `json:"newest_deployment,omitzero"`
	Deployments int             `json:"deployments"`
	Teardown    *TeardownResult `json:"-"`
}

// SweepResult is what a sweep saw and did.
type SweepResult struct {
	DryRun bool
	// Environments counts the repository's environments looked at.
	Environments int
	Candidates   []SweepCandidate
	// Stopped says why the sweep stopped before the end (a limit).
	Stopped string
}

// Count counts the candidates with decision d ("" counts all).
func (s *SweepResult) Count(d string) int {
	n := 0
	for _, c := range s.Candidates {
		if d == "" || c.Decision == d {
			n++
		}
	}
	return n
}

// Stale counts the candidates found stale (swept, would be, left, failed).
func (s *SweepResult) Stale() int { return len(s.Candidates) - s.Count(DecisionKept) }

// Budget is what GitHub's limits leave this run: content-creating writes
// (80 a minute, 500 an hour) and REST requests (GITHUB_TOKEN: 1,000 an
// hour per repository); a negative value is unknown.
type Budget struct{ Writes, Requests int }

// budgetMargin is left unused for the steps after the sweep.
const budgetMargin = 10

// Sweep finds and tears down stale environments. When tearing one down
// fails, no other starts, and Sweep returns the result so far with the
// error. Reads: the environments,
// then their deployments (with their commits' pull requests), 100 a query,
// and the pull requests' states it still lacks, 50 a query. It stops before
// an environment whose writes would run past a limit, and says what is
// left: the next run goes on from there.
func Sweep(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	sw := &SweepResult{DryRun: cfg.DryRun}
	res := &Result{Sweep: sw}
	names, truncated, err := c.listEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	if truncated {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the repository has more than %d environments; only the first %d (by name) were looked at", MaxPages*100, MaxPages*100))
	}
	sw.Environments = len(names)
	var matched []string
	for _, n := range names {
		if matches(cfg.Sweep.Patterns, n) {
			matched = append(matched, n)
		}
	}
	byEnv := map[string]listing{}
	for batch := range slices.Chunk(matched, 100) {
		l, err := c.queryDeployments(ctx, withPullRequests, batch)
		if err != nil {
			return nil, err
		}
		for _, d := range l.all {
			e := byEnv[d.Environment]
			e.all = append(e.all, d)
			e.truncated = l.truncated
			byEnv[d.Environment] = e
		}
	}
	prs, err := c.pullRequestStates(ctx, cfg, byEnv)
	if err != nil {
		return nil, err
	}
	now := c.now()
	for _, env := range matched {
		sw.Candidates = append(sw.Candidates, judge(cfg, env, byEnv[env], prs, now))
	}
	// The longest stale first: a run stopped by a limit has done those.
	slices.SortStableFunc(sw.Candidates, func(a, b SweepCandidate) int { return a.Newest.Compare(b.Newest) })
	// Environments are torn down a few at a time; each is checked against
	// the limits before it starts, with what those under way still need
	// held back.
	var (
		mu       sync.Mutex
		reserved Budget
		failed   error
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sweepParallel)
	for i := range sw.Candidates {
		cand := &sw.Candidates[i]
		if cand.Decision != DecisionSwept {
			continue
		}
		if cfg.DryRun {
			cand.Decision = DecisionWouldSweep
			continue
		}
		l := byEnv[cand.Environment]
		need := c.needs(cfg, l)
		mu.Lock()
		why := ""
		if sw.Stopped == "" {
			why = c.overBudget(need, reserved)
		}
		if sw.Stopped != "" || why != "" {
			if sw.Stopped == "" {
				sw.Stopped = why
			}
			cand.Decision = DecisionLeft
			mu.Unlock()
			continue
		}
		reserved.Writes += need.Writes
		reserved.Requests += need.Requests
		mu.Unlock()
		g.Go(func() error {
			td, err := c.tearDown(gctx, cfg, cand.Environment, l, cfg.Sweep.Delete, "")
			mu.Lock()
			defer mu.Unlock()
			reserved.Writes -= need.Writes
			reserved.Requests -= need.Requests
			cand.Teardown = td
			if err != nil {
				// What failed after the retries would fail again: no
				// environment starts after it.
				cand.Decision, cand.Reason = DecisionFailed, err.Error()
				if failed == nil {
					failed = fmt.Errorf("sweeping environment %q: %w", cand.Environment, err)
					sw.Stopped = "sweeping an environment failed"
				}
				return nil
			}
			if td.EnvironmentNote == NoteNoAdmin {
				return nil // one warning for all of them, below
			}
			res.Warnings = append(res.Warnings, td.Warnings...)
			return nil
		})
	}
	_ = g.Wait()
	kept := 0
	for _, cand := range sw.Candidates {
		if cand.Teardown != nil && cand.Teardown.EnvironmentNote == NoteNoAdmin {
			kept++
		}
	}
	if kept > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d swept environments were not deleted themselves: deleting an environment needs a token with `administration: write` on the repository (a GitHub App installation token or a fine-grained personal access token); the workflow's GITHUB_TOKEN can never have it. Their deployments were deleted.", kept))
	}
	if failed != nil {
		// The result says what was done before: the report shows it.
		return res, failed
	}
	if sw.Stopped != "" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the sweep stopped before %s: %s; %d stale environments are left for the next run (sweeping is idempotent: it goes on from there)",
			"the next environment", sw.Stopped, sw.Count(DecisionLeft)))
	}
	return res, nil
}

// matches reports whether env matches one of patterns (path.Match).
func matches(patterns []string, env string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, env); ok {
			return true
		}
	}
	return false
}

func isWildcard(p string) bool { return strings.ContainsAny(p, "*?[") }

// judge decides about one candidate: kept (and why), or swept (and why).
func judge(cfg *config.Config, env string, l listing, prs map[int]string, now time.Time) SweepCandidate {
	c := SweepCandidate{Environment: env, Decision: DecisionKept, Deployments: len(l.all)}
	production := strings.EqualFold(env, "production")
	for _, d := range l.all {
		if m, ok := d.marker(); ok && m.Production {
			production = true
		}
	}
	exact := slices.ContainsFunc(cfg.Sweep.Patterns, func(p string) bool { return !isWildcard(p) && p == env })
	if production && !exact {
		c.Reason = "a production environment: a wildcard never sweeps one; name it exactly to sweep it"
		return c
	}
	if len(l.all) == 0 {
		c.Reason = "no deployments to judge by"
		return c
	}
	newest := l.all[0]
	c.Newest = newest.Created
	var reasons []string
	if cfg.Sweep.PullRequestClosed {
		if why, stale := closedPullRequests(newest, prs); stale {
			reasons = append(reasons, why)
		} else if why != "" && cfg.Sweep.OlderThan == 0 {
			c.Reason = why
		}
	}
	if cfg.Sweep.OlderThan > 0 {
		age := now.Sub(newest.Created)
		if age > cfg.Sweep.OlderThan {
			reasons = append(reasons, fmt.Sprintf("newest deployment %s old (older-than %s)", roundAge(age), roundAge(cfg.Sweep.OlderThan)))
		} else if len(reasons) == 0 {
			c.Reason = fmt.Sprintf("newest deployment %s old", roundAge(age))
		}
	}
	if len(reasons) > 0 {
		c.Decision, c.Reason = DecisionSwept, strings.Join(reasons, "; ")
	}
	if c.Reason == "" {
		c.Reason = "no rule finds it stale"
	}
	return c
}

// closedPullRequests tells whether the pull requests the deployment was
// made for are all closed or merged: the one this action recorded in its
// payload, else those of its commit. why says what was found.
func closedPullRequests(d deployment, prs map[int]string) (why string, stale bool) {
	var numbers []int
	if m, ok := d.marker(); ok && m.PullRequest > 0 {
		numbers = []int{m.PullRequest}
	} else {
		for _, p := range d.PullRequests {
			numbers = append(numbers, p.Number)
		}
	}
	if len(numbers) == 0 {
		return "its newest deployment belongs to no pull request", false
	}
	var open []string
	var closed []string
	for _, n := range numbers {
		st := prs[n]
		switch st {
		case "CLOSED", "MERGED":
			closed = append(closed, fmt.Sprintf("#%d %s", n, strings.ToLower(st)))
		default:
			open = append(open, fmt.Sprintf("#%d", n))
		}
	}
	if len(open) > 0 {
		return "pull request " + strings.Join(open, ", ") + " is open", false
	}
	return "pull request " + strings.Join(closed, ", "), true
}

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}

// sweepParallel is how many environments a sweep tears down at once.
const sweepParallel = 4

// needs is what tearing down l costs: content-creating writes (inactive
// statuses) and REST requests in all.
func (c *Client) needs(cfg *config.Config, l listing) Budget {
	var n Budget
	for i, d := range l.all {
		if i < cfg.KeepLatest {
			continue
		}
		if d.State != config.StateInactive {
			n.Writes++
		}
		if cfg.Sweep.Delete {
			n.Requests++
		}
	}
	n.Requests += n.Writes
	if cfg.Sweep.Delete {
		n.Requests++ // the environment
	}
	return n
}

// overBudget says why need, with reserved held back for environments under
// way, would run past a limit ("" when it would not).
func (c *Client) overBudget(need, reserved Budget) string {
	if c.Budget == nil {
		return ""
	}
	b := c.Budget()
	switch {
	case b.Writes >= 0 && need.Writes+reserved.Writes > b.Writes:
		return fmt.Sprintf("GitHub's content creation limit leaves %d writes this hour and the next environment needs %d", max(b.Writes-reserved.Writes, 0), need.Writes)
	case b.Requests >= 0 && need.Requests+reserved.Requests+budgetMargin > b.Requests:
		return fmt.Sprintf("the token's REST rate limit leaves %d requests and the next environment needs %d (and %d kept in reserve)", max(b.Requests-reserved.Requests, 0), need.Requests, budgetMargin)
	}
	return ""
}

const environmentsQuery = `query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    environments(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { name }
    }
  }
}`

// listEnvironments lists the repository's environments, 100 a query.
func (c *Client) listEnvironments(ctx context.Context) ([]string, bool, error) {
	call := githubapi.Call{Op: "list environments", Target: fmt.Sprintf("the environments of %s/%s", c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo}
	var names []string
	truncated, err := c.paginate(ctx, vars, func(vars map[string]any) (pageInfo, error) {
		var data struct {
			Repository *struct {
				Environments struct {
					PageInfo pageInfo `json:"pageInfo"`
					Nodes    []*struct {
						Name string `json:"name"`
					} `json:"nodes"`
				} `json:"environments"`
			} `json:"repository"`
		}
		if err := c.GQL.Query(ctx, environmentsQuery, vars, &data); err != nil {
			return pageInfo{}, err
		}
		if data.Repository == nil || data.Repository.Environments.Nodes == nil {
			return pageInfo{}, &githubapi.BadAnswerError{What: "the answer holds no list of environments"}
		}
		for _, n := range data.Repository.Environments.Nodes {
			if n != nil && n.Name != "" {
				names = append(names, n.Name)
			}
		}
		return data.Repository.Environments.PageInfo, nil
	})
	if err != nil {
		return nil, false, githubapi.Explain(call, err)
	}
	return names, truncated, nil
}

// pullRequestStates gathers the states of the pull requests the newest
// deployments were made for: from the commits' pull requests read with
// them, and the rest 50 a query.
func (c *Client) pullRequestStates(ctx context.Context, cfg *config.Config, byEnv map[string]listing) (map[int]string, error) {
	states := map[int]string{}
	var missing []int
	if !cfg.Sweep.PullRequestClosed {
		return states, nil
	}
	for _, l := range byEnv {
		if len(l.all) == 0 {
			continue
		}
		newest := l.all[0]
		for _, p := range newest.PullRequests {
			states[p.Number] = p.State
		}
		if m, ok := newest.marker(); ok && m.PullRequest > 0 {
			if _, known := states[m.PullRequest]; !known && !slices.Contains(missing, m.PullRequest) {
				missing = append(missing, m.PullRequest)
			}
		}
	}
	call := githubapi.Call{Op: "read pull requests", Target: fmt.Sprintf("pull requests of %s/%s", c.Owner, c.Repo)}
	slices.Sort(missing)
	for batch := range slices.Chunk(missing, 50) {
		var q strings.Builder
		q.WriteString("query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {")
		for _, n := range batch {
			fmt.Fprintf(&q, " pr%d: pullRequest(number: %d) { number state }", n, n)
		}
		q.WriteString(" } }")
		var data struct {
			Repository map[string]*pullRequest `json:"repository"`
		}
		if err := c.GQL.Query(ctx, q.String(), map[string]any{"owner": c.Owner, "name": c.Repo}, &data); err != nil {
			return nil, githubapi.Explain(call, err)
		}
		for _, p := range data.Repository {
			if p != nil && p.Number > 0 {
				states[p.Number] = p.State
			}
		}
	}
	// A pull request GitHub did not find stays unknown: judged open, so
	// its environment is never swept for it.
	return states, nil
}
