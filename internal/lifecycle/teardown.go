package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Workers is the default bound on the concurrent requests of one teardown
// (the transport bounds all requests in flight to githubapi.MaxInFlight as
// well).
const Workers = githubapi.MaxInFlight

func (c *Client) workers() int {
	if c.Concurrency > 0 {
		return min(c.Concurrency, Workers)
	}
	return Workers
}

// TeardownKind says why deployments were torn down.
type TeardownKind int

const (
	// KindEnvironment is deactivate-env or delete-env.
	KindEnvironment TeardownKind = iota
	// KindSupersede is start's supersede: older deployments of the ref
	// still running.
	KindSupersede
	// KindRetire is a success retiring the earlier deployments of a
	// transient environment, which GitHub's auto_inactive skips.
	KindRetire
)

// TeardownResult is what a teardown did, or in a dry run would do.
type TeardownResult struct {
	Kind        TeardownKind
	Environment string
	DryRun      bool
	// Delete is true for delete-env: deployments (and the environment)
	// are deleted, not only made inactive.
	Delete bool
	// Seen counts the deployments looked at; Kept those left alone by
	// keep-latest.
	Seen, Kept int
	// Deactivated are the ids given an inactive status; Deleted the ids
	// deleted.
	Deactivated, Deleted []int64
	// EnvironmentDeleted is true when the environment itself was deleted;
	// WouldDeleteEnvironment when a dry run would have.
	EnvironmentDeleted, WouldDeleteEnvironment bool
	// EnvironmentNote says why the environment was not deleted.
	EnvironmentNote string
	// Left counts the deployments in scope not done because GitHub's
	// limits left no room this run (Stopped says which); the next run goes
	// on from there.
	Left     int
	Stopped  string
	Warnings []string
}

// Teardown runs deactivate-env and delete-env: every deployment of the
// environment (of opts.Ref only, when it is given) that is not inactive
// gets an inactive status, but those keep-latest keeps; delete-env then
// deletes the deployments and the environment. Deployments already
// inactive get no write. A teardown bigger than GitHub's limits leave
// this run does what fits, says what is left, and the next run goes on.
func Teardown(ctx context.Context, c *Client, opts config.TeardownOptions) (*Result, error) {
	l, err := c.listDeployments(ctx, opts.Environment, "")
	if err != nil {
		return nil, err
	}
	var warnings []string
	if opts.Ref != "" {
		if warnings, err = c.matchRef(ctx, opts, &l); err != nil {
			return nil, err
		}
	}
	w := writeMode{dryRun: opts.DryRun, logURL: opts.LogURL, guard: newRoomGuard(c.Room)}
	td, err := c.teardownEnvironment(ctx, opts, l, teardownScope{}, w)
	td.Warnings = append(warnings, td.Warnings...)
	// What was done before a failure is returned with it, as every step
	// does.
	return &Result{Environment: opts.Environment, Teardown: td, Warnings: td.Warnings}, err
}

// matchRef narrows l to the deployments of opts.Ref. Another tool's
// deployment whose branch or tag was deleted has a null ref in GraphQL:
// REST's ref, as it was given, is read for those (readRESTRefs, bounded).
// When nothing matches in an environment that has deployments, a warning
// names the refs it saw.
func (c *Client) matchRef(ctx context.Context, opts config.TeardownOptions, l *listing) ([]string, error) {
	var warnings []string
	name := vocab.ShortRef(opts.Ref)
	// A full SHA names a commit; a short one may be a branch's name too.
	bySHA := vocab.IsFullSHA(name) && name == strings.TrimSpace(opts.Ref)
	if !bySHA && slices.ContainsFunc(l.all, refUnknown) {
		w, err := c.readRESTRefs(ctx, opts.Environment, l, refUnknown, newRESTRefBudget())
		if err != nil {
			return nil, err
		}
		if w != "" {
			warnings = append(warnings, w)
		}
	}
	all := l.all
	l.all = slices.DeleteFunc(slices.Clone(all), func(d deployment) bool { return !refMatches(opts.Ref, d) })
	if len(l.all) == 0 && len(all) > 0 {
		warnings = append(warnings, fmt.Sprintf("ref %s matches none of the %d deployments of environment %s, so nothing was done; their refs: %s",
			vocab.Quote(opts.Ref), len(all), vocab.Quote(opts.Environment), refsSeen(all)))
	}
	return warnings, nil
}

// refsSeen names the refs of deployments, each once, at most 10.
func refsSeen(all []deployment) string {
	var refs []string
	for _, d := range all {
		r := d.RefName
		if m, st := d.marker(); r == "" && st == markerOK && m.Branch != "" {
			r = m.Branch
		}
		if r == "" {
			r = cmp.Or(d.RESTRef, d.SHA)
		}
		if r != "" && !slices.Contains(refs, vocab.Quote(r)) {
			refs = append(refs, vocab.Quote(r))
		}
	}
	if len(refs) > 10 {
		refs = append(refs[:10], fmt.Sprintf("and %d more", len(refs)-10))
	}
	return strings.Join(refs, ", ")
}

// writeMode is how a teardown writes: for real or, in a dry run, not at
// all; logURL goes on the inactive statuses it gives. guard, when set,
// admits each deployment's writes within GitHub's limits (a sweep admits
// whole environments instead).
type writeMode struct {
	dryRun bool
	logURL string
	guard  *roomGuard
}

// teardownScope narrows a teardown to some of an environment's
// deployments: a sweep retiring the stale lineages of an environment it
// keeps for the others. only nil is all of them; keep says why the
// environment is kept.
type teardownScope struct {
	only map[int64]bool
	keep string
}

// targets is what a teardown of l acts on: every deployment in scope but
// those keep-latest keeps, and how many it keeps.
func targets(opts config.TeardownOptions, l listing, scope teardownScope) (act []deployment, kept int) {
	keep := keptByLatest(l.all, opts.KeepLatest)
	for _, d := range l.all {
		if !keep[d.ID] && (scope.only == nil || scope.only[d.ID]) {
			act = append(act, d)
		}
	}
	return act, len(keep)
}

// teardownEnvironment tears opts.Environment down, given its deployments:
// every one in scope (but keep-latest's) not inactive gets an inactive
// status; with opts.Delete, they are deleted and then the environment,
// unless something keeps it.
func (c *Client) teardownEnvironment(ctx context.Context, opts config.TeardownOptions, l listing, scope teardownScope, w writeMode) (*TeardownResult, error) {
	env := opts.Environment
	td := &TeardownResult{Kind: KindEnvironment, Environment: env, DryRun: opts.DryRun, Delete: opts.Delete}
	td.Warnings = append(td.Warnings, l.warnings...)
	if l.truncated {
		td.Warnings = append(td.Warnings, truncatedWarning(env))
	}
	td.Seen = len(l.all)
	act, kept := targets(opts, l, scope)
	td.Kept = kept
	if err := c.deactivate(ctx, w, act, func(s string) bool { return s != vocab.StateInactive }, td); err != nil {
		return td, err
	}
	if opts.Delete {
		if err := c.deleteDeployments(ctx, w, inactiveNow(act, td), td); err != nil {
			return td, err
		}
	}
	td.Left = len(act) - len(td.Deleted)
	if !opts.Delete {
		td.Left = len(act) - len(td.Deactivated) - countState(act, vocab.StateInactive)
	}
	if why := w.guard.stoppedWhy(); why != "" && td.Left > 0 {
		td.Stopped = why
		td.Warnings = append(td.Warnings, fmt.Sprintf("environment %s: %s; %d deployments are left: run the step again (after the limit resets) and it goes on from there", vocab.Quote(env), td.Stopped, td.Left))
	}
	if !opts.Delete {
		return td, nil
	}
	if td.EnvironmentNote = environmentKept(opts, l, scope, td); td.EnvironmentNote != "" {
		return td, nil
	}
	if !w.dryRun {
		// A deployment made while the teardown ran is not one it judged:
		// the environment stays for it.
		newer, err := c.madeSince(ctx, env, l)
		if err != nil || newer {
			td.EnvironmentNote = "a deployment was made in it while it was torn down"
			return td, err
		}
	}
	return td, c.deleteEnvironment(ctx, w, env, td)
}

// environmentKept says why a delete-env teardown keeps the environment
// ("" when it may delete it).
func environmentKept(opts config.TeardownOptions, l listing, scope teardownScope, td *TeardownResult) string {
	switch {
	case !opts.DeleteEnvironment:
		return "delete-environment is false"
	case l.truncated:
		return fmt.Sprintf("it has more than %d deployments; run the step again", MaxPages*100)
	case scope.keep != "":
		return scope.keep
	case td.Kept > 0:
		return fmt.Sprintf("keep-latest keeps %d deployments in it", td.Kept)
	case opts.Ref != "":
		return "ref limits the teardown to the deployments of " + opts.Ref
	case td.Left > 0:
		return fmt.Sprintf("%d of its deployments are left for the next run", td.Left)
	}
	return ""
}

// inactiveNow is the deployments of act that are inactive after the
// deactivation: those that were, and those it (or, in a dry run, would)
// made so.
func inactiveNow(act []deployment, td *TeardownResult) []deployment {
	var out []deployment
	for _, d := range act {
		if d.State == vocab.StateInactive || slices.Contains(td.Deactivated, d.ID) {
			out = append(out, d)
		}
	}
	return out
}

// countState counts the deployments of list in state.
func countState(list []deployment, state string) int {
	n := 0
	for _, d := range list {
		if d.State == state {
			n++
		}
	}
	return n
}

// deactivate gives the listed deployments whose state matches an
// inactive status, Workers at a time. The states came with the listing:
// no read per deployment.
func (c *Client) deactivate(ctx context.Context, w writeMode, list []deployment, match func(string) bool, td *TeardownResult) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.workers())
	for _, d := range list {
		if !match(d.State) {
			continue
		}
		need := Room{Writes: 1, Requests: 1}
		if !w.dryRun && !w.guard.admit(need) {
			break
		}
		g.Go(func() error {
			if !w.dryRun {
				marked, err := c.markInactive(gctx, w.logURL, d.ID)
				if err != nil || !marked {
					return err
				}
			}
			mu.Lock()
			td.Deactivated = append(td.Deactivated, d.ID)
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	slices.SortFunc(td.Deactivated, func(a, b int64) int { return cmp.Compare(b, a) })
	return err
}

// markInactive gives deployment id an inactive status, with logURL. marked is false,
// with no error, when the deployment is gone (deleted meanwhile by someone
// else): there is nothing left to do.
func (c *Client) markInactive(ctx context.Context, logURL string, id int64) (marked bool, err error) {
	res := &Result{}
	_, err = c.createStatus(ctx, id, &github.DeploymentStatusRequest{
		State:  github.String(vocab.StateInactive),
		LogURL: nonEmpty(logURL),
	}, res)
	if githubapi.StatusCode(err) == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
}

// deleteDeployments deletes the listed deployments (all inactive by now).
func (c *Client) deleteDeployments(ctx context.Context, w writeMode, list []deployment, td *TeardownResult) error {
	if w.dryRun {
		for _, d := range list {
			td.Deleted = append(td.Deleted, d.ID)
		}
		return nil
	}
	ids := make([]int64, len(list))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.workers())
	for i, d := range list {
		need := Room{Requests: 1}
		if !w.guard.admit(need) {
			break
		}
		g.Go(func() error {
			_, err := c.GH.Repositories.DeleteDeployment(gctx, c.Owner, c.Repo, d.ID)
			switch {
			case err == nil:
				ids[i] = d.ID
				return nil
			case githubapi.StatusCode(err) == http.StatusNotFound:
				return nil // already gone
			}
			return githubapi.Explain(githubapi.Call{Op: fmt.Sprintf("delete deployment %d", d.ID), Target: fmt.Sprintf("deployment %d", d.ID), Write: true}, err)
		})
	}
	err := g.Wait()
	for _, id := range ids {
		if id != 0 {
			td.Deleted = append(td.Deleted, id)
		}
	}
	return err
}

// noteNoAdmin is the note of an environment kept because the token may not
// delete environments.
const noteNoAdmin = "the token may not delete environments"

const newestDeploymentQuery = `query($owner: String!, $name: String!, $environments: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: 1, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { databaseId }
    }
  }
}`

// madeSince tells whether env holds a deployment that l, the listing the
// teardown judged, did not: one made since. One query of its newest.
func (c *Client) madeSince(ctx context.Context, env string, l listing) (bool, error) {
	var data struct {
		Repository *struct {
			Deployments struct {
				Nodes []*struct {
					DatabaseID int64 `json:"databaseId"`
				} `json:"nodes"`
			} `json:"deployments"`
		} `json:"repository"`
	}
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": []string{env}}
	if err := c.GQL.Query(ctx, newestDeploymentQuery, vars, &data); err != nil {
		return false, githubapi.Explain(githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s of %s/%s", vocab.Quote(env), c.Owner, c.Repo)}, err)
	}
	if data.Repository == nil {
		return false, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"}
	}
	for _, n := range data.Repository.Deployments.Nodes {
		if n != nil && !slices.ContainsFunc(l.all, func(d deployment) bool { return d.ID == n.DatabaseID }) {
			return true, nil
		}
	}
	return false, nil
}

// deleteEnvironment deletes the environment. A 403 (the token lacks
// administration: write, which GITHUB_TOKEN never has) is a warning; a 404
// means there is nothing to delete.
func (c *Client) deleteEnvironment(ctx context.Context, w writeMode, env string, td *TeardownResult) error {
	if w.dryRun {
		td.WouldDeleteEnvironment = true
		return nil
	}
	if !w.guard.admit(Room{Requests: 1}) {
		td.EnvironmentNote = "GitHub's limits leave no request for it this run"
		td.Stopped = w.guard.stoppedWhy()
		return nil
	}
	// go-github does not escape the name: "feature/login" must travel as
	// one path segment, "feature%2Flogin".
	_, err := c.GH.Repositories.DeleteEnvironment(ctx, c.Owner, c.Repo, url.PathEscape(env))
	switch {
	case err == nil:
		td.EnvironmentDeleted = true
		return nil
	case githubapi.StatusCode(err) == http.StatusNotFound:
		td.EnvironmentNote = "it does not exist"
		return nil
	case githubapi.StatusCode(err) == http.StatusForbidden:
		td.EnvironmentNote = noteNoAdmin
		td.Warnings = append(td.Warnings, fmt.Sprintf("environment %q was not deleted: deleting an environment needs a token with `administration: write` on the repository (a GitHub App installation token or a fine-grained personal access token); the workflow's GITHUB_TOKEN can never have it. Its deployments were deleted.", env))
		return nil
	}
	return githubapi.Explain(githubapi.Call{Op: "delete environment", Target: fmt.Sprintf("environment %q", env), Write: true, Permission: "administration: write"}, err)
}
