package lifecycle

// finish and status: give a deployment its final (or any) state; after a
// success in a transient or production environment, or with an
// auto-inactive scope, retire the earlier deployments GitHub's
// auto_inactive would not.

import (
	"cmp"
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Finish gives the deployment opts.DeploymentID its final state: opts.State,
// else the job's outcome. A success carries the environment URL and
// auto_inactive; in a transient environment it also retires the earlier
// deployments that GitHub's auto_inactive leaves active.
func Finish(ctx context.Context, c *Client, opts config.FinishOptions) (*Result, error) {
	state, err := opts.FinalState()
	if err != nil {
		return nil, err
	}
	return c.setState(ctx, opts, state)
}

// SetStatus adds a status with opts.State to the deployment opts.DeploymentID.
func SetStatus(ctx context.Context, c *Client, opts config.FinishOptions) (*Result, error) {
	return c.setState(ctx, opts, opts.State)
}

func (c *Client) setState(ctx context.Context, opts config.FinishOptions, state string) (*Result, error) {
	res := &Result{DeploymentID: opts.DeploymentID, LogURL: opts.LogURL, Ref: opts.Ref, Deployer: opts.Run.Deployer()}
	req := &github.DeploymentStatusRequest{
		State:       github.String(state),
		LogURL:      nonEmpty(opts.LogURL),
		Description: c.statusDescription(cmp.Or(opts.Description, deployerDescription(opts.Run)), res),
	}
	if state == vocab.StateSuccess {
		req.EnvironmentURL = nonEmpty(opts.EnvironmentURL)
		// A narrower scope is the action's to apply: GitHub's would
		// retire the other tasks' or pull requests' deployments too.
		req.AutoInactive = github.Bool(opts.AutoInactive && opts.AutoInactiveScope == "")
	}
	st, err := c.createStatus(ctx, opts.DeploymentID, req, res)
	if err != nil {
		return nil, err
	}
	res.fromStatus(st)
	if state == vocab.StateSuccess && opts.AutoInactive {
		td, err := retireEarlier(ctx, c, opts, st)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("deployment %d is %s, but the earlier deployments it retires (transient environment, or auto-inactive scope) could not all be marked inactive: %v", res.DeploymentID, state, err))
		}
		res.Teardown = td
		if td != nil {
			res.Warnings = append(res.Warnings, td.Warnings...)
		}
	}
	return res, nil
}

// production tells whether GitHub takes env as a production environment
// for this deployment: production-environment when given, else GitHub's
// default, true for an environment named production.
func production(opts config.FinishOptions, env string) bool {
	if opts.Production != nil {
		return *opts.Production
	}
	return vocab.IsProduction(env)
}

// retireEarlier marks the deployments of the environment older than the
// one that just succeeded, whose latest status is success, inactive, where
// GitHub's auto_inactive does not do what the user asked: in a transient
// or a production environment (which GitHub's auto_inactive skips, as its
// REST docs say), and with auto-inactive: task or pull-request, for the
// earlier deployments of the same task or pull request only, leaving the
// others active.
func retireEarlier(ctx context.Context, c *Client, opts config.FinishOptions, st *github.DeploymentStatus) (*TeardownResult, error) {
	// The environment GitHub says the deployment is in; only its
	// deployments are touched.
	env := st.GetEnvironment()
	if env == "" {
		env = opts.Environment
	}
	if env == "" || vocab.CheckEnvironment(env) != nil {
		return nil, nil
	}
	if opts.Environment != "" && !vocab.SameEnvironment(env, opts.Environment) {
		// GitHub's answer names another environment than the step's:
		// retire nothing rather than the other one's deployments.
		return &TeardownResult{Kind: KindRetire, Environment: opts.Environment, Warnings: []string{fmt.Sprintf(
			"GitHub says deployment %d is in environment %s, not %s: no earlier deployment was retired", opts.DeploymentID, vocab.Quote(env), vocab.Quote(opts.Environment))}}, nil
	}
	if !opts.Transient && !production(opts, env) && opts.AutoInactiveScope == "" {
		return nil, nil
	}
	td := &TeardownResult{Kind: KindRetire, Environment: env}
	l, err := c.listDeployments(ctx, env, "")
	if err != nil {
		return td, err
	}
	td.Warnings = append(td.Warnings, l.warnings...)
	if l.truncated {
		td.Warnings = append(td.Warnings, truncatedWarning(env))
	}
	var this *deployment
	for i := range l.all {
		if l.all[i].ID == opts.DeploymentID {
			this = &l.all[i]
		}
	}
	same := func(d deployment) bool {
		switch opts.AutoInactiveScope {
		case config.ScopeTask:
			return this != nil && d.Task == this.Task
		case config.ScopePullRequest:
			if this == nil {
				return false
			}
			mine, st := this.marker()
			theirs, st2 := d.marker()
			return st == markerOK && st2 == markerOK && mine.PullRequest > 0 && theirs.PullRequest == mine.PullRequest
		}
		return true
	}
	older := l.all[:0:0]
	for _, d := range l.all {
		if d.ID < opts.DeploymentID && same(d) {
			older = append(older, d)
		}
	}
	td.Seen = len(older)
	return td, c.deactivate(ctx, writeMode{dryRun: opts.DryRun, logURL: opts.LogURL}, older, func(s string) bool { return s == vocab.StateSuccess }, td)
}
