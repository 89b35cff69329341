package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// MarkerKey is the payload key under which the action records the run that
// created a deployment. After a lost answer it finds its own deployment by
// it instead of creating a second one.
const MarkerKey = config.PayloadMarkerKey

// Marker identifies the step of a run attempt that created a deployment.
// The legs of a matrix share the job's name: JobIndex (strategy.job-index)
// tells them apart.
type Marker struct {
	RunID      int64  `json:"run_id"`
	RunAttempt int64  `json:"run_attempt"`
	Job        string `json:"job,omitempty"`
	JobIndex   string `json:"job_index,omitempty"`
	Step       string `json:"step,omitempty"`
}

func markerOf(cfg *config.Config) Marker {
	return Marker{RunID: cfg.Run.ID, RunAttempt: cfg.Run.Attempt, Job: cfg.Run.Job, JobIndex: cfg.Run.JobIndex, Step: cfg.Run.Step}
}

// payloadWithMarker is the user's payload plus the run marker.
func payloadWithMarker(cfg *config.Config) map[string]any {
	p := make(map[string]any, len(cfg.Payload)+1)
	for k, v := range cfg.Payload {
		p[k] = v
	}
	p[MarkerKey] = markerOf(cfg)
	return p
}

// hasMarker reports whether d's payload carries marker m.
func hasMarker(d *github.Deployment, m Marker) bool {
	var p struct {
		M *Marker `json:"deployment_action"`
	}
	if len(d.Payload) == 0 || json.Unmarshal(d.Payload, &p) != nil || p.M == nil {
		return false
	}
	return *p.M == m
}

// createDeployment creates the deployment, or finds it created after a
// lost answer. sends counts the creates sent: more than one means an
// earlier one may still complete on GitHub's side.
func (c *Client) createDeployment(ctx context.Context, cfg *config.Config, res *Result) (*github.Deployment, int, error) {
	req := &github.DeploymentRequest{
		Ref:                   github.String(cfg.Ref),
		Task:                  github.String(cfg.Task),
		AutoMerge:             github.Bool(cfg.AutoMerge),
		RequiredContexts:      cfg.RequiredContexts,
		Payload:               payloadWithMarker(cfg),
		Environment:           github.String(cfg.Environment),
		Description:           nonEmpty(cfg.Description),
		TransientEnvironment:  github.Bool(cfg.Transient),
		ProductionEnvironment: cfg.Production,
	}
	call := githubapi.Call{Op: "create deployment", Target: fmt.Sprintf("ref %s of %s/%s", cfg.Ref, c.Owner, c.Repo), Write: true}
	var d *github.Deployment
	sends := 0
	err := c.write(ctx, call, func() error {
		var err error
		sends++
		d, _, err = c.GH.Repositories.CreateDeployment(ctx, c.Owner, c.Repo, req)
		if err == nil && d.GetID() <= 0 {
			err = &githubapi.BadAnswerError{What: "the created deployment has no id"}
		}
		return err
	}, func() (bool, error) {
		found, err := c.findOwnDeployment(ctx, cfg)
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
func (c *Client) findOwnDeployment(ctx context.Context, cfg *config.Config) (*github.Deployment, error) {
	list, _, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, &github.DeploymentsListOptions{
		Ref: cfg.Ref, Environment: cfg.Environment, Task: cfg.Task, ListOptions: github.ListOptions{PerPage: 10},
	})
	if err != nil {
		return nil, err
	}
	m := markerOf(cfg)
	for _, d := range list {
		if d.GetID() > 0 && hasMarker(d, m) {
			return d, nil
		}
	}
	return nil, nil
}

// DuplicatePause is how long start waits, after a create it had to send
// more than once, before it looks for a duplicate that an earlier send
// made on GitHub's side after all.
const DuplicatePause = 5 * time.Second

// retireDuplicates finds the deployments other than keep that carry this
// step's run marker, left by a create whose answer was lost but which
// GitHub still carried out, and marks them inactive and deletes them. What
// it cannot clean up is a warning naming the deployment.
func (c *Client) retireDuplicates(ctx context.Context, cfg *config.Config, keep int64, res *Result) {
	if err := c.Policy.Sleep(ctx, DuplicatePause); err != nil {
		return
	}
	list, _, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, &github.DeploymentsListOptions{
		Ref: cfg.Ref, Environment: cfg.Environment, Task: cfg.Task, ListOptions: github.ListOptions{PerPage: 30},
	})
	if err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("deployment %d was created after a lost answer, and looking for a duplicate of it failed: %s", keep, githubapi.Describe(err)))
		return
	}
	m := markerOf(cfg)
	for _, d := range list {
		id := d.GetID()
		if id <= 0 || id == keep || !hasMarker(d, m) {
			continue
		}
		_, err := c.markInactive(ctx, cfg, id)
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

func (c *Client) createStatus(ctx context.Context, id int64, req *github.DeploymentStatusRequest, res *Result) (*github.DeploymentStatus, error) {
	call := githubapi.Call{Op: fmt.Sprintf("set deployment %d to %s", id, req.GetState()), Target: fmt.Sprintf("deployment %d of %s/%s", id, c.Owner, c.Repo), Write: true}
	var st *github.DeploymentStatus
	err := c.write(ctx, call, func() error {
		var err error
		st, _, err = c.GH.Repositories.CreateDeploymentStatus(ctx, c.Owner, c.Repo, id, req)
		if err == nil && (st.GetID() <= 0 || st.GetState() != req.GetState()) {
			err = &githubapi.BadAnswerError{What: fmt.Sprintf("the created status has no id or not the state %s", req.GetState())}
		}
		return err
	}, func() (bool, error) {
		list, _, err := c.GH.Repositories.ListDeploymentStatuses(ctx, c.Owner, c.Repo, id, &github.ListOptions{PerPage: 1})
		if err != nil || len(list) == 0 {
			return false, err
		}
		latest := list[0]
		if latest.GetID() > 0 && latest.GetState() == req.GetState() && latest.GetLogURL() == req.GetLogURL() && latest.GetDescription() == req.GetDescription() {
			st = latest
			res.Recovered = append(res.Recovered, fmt.Sprintf("status %s of deployment %d (its answer was lost)", req.GetState(), id))
			return true, nil
		}
		return false, nil
	})
	return st, err
}

// write sends a write that is not idempotent. When its answer is lost or
// is a 5xx, GitHub may have acted: done() checks, and only when the write
// is not found done is it sent again, a bounded number of times.
func (c *Client) write(ctx context.Context, call githubapi.Call, send func() error, done func() (bool, error)) error {
	p := c.Policy
	for try := 1; ; try++ {
		err := send()
		if err == nil {
			return nil
		}
		if !githubapi.MaybePerformed(err) || ctx.Err() != nil || try >= p.Tries {
			if try > 1 && githubapi.MaybePerformed(err) {
				err = &githubapi.ExhaustedError{Method: "POST", Path: call.Target, Tries: try, Last: err}
			}
			return githubapi.Explain(call, err)
		}
		wait := p.Backoff(try)
		c.logf("%s failed (%s); checking whether GitHub carried it out, then try %d of %d in %s", call.Op, githubapi.Describe(err), try+1, p.Tries, wait.Round(time.Millisecond))
		if serr := p.Sleep(ctx, wait); serr != nil {
			return githubapi.Explain(call, err)
		}
		ok, cerr := done()
		if cerr != nil {
			return githubapi.Explain(call, fmt.Errorf("%w; and checking whether GitHub carried it out failed: %v", err, cerr))
		}
		if ok {
			return nil
		}
	}
}
