package lifecycle

// post: the post stage finishes the deployment its main stage started,
// unless something says not to. Every decision the post stage makes is in
// this file; the finish itself is finish.go's.

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Post is the post stage: it finishes the deployment this step's main
// stage started, unless there is none, auto-finish is off, or it already
// has a final state. A later step of this job that finished it says so
// through the job's environment, and then Post makes no call; otherwise
// Post reads the latest status once, and leaves a deployment that another
// tool (another action, gh api, a deploy platform) already finished as it
// is. Two calls at most, besides retiring a transient environment's
// earlier deployments.
func Post(ctx context.Context, c *Client, opts config.PostOptions) (*Result, error) {
	id := opts.StartedDeploymentID
	switch {
	case id == 0:
		// The app runs no post stage whose main stage started nothing
		// (handoff.StartedByMain), before it reads any input.
		return nil, fmt.Errorf("the post stage has no deployment to finish")
	case !opts.AutoFinish:
		return &Result{DeploymentID: id, Skipped: "auto-finish is false"}, nil
	case vocab.IsFinal(opts.FinishedState):
		return &Result{DeploymentID: id, State: opts.FinishedState,
			Skipped: fmt.Sprintf("an earlier step already marked deployment %d %s", id, opts.FinishedState)}, nil
	}
	if st, err := c.latestStatus(ctx, id); err == nil && st != nil && vocab.IsFinal(st.GetState()) {
		return &Result{DeploymentID: id, State: st.GetState(),
			Skipped: fmt.Sprintf("deployment %d is already %s (another tool or step finished it); it is left as it is", id, st.GetState())}, nil
	}
	// A failed read is no reason not to try the write: it reports its
	// own failure.
	return Finish(ctx, c, opts.Finish)
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
