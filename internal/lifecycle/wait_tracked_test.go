package lifecycle_test

// Tests of wait's deeper reads (the first poll's REST listing by ref and
// commit pages, the later polls' re-read by node id) against the
// invariant of docs/wait.md: a deployment of the environment, ref and
// creator that exists is found within the stated reads, with its final
// state and URL; one that does not match (another environment, ref,
// repository, a deleted one) is never reported; a hostile answer steers
// neither the reads nor the deployment reported.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// featureBehind30 makes the branch feature, with a deployment of an older
// commit of it in Preview by vercel[bot] in state, behind 30 newer ones
// of other commits: only the first poll's REST listing finds it, later
// polls read it by its node id. It returns its id.
func featureBehind30(e *env, state string) int64 {
	e.repo.AddRef("feature", otherSHA(900))
	id := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{state}})[0]
	e.repo.AddRef("feature", otherSHA(901))
	pushes(e, "Preview", 30)
	return id
}

// restListing is a REST listing of deployments holding one deployment,
// as GitHub spells it, with node id nodeID.
func restListing(id int64, nodeID, ref, env, creator string) string {
	return fmt.Sprintf(`[{"id":%d,"node_id":%q,"sha":%q,"ref":%q,"task":"deploy","environment":%q,"original_environment":%q,`+
		`"creator":{"login":%q,"id":1,"type":"Bot"},"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]`,
		id, nodeID, otherSHA(900), ref, env, env, creator)
}

// The node id that REST's listing gives, and GraphQL's answer for it, are
// GitHub's word: a node id of another repository's deployment, or of a
// deployment of another ref whose branch is gone, or an answer that reads
// back another deployment than the one asked for (another id, another
// commit, no ref), is not taken for the deployment waited for. The wait
// returns its own deployment, or none.
func TestWaitTakesOnlyTheDeploymentItsNodeIDNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ref   string
		setup func(t *testing.T, e *env) (own, hostile int64)
	}{
		{"REST gives the node id of another repository's deployment of a branch of the same name", "feature", func(t *testing.T, e *env) (int64, int64) {
			own := featureBehind30(e, "in_progress")
			other := e.fake.AddRepo("octo-org/other").AddRef("feature", otherSHA(5))
			theirs := other.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]"})[0]
			other.AddStatusWithURLs(theirs, "success", "https://other-repo.example", "")
			e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/repos/octo-org/hello-world/deployments", Times: 1, Status: 200,
				Body: restListing(own, "DE_"+itoa(theirs), "feature", "Preview", "vercel[bot]")})
			return own, theirs
		}},
		{"REST gives the node id of this repository's deployment of a deleted branch", "feature", func(t *testing.T, e *env) (int64, int64) {
			own := featureBehind30(e, "in_progress")
			e.repo.AddRef("gone", otherSHA(800))
			theirs := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "gone", Creator: "vercel[bot]"})[0]
			e.repo.AddStatusWithURLs(theirs, "success", "https://gone.example", "")
			e.repo.DeleteRef("gone")
			e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/repos/octo-org/hello-world/deployments", Times: 1, Status: 200,
				Body: restListing(own, "DE_"+itoa(theirs), "feature", "Preview", "vercel[bot]")})
			return own, theirs
		}},
		{"the node read by id answers as another deployment, of another commit, without a ref", fgtest.SHA, func(t *testing.T, e *env) (int64, int64) {
			own := vercel(e, "Preview")
			e.repo.AddStatus(own, "in_progress")
			const theirs = 999_999
			e.fake.GraphQLAnswer = func(_ string, vars map[string]any, answer map[string]any) map[string]any {
				if vars["tracked"] == nil {
					return nil
				}
				data := answer["data"].(map[string]any)
				data["tracked"] = map[string]any{"__typename": "Deployment", "id": "DE_999999", "databaseId": theirs, "environment": "Preview",
					"commitOid": otherSHA(3), "ref": nil, "creator": map[string]any{"__typename": "Bot", "login": "vercel"},
					"latestStatus": map[string]any{"state": "SUCCESS", "environmentUrl": "https://elsewhere.example", "logUrl": nil}}
				return answer
			}
			return own, theirs
		}},
		{"the node read by id answers as another type", fgtest.SHA, func(t *testing.T, e *env) (int64, int64) {
			own := vercel(e, "Preview")
			e.repo.AddStatus(own, "in_progress")
			const theirs = 999_998
			e.fake.GraphQLAnswer = func(_ string, vars map[string]any, answer map[string]any) map[string]any {
				if vars["tracked"] == nil {
					return nil
				}
				data := answer["data"].(map[string]any)
				data["tracked"] = map[string]any{"__typename": "Issue", "id": vars["tracked"], "databaseId": theirs, "environment": "Preview",
					"commitOid": fgtest.SHA, "creator": map[string]any{"__typename": "Bot", "login": "vercel"},
					"latestStatus": map[string]any{"state": "SUCCESS", "environmentUrl": "https://elsewhere.example"}}
				return answer
			}
			return own, theirs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			own, hostile := tt.setup(t, e)
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref, c.Wait.Timeout, c.Wait.For = tt.ref, time.Minute, config.WaitForFinal
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if res.DeploymentID == hostile || strings.Contains(res.EnvironmentURL, ".example") {
				t.Errorf("reported deployment %d (%s, %q), which the wait's inputs do not name; want %d or none; err %v",
					res.DeploymentID, res.State, res.EnvironmentURL, own, err)
			}
		})
	}
}

// refs/heads/v1 is the branch v1 and refs/tags/v1 the tag: a deployment
// REST lists under the bare name v1, made of the tag (or branch) v1 that
// was deleted since (GraphQL answers its ref null), is not taken for the
// other kind of ref. Nothing of the ref asked for exists: the wait finds
// none.
func TestWaitForABranchDoesNotTakeADeletedTagsDeployment(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ ask, made string }{{"refs/heads/v1", "tag"}, {"refs/tags/v1", "branch"}} {
		t.Run(tt.ask+" after the "+tt.made+" v1 was deleted", func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			if tt.made == "tag" {
				e.repo.AddTag("v1", otherSHA(700))
			} else {
				e.repo.AddRef("v1", otherSHA(700))
			}
			gone := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "v1", Creator: "vercel[bot]", States: []string{"success"}})[0]
			e.repo.DeleteRef("v1")
			pushes(e, "Preview", 30)
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref, c.Wait.Timeout = tt.ask, time.Minute
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if res.DeploymentID != 0 || err == nil {
				t.Errorf("deployment %d (%s; the deleted %s's is %d), want none for %s; err %v", res.DeploymentID, res.State, tt.made, gone, tt.ask, err)
			}
		})
	}
}

// A deployment's environment changes when a status names another (REST's
// create-a-deployment-status environment parameter). The deployment the
// first poll found deep and tracks by its node id moves to production:
// it is no longer Preview's, and the newest deployment of Preview of the
// branch is then the older one, successful, which the wait returns. It
// never reports the moved one as Preview's.
func TestWaitFindsTheNextDeploymentWhenTheTrackedOneMovesToAnotherEnvironment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddRef("feature", otherSHA(900))
	older := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]"})[0]
	e.repo.AddStatusWithURLs(older, "success", previewURL, "")
	moved := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})[0]
	e.repo.AddRef("feature", otherSHA(901))
	pushes(e, "Preview", 30)
	afterAnswer(e, map[int]func(){1: func() {
		_, _, err := e.c.GH.Repositories.CreateDeploymentStatus(context.Background(), "octo-org", "hello-world", moved,
			&github.DeploymentStatusRequest{State: github.String("in_progress"), Environment: github.String("production")})
		if err != nil {
			t.Error(err)
		}
	}})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref, c.Wait.Timeout = "feature", 2*time.Minute
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if res.DeploymentID == moved {
		t.Errorf("reported deployment %d as %s's (%s), though it moved to production", moved, res.Environment, res.State)
	}
	if err != nil || res.DeploymentID != older || res.EnvironmentURL != previewURL {
		t.Errorf("deployment %d (%s, %q), want %d (success, %s), Preview's newest of feature once %d left; err %v",
			res.DeploymentID, res.State, res.EnvironmentURL, older, previewURL, moved, err)
	}
}

// GitHub answering the node read by id NOT_FOUND once, on the first poll
// (a deployment REST lists that GraphQL does not resolve yet, or one
// deleted in between while an older match stays), does not lose the
// deployment for the rest of the wait: a later poll reads deep again, as
// it does for one deleted after the first poll.
func TestWaitKeepsLookingWhenTheFirstPollsNodeIsNotFound(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := featureBehind30(e, "in_progress")
	var mu sync.Mutex
	spoiled, answers := false, 0
	e.fake.GraphQLAnswer = func(_ string, vars map[string]any, answer map[string]any) map[string]any {
		mu.Lock()
		defer mu.Unlock()
		if answers++; answers == 5 {
			e.repo.AddStatusWithURLs(id, "success", previewURL, "")
		}
		if vars["tracked"] == nil || spoiled {
			return nil
		}
		spoiled = true
		answer["data"].(map[string]any)["tracked"] = nil
		answer["errors"] = []any{map[string]any{"type": "NOT_FOUND", "path": []any{"tracked"},
			"message": fmt.Sprintf("Could not resolve to a node with the global id of '%s'", vars["tracked"])}}
		return answer
	}
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref, c.Wait.Timeout = "feature", 3*time.Minute
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil || res.DeploymentID != id || res.State != "success" {
		t.Errorf("deployment %d (%s), want %d (success): the one NOT_FOUND answer lost it; err %v", res.DeploymentID, res.State, id, err)
	}
}

// docs/wait.md: every poll after the first is one query (and one read of
// statuses for a retired deployment); a 10-minute wait reads 24 to 28
// times, never more than 30. A history where the deployment a poll tracks
// is deleted before the next (a tool that deletes its older deployments,
// five of them one by one), on a branch whose commit has 290 deployments
// of others in the environment (the one waited for is among the
// branch's newest 300), costs no poll more than its query: the first
// poll's REST listing found all six, and each deleted one gives way to
// the next at no extra read (reading as deep as the first poll again
// would cost 7: the REST listing's three pages and one of the other
// spelling, the query and the commit's next two pages). The first poll's
// 7 and 23 more make 30.
func TestWaitReadsWithinItsBoundWhenTrackedDeploymentsAreDeleted(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddRef("feature", otherSHA(900))
	var ids []int64
	for range 6 {
		ids = append(ids, e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})[0])
	}
	e.repo.AddRef("feature", otherSHA(901))
	seeds := make([]fakegithub.Seed, 290)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "netlify[bot]", States: []string{"success"}}
	}
	e.repo.Seed(seeds...)
	var mu sync.Mutex
	deleted := 0
	e.fake.GraphQLAnswer = func(_ string, vars map[string]any, _ map[string]any) map[string]any {
		tracked, _ := vars["tracked"].(string)
		mu.Lock()
		defer mu.Unlock()
		if tracked == "" || deleted >= 5 {
			return nil
		}
		if n, err := strconv.ParseInt(strings.TrimPrefix(tracked, "DE_"), 10, 64); err == nil && e.repo.DeleteDeployment(n) {
			deleted++
		}
		return nil
	}
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref, c.Wait.For = "feature", config.WaitForFinal
	res, _ := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if n := e.fake.Reads(); n > 30 {
		t.Errorf("%d reads in a 10-minute wait (the result says %d; %d deletions), want at most 30 (docs/wait.md: 24 to 28)", n, res.Wait.Reads, deleted)
	}
	if res.DeploymentID != ids[0] {
		t.Errorf("deployment %d, want %d, the one left", res.DeploymentID, ids[0])
	}
}

// A deployment made after the first poll, of the branch's
// older commit (a redeploy), behind the newer ones of other commits that
// hid the first, is found on the next poll and taken over the one
// tracked, and its success ends the wait.
func TestWaitFindsARedeployMadeAfterTheFirstPoll(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	first := featureBehind30(e, "in_progress")
	var redeploy int64
	afterAnswer(e, map[int]func(){
		1: func() {
			e.repo.AddRef("feature", otherSHA(900))
			redeploy = e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})[0]
			e.repo.AddRef("feature", otherSHA(901))
		},
		3: func() { e.repo.AddStatusWithURLs(redeploy, "success", previewURL, "") },
	})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref = "feature"
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil || res.DeploymentID != redeploy || res.EnvironmentURL != previewURL {
		t.Errorf("deployment %d (%s, %q), want the redeploy %d (success), not %d; err %v", res.DeploymentID, res.State, res.EnvironmentURL, redeploy, first, err)
	}
	if n := e.fake.Reads(); n != 3+3 {
		t.Errorf("%d reads, want 6: the first poll's 3, then one a poll", n)
	}
}

// An environment name and a state from GitHub's answer,
// holding a newline and a workflow command, do not steer the log.
func TestWaitHostileEnvironmentAndStateDoNotSteerTheLog(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := e.repo.Seed(fakegithub.Seed{Environment: "preview-x\n::error title=pwned::env", Ref: fgtest.SHA, Creator: "vercel[bot]"})[0]
	e.repo.AddStatusWithURLs(id, "in_progress", "", "")
	e.fake.GraphQLAnswer = func(_ string, _ map[string]any, answer map[string]any) map[string]any {
		spoil(answer["data"], func(conn map[string]any) {
			for _, n := range conn["nodes"].([]any) {
				if st, ok := n.(map[string]any)["latestStatus"].(map[string]any); ok {
					st["state"] = "IN_PROGRESS\n::warning title=pwned::state"
				}
			}
		})
		return answer
	}
	_, out := runWait(t, e, map[string]string{"environment": "preview-*", "creator": "vercel[bot]", "timeout": "10s"})
	if !strings.Contains(out, itoa(id)) {
		t.Fatalf("the log does not name deployment %d:\n%s", id, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "::error title=pwned") || strings.HasPrefix(l, "::warning title=pwned") {
			t.Errorf("an answer steered the log: %q in\n%s", l, out)
		}
	}
}

// A commit read as both the branch and the "tag" of a ref given as
// refs/heads/x (the poll's query asks ref(qualifiedName:) for both, and
// both are the branch) is paged once on the first poll: docs/wait.md's
// bound is at most 9 more pages a commit. Here no deployment matches
// (only another creator's, 1,000 of the branch's commit): the first poll
// reads the REST listing (one page for refs/heads/feature, three for
// feature), the query and nine more pages of the commit, and a second
// poll one query: 15 reads, not 24.
func TestWaitPagesABranchsCommitOnceWhenGivenAsRefsHeads(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{"refs/heads/feature", "refs/tags/feature"} {
		t.Run(ref, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			if strings.HasPrefix(ref, "refs/tags/") {
				e.repo.AddTag("feature", otherSHA(901))
			} else {
				e.repo.AddRef("feature", otherSHA(901))
			}
			seeds := make([]fakegithub.Seed, 1000)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "netlify[bot]", States: []string{"success"}}
			}
			e.repo.Seed(seeds...)
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref, c.Wait.Timeout = ref, time.Second
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if err == nil || res.DeploymentID != 0 {
				t.Errorf("deployment %d, want none; err %v", res.DeploymentID, err)
			}
			pages := 0
			for _, r := range e.fake.Requests() {
				if r.Method == "GRAPHQL" && strings.Contains(r.Body, `"after"`) {
					pages++
				}
			}
			if n := e.fake.Reads(); n != 15 || pages != 9 {
				t.Errorf("%d reads, %d of them the commit's next pages; want 15 and 9 (its pages read once)", n, pages)
			}
		})
	}
}

// The deployment a wait saw, deleted since, is not what it reports at its
// timeout (as its outputs' deployment-id and in the message): GitHub has
// none of the ref by then.
func TestWaitDoesNotReportADeletedDeploymentAsTheLastSeen(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := featureBehind30(e, "in_progress")
	afterAnswer(e, map[int]func(){1: func() { e.repo.DeleteDeployment(id) }})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref, c.Wait.Timeout = "feature", time.Minute
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if res.DeploymentID == id || (err != nil && strings.Contains(err.Error(), "deployment "+itoa(id)+" of Preview")) {
		t.Errorf("reports deployment %d (%s), deleted after the first poll; err %v", res.DeploymentID, res.State, err)
	}
}

// Hostile pagination of a commit's deployments on the
// first poll (a next page that names the cursor it was asked after)
// ends after two pages, not the 9 of its bound, and a REST listing whose
// Link header names another host, another path or an earlier page
// steers no request: each goes to this repository's listing, forward
// only, at most 3 pages a spelling.
func TestWaitHostilePaginationStaysWithinItsBound(t *testing.T) {
	t.Parallel()
	t.Run("a GraphQL cursor that loops", func(t *testing.T) {
		t.Parallel()
		e := setup(t, fgtest.Token)
		seeds := make([]fakegithub.Seed, 1200)
		for i := range seeds {
			seeds[i] = fakegithub.Seed{Environment: "Preview", Ref: fgtest.SHA, Creator: "netlify[bot]", States: []string{"success"}}
		}
		e.repo.Seed(seeds...)
		e.fake.GraphQLAnswer = func(_ string, vars map[string]any, answer map[string]any) map[string]any {
			after, _ := vars["after"].(string)
			if after == "" {
				return nil
			}
			// Each next page names the cursor it was asked after.
			spoil(answer["data"], func(conn map[string]any) {
				conn["pageInfo"] = map[string]any{"hasNextPage": true, "endCursor": after}
			})
			return answer
		}
		c := waitCfg("Preview", "vercel[bot]")
		c.Wait.Timeout = time.Second
		_, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
		if got, want := e.fake.Reads(), 1+2+1; got != want {
			t.Errorf("%d reads, want %d: the first poll, two pages (the cursor seen again ends them), a second poll; err %v", got, want, err)
		}
	})
	for _, link := range []string{
		`<https://evil.example/repos/octo-org/other/deployments?page=2&per_page=100>; rel="next"`,
		`<https://api.github.com/repos/octo-org/other/deployments?page=2>; rel="next"`,
		`<https://api.github.com/repos/octo-org/hello-world/deployments?page=1>; rel="next"`,
	} {
		t.Run("Link "+link, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			e.repo.AddRef("feature", otherSHA(901))
			e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/repos/octo-org/hello-world/deployments", Status: 200,
				Header: map[string]string{"Link": link}, Body: restListing(1, "DE_1", "feature", "staging", "vercel[bot]")})
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref, c.Wait.Timeout = "feature", time.Second
			_, _ = lifecycle.Wait(context.Background(), e.c, c.Wait)
			rest := 0
			for _, r := range e.fake.Requests() {
				if r.Method == "GRAPHQL" {
					continue
				}
				rest++
				if r.Path != "/repos/octo-org/hello-world/deployments" {
					t.Errorf("a Link header steered a request to %s %s?%s", r.Method, r.Path, r.Query)
				}
			}
			if rest < 2 || rest > 2*3 {
				t.Errorf("%d REST reads, want 2 to 6 (1 to 3 pages a spelling)", rest)
			}
		})
	}
}

// A deployment made after the first poll of a ref that did
// not exist at the first poll (a branch pushed since, a short SHA of a
// commit pushed since) is found by a later poll, at one read a poll.
func TestWaitFindsADeploymentOfARefPushedAfterTheFirstPoll(t *testing.T) {
	t.Parallel()
	const sha = "c0c0a00000000000000000000000000000000001"
	for _, ref := range []string{"late-branch", sha[:9]} {
		t.Run(ref, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			pushes(e, "Preview", 30)
			var id int64
			afterAnswer(e, map[int]func(){2: func() {
				e.repo.AddRef("late-branch", sha)
				id = e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "late-branch", Creator: "vercel[bot]"})[0]
				e.repo.AddStatusWithURLs(id, "success", previewURL, "")
			}})
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref = ref
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if err != nil || res.DeploymentID != id || res.EnvironmentURL != previewURL {
				t.Errorf("deployment %d (%s, %q), want %d (success); err %v", res.DeploymentID, res.State, res.EnvironmentURL, id, err)
			}
			if n := e.fake.Reads(); n > 5 {
				t.Errorf("%d reads, want at most 5: the first poll's (REST in two spellings, or the environment's page for a short SHA), then one a poll", n)
			}
		})
	}
}

// BenchmarkWait10MinutesAdversarial reports the reads of a 10-minute wait
// (docs/wait.md: 24 to 28) over the histories the tests above found
// costly: refs/heads/feature whose commit has 1,000 deployments of
// another creator (its pages once on the first poll: 37 reads, 46 when
// they were read twice), and a branch whose tracked deployment is deleted
// five times (each gives way to the next found: 30 reads, 60 when each
// deletion made a later poll read as deep as the first).
//
//	go test -run '^$' -bench Wait10MinutesAdversarial ./internal/lifecycle
func BenchmarkWait10MinutesAdversarial(b *testing.B) {
	cases := []struct {
		name string
		seed func(e *env)
	}{
		{"refs-heads-busy-commit", func(e *env) {
			e.repo.AddRef("feature", otherSHA(901))
			seeds := make([]fakegithub.Seed, 1000)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "netlify[bot]", States: []string{"success"}}
			}
			e.repo.Seed(seeds...)
		}},
		{"tracked-deleted-5-times", func(e *env) {
			e.repo.AddRef("feature", otherSHA(900))
			for range 6 {
				e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})
			}
			e.repo.AddRef("feature", otherSHA(901))
			seeds := make([]fakegithub.Seed, 290)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "netlify[bot]", States: []string{"success"}}
			}
			e.repo.Seed(seeds...)
			var mu sync.Mutex
			deleted := 0
			e.fake.GraphQLAnswer = func(_ string, vars map[string]any, _ map[string]any) map[string]any {
				tracked, _ := vars["tracked"].(string)
				mu.Lock()
				defer mu.Unlock()
				if n, err := strconv.ParseInt(strings.TrimPrefix(tracked, "DE_"), 10, 64); err == nil && deleted < 5 && e.repo.DeleteDeployment(n) {
					deleted++
				}
				return nil
			}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			reads := 0
			for b.Loop() {
				b.StopTimer()
				e := setup(b, fgtest.Token)
				tc.seed(e)
				c := waitCfg("Preview", "vercel[bot]")
				c.Wait.Ref, c.Wait.For = "feature", config.WaitForFinal
				if tc.name == "refs-heads-busy-commit" {
					c.Wait.Ref = "refs/heads/feature"
				}
				b.StartTimer()
				_, _ = lifecycle.Wait(context.Background(), e.c, c.Wait)
				reads += e.fake.Reads()
			}
			b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
		})
	}
}
