package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

func (c *Client) createStatus(ctx context.Context, id int64, req *github.DeploymentStatusRequest, res *Result) (*github.DeploymentStatus, error) {
	call := githubapi.Call{Op: fmt.Sprintf("set deployment %d to %s", id, req.GetState()), Target: fmt.Sprintf("deployment %d of %s/%s", id, c.Owner, c.Repo), Write: true}
	var st *github.DeploymentStatus
	err := c.resendAfterCheck(ctx, call, func() error {
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

// resendAfterCheck sends a write that is not idempotent, which the
// transport does not send again once it may have reached GitHub. When its
// answer is lost, or is a 5xx, or is not an answer (MaybePerformed),
// GitHub may have acted: after a back-off, done() looks for the write on
// GitHub, and only when it is not there is the write sent again, at most
// Policy.Tries sends in all. Nothing else is retried here: rate limits,
// failures before the request left and every read are the transport's.
func (c *Client) resendAfterCheck(ctx context.Context, call githubapi.Call, send func() error, done func() (bool, error)) error {
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
