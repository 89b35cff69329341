package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// seedMixed adds n deployments to env whose latest states cycle through
// success, in_progress, inactive and none, and returns how many are not
// inactive.
func seedMixed(r *fakegithub.Repo, env string, n int) (ids []int64, notInactive int) {
	cycle := [][]string{{"in_progress", "success"}, {"in_progress"}, {"success", "inactive"}, nil}
	seeds := make([]fakegithub.Seed, n)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: env, States: cycle[i%len(cycle)]}
		if i%len(cycle) != 2 {
			notInactive++
		}
	}
	return r.Seed(seeds...), notInactive
}

func teardownCfg(step config.Step, env string) *config.Config {
	c := cfg()
	c.Step, c.Environment = step, env
	c.Teardown.Environment, c.Teardown.Delete, c.Teardown.DeleteEnvironment = env, step == config.StepDeleteEnv, true
	return c
}

func TestDeactivateEnvAtScale(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	others := e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"success"}}, fakegithub.Seed{Environment: "pr-70", States: []string{"in_progress"}})
	ids, notInactive := seedMixed(e.repo, "pr-7", 250)
	e.fake.ResetRequests()
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-7").Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.fake.Count("POST"); got != notInactive {
		t.Errorf("%d writes, want %d (one per deployment not already inactive)", got, notInactive)
	}
	if n := len(res.Teardown.Deactivated); n != notInactive {
		t.Errorf("deactivated %d, want %d", n, notInactive)
	}
	if res.Teardown.Seen != 250 {
		t.Errorf("seen %d, want 250", res.Teardown.Seen)
	}
	st := states(t, e.repo)
	for _, id := range ids {
		if st[id][0] != "inactive" {
			t.Fatalf("deployment %d is %v", id, st[id])
		}
	}
	if d := cmp.Diff([]string{"success", "in_progress"}, []string{st[others[0]][0], st[others[1]][0]}); d != "" {
		t.Errorf("other environments touched: latest states (-want +got):\n%s", d)
	}
	if m := e.fake.MaxInFlight(); m > 8 {
		t.Errorf("%d requests in flight at once, want at most 8", m)
	}
	// A second run has nothing to write.
	e.fake.ResetRequests()
	if _, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-7").Teardown); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("POST"); n != 0 {
		t.Errorf("second run wrote %d statuses, want 0", n)
	}
}

func TestDeleteEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		env        string
		admin      bool
		seed       int
		wantEnv    bool // environment deleted
		wantWarn   string
		wantNote   string
		keepEnv    bool // delete-environment: false
		dryRun     bool
		keepLatest int
		// kept is what keep-latest keeps: the newest keepLatest that
		// succeeded, and every newer one that has not finished.
		kept int
	}{
		{name: "with administration: write", env: "pr-1", admin: true, seed: 5, wantEnv: true},
		{name: "GITHUB_TOKEN cannot delete the environment", env: "pr-1", seed: 5, wantWarn: "administration: write", wantNote: "may not delete"},
		{name: "name with a slash", env: "feature/login", admin: true, seed: 3, wantEnv: true},
		{name: "missing environment", env: "gone", admin: true, seed: 0, wantNote: "does not exist"},
		{name: "delete-environment false", env: "pr-1", admin: true, seed: 2, keepEnv: true, wantNote: "delete-environment is false"},
		{name: "keep-latest keeps the environment", env: "pr-1", admin: true, seed: 4, keepLatest: 1, kept: 3, wantNote: "keep-latest"},
		{name: "dry run", env: "pr-1", admin: true, seed: 4, dryRun: true, wantNote: "dry run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, "tok")
			e.fake.Tokens = map[string]fakegithub.Token{"tok": {Write: true, Admin: tt.admin}}
			other := e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"success"}})
			var ids []int64
			if tt.seed > 0 {
				ids, _ = seedMixed(e.repo, tt.env, tt.seed)
			}
			e.fake.ResetRequests()
			c := teardownCfg(config.StepDeleteEnv, tt.env)
			c.Teardown.DeleteEnvironment, c.Teardown.DryRun, c.Teardown.KeepLatest = !tt.keepEnv, tt.dryRun, tt.keepLatest
			res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
			if err != nil {
				t.Fatal(err)
			}
			td := res.Teardown
			left := map[int64]bool{}
			for _, d := range e.repo.Deployments() {
				left[d.ID] = true
			}
			if !left[other[0]] {
				t.Error("a deployment of another environment was deleted")
			}
			wantLeft := 0
			switch {
			case tt.dryRun:
				wantLeft = tt.seed
				if n := e.fake.Count("POST") + e.fake.Count("DELETE"); n != 0 {
					t.Errorf("dry run wrote %d times", n)
				}
			case tt.keepLatest > 0:
				wantLeft = tt.kept
				if !left[ids[len(ids)-1]] {
					t.Error("keep-latest did not keep the newest deployment")
				}
			}
			n := 0
			for _, id := range ids {
				if left[id] {
					n++
				}
			}
			if n != wantLeft {
				t.Errorf("%d deployments of %s left, want %d", n, tt.env, wantLeft)
			}
			if len(td.Deleted) != tt.seed-tt.kept {
				t.Errorf("deleted %d, want %d", len(td.Deleted), tt.seed-tt.kept)
			}
			if td.EnvironmentDeleted != tt.wantEnv {
				t.Errorf("environment deleted %v, want %v", td.EnvironmentDeleted, tt.wantEnv)
			}
			if exists := e.repo.HasEnvironment(tt.env); tt.seed > 0 && exists == tt.wantEnv {
				t.Errorf("environment exists %v after the teardown, want %v", exists, !tt.wantEnv)
			}
			if tt.wantNote == "dry run" {
				if !td.WouldDeleteEnvironment {
					t.Error("dry run: would not delete the environment, want it would")
				}
				if td.EnvironmentDeleted {
					t.Error("dry run: deleted the environment")
				}
			} else if !strings.Contains(td.EnvironmentNote, tt.wantNote) {
				t.Errorf("note %q, want %q", td.EnvironmentNote, tt.wantNote)
			}
			switch got := strings.Join(res.Warnings, "\n"); {
			case tt.wantWarn == "" && got != "":
				t.Errorf("warnings %q, want none", got)
			case !strings.Contains(got, tt.wantWarn):
				t.Errorf("warnings %q, want one containing %q", got, tt.wantWarn)
			}
			for _, r := range e.fake.Requests() {
				if strings.Contains(r.Path, "/environments/") && strings.Contains(tt.env, "/") && !strings.Contains(r.Path, "feature%2Flogin") {
					t.Errorf("environment name not escaped: %s", r.Path)
				}
			}
		})
	}
}

func TestTeardownOfOneRef(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddRef("a", fgtest.SHA).AddRef("b", fgtest.SHA)
	ids := e.repo.Seed(fakegithub.Seed{Environment: "qa", Ref: "a", States: []string{"success"}}, fakegithub.Seed{Environment: "qa", Ref: "b", States: []string{"success"}})
	c := teardownCfg(config.StepDeactivateEnv, "qa")
	c.Teardown.Ref = "a"
	if _, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown); err != nil {
		t.Fatal(err)
	}
	st := states(t, e.repo)
	if d := cmp.Diff([]string{"inactive", "success"}, []string{st[ids[0]][0], st[ids[1]][0]}); d != "" {
		t.Errorf("latest states (-want +got):\n%s\nall states: %v", d, st)
	}
}

func TestSupersedeRetiresRunningDeploymentsOfTheRef(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "staging", Ref: fgtest.SHA, States: []string{"in_progress"}},
		fakegithub.Seed{Environment: "staging", Ref: fgtest.SHA, States: []string{"queued"}},
		fakegithub.Seed{Environment: "staging", Ref: fgtest.SHA, States: []string{"success"}},
		fakegithub.Seed{Environment: "qa", Ref: fgtest.SHA, States: []string{"in_progress"}},
	)
	c := cfg()
	c.Start.Supersede = true
	res, err := lifecycle.Start(context.Background(), e.c, c.Start)
	if err != nil {
		t.Fatal(err)
	}
	st := states(t, e.repo)
	got := []string{st[ids[0]][0], st[ids[1]][0], st[ids[2]][0], st[ids[3]][0], st[res.DeploymentID][0]}
	if d := cmp.Diff([]string{"inactive", "inactive", "success", "in_progress", "in_progress"}, got); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
}

func TestTransientSuccessRetiresEarlierPreviews(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "pr-9", Transient: true, States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-9", Transient: true, States: []string{"failure"}},
		fakegithub.Seed{Environment: "pr-9", Transient: true, States: []string{"in_progress"}},
	)
	c := cfg()
	c.Step, c.Finish.Environment, c.Finish.Transient, c.Finish.DeploymentID = config.StepFinish, "pr-9", true, ids[2]
	res, err := lifecycle.Finish(context.Background(), e.c, c.Finish)
	if err != nil {
		t.Fatal(err)
	}
	st := states(t, e.repo)
	if d := cmp.Diff([]string{"inactive", "failure", "success"}, []string{st[ids[0]][0], st[ids[1]][0], st[ids[2]][0]}); d != "" {
		t.Errorf("latest states (-want +got):\n%s\nall states: %v", d, st)
	}
	if res.Teardown == nil {
		t.Error("no teardown result")
	} else if n := len(res.Teardown.Deactivated); n != 1 {
		t.Errorf("deactivated %d, want 1: %+v", n, res.Teardown)
	}
	// auto-inactive false leaves them alone.
	e2 := setup(t, fgtest.Token)
	ids = e2.repo.Seed(fakegithub.Seed{Environment: "pr-9", Transient: true, States: []string{"success"}}, fakegithub.Seed{Environment: "pr-9", Transient: true})
	c.Finish.DeploymentID, c.Finish.AutoInactive = ids[1], false
	if _, err := lifecycle.Finish(context.Background(), e2.c, c.Finish); err != nil {
		t.Fatal(err)
	}
	if n := e2.fake.Count(""); n != 1 {
		t.Errorf("auto-inactive false: %d calls, want 1", n)
	}
	if st := states(t, e2.repo); st[ids[0]][0] != "success" {
		t.Errorf("auto-inactive false: deployment %d is %v, want it left success", ids[0], st[ids[0]])
	}
}

func TestTeardownUnderASecondaryRateLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	limit := &fakegithub.WriteLimit{N: 40, Window: 3 * time.Second}
	e.fake.Limit(limit)
	seeds := make([]fakegithub.Seed, 120)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: "pr-5", States: []string{"success"}}
	}
	ids := e.repo.Seed(seeds...)
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-5").Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Teardown.Deactivated) != 120 {
		t.Errorf("deactivated %d, want 120", len(res.Teardown.Deactivated))
	}
	st := states(t, e.repo)
	for _, id := range ids {
		if st[id][0] != "inactive" || len(st[id]) != 2 {
			t.Fatalf("deployment %d: %v (want exactly one inactive status)", id, st[id])
		}
	}
	if limit.Refusals == 0 {
		t.Error("the limit never refused a write: the test tests nothing")
	}
	if e.clock.Slept() < 6*time.Second {
		t.Errorf("waited %s in all; 120 writes at 40 per 3 s need at least 6 s", e.clock.Slept())
	}
}

// ref: refs/tags/v1 names the tag v1, not a branch v1.
func TestTeardownRefOfATagLeavesTheBranchOfItsName(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("v1", sha(3)).AddTag("v1", sha(4))
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "pr-5", Ref: "refs/heads/v1", States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-5", Ref: "refs/tags/v1", States: []string{"success"}},
	)
	c := teardownCfg(config.StepDeactivateEnv, "pr-5")
	c.Teardown.Ref = "refs/tags/v1"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range res.Teardown.Deactivated {
		if id == ids[0] {
			t.Errorf("ref refs/tags/v1 deactivated deployment %d of branch v1", id)
		}
	}
}

// ref: refs/heads/<hex> names a branch, not a commit.
func TestTeardownRefOfAHexBranchLeavesTheCommitOfItsName(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	commit := "deadbeef" + strings.Repeat("0", 32)
	e.repo.AddRef("deadbeef", sha(3))
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "pr-5", Ref: commit, States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-5", Ref: "refs/heads/deadbeef", States: []string{"success"}},
	)
	c := teardownCfg(config.StepDeactivateEnv, "pr-5")
	c.Teardown.Ref = "refs/heads/deadbeef"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range res.Teardown.Deactivated {
		if id == ids[0] {
			t.Errorf("ref refs/heads/deadbeef deactivated deployment %d made of commit %s", id, commit)
		}
	}
}

// GitHub's answer for environment "pr-s" holds a deployment of "pr-ſ"
// (U+017F, which Unicode folds to s, but strings.ToLower does not lower
// to s: the fake, like the sweep's grouping, keeps them two
// environments): the teardown must not treat it as its own.
func TestTeardownLeavesAnEnvironmentThatOnlyUnicodeFoldsToItsName(t *testing.T) {
	t.Parallel()
	for _, other := range []string{"pr-\u017f"} {
		t.Run(other, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			target := strings.ToLower(strings.NewReplacer("\u017f", "s", "\u212a", "k").Replace(other))
			ids := e.repo.Seed(
				fakegithub.Seed{Environment: other, Ref: sha(1), States: []string{"success"}},
				fakegithub.Seed{Environment: target, Ref: sha(1), States: []string{"success"}},
			)
			e.fake.GraphQLAnswer = func(q string, vars map[string]any, answer map[string]any) map[string]any {
				nodes := deploymentNodes(answer)
				if nodes == nil {
					return nil
				}
				*nodes = append(*nodes, map[string]any{"databaseId": ids[0], "environment": other, "task": "deploy",
					"createdAt": "2026-01-01T00:00:00Z", "commitOid": sha(1), "payload": "{}", "ref": nil,
					"latestStatus": map[string]any{"state": "SUCCESS"}})
				return answer
			}
			res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, target).Teardown)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range res.Teardown.Deactivated {
				if id == ids[0] {
					t.Errorf("teardown of %q wrote to deployment %d of %q", target, id, other)
				}
			}
		})
	}
}
