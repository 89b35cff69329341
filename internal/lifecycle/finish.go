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
)

// Finish gives the deployment cfg.DeploymentID its final state: cfg.State,
// else the job's outcome. A success carries the environment URL and
// auto_inactive; in a transient environment it also retires the earlier
// deployments that GitHub's auto_inactive leaves active.
func Finish(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	state, err := cfg.FinalState()
	if err != nil {
		return nil, err
	}
	return c.setState(ctx, cfg, state)
}

// SetStatus adds a status with cfg.State to the deployment cfg.DeploymentID.
func SetStatus(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	return c.setState(ctx, cfg, cfg.State)
}

func (c *Client) setState(ctx context.Context, cfg *config.Config, state string) (*Result, error) {
	res := &Result{DeploymentID: cfg.DeploymentID, LogURL: cfg.LogURL, Ref: cfg.Ref, Deployer: cfg.Run.Deployer()}
	req := &github.DeploymentStatusRequest{
		State:       github.String(state),
		LogURL:      nonEmpty(cfg.LogURL),
		Description: c.statusDescription(cmp.Or(cfg.Description, deployerDescription(cfg.Run)), res),
	}
	if state == config.StateSuccess {
		req.EnvironmentURL = nonEmpty(cfg.EnvironmentURL)
		// A narrower scope is the action's to apply: GitHub's would
		// retire the other tasks' or pull requests' deployments too.
		req.AutoInactive = github.Bool(cfg.AutoInactive && cfg.AutoInactiveScope == "")
	}
	st, err := c.createStatus(ctx, cfg.DeploymentID, req, res)
	if err != nil {
		return nil, err
	}
	res.fromStatus(st)
	if state == config.StateSuccess && cfg.AutoInactive {
		td, err := retireEarlier(ctx, c, cfg, st)
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
func production(cfg *config.Config, env string) bool {
	if cfg.Production != nil {
		return *cfg.Production
	}
	return config.IsProduction(env)
}

// retireEarlier marks the deployments of the environment older than the
// one that just succeeded, whose latest status is success, inactive, where
// GitHub's auto_inactive does not do what the user asked: in a transient
// or a production environment (which GitHub's auto_inactive skips, as its
// REST docs say), and with auto-inactive: task or pull-request, for the
// earlier deployments of the same task or pull request only, leaving the
// others active.
func retireEarlier(ctx context.Context, c *Client, cfg *config.Config, st *github.DeploymentStatus) (*TeardownResult, error) {
	// The environment GitHub says the deployment is in; only its
	// deployments are touched.
	env := st.GetEnvironment()
	if env == "" {
		env = cfg.Environment
	}
	if env == "" || config.CheckEnvironment(env) != nil {
		return nil, nil
	}
	if cfg.Environment != "" && !config.SameEnvironment(env, cfg.Environment) {
		// GitHub's answer names another environment than the step's:
		// retire nothing rather than the other one's deployments.
		return &TeardownResult{Kind: KindRetire, Environment: cfg.Environment, Warnings: []string{fmt.Sprintf(
			"GitHub says deployment %d is in environment %s, not %s: no earlier deployment was retired", cfg.DeploymentID, config.Quote(env), config.Quote(cfg.Environment))}}, nil
	}
	if !cfg.Transient && !production(cfg, env) && cfg.AutoInactiveScope == "" {
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
		if l.all[i].ID == cfg.DeploymentID {
			this = &l.all[i]
		}
	}
	same := func(d deployment) bool {
		switch cfg.AutoInactiveScope {
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
		if d.ID < cfg.DeploymentID && same(d) {
			older = append(older, d)
		}
	}
	td.Seen = len(older)
	return td, c.deactivate(ctx, cfg, older, func(s string) bool { return s == config.StateSuccess }, td)
}
