package report_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/golden"
)

func TestWaitSummaryAndOutputs(t *testing.T) {
	t.Parallel()
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	const sha = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"
	success := &lifecycle.Result{DeploymentID: 1234, Environment: "Preview", State: "success", EnvironmentURL: "https://hello-world-git-login.vercel.app",
		LogURL: "https://vercel.com/octo/hello-world/7", Ref: sha,
		Wait: &lifecycle.WaitResult{Pattern: "preview", Ref: sha, Creators: []string{"vercel[bot]"}, For: "success", Timeout: 10 * time.Minute,
			Reads: 6, Waited: 65937500 * time.Microsecond, Creator: "vercel[bot]"}}
	none := &lifecycle.Result{Ref: sha, Wait: &lifecycle.WaitResult{Pattern: "pr-*", Ref: sha, For: "final", Timeout: time.Minute, Reads: 6, Waited: time.Minute}}
	golden.Check(t, "wait-success.md", report.Summary(links, success))
	golden.Check(t, "wait-none-found.md", report.Summary(links, none))
	want := map[string]string{"deployment-id": "1234", "environment": "Preview", "environment-url": "https://hello-world-git-login.vercel.app",
		"state": "success", "creator": "vercel[bot]", "log-url": "https://vercel.com/octo/hello-world/7"}
	if d := cmp.Diff(want, report.Outputs(success)); d != "" {
		t.Errorf("outputs (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{}, report.Outputs(none)); d != "" {
		t.Errorf("outputs with nothing found (-want +got):\n%s", d)
	}
}
