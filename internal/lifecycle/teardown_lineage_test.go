package lifecycle_test

// Teardown judges deployments, not environments (issue #21's cases): a
// shared environment keeps what is live in it, keep-latest keeps what is
// live, and ref finds a deleted branch's deployments.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// branchMarker is the run marker of a push to branch.
func branchMarker(branch string) map[string]any {
	return map[string]any{"deployment_action": map[string]any{"run_id": 4, "run_attempt": 1, "branch": branch}}
}

// writtenIDs are the deployments the fake saw a status or a delete for.
func writtenIDs(f *fakegithub.Fake) map[int64]bool {
	out := map[int64]bool{}
	for _, r := range f.Requests() {
		if r.Method != "POST" && r.Method != "DELETE" {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if p == "deployments" && i+1 < len(parts) {
				var id int64
				for _, c := range parts[i+1] {
					id = id*10 + int64(c-'0')
				}
				out[id] = true
			}
		}
	}
	return out
}

// Pull requests #1 and #2 share preview/shared (auto-inactive:
// pull-request leaves both live); #2 is merged, #1 open. The README's
// nightly sweep retires #2's deployment and keeps #1's and the
// environment, saying why; its dry run plans exactly that.
func TestSweepKeepsAnOpenPullRequestsPreviewInASharedEnvironment(t *testing.T) {
	t.Parallel()
	for _, dry := range []bool{true, false} {
		e := adminRepo(t)
		e.repo.AddPullRequest(1, sha(1), "OPEN").AddPullRequest(2, sha(2), "MERGED")
		now := e.clock.Now()
		ids := e.repo.Seed(
			fakegithub.Seed{Environment: "preview/shared", Ref: sha(1), Payload: marker(1), Created: now.Add(-2 * time.Hour), States: []string{"success"}},
			fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Payload: marker(2), Created: now.Add(-time.Hour), States: []string{"success"}},
		)
		open, merged := ids[0], ids[1]
		e.fake.ResetRequests()
		c := sweepCfg("pr-*", "preview/**")
		c.Sweep.DryRun = dry
		res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
		if err != nil {
			t.Fatal(err)
		}
		cand := candidateFor(t, res, "preview/shared")
		td := cand.Teardown
		if td == nil {
			t.Fatalf("dry=%v: no teardown: %s (%s)", dry, cand.Decision, cand.Reason)
		}
		if !slices.Equal(td.Deleted, []int64{merged}) || td.EnvironmentDeleted || td.WouldDeleteEnvironment {
			t.Errorf("dry=%v: deleted %v, environment deleted %v/%v; want only %d, environment kept", dry, td.Deleted, td.EnvironmentDeleted, td.WouldDeleteEnvironment, merged)
		}
		if len(cand.KeptDeployments) != 1 || cand.KeptDeployments[0].ID != open || !strings.Contains(cand.KeptDeployments[0].Reason, "#1 is open") {
			t.Errorf("dry=%v: kept deployments %+v, want %d: pull request #1 is open", dry, cand.KeptDeployments, open)
		}
		if !strings.Contains(cand.Reason, "#2 merged") || !strings.Contains(cand.Reason, "the environment is kept") {
			t.Errorf("dry=%v: reason %q", dry, cand.Reason)
		}
		if writtenIDs(e.fake)[open] {
			t.Errorf("dry=%v: open pull request #1's live deployment was written to", dry)
		}
		if !e.repo.HasEnvironment("preview/shared") {
			t.Errorf("dry=%v: the shared environment is gone", dry)
		}
	}
}

// With branch-deleted, a living branch's deployment stays when a newer
// deployment in the same environment was made from a deleted branch.
func TestSweepKeepsALivingBranchsDeploymentInASharedEnvironment(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("feature-a", sha(10)).AddRef("feature-b", sha(11))
	now := e.clock.Now()
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(10), Payload: branchMarker("feature-a"), Created: now.Add(-2 * time.Hour), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(11), Payload: branchMarker("feature-b"), Created: now.Add(-time.Hour), States: []string{"success"}},
	)
	e.repo.DeleteRef("feature-b")
	e.fake.ResetRequests()
	c := sweepCfg("preview/**")
	c.Sweep.PullRequestClosed, c.Sweep.BranchDeleted = false, true
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err != nil {
		t.Fatal(err)
	}
	cand := candidateFor(t, res, "preview/shared")
	if w := writtenIDs(e.fake); w[ids[0]] || !w[ids[1]] {
		t.Errorf("written %v: want feature-b's %d retired and feature-a's %d untouched (%s)", w, ids[1], ids[0], cand.Reason)
	}
	if !e.repo.HasEnvironment("preview/shared") {
		t.Error("the environment of a living branch's preview is gone")
	}
}

// When every lineage with a live deployment is stale, the environment
// goes, with the history of lineages that were no longer live.
func TestSweepDeletesASharedEnvironmentWhenNothingLiveRemains(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(1, sha(1), "CLOSED").AddPullRequest(2, sha(2), "MERGED").AddPullRequest(3, sha(3), "OPEN")
	e.repo.Seed(
		// #3 is open, but nothing of it is live any more.
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(3), Payload: marker(3), States: []string{"success", "inactive"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(1), Payload: marker(1), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Payload: marker(2), States: []string{"failure"}},
	)
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("preview/**").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if cand := candidateFor(t, res, "preview/shared"); cand.Decision != lifecycle.DecisionSwept || e.repo.HasEnvironment("preview/shared") {
		t.Errorf("%s (%s): want swept and the environment deleted", cand.Decision, cand.Reason)
	}
}

// keep-latest keeps the newest live deployments: a newer failure does not
// take the live one's place; a newer one still running is kept too.
func TestKeepLatestKeepsTheLiveDeployment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		states [][]string // oldest first
		keep   int
		want   []int // indexes of states kept
	}{
		{"a newer failure", [][]string{{"success"}, {"failure"}}, 1, []int{0}},
		{"a newer error and one running", [][]string{{"success"}, {"success", "inactive"}, {"error"}, {"in_progress"}}, 1, []int{0, 3}},
		{"two live of three", [][]string{{"success"}, {"success"}, {"failure"}, {"success"}}, 2, []int{1, 3}},
		{"nothing succeeded", [][]string{{"failure"}, {"queued"}}, 1, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			seeds := make([]fakegithub.Seed, len(tt.states))
			for i, s := range tt.states {
				seeds[i] = fakegithub.Seed{Environment: "pr-1", States: s}
			}
			ids := e.repo.Seed(seeds...)
			e.fake.ResetRequests()
			c := teardownCfg(config.StepDeleteEnv, "pr-1")
			c.Teardown.KeepLatest = tt.keep
			if _, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown); err != nil {
				t.Fatal(err)
			}
			var left []int64
			for _, d := range e.repo.Deployments() {
				left = append(left, d.ID)
			}
			var want []int64
			for _, i := range tt.want {
				want = append(want, ids[i])
			}
			slices.Sort(left)
			if !slices.Equal(left, want) {
				t.Errorf("left %v, want %v", left, want)
			}
			for _, id := range want {
				if writtenIDs(e.fake)[id] {
					t.Errorf("kept deployment %d was written to", id)
				}
			}
		})
	}
}

// ref: finds the deployments of a branch deleted since (GraphQL's ref is
// null for them): this action's by its run marker, another tool's by the
// ref REST keeps. A ref that matches nothing says which refs it saw.
func TestTeardownByRefFindsADeletedBranchsDeployments(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("feature/login", sha(20)).AddRef("feature/other", sha(21))
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "preview", Ref: "feature/login", Creator: "vercel[bot]", States: []string{"success"}},
		fakegithub.Seed{Environment: "preview", Ref: sha(20), Payload: branchMarker("feature/login"), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview", Ref: "feature/other", Creator: "vercel[bot]", States: []string{"success"}},
		fakegithub.Seed{Environment: "preview", Ref: "refs/heads/feature/login", Creator: "vercel[bot]", States: []string{"in_progress"}},
	)
	e.repo.DeleteRef("feature/login")
	for _, ref := range []string{"feature/login", "refs/heads/feature/login"} {
		t.Run(ref, func(t *testing.T) {
			e.fake.ResetRequests()
			c := teardownCfg(config.StepDeactivateEnv, "preview")
			c.Teardown.Ref = ref
			res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
			if err != nil {
				t.Fatal(err)
			}
			w := writtenIDs(e.fake)
			if ref == "feature/login" && (!w[ids[0]] || !w[ids[1]] || !w[ids[3]]) {
				t.Errorf("written %v; want %d, %d and %d deactivated (%v)", w, ids[0], ids[1], ids[3], res.Warnings)
			}
			if w[ids[2]] {
				t.Errorf("feature/other's deployment %d was written to", ids[2])
			}
		})
	}
	c := teardownCfg(config.StepDeactivateEnv, "preview")
	c.Teardown.Ref = "feature/nope"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Warnings, "\n"); !strings.Contains(got, `matches none of the 4 deployments`) || !strings.Contains(got, `"feature/other"`) {
		t.Errorf("warnings %q: want one naming the refs seen", got)
	}
}
