// Package lifecycle is the deployment's way through GitHub: start (create
// or adopt a deployment and mark it in progress), status, finish, and
// tearing environments down. It takes a client and a validated config and
// returns what it did; it reads no environment and prints nothing.
package lifecycle

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// MaxDescription is the longest status description GitHub accepts.
const MaxDescription = 140

// Client is a go-github client bound to one repository.
type Client struct {
	GH          *github.Client
	Owner, Repo string
	// Policy paces the checks and re-sends of writes that may have been
	// lost (its Sleep, Tries and back-off).
	Policy githubapi.Policy
	// Concurrency bounds a teardown's concurrent requests (0: Workers).
	Concurrency int
	// Log, when set, receives a line for each write sent again.
	Log func(format string, args ...any)
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

// Result is what a step did, for outputs, the job summary and the log.
type Result struct {
	DeploymentID   int64
	DeploymentURL  string
	StatusID       int64
	State          string
	Environment    string
	EnvironmentURL string
	LogURL         string
	Ref            string
	// Adopted is true when start took over an existing deployment.
	Adopted bool
	// Recovered names writes whose answer was lost and that were found
	// done on GitHub instead of being sent twice.
	Recovered []string
	// Skipped says why the step made no call, when it made none.
	Skipped string
	// Warnings are for the user, as ::warning:: annotations.
	Warnings []string
	// Teardown is set by the teardown steps and by what finish does to
	// earlier deployments of a transient environment.
	Teardown *TeardownResult
}

// Start creates a deployment for cfg.Ref in cfg.Environment, or adopts an
// existing one (deployment-id, or the deployment event's), and gives it
// cfg.InitialState. It makes two API calls, or one when it adopts. When
// the deployment exists but its status could not be set, Start returns
// both the result (with DeploymentID) and the error.
func Start(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	res := &Result{LogURL: cfg.LogURL, Environment: cfg.Environment, Ref: cfg.Ref}
	if cfg.Supersede && cfg.DeploymentID == 0 {
		td, err := Supersede(ctx, c, cfg)
		if err != nil {
			return nil, err
		}
		res.Teardown = td
		res.Warnings = append(res.Warnings, td.Warnings...)
	}
	var d *github.Deployment
	if cfg.DeploymentID != 0 {
		res.Adopted = true
		d = &github.Deployment{ID: github.Int64(cfg.DeploymentID)}
		if ev := cfg.EventDeployment; ev != nil && ev.ID == cfg.DeploymentID {
			res.Environment, res.Ref = ev.Environment, ev.Ref
		}
	} else {
		var (
			err   error
			sends int
		)
		d, sends, err = c.createDeployment(ctx, cfg, res)
		if err != nil {
			return nil, err
		}
		if sends > 1 {
			// An earlier send may still complete on GitHub's side after
			// the check that let the create be sent again.
			defer c.retireDuplicates(ctx, cfg, d.GetID(), res)
		}
		res.Environment = d.GetEnvironment()
		res.Ref = d.GetRef()
		res.DeploymentURL = d.GetURL()
	}
	res.DeploymentID = d.GetID()
	st, err := c.createStatus(ctx, res.DeploymentID, &github.DeploymentStatusRequest{
		State:       github.String(cfg.InitialState),
		LogURL:      nonEmpty(cfg.LogURL),
		Description: c.statusDescription(cfg.Description, res),
	}, res)
	if err != nil {
		// The deployment exists: the result says which, so that the post
		// stage can still give it a final state.
		return res, err
	}
	res.fromStatus(st)
	return res, nil
}

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

// Post is the post stage: it finishes the deployment this step's main
// stage started, unless there is none, auto-finish is off, or it already
// has a final state. A later step of this job that finished it says so
// through the job's environment, and then Post makes no call; otherwise
// Post reads the latest status once, and leaves a deployment that another
// tool (another action, gh api, a deploy platform) already finished as it
// is. Two calls at most, besides retiring a transient environment's
// earlier deployments.
func Post(ctx context.Context, c *Client, cfg *config.Config) (*Result, error) {
	id := cfg.StartedDeploymentID
	switch {
	case id == 0:
		// The app runs no post stage whose main stage started nothing
		// (handoff.StartedByMain), before it reads any input.
		return nil, fmt.Errorf("the post stage has no deployment to finish")
	case !cfg.AutoFinish:
		return &Result{DeploymentID: id, Skipped: "auto-finish is false"}, nil
	case config.IsFinal(cfg.FinishedState):
		return &Result{DeploymentID: id, State: cfg.FinishedState,
			Skipped: fmt.Sprintf("an earlier step already marked deployment %d %s", id, cfg.FinishedState)}, nil
	}
	if st, err := c.latestStatus(ctx, id); err == nil && st != nil && config.IsFinal(st.GetState()) {
		return &Result{DeploymentID: id, State: st.GetState(),
			Skipped: fmt.Sprintf("deployment %d is already %s (another tool or step finished it); it is left as it is", id, st.GetState())}, nil
	}
	// A failed read is no reason not to try the write: it reports its
	// own failure.
	return Finish(ctx, c, cfg)
}

// latestStatus is the newest status of deployment id (nil when it has none).
func (c *Client) latestStatus(ctx context.Context, id int64) (*github.DeploymentStatus, error) {
	list, _, err := c.GH.Repositories.ListDeploymentStatuses(ctx, c.Owner, c.Repo, id, &github.ListOptions{PerPage: 1})
	if err != nil {
		return nil, githubapi.Explain(githubapi.Call{Op: "read deployment status", Target: fmt.Sprintf("deployment %d", id)}, err)
	}
	if list == nil {
		return nil, githubapi.Explain(githubapi.Call{Op: "read deployment status", Target: fmt.Sprintf("deployment %d", id)},
			&githubapi.BadAnswerError{What: "the list of statuses was empty or null, not a JSON list"})
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

func (c *Client) setState(ctx context.Context, cfg *config.Config, state string) (*Result, error) {
	res := &Result{DeploymentID: cfg.DeploymentID, LogURL: cfg.LogURL, Ref: cfg.Ref}
	req := &github.DeploymentStatusRequest{
		State:       github.String(state),
		LogURL:      nonEmpty(cfg.LogURL),
		Description: c.statusDescription(cfg.Description, res),
	}
	if state == config.StateSuccess {
		req.EnvironmentURL = nonEmpty(cfg.EnvironmentURL)
		req.AutoInactive = github.Bool(cfg.AutoInactive)
	}
	st, err := c.createStatus(ctx, cfg.DeploymentID, req, res)
	if err != nil {
		return nil, err
	}
	res.fromStatus(st)
	if state == config.StateSuccess && cfg.AutoInactive {
		td, err := retireTransient(ctx, c, cfg, st)
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("deployment %d is %s, but the earlier deployments of its transient environment could not all be marked inactive: %v", res.DeploymentID, state, err))
		}
		res.Teardown = td
		if td != nil {
			res.Warnings = append(res.Warnings, td.Warnings...)
		}
	}
	return res, nil
}

func (r *Result) fromStatus(st *github.DeploymentStatus) {
	r.StatusID = st.GetID()
	r.State = st.GetState()
	if env := st.GetEnvironment(); env != "" {
		r.Environment = env
	}
	r.EnvironmentURL = st.GetEnvironmentURL()
	if u := st.GetDeploymentURL(); u != "" {
		r.DeploymentURL = u
	}
}

// statusDescription shortens d to GitHub's 140 characters, with a warning.
func (c *Client) statusDescription(d string, res *Result) *string {
	if d == "" {
		return nil
	}
	if utf8.RuneCountInString(d) > MaxDescription {
		r := []rune(d)
		d = string(r[:MaxDescription-1]) + "…"
		res.Warnings = append(res.Warnings, fmt.Sprintf("description is longer than GitHub's %d characters for a status; the status carries its first %d", MaxDescription, MaxDescription-1))
	}
	return &d
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
