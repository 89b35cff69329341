package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// a hostile URL in a retired deployment's last success (read from
// REST statuses, not GraphQL) must not steer the log.
func TestRetiredDeploymentsHostileURLDoesNotSteerTheLog(t *testing.T) {
	for _, retired := range []bool{false, true} {
		t.Run(map[bool]string{false: "live", true: "retired"}[retired], func(t *testing.T) {
			e := setup(t, fgtest.Token)
			id := vercel(e, "Preview")
			hostile := "https://x.example/\n::error title=pwned::owned\n## Heading"
			e.repo.AddStatusWithURLs(id, "success", hostile, "https://log.example/\n::warning::log")
			if retired {
				e.repo.AddStatus(id, "inactive")
			}
			_, out := runWait(t, e, map[string]string{"environment": "Preview", "creator": "vercel[bot]", "wait-for": "final", "timeout": "1m"})
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), "::error title=pwned") || strings.HasPrefix(strings.TrimSpace(l), "::warning::log") {
					t.Errorf("a hostile URL steered the log: %q in\n%s", l, out)
				}
			}
		})
	}
}

// GitHub answering 502 to six requests in a row (about six
// seconds of an outage) at the start of a 10-minute wait. An HTML page with
// 200 is polled again on the wait's schedule (3 in a row to fail); a 5xx
// burst that outlasts the transport's 5 tries ends the wait at once, with
// 9m54s left, though the deployment succeeds right after.
func TestWaitOutlastsABriefRunOf5xx(t *testing.T) {
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	e.repo.AddStatusWithURLs(id, "success", previewURL, "")
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/graphql", Status: 502, Times: 6})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.For = config.WaitForFinal
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil || res.DeploymentID != id {
		t.Errorf("deployment %d, want %d; %d requests, slept %s; err %v", res.DeploymentID, id, e.fake.Count(""), e.clock.Slept(), err)
	}
	if n := e.fake.Count(""); n > 30 {
		t.Errorf("%d requests, want at most 30", n)
	}
}

// Probe (held): refs in other spellings find the deployment behind newer
// ones: an upper-case full SHA, refs/tags/ of a tag whose name a branch
// at another commit shares.
func TestWaitRefSpellings(t *testing.T) {
	for _, ref := range []string{strings.ToUpper(fgtest.SHA), " " + fgtest.SHA + " ", "refs/tags/v1"} {
		t.Run(ref, func(t *testing.T) {
			e := setup(t, fgtest.Token)
			e.repo.AddRef("v1", otherSHA(700)).AddTag("v1", fgtest.SHA)
			seedRef := fgtest.SHA
			if strings.HasPrefix(ref, "refs/") {
				seedRef = ref
			}
			e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: otherSHA(700), Creator: "vercel[bot]", States: []string{"success"}})
			id := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: seedRef, Creator: "vercel[bot]"})[0]
			e.repo.AddStatusWithURLs(id, "success", previewURL, "")
			pushes(e, "Preview", 30)
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref = ref
			c.Wait.Timeout = time.Minute
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if err != nil || res.DeploymentID != id || res.Wait.Reads != firstPollReads(strings.TrimSpace(ref)) {
				t.Errorf("deployment %d, want %d; reads %d; err %v", res.DeploymentID, id, res.Wait.Reads, err)
			}
		})
	}
}

// GitHub's GraphQL answers a heavy query that timed out on its side
// with 200 and {"data": null, "errors": [{"message": "Something went wrong
// while executing your query. This may be the result of a timeout ..."}]}.
// One such answer, with time left, should be polled again (as an unusable
// answer is), not end the wait.
func TestWaitPollsAgainAfterAGraphQLTimeout(t *testing.T) {
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	e.repo.AddStatusWithURLs(id, "success", previewURL, "")
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/graphql", Status: 200, Times: 1,
		Body: `{"data":null,"errors":[{"message":"Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include ` + "`" + `0400:3D2C:1A2B3C:4D5E6F:65A1B2C3` + "`" + ` when reporting this issue."}]}`})
	c := waitCfg("Preview", "vercel[bot]")
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil || res.DeploymentID != id {
		t.Errorf("deployment %d, want %d; %d requests, slept %s; err %v", res.DeploymentID, id, e.fake.Count(""), e.clock.Slept(), err)
	}
}
