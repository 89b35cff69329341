package lifecycle_test

// What a sweep and a teardown must keep, against a fake GitHub that
// answers as GitHub documents: merged commits on the default branch,
// pull requests GitHub cannot resolve, protected environments, names in
// another case, listings that hold other environments' deployments or
// cursors that go round, and more stale environments than one run may
// take.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// adminRepo is a repository whose token may delete environments.
func adminRepo(t *testing.T) *env {
	t.Helper()
	e := setup(t, fgtest.Token)
	e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	e.c.Now = e.clock.Now
	return e
}

// pushMarker is the run marker this action records on a push: no pull
// request.
func pushMarker() map[string]any {
	return map[string]any{"deployment_action": map[string]any{"run_id": 3, "run_attempt": 1, "job": "deploy"}}
}

func writes(f *fakegithub.Fake) int { return f.Count("POST") + f.Count("DELETE") }

// GitHub lists the merged pull request that brought a default-branch
// commit in among that commit's pull requests. staging and qa, deployed by
// this action on pushes to main, are not a pull request's, whatever
// pattern names them.
func TestSweepKeepsDefaultBranchDeploymentsOfMergedCommits(t *testing.T) {
	t.Parallel()
	for _, patterns := range [][]string{{"*"}, {"staging", "qa"}, {"STAGING", "Qa"}} {
		t.Run(strings.Join(patterns, ","), func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			merge := sha(90)
			e.repo.AddRef("main", merge)
			e.repo.AddPull(fakegithub.Pull{Number: 9, HeadRef: "feature-x", HeadSHA: sha(91), MergeSHA: merge, State: "MERGED"})
			e.repo.Seed(
				fakegithub.Seed{Environment: "staging", Ref: "main", Payload: pushMarker(), States: []string{"success"}},
				fakegithub.Seed{Environment: "qa", Ref: merge, Payload: pushMarker(), States: []string{"success"}},
				// Another tool's deployment of main: no marker.
				fakegithub.Seed{Environment: "demo", Ref: "main", States: []string{"success"}},
				fakegithub.Seed{Environment: "demo-sha", Ref: merge, States: []string{"success"}},
			)
			e.fake.ResetRequests()
			res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg(patterns...).Sweep)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Sweep.Candidates {
				if c.Decision != lifecycle.DecisionKept {
					t.Errorf("%s: %s (%s)", c.Environment, c.Decision, c.Reason)
				}
			}
			if n := writes(e.fake); n != 0 {
				t.Errorf("%d writes", n)
			}
			for _, env := range []string{"staging", "qa", "demo", "demo-sha"} {
				if !e.repo.HasEnvironment(env) {
					t.Errorf("%s is gone", env)
				}
			}
		})
	}
}

// A run marker naming a pull request GitHub cannot resolve (stale or
// forged) keeps that environment, and the rest of the sweep goes on.
func TestSweepKeepsWhatNamesAnUnknownPullRequest(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(7, sha(7), "CLOSED")
	e.repo.Seed(
		fakegithub.Seed{Environment: "pr-7", Ref: sha(7), Payload: marker(7), States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-404", Ref: sha(8), Payload: marker(404), States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-huge", Ref: sha(9), Payload: marker(1 << 40), States: []string{"success"}},
	)
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range res.Sweep.Candidates {
		got[c.Environment] = c.Decision + ": " + c.Reason
	}
	for env, want := range map[string]string{
		"pr-7":    "swept: pull request #7 closed",
		"pr-404":  "kept: pull request #404 of its newest deployment's run marker could not be found on GitHub",
		"pr-huge": "kept: pull request #1099511627776 of its newest deployment's run marker could not be found on GitHub",
	} {
		if !strings.HasPrefix(got[env], want) {
			t.Errorf("%s: %q, want %q…", env, got[env], want)
		}
	}
	exists := map[string]bool{}
	for _, env := range []string{"pr-7", "pr-404", "pr-huge"} {
		exists[env] = e.repo.HasEnvironment(env)
	}
	if d := cmp.Diff(map[string]bool{"pr-7": false, "pr-404": true, "pr-huge": true}, exists); d != "" {
		t.Errorf("the wrong environments are gone: exists (-want +got):\n%s", d)
	}
}

// Deployments of another tool: its pull request counts only when the
// deployment was made from the pull request's head.
func TestSweepJudgesOtherToolsDeploymentsByTheirHead(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("feature-x", sha(1)).AddRef("release", sha(2))
	e.repo.AddPull(fakegithub.Pull{Number: 1, HeadRef: "feature-x", HeadSHA: sha(1), MergeSHA: sha(11), State: "MERGED"})
	e.repo.AddPull(fakegithub.Pull{Number: 2, HeadRef: "feature-y", HeadSHA: sha(2), MergeSHA: sha(12), State: "CLOSED"})
	e.repo.AddPull(fakegithub.Pull{Number: 3, HeadRef: "feature-z", HeadSHA: sha(3), State: "CLOSED", BaseRepository: "upstream/hello-world"})
	e.repo.Seed(
		fakegithub.Seed{Environment: "preview-x", Ref: "feature-x", States: []string{"success"}},
		fakegithub.Seed{Environment: "preview-x-full", Ref: "refs/heads/feature-x", States: []string{"success"}},
		fakegithub.Seed{Environment: "preview-sha", Ref: sha(1), States: []string{"success"}},
		// release's commit is #2's head, but release is not #2's branch.
		fakegithub.Seed{Environment: "preview-release", Ref: "release", States: []string{"success"}},
		// #3 is another repository's.
		fakegithub.Seed{Environment: "preview-upstream", Ref: sha(3), States: []string{"success"}},
	)
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("preview-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"preview-x": "swept", "preview-x-full": "swept", "preview-sha": "swept", "preview-release": "kept", "preview-upstream": "kept"}
	if got := decisions(res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("decisions %v, want %v", got, want)
	}
}

// A protected environment is never a wildcard's: only its exact name
// sweeps it.
func TestSweepKeepsProtectedEnvironmentsFromWildcards(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pattern, want string
	}{{"pr-*", "kept"}, {"*", "kept"}, {"pr-?", "kept"}, {"pr-5", "swept"}, {"PR-5", "swept"}} {
		t.Run(tt.pattern, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			e.repo.AddPullRequest(5, sha(5), "MERGED")
			e.repo.Seed(fakegithub.Seed{Environment: "pr-5", Ref: sha(5), Payload: marker(5), States: []string{"success"}})
			e.repo.Protect("pr-5", "REQUIRED_REVIEWERS", "WAIT_TIMER")
			res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg(tt.pattern).Sweep)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Sweep.Candidates) != 1 {
				t.Fatalf("candidates %+v", res.Sweep.Candidates)
			}
			c := res.Sweep.Candidates[0]
			if c.Decision != tt.want {
				t.Errorf("%s: %s (%s)", c.Environment, c.Decision, c.Reason)
			}
			if tt.want == "kept" {
				if !strings.Contains(c.Reason, "protected (required reviewers, wait timer)") {
					t.Errorf("reason %q, want it to name the protection (required reviewers, wait timer)", c.Reason)
				}
				if !e.repo.HasEnvironment("pr-5") {
					t.Error("kept environment pr-5 is gone")
				}
				if n := writes(e.fake); n != 0 {
					t.Errorf("%d writes, want none", n)
				}
			}
		})
	}
}

// Environment names are not case sensitive: patterns match in any case,
// and deployments in "PR-7" and "pr-7" are one environment's.
func TestSweepIgnoresTheCaseOfNames(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(7, sha(7), "CLOSED")
	e.repo.Seed(
		fakegithub.Seed{Environment: "PR-7", Ref: sha(7), Payload: marker(7), States: []string{"success", "inactive"}},
		fakegithub.Seed{Environment: "pr-7", Ref: sha(7), Payload: marker(7), States: []string{"success"}},
		fakegithub.Seed{Environment: "Production", Ref: sha(7), Payload: marker(7), States: []string{"success"}},
	)
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sweep.Candidates) != 2 {
		t.Fatalf("candidates %+v: PR-7 and pr-7 are one environment", res.Sweep.Candidates)
	}
	d := map[string]string{}
	for _, c := range res.Sweep.Candidates {
		d[strings.ToLower(c.Environment)] = c.Decision
	}
	if diff := cmp.Diff(map[string]string{"pr-7": "swept", "production": "kept"}, d); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	for _, v := range e.repo.Deployments() {
		if strings.EqualFold(v.Environment, "pr-7") {
			t.Errorf("deployment %d of %s is left", v.ID, v.Environment)
		}
	}
	if e.repo.HasEnvironment("pr-7") {
		t.Error("pr-7 is left")
	}
	if !e.repo.HasEnvironment("production") {
		t.Error("production is gone")
	}
}

// One sweep tears down at most max-environments environments, the oldest
// first, and says how many wait for the next run.
func TestSweepTearsDownAtMostMaxEnvironments(t *testing.T) {
	t.Parallel()
	for _, dry := range []bool{false, true} {
		t.Run(fmt.Sprint("dry run ", dry), func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			for i := 1; i <= 5; i++ {
				e.repo.AddPullRequest(i, sha(i), "CLOSED")
				e.repo.Seed(fakegithub.Seed{Environment: fmt.Sprintf("pr-%d", i), Ref: sha(i), Payload: marker(i),
					Created: e.clock.Now().Add(time.Duration(i) * time.Minute), States: []string{"success"}})
			}
			c := sweepCfg("pr-*")
			c.Sweep.Max, c.Sweep.DryRun = 2, dry
			res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
			if err != nil {
				t.Fatal(err)
			}
			done := lifecycle.DecisionSwept
			if dry {
				done = lifecycle.DecisionWouldSweep
			}
			if n := res.Sweep.Count(done); n != 2 {
				t.Errorf("%d %s, want 2", n, done)
			}
			if n := res.Sweep.Count(lifecycle.DecisionLeft); n != 3 {
				t.Errorf("%d left, want 3", n)
			}
			if !strings.Contains(res.Sweep.Stopped, "max-environments is 2") {
				t.Errorf("stopped %q, want it to name max-environments is 2", res.Sweep.Stopped)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), "3 stale environments are left for the next run") {
				t.Errorf("warnings %q", res.Warnings)
			}
			gone := 0
			for i := 1; i <= 5; i++ {
				if !e.repo.HasEnvironment(fmt.Sprintf("pr-%d", i)) {
					gone++
				}
			}
			if want := map[bool]int{false: 2, true: 0}[dry]; gone != want {
				t.Errorf("%d environments gone, want %d", gone, want)
			}
			if !dry {
				for _, env := range []string{"pr-1", "pr-2"} {
					if e.repo.HasEnvironment(env) {
						t.Errorf("%s is left; want the oldest gone", env)
					}
				}
			}
		})
	}
}

// A dry run says what it would do: the deployments it would deactivate
// and delete and whether the environment would go.
func TestSweepDryRunSaysWhatItWouldDo(t *testing.T) {
	t.Parallel()
	e := sweepRepo(t)
	c := sweepCfg("pr-*")
	c.Sweep.DryRun = true
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if n := writes(e.fake); n != 0 {
		t.Errorf("a dry run wrote %d times", n)
	}
	for _, cand := range res.Sweep.Candidates {
		if cand.Environment != "pr-1" {
			continue
		}
		td := cand.Teardown
		if td == nil {
			t.Errorf("pr-1 has no teardown, want 1 deactivated, 2 deleted, the environment deleted")
			continue
		}
		type plan struct {
			Deactivated, Deleted                       int
			WouldDeleteEnvironment, EnvironmentDeleted bool
		}
		got := plan{len(td.Deactivated), len(td.Deleted), td.WouldDeleteEnvironment, td.EnvironmentDeleted}
		if d := cmp.Diff(plan{1, 2, true, false}, got); d != "" {
			t.Errorf("pr-1 would be (-want +got):\n%s", d)
		}
	}
}

// GitHub's answer may hold a deployment of another environment: teardown,
// supersede and a success's retiring leave it alone and say so.
func TestTeardownActsOnlyOnItsEnvironment(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name string
		run  func(e *env) (*lifecycle.Result, error)
	}{
		{"delete-env", func(e *env) (*lifecycle.Result, error) {
			return lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeleteEnv, "pr-5").Teardown)
		}},
		{"deactivate-env", func(e *env) (*lifecycle.Result, error) {
			return lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-5").Teardown)
		}},
		{"supersede", func(e *env) (*lifecycle.Result, error) {
			c := cfg()
			c.Start.Environment, c.Start.Supersede = "pr-5", true
			return lifecycle.Start(context.Background(), e.c, c.Start)
		}},
		{"retire", func(e *env) (*lifecycle.Result, error) {
			c := cfg()
			c.Start.Environment, c.Start.Transient = "pr-5", true
			c.Finish.Environment, c.Finish.Transient = "pr-5", true
			res, err := lifecycle.Start(context.Background(), e.c, c.Start)
			if err != nil {
				return nil, err
			}
			c.Finish.DeploymentID = res.DeploymentID
			return lifecycle.Finish(context.Background(), e.c, c.Finish)
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			ids := e.repo.Seed(
				fakegithub.Seed{Environment: "production", Ref: fgtest.SHA, States: []string{"success"}},
				fakegithub.Seed{Environment: "production", Ref: fgtest.SHA, States: []string{"in_progress"}},
				fakegithub.Seed{Environment: "pr-5", Ref: fgtest.SHA, States: []string{"success"}},
			)
			prod := ids[:2]
			// GitHub's answer for pr-5 also holds production's deployments.
			e.fake.GraphQLAnswer = func(q string, vars map[string]any, answer map[string]any) map[string]any {
				nodes := deploymentNodes(answer)
				if nodes == nil {
					return nil
				}
				for _, id := range prod {
					*nodes = append(*nodes, map[string]any{"databaseId": id, "environment": "production", "task": "deploy",
						"createdAt": "2026-01-01T00:00:00Z", "commitOid": fgtest.SHA, "payload": "{}", "ref": nil,
						"latestStatus": map[string]any{"state": "IN_PROGRESS"}})
				}
				return answer
			}
			res, err := st.run(e)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range e.repo.Deployments() {
				if d.Environment == "production" && (len(d.States) != 1) {
					t.Errorf("production's deployment %d was written to: %v", d.ID, d.States)
				}
			}
			if !e.repo.HasEnvironment("production") {
				t.Error("production is gone")
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), `of environment "production" among those of "pr-5"; it was left alone`) {
				t.Errorf("warnings %q", res.Warnings)
			}
		})
	}
}

// deploymentNodes is the list of deployment nodes in a GraphQL answer, or
// nil when it holds none.
func deploymentNodes(answer map[string]any) *[]any {
	data, _ := answer["data"].(map[string]any)
	repo, _ := data["repository"].(map[string]any)
	deps, _ := repo["deployments"].(map[string]any)
	nodes, ok := deps["nodes"].([]any)
	if !ok {
		return nil
	}
	p := &nodes
	deps["nodes"] = p
	return p
}

// ref on a teardown names the deployments by their ref as GraphQL's
// Ref.name spells it (no refs/heads/), or by their commit.
func TestTeardownRefForms(t *testing.T) {
	t.Parallel()
	head, tagged := strings.Repeat("7", 40), strings.Repeat("8", 40)
	for _, tt := range []struct {
		ref  string
		want []int // the seeds (below) it deactivates
	}{
		{"feature-x", []int{0, 1}},
		{"refs/heads/feature-x", []int{0, 1}},
		{head, []int{0, 1, 2}},
		{head[:7], []int{0, 1, 2}},
		{"refs/tags/v1", []int{3}},
		{"v1", []int{3}},
		{"feature", nil},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			e.repo.AddRef("feature-x", head).AddTag("v1", tagged)
			ids := e.repo.Seed(
				fakegithub.Seed{Environment: "pr-5", Ref: "feature-x", States: []string{"success"}},
				fakegithub.Seed{Environment: "pr-5", Ref: "refs/heads/feature-x", States: []string{"success"}},
				fakegithub.Seed{Environment: "pr-5", Ref: head, States: []string{"success"}},
				fakegithub.Seed{Environment: "pr-5", Ref: "refs/tags/v1", States: []string{"success"}},
			)
			c := teardownCfg(config.StepDeactivateEnv, "pr-5")
			c.Teardown.Ref = tt.ref
			res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for i := len(tt.want) - 1; i >= 0; i-- {
				want = append(want, ids[tt.want[i]])
			}
			if fmt.Sprint(res.Teardown.Deactivated) != fmt.Sprint(want) {
				t.Errorf("deactivated %v, want %v", res.Teardown.Deactivated, want)
			}
		})
	}
}

// A listing whose cursors go round reads each page once, and each
// environment is judged once.
func TestSweepListingWithCursorsThatGoRound(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(7, sha(7), "CLOSED")
	e.repo.Seed(fakegithub.Seed{Environment: "pr-7", Ref: sha(7), Payload: marker(7), States: []string{"success"}})
	n := 0
	e.fake.GraphQLAnswer = func(q string, vars map[string]any, answer map[string]any) map[string]any {
		data, _ := answer["data"].(map[string]any)
		repo, _ := data["repository"].(map[string]any)
		for _, key := range []string{"environments", "deployments"} {
			conn, ok := repo[key].(map[string]any)
			if !ok {
				continue
			}
			n++
			conn["pageInfo"] = map[string]any{"hasNextPage": true, "endCursor": []string{"cursor:0", "cursor:1"}[n%2]}
		}
		return answer
	}
	e.fake.ResetRequests()
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Sweep.Candidates); n != 1 {
		t.Errorf("%d candidates, want 1: %+v", n, res.Sweep.Candidates)
	}
	if n := res.Sweep.Count(lifecycle.DecisionSwept); n != 1 {
		t.Errorf("swept %d, want 1: %+v", n, res.Sweep.Candidates)
	}
	// environments: 3 pages (first, A, B); deployments: 3; pull requests: 1;
	// the newest deployment, read again before the environment is deleted.
	if got := e.fake.Count("GRAPHQL"); got > 8 {
		t.Errorf("%d GraphQL queries", got)
	}
	if got := e.fake.Count("DELETE"); got != 2 {
		t.Errorf("%d deletes, want 2 (one deployment, one environment)", got)
	}
}

// A deployment whose creation time GitHub does not give has no age:
// older-than keeps its environment.
func TestSweepKeepsWhatHasNoAge(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.Seed(fakegithub.Seed{Environment: "pr-4", Ref: sha(4), Created: e.clock.Now().Add(-400 * 24 * time.Hour), States: []string{"success"}})
	e.fake.GraphQLAnswer = func(q string, vars map[string]any, answer map[string]any) map[string]any {
		if nodes := deploymentNodes(answer); nodes != nil {
			for _, n := range *nodes {
				n.(map[string]any)["createdAt"] = nil
			}
			return answer
		}
		return nil
	}
	c := sweepCfg("pr-*")
	c.Sweep.OlderThan = 14 * 24 * time.Hour
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Sweep.Candidates[0]
	if d.Decision != lifecycle.DecisionKept {
		t.Errorf("decision %s (%s), want %s", d.Decision, d.Reason, lifecycle.DecisionKept)
	}
	if !strings.Contains(d.Reason, "age is unknown") {
		t.Errorf("reason %q, want it to say the age is unknown", d.Reason)
	}
	if !e.repo.HasEnvironment("pr-4") {
		t.Error("pr-4 is gone")
	}
}

// Two calls of one reusable workflow share run, job, job index and step:
// the marker's nonce tells their deployments apart, so after a lost
// create answer one call never adopts the other's deployment.
func TestStartNeverAdoptsAnotherCallsDeployment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	first := cfg()
	first.Start.Run.Nonce = "1111111111111111"
	res, err := lifecycle.Start(context.Background(), e.c, first.Start)
	if err != nil {
		t.Fatal(err)
	}
	other := res.DeploymentID
	second := cfg()
	second.Start.Run.Nonce = "2222222222222222"
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/deployments", Times: 1, DropAfter: true})
	res2, err := lifecycle.Start(context.Background(), e.c, second.Start)
	if err != nil {
		t.Fatal(err)
	}
	if res2.DeploymentID == other {
		t.Fatalf("the second call adopted the first call's deployment %d", other)
	}
	for _, d := range e.repo.Deployments() {
		if d.ID == other && d.State() != vocab.StateInProgress {
			t.Errorf("the first call's deployment is %s", d.State())
		}
		if d.ID != other && d.ID != res2.DeploymentID {
			t.Errorf("an extra deployment %d (%v)", d.ID, d.States)
		}
	}
	var payload struct {
		M lifecycle.Marker `json:"deployment_action"`
	}
	for _, d := range e.repo.Deployments() {
		b, _ := json.Marshal(d.Payload)
		if json.Unmarshal(b, &payload) != nil || payload.M.Nonce == "" {
			t.Errorf("deployment %d has no nonce in its marker: %s", d.ID, b)
		}
	}
}

// GitHub's auto_inactive skips production environments: a success there
// retires the earlier successful deployments itself.
func TestSuccessInProductionRetiresTheEarlierOnes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		env        string
		production *bool
		retired    bool
	}{
		{"named production", "production", nil, true},
		{"named Production", "Production", nil, true},
		{"production-environment: true", "live", ptr(true), true},
		{"staging", "staging", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			prod := strings.EqualFold(tt.env, "production")
			if tt.production != nil {
				prod = *tt.production
			}
			earlier := e.repo.Seed(fakegithub.Seed{Environment: tt.env, Ref: fgtest.SHA, Production: prod, States: []string{"success"}})[0]
			c := cfg()
			c.Start.Environment, c.Start.Production = tt.env, tt.production
			c.Finish.Environment, c.Finish.Production = tt.env, tt.production
			res, err := lifecycle.Start(context.Background(), e.c, c.Start)
			if err != nil {
				t.Fatal(err)
			}
			c.Finish.DeploymentID = res.DeploymentID
			if _, err := lifecycle.Finish(context.Background(), e.c, c.Finish); err != nil {
				t.Fatal(err)
			}
			// Either GitHub's auto_inactive or the action retires it; in
			// production, only the action.
			if got := states(t, e.repo)[earlier][0]; got != vocab.StateInactive {
				t.Errorf("the earlier deployment is %s, want inactive", got)
			}
			byAction := false
			for _, r := range e.fake.Requests() {
				if r.Method == "POST" && strings.HasSuffix(r.Path, fmt.Sprintf("/deployments/%d/statuses", earlier)) {
					byAction = true
				}
			}
			if byAction != tt.retired {
				t.Errorf("the action retired it: %v, want %v", byAction, tt.retired)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// A success whose status answer names another environment than the
// step's retires nothing there.
func TestRetireTrustsNoOtherEnvironment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	prod := e.repo.Seed(fakegithub.Seed{Environment: "production", Ref: fgtest.SHA, States: []string{"success"}})[0]
	c := cfg()
	c.Start.Environment, c.Start.Transient = "pr-5", true
	c.Finish.Environment, c.Finish.Transient = "pr-5", true
	res, err := lifecycle.Start(context.Background(), e.c, c.Start)
	if err != nil {
		t.Fatal(err)
	}
	c.Finish.DeploymentID = res.DeploymentID
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/statuses", Times: 1, Status: 201,
		Body: fmt.Sprintf(`{"id":77,"state":"success","environment":"production","deployment_url":"https://api.github.com/repos/octo-org/hello-world/deployments/%d"}`, res.DeploymentID)})
	fin, err := lifecycle.Finish(context.Background(), e.c, c.Finish)
	if err != nil {
		t.Fatal(err)
	}
	if got := states(t, e.repo)[prod]; len(got) != 1 {
		t.Errorf("production's deployment was written to: %v", got)
	}
	if !strings.Contains(strings.Join(fin.Warnings, "\n"), `is in environment "production", not "pr-5"`) {
		t.Errorf("warnings %q", fin.Warnings)
	}
}

// Deployments made with GITHUB_TOKEN show github-actions[bot] as their
// creator: the marker, the status description and the result name the
// person who started the run attempt, and who started the run when a
// re-run was someone else's.
func TestTheRealDeployer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		actor, triggering, desc, deployer, startedBy string
	}{
		{"octocat", "", "Deployed by @octocat", "octocat", ""},
		{"octocat", "octocat", "Deployed by @octocat", "octocat", ""},
		{"octocat", "hubot", "Deployed by @hubot (run started by @octocat)", "hubot", "octocat"},
		{"dependabot[bot]", "", "Deployed by @dependabot[bot]", "dependabot[bot]", ""},
		{"x\n::error::y", "", "", "", ""},
	} {
		t.Run(tt.actor+"/"+tt.triggering, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			c := cfg()
			c.Start.Run.Actor, c.Start.Run.TriggeringActor, c.Start.Run.Branch = tt.actor, tt.triggering, "feature-x"
			res, err := lifecycle.Start(context.Background(), e.c, c.Start)
			if err != nil {
				t.Fatal(err)
			}
			if res.Deployer != tt.deployer {
				t.Errorf("deployer %q, want %q", res.Deployer, tt.deployer)
			}
			d := e.repo.Deployments()[0]
			if d.Description != tt.desc {
				t.Errorf("status description %q, want %q", d.Description, tt.desc)
			}
			b, _ := json.Marshal(d.Payload)
			var p struct {
				M lifecycle.Marker `json:"deployment_action"`
			}
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("marker %s: %v", b, err)
			}
			type who struct{ Deployer, StartedBy, Branch string }
			want := who{tt.deployer, tt.startedBy, "feature-x"}
			if diff := cmp.Diff(want, who{p.M.Deployer, p.M.StartedBy, p.M.Branch}); diff != "" {
				t.Errorf("marker %s (-want +got):\n%s", b, diff)
			}
		})
	}
}

// branch-deleted: a branch preview is stale once its branch is gone. This
// action's marker names the branch; for other tools' deployments, REST's
// ref tells a deleted ref from a SHA. What cannot be told keeps.
func TestSweepBranchDeleted(t *testing.T) {
	t.Parallel()
	branchMarker := func(branch string) map[string]any {
		return map[string]any{"deployment_action": map[string]any{"run_id": 3, "run_attempt": 1, "branch": branch}}
	}
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("branch-deleted ", on), func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			e.repo.AddRef("live", sha(1)).AddRef("gone", sha(2)).AddRef("theirs-gone", sha(3)).AddRef("theirs-live", sha(4))
			e.repo.Seed(
				fakegithub.Seed{Environment: "preview/gone", Ref: sha(2), Payload: branchMarker("gone"), States: []string{"success"}},
				fakegithub.Seed{Environment: "preview/live", Ref: sha(1), Payload: branchMarker("live"), States: []string{"success"}},
				fakegithub.Seed{Environment: "preview/fork", Ref: sha(5), Payload: branchMarker(""), States: []string{"success"}},
				fakegithub.Seed{Environment: "preview/theirs-gone", Ref: "theirs-gone", States: []string{"success"}},
				fakegithub.Seed{Environment: "preview/theirs-live", Ref: "theirs-live", States: []string{"success"}},
				fakegithub.Seed{Environment: "preview/sha", Ref: sha(6), States: []string{"success"}},
			)
			e.repo.DeleteRef("gone").DeleteRef("theirs-gone")
			c := sweepCfg("preview/*")
			c.Sweep.BranchDeleted = on
			res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"preview/gone": "kept", "preview/live": "kept", "preview/fork": "kept",
				"preview/theirs-gone": "kept", "preview/theirs-live": "kept", "preview/sha": "kept"}
			if on {
				want["preview/gone"], want["preview/theirs-gone"] = "swept", "swept"
			}
			if got := decisions(res); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("decisions %v, want %v", got, want)
			}
			for _, cand := range res.Sweep.Candidates {
				if on && cand.Environment == "preview/gone" && cand.Reason != `branch "gone" was deleted` {
					t.Errorf("reason %q", cand.Reason)
				}
				if on && cand.Environment == "preview/sha" && !strings.Contains(cand.Reason, "made of a commit") {
					t.Errorf("reason %q", cand.Reason)
				}
			}
			// REST reads: only the deployments whose GraphQL ref is null
			// and that carry no marker (theirs-gone and sha).
			if n, want := e.fake.Count("GET"), map[bool]int{true: 2, false: 0}[on]; n != want {
				t.Errorf("%d REST reads, want %d", n, want)
			}
		})
	}
}

// A teardown that fails returns what it did with its error, as every step
// does: the report still shows the deployments it marked inactive.
func TestTeardownThatFailsSaysWhatItDid(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.Seed(fakegithub.Seed{Environment: "pr-5", States: []string{"success"}}, fakegithub.Seed{Environment: "pr-5", States: []string{"success"}})
	e.fake.Inject(&fakegithub.Fault{Method: "DELETE", Path: "/deployments/", Status: 403, Body: `{"message":"Resource not accessible by integration"}`})
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeleteEnv, "pr-5").Teardown)
	if err == nil || res == nil || res.Teardown == nil {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if got := len(res.Teardown.Deactivated); got != 2 {
		t.Errorf("%d deactivated, want 2", got)
	}
}
