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
	td := &TeardownResult{Kind: KindEnvironment, Environment: cfg.Environment, DryRun: cfg.DryRun, Delete: cfg.Step == config.StepDeleteEnv}
	res := &Result{Environment: cfg.Environment, Teardown: td}
	ref := ""
	if cfg.RefGiven {
		ref = cfg.Ref
	}
	l, err := c.listDeployments(ctx, cfg.Environment, ref)
	if err != nil {
		return nil, err
	}
	all := l.all
	if l.truncated {
		td.Warnings = append(td.Warnings, truncatedWarning(cfg.Environment))
	}
	td.Seen = len(all)
	if cfg.KeepLatest > 0 {
		td.Kept = min(cfg.KeepLatest, len(all))
		all = all[td.Kept:]
	}
	if err := c.deactivate(ctx, cfg, all, func(s string) bool { return s != config.StateInactive }, td); err != nil {
		return nil, err
	}
	if !td.Delete {
		res.Warnings = append(res.Warnings, td.Warnings...)
		return res, nil
	}
	if err := c.deleteDeployments(ctx, cfg, all, td); err != nil {
		return nil, err
	}
	switch {
	case !cfg.DeleteEnvironment:
		td.EnvironmentNote = "delete-environment is false"
	case l.truncated:
		td.EnvironmentNote = fmt.Sprintf("it has more than %d deployments; run the step again", MaxPages*100)
	case td.Kept > 0:
		td.EnvironmentNote = fmt.Sprintf("keep-latest keeps %d deployments in it", td.Kept)
	case ref != "":
		td.EnvironmentNote = "ref limits the teardown to the deployments of " + ref
	default:
		if err := c.deleteEnvironment(ctx, cfg, td); err != nil {
			return nil, err
		}
	}
	res.Warnings = append(res.Warnings, td.Warnings...)
	return res, nil
}

// MaxPages bounds the pages of 100 deployments a listing reads: 10,000
// deployments. GitHub's Link header sizes nothing beyond it.
const MaxPages = 100

// listing is the deployments of an environment, newest first. Truncated
// is true when there were more than MaxPages pages: the rest was not read.
type listing struct {
	all       []*github.Deployment
	truncated bool
}

// listDeployments lists the deployments of env (and ref, when not empty),
// newest first: the first page, then the pages its Link header names
// concurrently, up to MaxPages, then any rel="next" the last one read
// still gives. A page that is not a JSON list of deployments with ids is an
// error.
func (c *Client) listDeployments(ctx context.Context, env, ref string) (listing, error) {
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %q of %s/%s", env, c.Owner, c.Repo)}
	fetch := func(ctx context.Context, page int) ([]*github.Deployment, *github.Response, error) {
		list, resp, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, &github.DeploymentsListOptions{
			Environment: env, Ref: ref, ListOptions: github.ListOptions{PerPage: 100, Page: page}})
		if err == nil {
			err = checkDeployments(list)
		}
		return list, resp, githubapi.Explain(call, err)
	}
	first, resp, err := fetch(ctx, 1)
	if err != nil {
		return listing{}, err
	}
	pages := [][]*github.Deployment{first}
	next := resp.NextPage
	if last := min(resp.LastPage, MaxPages); last > 1 && next == 2 {
		rest := make([][]*github.Deployment, last-1)
		nexts := make([]int, last-1)
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(c.workers())
		for p := 2; p <= last; p++ {
			g.Go(func() error {
				list, resp, err := fetch(gctx, p)
				if err != nil {
					return err
				}
				rest[p-2], nexts[p-2] = list, resp.NextPage
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return listing{}, err
		}
		pages = append(pages, rest...)
		next = nexts[last-2]
		if next <= last {
			next = 0
		}
	}
	// rel="next" beyond what rel="last" said, one page at a time, and only
	// forwards.
	for read := len(pages); next > read && read < MaxPages; read++ {
		list, resp, err := fetch(ctx, read+1)
		if err != nil {
			return listing{}, err
		}
		pages = append(pages, list)
		next = resp.NextPage
	}
	out := listing{truncated: next > len(pages)}
	seen := map[int64]bool{}
	for _, p := range pages {
		for _, d := range p {
			if !seen[d.GetID()] {
				seen[d.GetID()] = true
				out.all = append(out.all, d)
			}
		}
	}
	sort.SliceStable(out.all, func(i, j int) bool { return out.all[i].GetID() > out.all[j].GetID() })
	return out, nil
}

// checkDeployments refuses a list answer that is not one: no JSON list (an
// empty body), or a deployment without an id.
func checkDeployments(list []*github.Deployment) error {
	if list == nil {
		return &githubapi.BadAnswerError{What: "the list of deployments was empty or null, not a JSON list"}
	}
	for _, d := range list {
		if d.GetID() <= 0 {
			return &githubapi.BadAnswerError{What: "a deployment in the list has no id"}
		}
	}
	return nil
}

// truncatedWarning is the warning for a listing that stopped at MaxPages.
func truncatedWarning(env string) string {
	return fmt.Sprintf("environment %q has more than %d deployments; only the newest %d were looked at: run the step again to go on", env, MaxPages*100, MaxPages*100)
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
				marked, err := c.markInactive(gctx, cfg, d.GetID())
				if err != nil || !marked {
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
	if list == nil {
		return deploymentState{}, githubapi.Explain(githubapi.Call{Op: "read deployment status", Target: fmt.Sprintf("deployment %d", d.GetID())},
			&githubapi.BadAnswerError{What: "the list of statuses was empty or null, not a JSON list"})
	}
	ds := deploymentState{d: d}
	if len(list) > 0 {
		ds.state = list[0].GetState()
	}
	return ds, nil
}

// markInactive gives deployment id an inactive status. marked is false,
// with no error, when the deployment is gone (deleted meanwhile by someone
// else): there is nothing left to do.
func (c *Client) markInactive(ctx context.Context, cfg *config.Config, id int64) (marked bool, err error) {
	res := &Result{}
	_, err = c.createStatus(ctx, id, &github.DeploymentStatusRequest{
		State:  github.String(config.StateInactive),
		LogURL: nonEmpty(cfg.LogURL),
	}, res)
	if githubapi.StatusCode(err) == http.StatusNotFound {
		return false, nil
	}
	return err == nil, err
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
		td.WouldDeleteEnvironment = true
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
