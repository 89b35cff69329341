package lifecycle

// start: create (or adopt) a deployment and mark it in progress; with
// supersede, first retire the older deployments of the ref still running.
// Every decision start makes is in this file.

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Start creates a deployment of opts.Ref in opts.Environment, or adopts an
// existing one (deployment-id, or the deployment event's), and gives it
// opts.InitialState. It makes two API calls, or one when it adopts. When
// the deployment exists but its status could not be set, Start returns
// both the result (with DeploymentID) and the error.
func Start(ctx context.Context, c *Client, opts config.StartOptions) (*Result, error) {
	res := &Result{LogURL: opts.LogURL, Environment: opts.Environment, Ref: opts.Ref, Deployer: opts.Run.Deployer()}
	if opts.Supersede && opts.DeploymentID == 0 {
		td, err := supersede(ctx, c, opts)
		if err != nil {
			return nil, err
		}
		res.Teardown = td
		res.Warnings = append(res.Warnings, td.Warnings...)
	}
	var d *github.Deployment
	if opts.DeploymentID != 0 {
		res.Adopted = true
		d = &github.Deployment{ID: github.Int64(opts.DeploymentID)}
		if ev := opts.EventDeployment; ev != nil && ev.ID == opts.DeploymentID {
			res.Environment, res.Ref = ev.Environment, ev.Ref
		}
	} else {
		var (
			err   error
			sends int
		)
		d, sends, err = c.createDeployment(ctx, opts, res)
		if err != nil {
			return nil, err
		}
		if sends > 1 {
			// An earlier send may still complete on GitHub's side after
			// the check that let the create be sent again.
			defer c.retireDuplicates(ctx, opts, d.GetID(), res)
		}
		res.Environment = d.GetEnvironment()
		res.Ref = d.GetRef()
		res.DeploymentURL = d.GetURL()
	}
	res.DeploymentID = d.GetID()
	st, err := c.createStatus(ctx, res.DeploymentID, &github.DeploymentStatusRequest{
		State:       github.String(opts.InitialState),
		LogURL:      nonEmpty(opts.LogURL),
		Description: c.statusDescription(cmp.Or(opts.Description, deployerDescription(opts.Run)), res),
	}, res)
	if err != nil {
		// The deployment exists: the result says which, so that the post
		// stage can still give it a final state.
		return res, err
	}
	res.fromStatus(st)
	return res, nil
}

// supersede marks the older deployments of the environment and ref that
// are still queued, pending or in progress inactive, before start creates a
// new one, so that a crashed run does not leave one spinning.
func supersede(ctx context.Context, c *Client, opts config.StartOptions) (*TeardownResult, error) {
	td := &TeardownResult{Kind: KindSupersede, Environment: opts.Environment, DryRun: opts.DryRun}
	l, err := c.listDeployments(ctx, opts.Environment, opts.Ref)
	if err != nil {
		return nil, err
	}
	all := l.all
	td.Warnings = append(td.Warnings, l.warnings...)
	if l.truncated {
		td.Warnings = append(td.Warnings, truncatedWarning(opts.Environment))
	}
	td.Seen = len(all)
	running := func(s string) bool {
		return s == vocab.StateQueued || s == vocab.StatePending || s == vocab.StateInProgress || s == ""
	}
	return td, c.deactivate(ctx, writeMode{dryRun: opts.DryRun, logURL: opts.LogURL}, all, running, td)
}

// createDeployment creates the deployment, or finds it created after a
// lost answer. sends counts the creates sent: more than one means an
// earlier one may still complete on GitHub's side.
func (c *Client) createDeployment(ctx context.Context, opts config.StartOptions, res *Result) (*github.Deployment, int, error) {
	req := &github.DeploymentRequest{
		Ref:                   github.String(opts.Ref),
		Task:                  github.String(opts.Task),
		AutoMerge:             github.Bool(opts.AutoMerge),
		RequiredContexts:      opts.RequiredContexts,
		Payload:               payloadWithMarker(opts),
		Environment:           github.String(opts.Environment),
		Description:           nonEmpty(opts.Description),
		TransientEnvironment:  github.Bool(opts.Transient),
		ProductionEnvironment: opts.Production,
	}
	call := githubapi.Call{Op: "create deployment", Target: fmt.Sprintf("ref %s of %s/%s", opts.Ref, c.Owner, c.Repo), Write: true}
	var d *github.Deployment
	sends := 0
	err := c.resendAfterCheck(ctx, call, func() error {
		var err error
		sends++
		d, _, err = c.GH.Repositories.CreateDeployment(ctx, c.Owner, c.Repo, req)
		if err == nil && d.GetID() <= 0 {
			err = &githubapi.BadAnswerError{What: "the created deployment has no id"}
		}
		return err
	}, func() (bool, error) {
		found, err := c.findOwnDeployment(ctx, opts)
		if found != nil {
			d = found
			res.Recovered = append(res.Recovered, fmt.Sprintf("deployment %d (its creation's answer was lost)", found.GetID()))
		}
		return found != nil, err
	})
	return d, sends, err
}

// findOwnDeployment looks among the newest deployments of the ref,
// environment and task for the one this run's step created.
func (c *Client) findOwnDeployment(ctx context.Context, opts config.StartOptions) (*github.Deployment, error) {
	list, _, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, &github.DeploymentsListOptions{
		Ref: opts.Ref, Environment: opts.Environment, Task: opts.Task, ListOptions: github.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, err
	}
	m := markerOf(opts)
	for _, d := range list {
		if d.GetID() > 0 && hasMarker(d, m) {
			return d, nil
		}
	}
	return nil, nil
}

// duplicatePause is how long start waits, after a create it had to send
// more than once, before it looks for a duplicate that an earlier send
// made on GitHub's side after all.
const duplicatePause = 5 * time.Second

// retireDuplicates finds the deployments other than keep that carry this
// step's run marker, left by a create whose answer was lost but which
// GitHub still carried out, and marks them inactive and deletes them. What
// it cannot clean up is a warning naming the deployment.
func (c *Client) retireDuplicates(ctx context.Context, opts config.StartOptions, keep int64, res *Result) {
	if err := c.Policy.Sleep(ctx, duplicatePause); err != nil {
		return
	}
	list, _, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, &github.DeploymentsListOptions{
		Ref: opts.Ref, Environment: opts.Environment, Task: opts.Task, ListOptions: github.ListOptions{PerPage: 30},
	})
	if err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("deployment %d was created after a lost answer, and looking for a duplicate of it failed: %s", keep, githubapi.Describe(err)))
		return
	}
	m := markerOf(opts)
	for _, d := range list {
		id := d.GetID()
		if id <= 0 || id == keep || !hasMarker(d, m) {
			continue
		}
		_, err := c.markInactive(ctx, opts.LogURL, id)
		if err == nil {
			_, err = c.GH.Repositories.DeleteDeployment(ctx, c.Owner, c.Repo, id)
		}
		if err != nil && githubapi.StatusCode(err) != 404 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("deployment %d duplicates deployment %d (a create whose answer was lost, carried out by GitHub after all) and could not be removed: %s; delete it by hand", id, keep, githubapi.Describe(err)))
			continue
		}
		res.Recovered = append(res.Recovered, fmt.Sprintf("duplicate deployment %d (an earlier create completed late; marked inactive and deleted)", id))
	}
}
