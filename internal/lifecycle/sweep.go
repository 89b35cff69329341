package lifecycle

// sweep: find the stale environments among those whose names match the
// patterns, and tear them down as delete-env (or deactivate-env) would,
// within GitHub's limits and at most max-environments a run. Every
// decision sweep makes is in this file; when it cannot tell, it keeps the
// environment and says why.

import (
	"context"
	"fmt"
	"maps"
	"math"
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

// defaultMaxEnvironments is how many environments one sweep tears down at
// most when max-environments is not set.
const defaultMaxEnvironments = 50

// SweepCandidate is one environment whose name matched, and what the sweep
// decided about it and why.
type SweepCandidate struct {
	Environment string `json:"environment"`
	Decision    string `json:"decision"`
	Reason      string `json:"reason"`
	// Newest is when its newest deployment was made (zero with none, or
	// when GitHub did not say).
	Newest      time.Time `json:"newest_deployment,omitzero"`
	Deployments int       `json:"deployments"`
	// Deployer is who made its newest deployment: the person this
	// action's run marker names, else GitHub's creator.
	Deployer string `json:"deployer,omitempty"`
	// Teardown is what was done, or in a dry run what would be done.
	Teardown *TeardownResult `json:"-"`
}

// SweepResult is what a sweep saw and did.
type SweepResult struct {
	DryRun bool
	// Environments counts the repository's environments looked at.
	Environments int
	Candidates   []SweepCandidate
	// Stopped says why the sweep stopped before the end (a limit, or
	// max-environments).
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

// Room is what GitHub's limits leave this run: content-creating writes
// (80 a minute, 500 an hour) and REST requests (GITHUB_TOKEN: 1,000 an
// hour per repository); a negative value is unknown.
type Room struct{ Writes, Requests int }

// budgetMargin is left unused for the steps after the sweep.
const budgetMargin = 10

// environment is an environment as the sweep's listing reads it.
type environment struct {
	Name string
	// Rules are the types of its protection rules (REQUIRED_REVIEWERS,
	// WAIT_TIMER, BRANCH_POLICY); RulesKnown is false when GitHub did not
	// say.
	Rules      []string
	RulesKnown bool
}

// sweepFacts is what the stale rule judges by besides the deployments.
type sweepFacts struct {
	// Repository is owner/name; DefaultBranch its default branch and
	// DefaultHead that branch's commit ("" when unknown).
	Repository, DefaultBranch, DefaultHead string
	// PullRequests are the states (OPEN, CLOSED, MERGED) of the pull
	// requests the action's run markers name; a number missing is one
	// GitHub could not resolve.
	PullRequests map[int]string
	// Refs says whether refs (refs/heads/x, refs/tags/x) exist, for
	// branch-deleted; a ref missing is unknown. RESTRefs are the refs
	// REST gives deployments whose GraphQL ref is null (made of a SHA, or
	// of a ref since deleted).
	Refs     map[string]bool
	RESTRefs map[int64]string
}

// maxEnvironments is cfg's max-environments, or its default.
func maxEnvironments(cfg *config.Config) int {
	if cfg.Sweep.Max > 0 {
		return cfg.Sweep.Max
	}
	return defaultMaxEnvironments
}

// Sweep finds and tears down stale environments, at most
// max-environments of them: a plan (reads only), then its application.
// When tearing one down fails, no other starts, and Sweep returns the
// result so far with the error. Reads: the environments (with their
// protection rules and the default branch), then their deployments (with
// their commits' pull requests), 100 a query, and the states of the pull
// requests the run markers name, 50 a query. It stops before an
// environment whose writes would run past a limit, and says what is left:
// the next run goes on from there. A dry run reads the same and writes
// nothing.
func Sweep(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	p, err := c.planSweep(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{Sweep: p.sweep, Warnings: p.warnings}
	failed := c.applySweep(ctx, cfg, p, res)
	sw := p.sweep
	kept := 0
	for _, cand := range sw.Candidates {
		if cand.Teardown != nil && cand.Teardown.EnvironmentNote == noteNoAdmin {
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

// sweepPlan is what a sweep found, before it writes: every candidate
// judged (DecisionSwept for those to tear down, past max-environments
// DecisionLeft), and the deployments of each, by EnvironmentKey.
type sweepPlan struct {
	sweep    *SweepResult
	byEnv    map[string]listing
	warnings []string
	// bounded says max-environments left some for the next run.
	bounded string
}

// planSweep lists the environments, keeps those the patterns match, reads
// their deployments and the pull requests' states, and judges each, the
// longest stale first, with max-environments applied. It only reads.
func (c *Client) planSweep(ctx context.Context, cfg *config.Config) (*sweepPlan, error) {
	p := &sweepPlan{sweep: &SweepResult{DryRun: cfg.DryRun}, byEnv: map[string]listing{}}
	envs, facts, truncated, warnings, err := c.listEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	p.warnings = append(p.warnings, warnings...)
	if truncated {
		p.warnings = append(p.warnings, fmt.Sprintf("the repository has more than %d environments; only the first %d (by name) were looked at", MaxPages*100, MaxPages*100))
	}
	p.sweep.Environments = len(envs)
	var matched []environment
	for _, e := range envs {
		if slices.ContainsFunc(cfg.Sweep.Patterns, func(pat string) bool { return config.MatchPattern(pat, e.Name) }) {
			matched = append(matched, e)
		}
	}
	if err := c.readDeployments(ctx, matched, p); err != nil {
		return nil, err
	}
	facts.PullRequests, err = c.pullRequestStates(ctx, cfg, p.byEnv)
	if err != nil {
		return nil, err
	}
	if cfg.Sweep.BranchDeleted {
		if err := c.refStates(ctx, p.byEnv, &facts); err != nil {
			return nil, err
		}
	}
	now := c.now()
	for _, e := range matched {
		p.sweep.Candidates = append(p.sweep.Candidates, judge(cfg, e, p.byEnv[config.EnvironmentKey(e.Name)], facts, now))
	}
	// The longest stale first: a run stopped by a limit has done those.
	slices.SortStableFunc(p.sweep.Candidates, func(a, b SweepCandidate) int { return a.Newest.Compare(b.Newest) })
	p.bound(maxEnvironments(cfg))
	return p, nil
}

// readDeployments reads the deployments of the matched environments, 100
// environments a query, into p.byEnv. Environment names are not case
// sensitive on GitHub: deployments are grouped by EnvironmentKey, and one
// of an environment not in the batch is dropped with a warning.
func (c *Client) readDeployments(ctx context.Context, matched []environment, p *sweepPlan) error {
	for batch := range slices.Chunk(matched, 100) {
		names := make([]string, len(batch))
		inBatch := map[string]bool{}
		for i, e := range batch {
			names[i] = e.Name
			inBatch[config.EnvironmentKey(e.Name)] = true
		}
		l, err := c.queryDeployments(ctx, withPullRequests, names)
		if err != nil {
			return err
		}
		for _, d := range l.all {
			key := config.EnvironmentKey(d.Environment)
			if !inBatch[key] {
				p.warnings = append(p.warnings, foreignWarning(d, strings.Join(names, ", ")))
				continue
			}
			e := p.byEnv[key]
			e.all = append(e.all, d)
			e.truncated = l.truncated
			p.byEnv[key] = e
		}
	}
	return nil
}

// bound is the blast-radius bound: past limit stale environments, the
// rest are left for the next run.
func (p *sweepPlan) bound(limit int) {
	stale := 0
	for i := range p.sweep.Candidates {
		cand := &p.sweep.Candidates[i]
		if cand.Decision != DecisionSwept {
			continue
		}
		if stale++; stale > limit {
			cand.Decision = DecisionLeft
			cand.Reason += fmt.Sprintf("; max-environments (%d) reached this run", limit)
			p.bounded = fmt.Sprintf("max-environments is %d (raise it to sweep more in one run)", limit)
		}
	}
}

// applySweep tears down the plan's stale environments a few at a time,
// each checked against GitHub's limits before it starts, with what those
// under way still need held back; in a dry run it only says what each
// teardown would do. It returns the first teardown's failure: no
// environment starts after it.
func (c *Client) applySweep(ctx context.Context, cfg *config.Config, p *sweepPlan, res *Result) error {
	sw := p.sweep
	var (
		mu       sync.Mutex
		reserved Room
		failed   error
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sweepParallel)
	for i := range sw.Candidates {
		cand := &sw.Candidates[i]
		if cand.Decision != DecisionSwept {
			continue
		}
		l := p.byEnv[config.EnvironmentKey(cand.Environment)]
		if cfg.DryRun {
			// teardownEnvironment in a dry run writes nothing: it says what it
			// would do.
			cand.Decision = DecisionWouldSweep
			cand.Teardown, _ = c.teardownEnvironment(ctx, cfg, cand.Environment, l, cfg.Sweep.Delete, "")
			continue
		}
		need := c.needs(cfg, l)
		mu.Lock()
		why := ""
		if sw.Stopped == "" {
			why = c.overLimits(need, reserved)
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
			td, err := c.teardownEnvironment(gctx, cfg, cand.Environment, l, cfg.Sweep.Delete, "")
			mu.Lock()
			defer mu.Unlock()
			reserved.Writes -= need.Writes
			reserved.Requests -= need.Requests
			cand.Teardown = td
			if err != nil {
				// What failed after the retries would fail again.
				cand.Decision, cand.Reason = DecisionFailed, err.Error()
				if failed == nil {
					failed = fmt.Errorf("sweeping environment %s: %w", config.Quote(cand.Environment), err)
					sw.Stopped = "sweeping an environment failed"
				}
				return nil
			}
			if td.EnvironmentNote != noteNoAdmin { // one warning for all of those, in Sweep
				res.Warnings = append(res.Warnings, td.Warnings...)
			}
			return nil
		})
	}
	_ = g.Wait()
	if sw.Stopped == "" {
		sw.Stopped = p.bounded
	}
	return failed
}

// exactlyNamed tells whether one of patterns is env's name itself, not a
// wildcard (ignoring case, as GitHub does).
func exactlyNamed(patterns []string, env string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		return !config.IsWildcard(p) && config.SameEnvironment(strings.TrimSpace(p), strings.TrimSpace(env))
	})
}

// judge decides about one candidate: kept (and why), or swept (and why).
// Production and protected environments are a wildcard's never; the pull
// request rule judges only deployments made for a pull request; an
// unknown age or pull request never makes an environment stale.
func judge(cfg *config.Config, env environment, l listing, f sweepFacts, now time.Time) SweepCandidate {
	c := SweepCandidate{Environment: env.Name, Decision: DecisionKept, Deployments: len(l.all)}
	production := config.IsProduction(env.Name)
	for _, d := range l.all {
		// A marker that cannot be read may have said production.
		if m, st := d.marker(); st == markerBad || (st == markerOK && m.Production) {
			production = true
		}
	}
	exact := exactlyNamed(cfg.Sweep.Patterns, env.Name)
	switch {
	case production && !exact:
		c.Reason = "a production environment: a wildcard never sweeps one; name it exactly to sweep it"
		return c
	case !env.RulesKnown && !exact:
		c.Reason = "GitHub did not say whether it has protection rules: a wildcard never sweeps a protected environment; name it exactly to sweep it"
		return c
	case len(env.Rules) > 0 && !exact:
		c.Reason = "protected (" + strings.ToLower(strings.ReplaceAll(strings.Join(env.Rules, ", "), "_", " ")) + "): a wildcard never sweeps a protected environment; name it exactly to sweep it"
		return c
	case len(l.all) == 0:
		c.Reason = "no deployments to judge by"
		return c
	}
	newest := l.all[0]
	c.Newest = newest.Created
	c.Deployer = newest.Creator
	if m, st := newest.marker(); st == markerOK && config.IsLogin(m.Deployer) {
		c.Deployer = m.Deployer
	}
	var stale, fresh []string
	if cfg.Sweep.PullRequestClosed {
		v, why := pullRequestVerdict(newest, f)
		if v == prClosed {
			stale = append(stale, why)
		} else {
			fresh = append(fresh, why)
		}
	}
	if cfg.Sweep.BranchDeleted {
		if gone, why := branchVerdict(newest, f); gone {
			stale = append(stale, why)
		} else {
			fresh = append(fresh, why)
		}
	}
	if cfg.Sweep.OlderThan > 0 {
		switch age := now.Sub(newest.Created); {
		case newest.Created.IsZero():
			fresh = append(fresh, "GitHub did not say when its newest deployment was made: its age is unknown")
		case age > cfg.Sweep.OlderThan:
			stale = append(stale, fmt.Sprintf("newest deployment %s old (older-than %s)", roundAge(age), roundAge(cfg.Sweep.OlderThan)))
		default:
			fresh = append(fresh, fmt.Sprintf("newest deployment %s old", roundAge(max(age, 0))))
		}
	}
	switch {
	case len(stale) > 0:
		c.Decision, c.Reason = DecisionSwept, strings.Join(stale, "; ")
	case len(fresh) > 0:
		c.Reason = strings.Join(fresh, "; ")
	default:
		c.Reason = "no rule finds it stale"
	}
	return c
}

// prVerdict is what the pull request rule finds of a deployment.
type prVerdict int

const (
	// prNone: not made for a pull request; the rule leaves it alone.
	prNone prVerdict = iota
	// prOpen: made for a pull request still open.
	prOpen
	// prClosed: made for pull requests all closed or merged: stale.
	prClosed
	// prUnknown: it cannot be told; kept.
	prUnknown
)

// pullRequestVerdict tells whether d was made for pull requests that are
// all closed or merged, and says why.
//
// A run marker written by this action is authoritative: it names the pull
// request the deployment was made for, or none. For another tool's
// deployment, a pull request of the deployment's commit counts only when
// the deployment was made from its head and nothing else could have made
// it: the pull request is this repository's, its head branch is not the
// default branch, and either the deployment's ref is that head branch (a
// branch of this repository, not a tag, and the pull request not a
// fork's), or the deployment was made of a SHA that is the pull request's
// head commit (and neither the commit it was merged as nor the default
// branch's head). A commit merely contained in a merged pull request, as
// every default-branch commit is, is not enough; a fork's pull request at
// a SHA cannot be told from this repository's own commits, and is kept.
func pullRequestVerdict(d deployment, f sweepFacts) (prVerdict, string) {
	m, st := d.marker()
	switch st {
	case markerBad:
		return prUnknown, "its newest deployment's run marker cannot be read: whether it was made for a pull request is unknown"
	case markerOK:
		n := m.PullRequest
		if n == 0 {
			return prNone, "its newest deployment was made for no pull request (this action's run marker says so)"
		}
		state, known := f.PullRequests[n]
		if !known || n < 0 || n > math.MaxInt32 {
			return prUnknown, fmt.Sprintf("pull request #%d of its newest deployment's run marker could not be found on GitHub: its state is unknown", n)
		}
		return verdictOf([]pullRequest{{Number: n, State: state}})
	}
	ref := shortRef(d.RefName)
	if ref != "" && f.DefaultBranch != "" && ref == f.DefaultBranch {
		return prNone, fmt.Sprintf("its newest deployment was made from the default branch %s, not for a pull request", config.Quote(ref))
	}
	if ref == "" && d.SHA != "" && f.DefaultHead != "" && strings.EqualFold(d.SHA, f.DefaultHead) {
		return prNone, "its newest deployment was made of the default branch's head commit, not for a pull request"
	}
	ours := func(r *struct {
		NameWithOwner string `json:"nameWithOwner"`
	}) bool {
		return r != nil && strings.EqualFold(r.NameWithOwner, f.Repository)
	}
	var counted []pullRequest
	var contained, unsure []string
	for _, p := range d.PullRequests {
		if !ours(p.BaseRepository) {
			continue // another repository's pull request
		}
		num := fmt.Sprintf("#%d", p.Number)
		switch {
		case ref != "":
			// A branch of this repository: a fork's head branch is not
			// one, whatever its name, and a tag is not a branch.
			if p.HeadRefName != ref || !ours(p.HeadRepository) {
				contained = append(contained, num)
			} else if d.RefPrefix != "refs/heads/" || f.DefaultBranch == "" {
				unsure = append(unsure, num)
			} else {
				counted = append(counted, p)
			}
		case d.SHA != "":
			switch {
			case !strings.EqualFold(p.HeadRefOid, d.SHA) || (p.MergeCommit != nil && strings.EqualFold(p.MergeCommit.Oid, d.SHA)):
				contained = append(contained, num)
			case f.DefaultBranch == "" || p.HeadRefName == f.DefaultBranch || !ours(p.HeadRepository):
				unsure = append(unsure, num)
			default:
				counted = append(counted, p)
			}
		}
	}
	switch {
	case len(unsure) > 0:
		return prUnknown, "whether its newest deployment was made for pull request " + strings.Join(unsure, ", ") + " cannot be told (a fork's or the default branch's head, a tag, or an unknown default branch)"
	case len(counted) > 0 && d.PullRequestsTruncated:
		return prUnknown, "its newest deployment's commit is in more pull requests than were read: whether all of them are closed cannot be told"
	case len(counted) > 0:
		return verdictOf(counted)
	case len(contained) > 0:
		return prNone, "its newest deployment's commit is in pull request " + strings.Join(contained, ", ") + ", but was not deployed from its head: not made for a pull request"
	}
	return prNone, "its newest deployment belongs to no pull request"
}

// branchVerdict tells whether the branch d was made from is gone, and
// says why. This action's run marker names the branch; for another tool's
// deployment, GraphQL's ref is there while its ref exists, and is null
// both for a deployment made of a SHA and once its ref is gone: the ref
// REST keeps as it was given tells them apart (a SHA, or a name that no
// longer exists as a branch or a tag). Anything unknown keeps.
func branchVerdict(d deployment, f sweepFacts) (gone bool, why string) {
	what, refs, why := refsOf(d, f.RESTRefs)
	if refs == nil {
		return false, why
	}
	return refGone(f, what, refs...)
}

// refsOf is what branch-deleted checks for d: the qualified refs that must
// all be gone for the ref d was made from to be gone, and what to call it
// in a reason. refs is nil, with why, when that cannot be told. A branch
// the marker names is gone only when no tag of that name is there either
// (a run could have taken a tag for a branch); another tool's ref is
// looked up only when it is a branch or tag name git allows.
func refsOf(d deployment, restRefs map[int64]string) (what string, refs []string, why string) {
	m, st := d.marker()
	switch {
	case st == markerBad:
		return "", nil, "its newest deployment's run marker cannot be read: its branch is unknown"
	case st == markerOK && m.Branch == "":
		return "", nil, "its newest deployment was made from no branch this action could name (a tag, a SHA, or a fork's branch)"
	case st == markerOK && !isRefName(m.Branch):
		return "", nil, fmt.Sprintf("its newest deployment's run marker names %s, which is no branch name: whether it exists is unknown", config.Quote(m.Branch))
	case st == markerOK:
		return "branch " + config.Quote(m.Branch), []string{"refs/heads/" + m.Branch, "refs/tags/" + m.Branch}, ""
	case d.RefName != "":
		return "", nil, fmt.Sprintf("its newest deployment's ref %s exists", config.Quote(d.RefName))
	}
	ref, known := restRefs[d.ID]
	switch {
	case !known || ref == "":
		return "", nil, "whether its newest deployment's ref still exists is unknown"
	case isSHA(ref):
		return "", nil, "its newest deployment was made of a commit, not a branch"
	case strings.HasPrefix(ref, "refs/heads/") || strings.HasPrefix(ref, "refs/tags/"):
		if !isRefName(strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")) {
			break
		}
		return "ref " + config.Quote(ref), []string{ref}, ""
	case strings.HasPrefix(ref, "refs/") || !isRefName(ref):
		// refs/pull/N/merge and the like are no branch or tag; a name git
		// does not allow is no ref at all.
	default:
		return "ref " + config.Quote(ref), []string{"refs/heads/" + ref, "refs/tags/" + ref}, ""
	}
	return "", nil, fmt.Sprintf("its newest deployment's ref %s is no branch or tag: whether it still exists is unknown", config.Quote(ref))
}

// isRefName reports whether name is a branch or tag name git allows
// (git check-ref-format's rules, for a name under refs/heads/ or refs/tags/).
func isRefName(name string) bool {
	if name == "" || len(name) > 255 || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "/") ||
		strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock") ||
		strings.Contains(name, "..") || strings.Contains(name, "@{") || strings.Contains(name, "//") || name == "@" {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

// refGone says whether none of refs exists, as what (a branch or a ref).
func refGone(f sweepFacts, what string, refs ...string) (bool, string) {
	for _, r := range refs {
		exists, known := f.Refs[r]
		if !known {
			return false, "whether " + what + " exists is unknown"
		}
		if exists {
			return false, what + " exists"
		}
	}
	return true, what + " was deleted"
}

// verdictOf is the verdict on pull requests a deployment was made for.
func verdictOf(prs []pullRequest) (prVerdict, string) {
	var open, closed, unknown []string
	for _, p := range prs {
		switch p.State {
		case "CLOSED", "MERGED":
			closed = append(closed, fmt.Sprintf("#%d %s", p.Number, strings.ToLower(p.State)))
		case "OPEN":
			open = append(open, fmt.Sprintf("#%d", p.Number))
		default:
			unknown = append(unknown, fmt.Sprintf("#%d", p.Number))
		}
	}
	switch {
	case len(open) > 0:
		return prOpen, "pull request " + strings.Join(open, ", ") + " is open"
	case len(unknown) > 0:
		return prUnknown, "the state of pull request " + strings.Join(unknown, ", ") + " is unknown"
	}
	return prClosed, "pull request " + strings.Join(closed, ", ")
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
func (c *Client) needs(cfg *config.Config, l listing) Room {
	var n Room
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

// overLimits says why need, with reserved held back for environments under
// way, would run past a limit ("" when it would not).
func (c *Client) overLimits(need, reserved Room) string {
	if c.Room == nil {
		return ""
	}
	b := c.Room()
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
    nameWithOwner
    defaultBranchRef { name target { oid } }
    environments(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { name protectionRules(first: 10) { totalCount nodes { type } } }
    }
  }
}`

// listEnvironments lists the repository's environments, 100 a query,
// with their protection rules, and reads the default branch. A name twice
// (in any case) is one environment; a name that could not be one (a dot
// segment, control characters) is left alone with a warning.
func (c *Client) listEnvironments(ctx context.Context) (envs []environment, f sweepFacts, truncated bool, warnings []string, err error) {
	call := githubapi.Call{Op: "list environments", Target: fmt.Sprintf("the environments of %s/%s", c.Owner, c.Repo)}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo}
	f.Repository = c.Owner + "/" + c.Repo
	seen := map[string]int{}
	truncated, err = c.paginate(ctx, vars, func(vars map[string]any) (pageInfo, error) {
		var data struct {
			Repository *struct {
				DefaultBranchRef *struct {
					Name   string `json:"name"`
					Target *struct {
						Oid string `json:"oid"`
					} `json:"target"`
				} `json:"defaultBranchRef"`
				Environments struct {
					PageInfo pageInfo `json:"pageInfo"`
					Nodes    []*struct {
						Name            string `json:"name"`
						ProtectionRules *struct {
							TotalCount int `json:"totalCount"`
							Nodes      []*struct {
								Type string `json:"type"`
							} `json:"nodes"`
						} `json:"protectionRules"`
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
		if b := data.Repository.DefaultBranchRef; b != nil && f.DefaultBranch == "" {
			f.DefaultBranch = b.Name
			if b.Target != nil {
				f.DefaultHead = b.Target.Oid
			}
		}
		for _, n := range data.Repository.Environments.Nodes {
			if n == nil || n.Name == "" {
				continue
			}
			if err := config.CheckEnvironment(n.Name); err != nil {
				warnings = append(warnings, fmt.Sprintf("GitHub listed an environment named %s, which cannot be an environment's name (%s); it was left alone", config.Quote(n.Name), err))
				continue
			}
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
			// A name listed twice (in any case) is one environment: what
			// either listing says protects it.
			key := config.EnvironmentKey(n.Name)
			if i, dup := seen[key]; dup {
				envs[i].RulesKnown = envs[i].RulesKnown && e.RulesKnown
				for _, r := range e.Rules {
					if !slices.Contains(envs[i].Rules, r) && len(envs[i].Rules) < 10 {
						envs[i].Rules = append(envs[i].Rules, r)
					}
				}
				continue
			}
			seen[key] = len(envs)
			envs = append(envs, e)
		}
		return data.Repository.Environments.PageInfo, nil
	})
	if err != nil {
		return nil, f, false, nil, githubapi.Explain(call, err)
	}
	return envs, f, truncated, warnings, nil
}

// pullRequestStates reads the states of the pull requests the run markers
// of the newest deployments name, 50 a query. A pull request GitHub cannot
// resolve (NOT_FOUND: a stale or forged marker), or a number GraphQL's Int
// cannot hold, is missing from the map: unknown, and its environment is
// kept.
func (c *Client) pullRequestStates(ctx context.Context, cfg *config.Config, byEnv map[string]listing) (map[int]string, error) {
	states := map[int]string{}
	if !cfg.Sweep.PullRequestClosed {
		return states, nil
	}
	var wanted []int
	for _, l := range byEnv {
		if len(l.all) == 0 {
			continue
		}
		if m, st := l.all[0].marker(); st == markerOK && m.PullRequest > 0 && m.PullRequest <= math.MaxInt32 && !slices.Contains(wanted, m.PullRequest) {
			wanted = append(wanted, m.PullRequest)
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

// maxRESTRefReads bounds the REST reads a sweep makes for the refs of
// other tools' deployments whose GraphQL ref is null: the rest are unknown
// and kept.
const maxRESTRefReads = 100

// refStates reads what branch-deleted needs: the refs REST gives the
// newest deployments whose GraphQL ref is null (one REST read each, at
// most maxRESTRefReads), then whether each branch or tag they name exists,
// 50 a query. A ref GitHub does not answer for stays unknown.
func (c *Client) refStates(ctx context.Context, byEnv map[string]listing, f *sweepFacts) error {
	f.Refs, f.RESTRefs = map[string]bool{}, map[int64]string{}
	var wanted []string
	reads := 0
	for _, key := range slices.Sorted(maps.Keys(byEnv)) {
		l := byEnv[key]
		if len(l.all) == 0 {
			continue
		}
		d := l.all[0]
		if _, st := d.marker(); st == markerNone && d.RefName == "" && reads < maxRESTRefReads {
			reads++
			rd, _, err := c.GH.Repositories.GetDeployment(ctx, c.Owner, c.Repo, d.ID)
			if err != nil || rd.GetID() != d.ID {
				continue // unknown: kept
			}
			f.RESTRefs[d.ID] = rd.GetRef()
		}
		_, refs, _ := refsOf(d, f.RESTRefs)
		for _, r := range refs {
			if !slices.Contains(wanted, r) {
				wanted = append(wanted, r)
			}
		}
	}
	call := githubapi.Call{Op: "read refs", Target: fmt.Sprintf("branches and tags of %s/%s", c.Owner, c.Repo)}
	for batch := range slices.Chunk(wanted, 50) {
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
		var data struct {
			Repository map[string]*struct {
				Prefix string `json:"prefix"`
				Name   string `json:"name"`
			} `json:"repository"`
		}
		notFound, err := c.GQL.QueryPartial(ctx, q.String(), vars, &data)
		if err != nil {
			return githubapi.Explain(call, err)
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
			continue
		}
		for i, r := range batch {
			alias := fmt.Sprintf("r%d", i)
			v, present := data.Repository[alias]
			if present && !slices.Contains(notFound, "repository."+alias) {
				f.Refs[r] = v != nil
			}
		}
	}
	return nil
}
