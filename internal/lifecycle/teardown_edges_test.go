package lifecycle_test

// What a teardown and a sweep hold at their edges (found by reviewing
// issue #21's change): limits over several nights, environments done on
// an earlier night, busy listings, deployments made meanwhile, tags named
// like branches, and answers that would set the size of what is printed.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// Another tool deploys tag v2 to qa (a release, live), then later branch
// v2 (a pull request's head, since closed). A tag and a branch of one name
// are different refs: the branch's deployment does not replace the tag's,
// and a pull-request-closed sweep must not write to the tag's live
// deployment nor delete the environment it is live in.
func TestTagAndBranchOfOneNameAreNotOneLineage(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	tagSHA, branchSHA := sha(61), sha(62)
	e.repo.AddTag("v2", tagSHA)
	now := e.clock.Now()
	tagDep := e.repo.Seed(fakegithub.Seed{Environment: "qa", Ref: "refs/tags/v2", Creator: "vercel[bot]", Created: now.Add(-2 * time.Hour), States: []string{"success"}})[0]
	e.repo.AddRef("v2", branchSHA) // the branch v2 (the fake holds one ref a name)
	branchDep := e.repo.Seed(fakegithub.Seed{Environment: "qa", Ref: "refs/heads/v2", Creator: "vercel[bot]", Created: now.Add(-time.Hour), States: []string{"success"}})[0]
	e.repo.AddTag("v2", tagSHA)
	e.repo.AddPull(fakegithub.Pull{Number: 7, HeadRef: "v2", HeadSHA: branchSHA, State: "CLOSED"})
	e.fake.ResetRequests()
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	cand := candidateFor(t, res, "qa")
	w := writtenIDs(e.fake)
	if w[tagDep] || !e.repo.HasEnvironment("qa") {
		t.Errorf("tag v2's live deployment %d written %v, environment qa there %v (branch v2's is %d): %s (%s)",
			tagDep, w[tagDep], e.repo.HasEnvironment("qa"), branchDep, cand.Decision, cand.Reason)
	}
}

// keep-latest on a sweep: in preview/shared, open #1's older deployment
// and merged #2's newer one are both live; keep-latest 1 keeps #2's. The
// sweep retires nothing, so it must not say it swept the environment and
// retired #2's deployment, nor say so again every night.
func TestSweepWithKeepLatestDoesNotClaimARetirementItDidNotDo(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(1, sha(1), "OPEN").AddPullRequest(2, sha(2), "MERGED")
	now := e.clock.Now()
	e.repo.Seed(
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(1), Payload: marker(1), Created: now.Add(-2 * time.Hour), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Payload: marker(2), Created: now.Add(-time.Hour), States: []string{"success"}},
	)
	for night := 1; night <= 2; night++ {
		e.fake.ResetRequests()
		c := sweepCfg("preview/**")
		c.Sweep.KeepLatest = 1
		res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
		if err != nil {
			t.Fatal(err)
		}
		cand := candidateFor(t, res, "preview/shared")
		if n := writes(e.fake); n == 0 && (cand.Decision != lifecycle.DecisionKept || res.Sweep.Stale() != 0) {
			t.Errorf("night %d: no write sent, yet the decision is %q (stale %d): %s", night, cand.Decision, res.Sweep.Stale(), cand.Reason)
		}
	}
}

// sweep-mode deactivate, two nights running: the first retires a stale
// environment; the second has nothing left to do and must not count it as
// swept again (environments-swept would say 1 every night for ever).
func TestDeactivateSweepIsNotCountedAgainTheNextNight(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(2, sha(2), "MERGED")
	e.repo.Seed(fakegithub.Seed{Environment: "pr-2", Ref: sha(2), Payload: marker(2), States: []string{"success"}})
	for night := 1; night <= 2; night++ {
		e.fake.ResetRequests()
		c := sweepCfg("pr-*")
		c.Sweep.Delete = false
		res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
		if err != nil {
			t.Fatal(err)
		}
		cand := candidateFor(t, res, "pr-2")
		if night == 2 && writes(e.fake) == 0 && cand.Decision == lifecycle.DecisionSwept {
			t.Errorf("night 2: nothing written, yet pr-2 is %q again (%s); stale %d", cand.Decision, cand.Reason, res.Sweep.Stale())
		}
	}
}

// limitedEnv is adminRepo whose client knows the REST requests left from
// GitHub's answers (as the app's does), and a primary limit of n REST
// requests an hour on the fake.
func limitedEnv(t *testing.T, n int) *env {
	t.Helper()
	e := adminRepo(t)
	limits := &githubapi.Limits{}
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now, p.Rand = e.clock.Sleep, e.clock.Now, func() float64 { return 0.5 }
	gh, err := githubapi.New(e.token, e.srv.URL, githubapi.Options{Policy: &p, Pacer: githubapi.NewPacer(e.clock.Sleep, e.clock.Now), Limits: limits,
		Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
	if err != nil {
		t.Fatal(err)
	}
	gql, err := githubapi.NewGraphQL(gh, githubapi.GraphQLURL(e.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	e.c = &lifecycle.Client{GH: gh, GQL: gql, Owner: "octo-org", Repo: "hello-world", Policy: p, Now: e.clock.Now,
		Room: func() lifecycle.Room { return lifecycle.Room{Writes: -1, Requests: limits.Remaining()} }}
	e.fake.SetPrimaryLimit(&fakegithub.PrimaryLimit{N: n, Window: time.Hour})
	return e
}

// A teardown by ref of a deleted branch reads REST's refs (up to 100
// pages) before it writes. With fewer REST requests left this hour than
// those pages, it must stop as its writes do (exit 0, say what is left,
// the next run goes on), not fail on GitHub's rate limit. Likewise a
// branch-deleted sweep.
func TestRESTRefReadsStopCleanlyAtTheRateLimit(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"deactivate-env ref", "sweep branch-deleted"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			e := limitedEnv(t, 8)
			e.repo.AddRef("feature/x", sha(70))
			seeds := make([]fakegithub.Seed, 1500)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: "preview/feature/x", Ref: "feature/x", Creator: "vercel[bot]", States: []string{"success"}}
			}
			e.repo.Seed(seeds...)
			e.repo.DeleteRef("feature/x")
			var res *lifecycle.Result
			var err error
			if step == "sweep branch-deleted" {
				c := sweepCfg("preview/**")
				c.Sweep.PullRequestClosed, c.Sweep.BranchDeleted = false, true
				res, err = lifecycle.Sweep(context.Background(), e.c, c.Sweep)
			} else {
				c := teardownCfg(config.StepDeactivateEnv, "preview/feature/x")
				c.Teardown.Ref = "feature/x"
				res, err = lifecycle.Teardown(context.Background(), e.c, c.Teardown)
			}
			if err != nil {
				t.Fatalf("the step failed on GitHub's rate limit instead of stopping cleanly: %v (primary refusals %d)", err, e.fake.PrimaryRefusals())
			}
			if res == nil || len(res.Warnings) == 0 {
				t.Errorf("no warning says what is left")
			}
		})
	}
}

// A sweep reads the deployments of up to 100 matched environments in one
// listing, capped at MaxPages (10,000 deployments) for all of them
// together. staging (pushes to main, never stale) holds 10,000; pr-1, of a
// merged pull request, one older deployment. pr-1 is never read: it must
// not be judged "no deployments to judge by" and kept, silently, every
// night; it must be swept (or at least said to be unread). pr-2, of a
// merged pull request, deployed last, is read whole: its environment must
// not be kept as one "with more than 10000 deployments".
func TestABusyEnvironmentDoesNotHideAStaleOneFromTheSweep(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("10,000 deployments")
	}
	e := adminRepo(t)
	e.repo.AddPullRequest(1, sha(1), "MERGED")
	now := e.clock.Now()
	e.repo.Seed(fakegithub.Seed{Environment: "pr-1", Ref: sha(1), Payload: marker(1), Created: now.Add(-60 * 24 * time.Hour), States: []string{"success"}})
	seeds := make([]fakegithub.Seed, lifecycle.MaxPages*100)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: "staging", Ref: "main", Payload: pushMarker(), Created: now.Add(-time.Hour), States: []string{"success", "inactive"}}
	}
	e.repo.Seed(seeds...)
	// pr-2, of merged #2, deployed last: read whole, yet in the batch.
	e.repo.AddPullRequest(2, sha(2), "MERGED")
	e.repo.Seed(fakegithub.Seed{Environment: "pr-2", Ref: sha(2), Payload: marker(2), States: []string{"success"}})
	e.fake.ResetRequests()
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	cand := candidateFor(t, res, "pr-1")
	if cand.Decision == lifecycle.DecisionKept {
		t.Errorf("pr-1 (one deployment of merged #1) is %s: %q; warnings %q", cand.Decision, cand.Reason, res.Warnings)
	}
	if e.repo.HasEnvironment("pr-1") {
		t.Errorf("pr-1 is still there after the sweep")
	}
	if e.repo.HasEnvironment("pr-2") {
		td := candidateFor(t, res, "pr-2").Teardown
		t.Errorf("pr-2, its one deployment read and deleted, is kept: %q", td.EnvironmentNote)
	}
}

// A branch whose name looks like a short SHA (a date, 20241206) is
// deleted; another tool's deployments of it have a null ref in GraphQL.
// delete-env with ref: 20241206 must find them by REST's ref, as it does
// for feature/login, and not report "matches none".
func TestTeardownByRefFindsADeletedBranchNamedLikeASHA(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("20241206", sha(80))
	ids := e.repo.Seed(fakegithub.Seed{Environment: "preview", Ref: "20241206", Creator: "vercel[bot]", States: []string{"success"}})
	e.repo.DeleteRef("20241206")
	e.fake.ResetRequests()
	c := teardownCfg(config.StepDeactivateEnv, "preview")
	c.Teardown.Ref = "20241206"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if !writtenIDs(e.fake)[ids[0]] {
		t.Errorf("branch 20241206's deployment %d was not deactivated; warnings %q", ids[0], res.Warnings)
	}
}

// A nightly sweep goes on from where the last one stopped (README:
// "sweeping is idempotent, so the next scheduled run goes on from
// there"). With max-environments 1, three stale environments take three
// nights. In sweep-mode deactivate, and in sweep-mode delete with
// keep-latest, an environment already done is judged stale again, oldest
// first, and takes the one place every night: the others are left for
// the next run for ever.
func TestANightlySweepGoesOnFromWhereItStopped(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"deactivate", "delete, keep-latest 1"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			now := e.clock.Now()
			for i := 1; i <= 3; i++ {
				e.repo.AddPullRequest(i, sha(i), "MERGED")
				// Two live deployments each (auto-inactive off): keep-latest 1
				// has one to delete.
				for k := range 2 {
					e.repo.Seed(fakegithub.Seed{Environment: "pr-" + itoa(int64(i)), Ref: sha(i), Payload: marker(i), Created: now.Add(time.Duration(10*i+k-100) * time.Hour), States: []string{"success"}})
				}
			}
			done := map[string]bool{}
			for night := 1; night <= 3; night++ {
				e.fake.ResetRequests()
				c := sweepCfg("pr-*")
				c.Sweep.Max = 1
				if mode == "deactivate" {
					c.Sweep.Delete = false
				} else {
					c.Sweep.KeepLatest = 1
				}
				res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
				if err != nil {
					t.Fatal(err)
				}
				for _, cand := range res.Sweep.Candidates {
					if td := cand.Teardown; td != nil && len(td.Deactivated)+len(td.Deleted) > 0 {
						done[cand.Environment] = true
					}
				}
				var ds []string
				for _, cand := range res.Sweep.Candidates {
					ds = append(ds, cand.Environment+": "+cand.Decision)
				}
				t.Logf("night %d: %d writes; %q", night, writes(e.fake), ds)
			}
			for i := 1; i <= 3; i++ {
				if env := "pr-" + itoa(int64(i)); !done[env] {
					t.Errorf("after 3 nights with max-environments 1, nothing was done in %s", env)
				}
			}
		})
	}
}

// foreignAnswer is a GraphQL answer listing n deployments of environment
// env, all on one page.
func foreignAnswer(n int, env string) string {
	var b strings.Builder
	b.WriteString(`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"databaseId":%d,"environment":%q,"task":"deploy","createdAt":"2026-01-01T00:00:00Z","commitOid":"%040x","payload":null,"ref":null,"latestStatus":null,"creator":null}`, i+1, env, i+1)
	}
	b.WriteString(`]}}}}`)
	return b.String()
}

// GitHub's answers are hostile: one answer (under the 8 MB the client
// reads) listing 35,000 deployments of another environment among those of
// pr-1 must not make 35,000 warnings (each an annotation, a log line):
// the size of what the step prints is not the answer's to choose.
func TestForeignDeploymentsInAnAnswerDoNotSetTheSizeOfTheWarnings(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
	body := foreignAnswer(35000, "production")
	if len(body) >= githubapi.MaxAnswer {
		t.Fatalf("the answer is %d bytes, over MaxAnswer", len(body))
	}
	e.fake.Inject(&fakegithub.Fault{Path: "graphql", Times: 1, Status: 200, Body: body})
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1").Teardown)
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, w := range res.Warnings {
		size += len(w)
	}
	if len(res.Warnings) > 100 || size > 64<<10 {
		t.Errorf("%d warnings, %d bytes in all, from one answer of %d bytes", len(res.Warnings), size, len(body))
	}
	if writes(e.fake) != 0 {
		t.Errorf("%d writes: a deployment of another environment was written to", writes(e.fake))
	}
}

// The same in a sweep: 2,000 deployments of an environment outside the
// batch in one answer make 2,000 warnings (each quoting the batch's names,
// cut short by Quote).
func TestForeignDeploymentsInASweepsAnswerDoNotSetTheSizeOfTheWarnings(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	for i := range 100 {
		e.repo.Seed(fakegithub.Seed{Environment: fmt.Sprintf("pr-%d-%s", i, strings.Repeat("x", 200)), States: []string{"success"}})
	}
	// The environments' listing goes through; the deployments' is hostile.
	e.fake.Inject(&fakegithub.Fault{Path: "graphql", Times: 1, Header: map[string]string{"X-Probe": "environments"}})
	e.fake.Inject(&fakegithub.Fault{Path: "graphql", Times: 1, Status: 200, Body: foreignAnswer(2000, "production")})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, w := range res.Warnings {
		size += len(w)
	}
	if len(res.Warnings) > 100 || size > 1<<20 {
		t.Errorf("%d warnings, %d bytes in all, from one answer listing 2,000 deployments of another environment", len(res.Warnings), size)
	}
}

// An environment is deleted only when nothing live remains in it. A
// sweep plans from its reads, then tears down (minutes for a big
// environment, paced at 80 writes a minute). A deployment made in the
// environment meanwhile (pull request #3 re-opened and deployed) is live:
// the environment must not be deleted under it without a look.
func TestSweepDoesNotDeleteAnEnvironmentWithADeploymentMadeDuringTheTeardown(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(2, sha(2), "MERGED").AddPullRequest(3, sha(3), "OPEN")
	e.repo.Seed(fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Payload: marker(2), States: []string{"success"}})
	e.fake.Inject(&fakegithub.Fault{Method: "DELETE", Path: "/deployments/", Times: 1, Delay: 400 * time.Millisecond})
	done := make(chan []int64)
	go func() {
		time.Sleep(100 * time.Millisecond)
		done <- e.repo.Seed(fakegithub.Seed{Environment: "preview/shared", Ref: sha(3), Payload: marker(3), States: []string{"in_progress"}})
	}()
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("preview/**").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	made := <-done
	if !e.repo.HasEnvironment("preview/shared") {
		t.Errorf("environment deleted though deployment %d of open #3, made during the teardown, is live in it (%s)", made[0], candidateFor(t, res, "preview/shared").Reason)
	}
}

// A sweep admits a whole environment against what GitHub's limits leave
// (500 content writes an hour; GITHUB_TOKEN's 1,000 REST requests an
// hour). A stale environment that needs more than an hour's worth (600
// live deployments of merged #1; or 995 retired ones, a delete each) is
// never admitted: every night it is "left for the next run", and, the
// oldest going first, so is every environment after it (pr-2). The
// issue: the next run continues.
func TestASweepGoesOnWithAnEnvironmentBiggerThanAnHoursLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		n      int
		states []string
		room   func(f *fakegithub.Fake) lifecycle.Room
	}{
		{"600 live, 500 writes an hour", 600, []string{"success"},
			func(f *fakegithub.Fake) lifecycle.Room {
				return lifecycle.Room{Writes: 500 - f.Count("POST"), Requests: -1}
			}},
		{"995 retired, 1000 requests an hour", 995, []string{"success", "inactive"},
			func(f *fakegithub.Fake) lifecycle.Room {
				return lifecycle.Room{Writes: -1, Requests: 1000 - f.Count("POST") - f.Count("DELETE") - f.Count("GET")}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			e.repo.AddPullRequest(1, sha(1), "MERGED").AddPullRequest(2, sha(2), "MERGED")
			now := e.clock.Now()
			seeds := make([]fakegithub.Seed, tt.n)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: "pr-1", Ref: sha(1), Payload: marker(1), Created: now.Add(-48 * time.Hour), States: tt.states}
			}
			e.repo.Seed(seeds...)
			e.repo.Seed(fakegithub.Seed{Environment: "pr-2", Ref: sha(2), Payload: marker(2), Created: now.Add(-time.Hour), States: []string{"success"}})
			e.c.Room = func() lifecycle.Room { return tt.room(e.fake) }
			for night := 1; night <= 3; night++ {
				e.fake.ResetRequests() // a new hour, a new night
				res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("night %d: %d writes; stopped: %s", night, writes(e.fake), res.Sweep.Stopped)
			}
			if e.repo.HasEnvironment("pr-1") || e.repo.HasEnvironment("pr-2") {
				t.Errorf("after 3 nights: pr-1 there %v (%d deployments in all left), pr-2 there %v", e.repo.HasEnvironment("pr-1"), len(e.repo.Deployments()), e.repo.HasEnvironment("pr-2"))
			}
		})
	}
}

// A sweep's reason for a shared environment names every pull request of
// every lineage: with 300 merged and 300 open pull requests sharing
// preview/shared, one reason (a cell of the summary's table, a log line,
// the swept output) is tens of kilobytes, its size set by what the
// repository holds, not bounded.
func TestASharedEnvironmentsReasonIsBounded(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	now := e.clock.Now()
	var seeds []fakegithub.Seed
	for n := 1; n <= 600; n++ {
		state := "MERGED"
		if n > 300 {
			state = "OPEN"
		}
		e.repo.AddPullRequest(n, sha(n), state)
		seeds = append(seeds, fakegithub.Seed{Environment: "preview/shared", Ref: sha(n), Payload: marker(n), Created: now.Add(time.Duration(n-1000) * time.Minute), States: []string{"success"}})
	}
	e.repo.Seed(seeds...)
	c := sweepCfg("preview/**")
	c.Sweep.DryRun = true
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if r := candidateFor(t, res, "preview/shared").Reason; len(r) > 4096 {
		t.Errorf("the reason is %d bytes: %.200s…", len(r), r)
	}
}
