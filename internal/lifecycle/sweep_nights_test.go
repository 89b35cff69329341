package lifecycle_test

// A shared environment over several nights of sweeps, keep-latest with
// ref, and a hostile marker branch in the refs a teardown names.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// prBranchMarker is the run marker of a pull request from this
// repository's branch: both the pull request and the branch.
func prBranchMarker(pr int, branch string) map[string]any {
	return map[string]any{"deployment_action": map[string]any{"run_id": 5, "run_attempt": 1, "pull_request": pr, "branch": branch}}
}

// sweep-mode deactivate one night, delete the next: merged #2's
// deployment is deactivated, then deleted; open #1's, the push to the
// branch's, another task's and one with no status are never written, and
// the environment stays.
func TestSharedEnvironmentAcrossNightsAndTasks(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(1, sha(1), "OPEN").AddPullRequest(2, sha(2), "MERGED").AddRef("feature-b", sha(2))
	now := e.clock.Now()
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(1), Payload: prBranchMarker(1, "feature-a"), Created: now.Add(-5 * time.Hour), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Payload: branchMarker("feature-b"), Created: now.Add(-4 * time.Hour), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Task: "deploy:db", Payload: marker(1), Created: now.Add(-3 * time.Hour), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(1), Payload: prBranchMarker(1, "feature-a"), Created: now.Add(-150 * time.Minute)},
		fakegithub.Seed{Environment: "preview/shared", Ref: sha(2), Payload: prBranchMarker(2, "feature-b"), Created: now.Add(-2 * time.Hour), States: []string{"success"}},
	)
	merged := ids[4]
	for night, mode := range []string{"deactivate", "delete", "delete"} {
		e.fake.ResetRequests()
		c := sweepCfg("preview/**")
		c.Sweep.Delete = mode == "delete"
		res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
		if err != nil {
			t.Fatal(err)
		}
		cand := candidateFor(t, res, "preview/shared")
		w := writtenIDs(e.fake)
		for _, id := range ids[:4] {
			if w[id] {
				t.Errorf("night %d (%s): live deployment %d written (%s)", night+1, mode, id, cand.Reason)
			}
		}
		if want := night < 2; w[merged] != want {
			t.Errorf("night %d (%s): merged #2's %d written %v, want %v", night+1, mode, merged, w[merged], want)
		}
		if night == 2 && cand.Decision != lifecycle.DecisionKept {
			t.Errorf("night 3: %s (%s), want kept", cand.Decision, cand.Reason)
		}
		if !e.repo.HasEnvironment("preview/shared") {
			t.Fatalf("night %d: the environment is gone", night+1)
		}
	}
}

// keep-latest with ref keeps the newest live deployment of that ref;
// the others of the ref go; other refs' are never written.
func TestKeepLatestWithRef(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("feature-a", sha(1)).AddRef("feature-b", sha(2))
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "qa", Ref: "feature-a", States: []string{"success"}},
		fakegithub.Seed{Environment: "qa", Ref: "feature-b", States: []string{"success"}},
		fakegithub.Seed{Environment: "qa", Ref: "feature-a", States: []string{"success"}},
		fakegithub.Seed{Environment: "qa", Ref: "feature-a", States: []string{"failure"}},
		fakegithub.Seed{Environment: "qa", Ref: "feature-b", States: []string{"in_progress"}},
	)
	e.fake.ResetRequests()
	c := teardownCfg(config.StepDeleteEnv, "qa")
	c.Teardown.Ref, c.Teardown.KeepLatest = "feature-a", 1
	if _, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown); err != nil {
		t.Fatal(err)
	}
	w := writtenIDs(e.fake)
	for i, want := range []bool{true, false, false, true, false} {
		if w[ids[i]] != want {
			t.Errorf("deployment %d (#%d) written %v, want %v", ids[i], i, w[ids[i]], want)
		}
	}
	if !e.repo.HasEnvironment("qa") {
		t.Error("the environment is gone")
	}
}

// A hostile branch name in a run marker reaches the warning that names
// the refs seen only quoted, on one line, bounded.
func TestHostileMarkerBranchInTheRefsSeen(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	hostile := "x\n::error::pwned" + strings.Repeat("A", 100000)
	e.repo.Seed(fakegithub.Seed{Environment: "qa", Ref: sha(3), Payload: branchMarker(hostile), States: []string{"success"}})
	c := teardownCfg(config.StepDeactivateEnv, "qa")
	c.Teardown.Ref = "feature-z"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 {
		t.Fatal("no warning names the refs seen")
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, "\n") || len(w) > 2000 {
			t.Errorf("warning of %d bytes, newline %v", len(w), strings.Contains(w, "\n"))
		}
	}
	if writes(e.fake) != 0 {
		t.Error("a teardown of feature-z wrote")
	}
}
