package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
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
	Warnings        []string
}

// Teardown runs deactivate-env and delete-env: every deployment of the
// environment (of opts.Ref only, when it is given) that is not inactive
// gets an inactive status; delete-env then deletes the deployments and the
// environment. Deployments already inactive get no write.
func Teardown(ctx context.Context, c *Client, opts config.TeardownOptions) (*Result, error) {
	l, err := c.listDeployments(ctx, opts.Environment, opts.Ref)
	if err != nil {
		return nil, err
	}
	td, err := c.teardownEnvironment(ctx, opts, l)
	// What was done before a failure is returned with it, as every step
	// does.
	return &Result{Environment: opts.Environment, Teardown: td, Warnings: td.Warnings}, err
}

// writeMode is how a teardown writes: for real or, in a dry run, not at
// all; logURL goes on the inactive statuses it gives.
type writeMode struct {
	dryRun bool
	logURL string
}

// teardownEnvironment tears opts.Environment down, given its deployments:
// every one (but keep-latest's) not inactive gets an inactive status; with
// opts.Delete, they are deleted and then the environment, unless something
// keeps it.
func (c *Client) teardownEnvironment(ctx context.Context, opts config.TeardownOptions, l listing) (*TeardownResult, error) {
	env, w := opts.Environment, writeMode{dryRun: opts.DryRun, logURL: opts.LogURL}
	td := &TeardownResult{Kind: KindEnvironment, Environment: env, DryRun: opts.DryRun, Delete: opts.Delete}
	all := l.all
	td.Warnings = append(td.Warnings, l.warnings...)
	if l.truncated {
		td.Warnings = append(td.Warnings, truncatedWarning(env))
	}
	td.Seen = len(all)
	if opts.KeepLatest > 0 {
		td.Kept = min(opts.KeepLatest, len(all))
		all = all[td.Kept:]
	}
	if err := c.deactivate(ctx, w, all, func(s string) bool { return s != config.StateInactive }, td); err != nil {
		return td, err
	}
	if !opts.Delete {
		return td, nil
	}
	if err := c.deleteDeployments(ctx, w, all, td); err != nil {
		return td, err
	}
	switch {
	case !opts.DeleteEnvironment:
		td.EnvironmentNote = "delete-environment is false"
	case l.truncated:
		td.EnvironmentNote = fmt.Sprintf("it has more than %d deployments; run the step again", MaxPages*100)
	case td.Kept > 0:
		td.EnvironmentNote = fmt.Sprintf("keep-latest keeps %d deployments in it", td.Kept)
	case opts.Ref != "":
		td.EnvironmentNote = "ref limits the teardown to the deployments of " + opts.Ref
	default:
		if err := c.deleteEnvironment(ctx, w, env, td); err != nil {
			return td, err
		}
	}
	return td, nil
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
		State:  github.String(config.StateInactive),
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

// deleteEnvironment deletes the environment. A 403 (the token lacks
// administration: write, which GITHUB_TOKEN never has) is a warning; a 404
// means there is nothing to delete.
func (c *Client) deleteEnvironment(ctx context.Context, w writeMode, env string, td *TeardownResult) error {
	if w.dryRun {
		td.WouldDeleteEnvironment = true
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
