package lifecycle

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
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

// TeardownResult is what a teardown did, or in a dry run would do.
type TeardownResult struct {
	Environment string
	DryRun      bool
	// Seen counts the deployments looked at; Kept those left alone by
	// keep-latest.
	Seen, Kept int
	// Deactivated are the ids given an inactive status; Deleted the ids
	// deleted.
	Deactivated, Deleted []int64
	// EnvironmentDeleted is true when the environment itself was deleted.
	EnvironmentDeleted bool
	// EnvironmentNote says why the environment was not deleted.
	EnvironmentNote string
	Warnings        []string
}

// deploymentState is a deployment with its latest status's state ("" when
// it has no status).
type deploymentState struct {
	d     *github.Deployment
	state string
}

// Teardown runs deactivate-env and delete-env: every deployment of the
// environment (of cfg.Ref only, when ref was given) that is not inactive
// gets an inactive status; delete-env then deletes the deployments and the
// environment. Deployments already inactive get no write.
func Teardown(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	td := &TeardownResult{Environment: cfg.Environment, DryRun: cfg.DryRun}
	res := &Result{Environment: cfg.Environment, Teardown: td}
	ref := ""
	if cfg.RefGiven {
		ref = cfg.Ref
	}
	all, err := c.listDeployments(ctx, cfg.Environment, ref)
	if err != nil {
		return nil, err
	}
	td.Seen = len(all)
	if cfg.KeepLatest > 0 {
		td.Kept = min(cfg.KeepLatest, len(all))
		all = all[td.Kept:]
	}
	if err := c.deactivate(ctx, cfg, all, func(s string) bool { return s != config.StateInactive }, td); err != nil {
		return nil, err
	}
	if cfg.Step != config.StepDeleteEnv {
		return res, nil
	}
	if err := c.deleteDeployments(ctx, cfg, all, td); err != nil {
		return nil, err
	}
	switch {
	case !cfg.DeleteEnvironment:
		td.EnvironmentNote = "delete-environment is false"
	case td.Kept > 0:
		td.EnvironmentNote = fmt.Sprintf("keep-latest keeps %d deployments in it", td.Kept)
	case ref != "":
		td.EnvironmentNote = "ref limits the teardown to the deployments of " + ref
	default:
		err := c.deleteEnvironment(ctx, cfg, td)
		res.Warnings = append(res.Warnings, td.Warnings...)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Supersede marks the older deployments of the environment and ref that
// are still queued, pending or in progress inactive, before start creates a
// new one, so that a crashed run does not leave one spinning.
func Supersede(ctx context.Context, c *Client, cfg *config.Config) (*TeardownResult, error) {
	td := &TeardownResult{Environment: cfg.Environment, DryRun: cfg.DryRun}
	all, err := c.listDeployments(ctx, cfg.Environment, cfg.Ref)
	if err != nil {
		return nil, err
	}
	td.Seen = len(all)
	running := func(s string) bool {
		return s == config.StateQueued || s == config.StatePending || s == config.StateInProgress || s == ""
	}
	return td, c.deactivate(ctx, cfg, all, running, td)
}

// retireTransient marks the deployments of a transient environment older
// than the one that just succeeded, whose latest status is success,
// inactive: GitHub's auto_inactive skips transient environments.
func retireTransient(ctx context.Context, c *Client, cfg *config.Config, st *github.DeploymentStatus) (*TeardownResult, error) {
	if !cfg.Transient {
		return nil, nil
	}
	env := st.GetEnvironment()
	if env == "" {
		env = cfg.Environment
	}
	if env == "" {
		return nil, nil
	}
	td := &TeardownResult{Environment: env}
	all, err := c.listDeployments(ctx, env, "")
	if err != nil {
		return td, err
	}
	older := all[:0:0]
	for _, d := range all {
		if d.GetID() < cfg.DeploymentID {
			older = append(older, d)
		}
	}
	td.Seen = len(older)
	return td, c.deactivate(ctx, cfg, older, func(s string) bool { return s == config.StateSuccess }, td)
}

// listDeployments lists every deployment of env (and ref, when not empty),
// newest first: the first page, then the others concurrently.
func (c *Client) listDeployments(ctx context.Context, env, ref string) ([]*github.Deployment, error) {
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %q of %s/%s", env, c.Owner, c.Repo)}
	opts := func(page int) *github.DeploymentsListOptions {
		return &github.DeploymentsListOptions{Environment: env, Ref: ref, ListOptions: github.ListOptions{PerPage: 100, Page: page}}
	}
	first, resp, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, opts(1))
	if err != nil {
		return nil, githubapi.Explain(call, err)
	}
	pages := [][]*github.Deployment{first}
	if resp.LastPage > 1 {
		pages = append(pages, make([][]*github.Deployment, resp.LastPage-1)...)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(c.workers())
		for p := 2; p <= resp.LastPage; p++ {
			g.Go(func() error {
				list, _, err := c.GH.Repositories.ListDeployments(gctx, c.Owner, c.Repo, opts(p))
				pages[p-1] = list
				return githubapi.Explain(call, err)
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	var all []*github.Deployment
	seen := map[int64]bool{}
	for _, p := range pages {
		for _, d := range p {
			if !seen[d.GetID()] {
				seen[d.GetID()] = true
				all = append(all, d)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].GetID() > all[j].GetID() })
	return all, nil
}

// deactivate reads each deployment's latest status and gives those whose
// state matches an inactive status, Workers at a time.
func (c *Client) deactivate(ctx context.Context, cfg *config.Config, list []*github.Deployment, match func(string) bool, td *TeardownResult) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.workers())
	for _, d := range list {
		g.Go(func() error {
			ds, err := c.latest(gctx, d)
			if err != nil || !match(ds.state) {
				return err
			}
			if !cfg.DryRun {
				if err := c.markInactive(gctx, cfg, d.GetID()); err != nil {
					return err
				}
			}
			mu.Lock()
			td.Deactivated = append(td.Deactivated, d.GetID())
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	sort.Slice(td.Deactivated, func(i, j int) bool { return td.Deactivated[i] > td.Deactivated[j] })
	return err
}

// latest reads the latest status of d.
func (c *Client) latest(ctx context.Context, d *github.Deployment) (deploymentState, error) {
	list, _, err := c.GH.Repositories.ListDeploymentStatuses(ctx, c.Owner, c.Repo, d.GetID(), &github.ListOptions{PerPage: 1})
	if githubapi.StatusCode(err) == http.StatusNotFound {
		return deploymentState{d: d, state: config.StateInactive}, nil // deleted meanwhile: nothing to do
	}
	if err != nil {
		return deploymentState{}, githubapi.Explain(githubapi.Call{Op: "read deployment status", Target: fmt.Sprintf("deployment %d", d.GetID())}, err)
	}
	ds := deploymentState{d: d}
	if len(list) > 0 {
		ds.state = list[0].GetState()
	}
	return ds, nil
}

func (c *Client) markInactive(ctx context.Context, cfg *config.Config, id int64) error {
	res := &Result{}
	_, err := c.createStatus(ctx, id, &github.DeploymentStatusRequest{
		State:  github.String(config.StateInactive),
		LogURL: nonEmpty(cfg.LogURL),
	}, res)
	if githubapi.StatusCode(err) == http.StatusNotFound {
		return nil
	}
	return err
}

// deleteDeployments deletes the listed deployments (all inactive by now).
func (c *Client) deleteDeployments(ctx context.Context, cfg *config.Config, list []*github.Deployment, td *TeardownResult) error {
	if cfg.DryRun {
		for _, d := range list {
			td.Deleted = append(td.Deleted, d.GetID())
		}
		return nil
	}
	ids := make([]int64, len(list))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.workers())
	for i, d := range list {
		g.Go(func() error {
			_, err := c.GH.Repositories.DeleteDeployment(gctx, c.Owner, c.Repo, d.GetID())
			switch {
			case err == nil:
				ids[i] = d.GetID()
				return nil
			case githubapi.StatusCode(err) == http.StatusNotFound:
				return nil // already gone
			}
			return githubapi.Explain(githubapi.Call{Op: fmt.Sprintf("delete deployment %d", d.GetID()), Target: fmt.Sprintf("deployment %d", d.GetID()), Write: true}, err)
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

// deleteEnvironment deletes the environment. A 403 (the token lacks
// administration: write, which GITHUB_TOKEN never has) is a warning; a 404
// means there is nothing to delete.
func (c *Client) deleteEnvironment(ctx context.Context, cfg *config.Config, td *TeardownResult) error {
	if cfg.DryRun {
		td.EnvironmentNote = "dry run"
		return nil
	}
	// go-github does not escape the name: "feature/login" must travel as
	// one path segment, "feature%2Flogin".
	_, err := c.GH.Repositories.DeleteEnvironment(ctx, c.Owner, c.Repo, url.PathEscape(cfg.Environment))
	switch {
	case err == nil:
		td.EnvironmentDeleted = true
		return nil
	case githubapi.StatusCode(err) == http.StatusNotFound:
		td.EnvironmentNote = "it does not exist"
		return nil
	case githubapi.StatusCode(err) == http.StatusForbidden:
		td.EnvironmentNote = "the token may not delete environments"
		td.Warnings = append(td.Warnings, fmt.Sprintf("environment %q was not deleted: deleting an environment needs a token with `administration: write` on the repository (a GitHub App installation token or a fine-grained personal access token); the workflow's GITHUB_TOKEN can never have it. Its deployments were deleted.", cfg.Environment))
		return nil
	}
	return githubapi.Explain(githubapi.Call{Op: "delete environment", Target: fmt.Sprintf("environment %q", cfg.Environment), Write: true, Permission: "administration: write"}, err)
}
