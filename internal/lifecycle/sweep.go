package lifecycle

// sweep: find the stale environments among those whose names match the
// patterns, and tear them down as delete-env (or deactivate-env) would,
// within GitHub's limits and at most max-environments a run. Every
// decision sweep makes is in this file and in sweep_judge.go (the stale
// rule); when it cannot tell, it keeps the environment and says why. The
// reads it makes besides the deployments are in sweep_reads.go.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
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
	// Newest is when its newest deployment was made (zero with none, or
	// when GitHub did not say).
	Newest      time.Time `json:"newest_deployment,omitzero"`
	Deployments int       `json:"deployments"`
	// Deployer is who made its newest deployment: the person this
	// action's run marker names, else GitHub's creator.
	Deployer string `json:"deployer,omitempty"`
	// Teardown is what was done, or in a dry run what would be done.
	Teardown *TeardownResult `json:"-"`
	// Retire, when the environment is kept for the live deployments of
	// lineages no rule finds stale, are the ids of the deployments of the
	// stale ones: the teardown acts on those alone. KeptDeployments are
	// the live deployments kept, and why.
	Retire          map[int64]bool   `json:"-"`
	KeptDeployments []KeptDeployment `json:"kept_deployments,omitempty"`
	// keepEnvironment says the environment stays for what is live in it.
	keepEnvironment bool
}

// KeptDeployment is a live deployment a sweep keeps in an environment it
// retires others in, and why.
type KeptDeployment struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
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
	// branch-deleted; a ref missing is unknown.
	Refs map[string]bool
}

// maxEnvironments is max-environments, or its default.
func maxEnvironments(opts config.SweepOptions) int {
	if opts.Max > 0 {
		return opts.Max
	}
	return vocab.DefaultSweepMax
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
func Sweep(ctx context.Context, c *Client, opts config.SweepOptions) (*Result, error) {
	p, err := c.planSweep(ctx, opts)
	if err != nil {
		return nil, err
	}
	res := &Result{Sweep: p.sweep, Warnings: p.warnings}
	failed := c.applySweep(ctx, opts, p, res)
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
func (c *Client) planSweep(ctx context.Context, opts config.SweepOptions) (*sweepPlan, error) {
	p := &sweepPlan{sweep: &SweepResult{DryRun: opts.DryRun}, byEnv: map[string]listing{}}
	list, facts, truncated, err := c.listEnvironments(ctx)
	if err != nil {
		return nil, err
	}
	envs := list.envs
	p.warnings = append(p.warnings, list.warnings...)
	if truncated {
		p.warnings = append(p.warnings, fmt.Sprintf("the repository has more than %d environments; only the first %d (by name) were looked at", MaxPages*100, MaxPages*100))
	}
	p.sweep.Environments = len(envs)
	var matched []environment
	for _, e := range envs {
		if slices.ContainsFunc(opts.Patterns, func(pat string) bool { return vocab.MatchPattern(pat, e.Name) }) {
			matched = append(matched, e)
		}
	}
	if err := c.readDeployments(ctx, matched, p); err != nil {
		return nil, err
	}
	if err := c.readSweepRESTRefs(ctx, opts, matched, p); err != nil {
		return nil, err
	}
	facts.PullRequests, err = c.pullRequestStates(ctx, opts, p.byEnv)
	if err != nil {
		return nil, err
	}
	if opts.BranchDeleted {
		if err := c.refStates(ctx, p.byEnv, &facts); err != nil {
			return nil, err
		}
	}
	now := c.now()
	for _, e := range matched {
		l := p.byEnv[vocab.EnvironmentKey(e.Name)]
		cand := judge(opts, e, l, facts, now)
		if cand.Decision == DecisionSwept && nothingToDo(opts.Teardown(e.Name), l, cand.scope()) {
			cand.Decision, cand.Reason = DecisionKept, cand.Reason+"; nothing is left to retire"
		}
		p.sweep.Candidates = append(p.sweep.Candidates, cand)
	}
	// The longest stale first: a run stopped by a limit has done those.
	slices.SortStableFunc(p.sweep.Candidates, func(a, b SweepCandidate) int { return a.Newest.Compare(b.Newest) })
	p.bound(maxEnvironments(opts))
	return p, nil
}

// readDeployments reads the deployments of the matched environments, 100
// environments a query, into p.byEnv. Environment names are not case
// sensitive on GitHub: deployments are grouped by EnvironmentKey, and one
// of an environment not in the batch is dropped with a warning. A batch
// whose listing stops at MaxPages is read again an environment at a time:
// one busy environment must not hide the others.
func (c *Client) readDeployments(ctx context.Context, matched []environment, p *sweepPlan) error {
	var foreign foreignDeployments
	defer func() { p.warnings = foreign.rest(p.warnings) }()
	for batch := range slices.Chunk(matched, 100) {
		names := make([]string, len(batch))
		inBatch := map[string]bool{}
		for i, e := range batch {
			names[i] = e.Name
			inBatch[vocab.EnvironmentKey(e.Name)] = true
		}
		l, err := c.queryDeployments(ctx, withPullRequests, names)
		if err != nil {
			return err
		}
		if l.truncated && len(batch) > 1 {
			for _, e := range batch {
				if err := c.readDeployments(ctx, []environment{e}, p); err != nil {
					return err
				}
			}
			continue
		}
		for _, d := range l.all {
			key := vocab.EnvironmentKey(d.Environment)
			if !inBatch[key] {
				p.warnings = foreign.warn(p.warnings, d, strings.Join(names, ", "))
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
// every deployment's writes admitted within what GitHub's limits leave
// this run (one roomGuard for the whole sweep); in a dry run it only says
// what each teardown would do. An environment the limits cut short is
// left for the next run with what is left of it, and no environment
// starts after that. It returns the first teardown's failure: no
// environment starts after it.
func (c *Client) applySweep(ctx context.Context, opts config.SweepOptions, p *sweepPlan, res *Result) error {
	sw := p.sweep
	run := &sweepRun{sw: sw, res: res, guard: newRoomGuard(c.Room)}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(sweepParallel)
	for i := range sw.Candidates {
		cand := &sw.Candidates[i]
		if cand.Decision != DecisionSwept {
			continue
		}
		l := p.byEnv[vocab.EnvironmentKey(cand.Environment)]
		scope := cand.scope()
		w := writeMode{dryRun: opts.DryRun, logURL: opts.LogURL, guard: run.guard}
		if opts.DryRun {
			// teardownEnvironment in a dry run writes nothing: it says what it
			// would do.
			cand.Decision = DecisionWouldSweep
			cand.Teardown, _ = c.teardownEnvironment(ctx, opts.Teardown(cand.Environment), l, scope, w)
			continue
		}
		if !run.start(cand) {
			continue
		}
		g.Go(func() error {
			td, err := c.teardownEnvironment(gctx, opts.Teardown(cand.Environment), l, scope, w)
			run.done(cand, td, err)
			return nil
		})
	}
	_ = g.Wait()
	if sw.Stopped == "" {
		sw.Stopped = p.bounded
	}
	return run.failed
}

// sweepRun is what the teardowns applySweep runs at once share, under mu:
// the result, the guard of GitHub's limits, and the first failure.
type sweepRun struct {
	mu     sync.Mutex
	sw     *SweepResult
	res    *Result
	guard  *roomGuard
	failed error
}

// start tells whether cand's teardown may start: not after a failure, nor
// once the limits have stopped a teardown (cand is then left for the next
// run).
func (r *sweepRun) start(cand *SweepCandidate) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if why := r.guard.stoppedWhy(); why != "" && r.sw.Stopped == "" {
		r.sw.Stopped = why
	}
	if r.sw.Stopped != "" {
		cand.Decision = DecisionLeft
		return false
	}
	return true
}

// done records cand's teardown td. A failure fails cand, and the first
// one stops the sweep; one the limits cut short is left for the next run.
func (r *sweepRun) done(cand *SweepCandidate, td *TeardownResult, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cand.Teardown = td
	if err != nil {
		// What failed after the retries would fail again.
		cand.Decision, cand.Reason = DecisionFailed, err.Error()
		if r.failed == nil {
			r.failed = fmt.Errorf("sweeping environment %s: %w", vocab.Quote(cand.Environment), err)
			r.sw.Stopped = "sweeping an environment failed"
		}
		return
	}
	if td.Stopped != "" {
		cand.Decision = DecisionLeft
		if td.Left > 0 {
			cand.Reason += fmt.Sprintf("; %d of its deployments are left for the next run", td.Left)
		} else {
			cand.Reason += "; deleting the environment is left for the next run"
		}
		if r.sw.Stopped == "" {
			r.sw.Stopped = td.Stopped
		}
	}
	if td.EnvironmentNote != noteNoAdmin { // one warning for all of those, in Sweep
		r.res.Warnings = append(r.res.Warnings, td.Warnings...)
	}
}

// sweepParallel is how many environments a sweep tears down at once.
const sweepParallel = 4

// scope is what the teardown of cand acts on: the stale lineages'
// deployments alone when the environment is kept for others.
func (cand *SweepCandidate) scope() teardownScope {
	scope := teardownScope{only: cand.Retire}
	if cand.keepEnvironment {
		scope.keep = "it holds live deployments no rule finds stale"
	}
	return scope
}

// nothingToDo tells whether tearing down l (in scope) would write
// nothing: no deployment to make inactive or (deleting) to delete, and no
// environment to delete. A stale environment done on an earlier night is
// then kept, not taken again.
func nothingToDo(opts config.TeardownOptions, l listing, scope teardownScope) bool {
	act, kept := targets(opts, l, scope)
	for _, d := range act {
		if opts.Delete || d.State != vocab.StateInactive {
			return false
		}
	}
	return !opts.Delete || !opts.DeleteEnvironment || scope.keep != "" || kept > 0 || l.truncated
}
