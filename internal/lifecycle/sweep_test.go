package lifecycle_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// sha is a commit of its own for n.
func sha(n int) string { return fmt.Sprintf("%040x", n) }

// marker is the payload this action records on a pull request's deployment.
func marker(pr int) map[string]any {
	return map[string]any{"deployment_action": map[string]any{"run_id": 1, "run_attempt": 1, "pull_request": pr}}
}

func sweepCfg(patterns ...string) *config.Config {
	c := cfg()
	c.Step = config.StepSweep
	c.Sweep.Sweep = config.Sweep{Patterns: patterns, PullRequestClosed: true, Delete: true}
	c.Sweep.DeleteEnvironment = true
	return c
}

// sweepRepo seeds the environments the sweep tests judge.
func sweepRepo(t *testing.T) *env {
	e := setup(t, fgtest.Token)
	e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	now := e.clock.Now()
	old := now.Add(-30 * 24 * time.Hour)
	e.repo.AddPullRequest(1, sha(1), "MERGED").AddPullRequest(2, sha(2), "OPEN").AddPullRequest(3, sha(3), "CLOSED")
	e.repo.Seed(
		// pr-1: made by this action for #1, merged since.
		fakegithub.Seed{Environment: "pr-1", Ref: sha(1), Payload: marker(1), Created: old, States: []string{"success", "inactive"}},
		fakegithub.Seed{Environment: "pr-1", Ref: sha(1), Payload: marker(1), Created: old.Add(time.Hour), States: []string{"success"}},
		// pr-2: #2 is open.
		fakegithub.Seed{Environment: "pr-2", Ref: sha(2), Payload: marker(2), Created: old, States: []string{"success"}},
		// pr-3: made by another tool; its commit is #3's head, closed.
		fakegithub.Seed{Environment: "pr-3", Ref: sha(3), Created: now.Add(-time.Hour), States: []string{"success"}},
		// pr-4: no pull request; a month old.
		fakegithub.Seed{Environment: "pr-4", Ref: sha(4), Created: old, States: []string{"success"}},
		// production and staging: never by pr-*; production never by *.
		fakegithub.Seed{Environment: "production", Ref: sha(5), Created: old, States: []string{"success"}},
		fakegithub.Seed{Environment: "staging", Ref: sha(1), Created: old, States: []string{"success"}},
	)
	e.fake.ResetRequests()
	return e
}

func decisions(res *lifecycle.Result) map[string]string {
	out := map[string]string{}
	for _, c := range res.Sweep.Candidates {
		out[c.Environment] = c.Decision
	}
	return out
}

func TestSweepFindsStaleEnvironments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		patterns  []string
		olderThan time.Duration
		want      map[string]string
	}{
		{"closed pull requests", []string{"pr-*"}, 0,
			map[string]string{"pr-1": "swept", "pr-2": "kept", "pr-3": "swept", "pr-4": "kept"}},
		{"and older than 14 days", []string{"pr-*"}, 14 * 24 * time.Hour,
			map[string]string{"pr-1": "swept", "pr-2": "swept", "pr-3": "swept", "pr-4": "swept"}},
		{"a wildcard never sweeps production", []string{"*"}, 14 * 24 * time.Hour,
			map[string]string{"pr-1": "swept", "pr-2": "swept", "pr-3": "swept", "pr-4": "swept", "production": "kept", "staging": "swept"}},
		{"production by its exact name", []string{"production"}, 14 * 24 * time.Hour,
			map[string]string{"production": "swept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := sweepRepo(t)
			c := sweepCfg(tt.patterns...)
			c.Sweep.OlderThan = tt.olderThan
			e.c.Now = e.clock.Now
			res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
			if err != nil {
				t.Fatal(err)
			}
			if got := decisions(res); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("decisions %v, want %v", got, tt.want)
			}
			for env, d := range tt.want {
				if d == "swept" && e.repo.HasEnvironment(env) {
					t.Errorf("%s was swept but still exists", env)
				}
				if d == "kept" && !e.repo.HasEnvironment(env) {
					t.Errorf("%s was kept but is gone", env)
				}
			}
			for _, d := range e.repo.Deployments() {
				if tt.want[d.Environment] == "swept" {
					t.Errorf("deployment %d of swept %s is left", d.ID, d.Environment)
				}
			}
			if n := e.fake.Count("GET"); n != 0 {
				t.Errorf("%d REST reads: a sweep reads through GraphQL", n)
			}
		})
	}
}

func TestSweepReasonsAndDryRun(t *testing.T) {
	t.Parallel()
	e := sweepRepo(t)
	c := sweepCfg("pr-*")
	c.Sweep.DryRun = true
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("POST") + e.fake.Count("DELETE"); n != 0 {
		t.Errorf("a dry run wrote %d times", n)
	}
	reasons := map[string]string{}
	for _, cand := range res.Sweep.Candidates {
		reasons[cand.Environment] = cand.Decision + ": " + cand.Reason
	}
	for env, want := range map[string]string{
		"pr-1": "would sweep: pull request #1 merged",
		"pr-2": "kept: pull request #2 is open",
		"pr-3": "would sweep: pull request #3 closed",
		"pr-4": "kept: its newest deployment belongs to no pull request",
	} {
		if reasons[env] != want {
			t.Errorf("%s: %q, want %q", env, reasons[env], want)
		}
	}
}

func TestSweepStopsBeforeALimitAndGoesOnNextTime(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	var seeds []fakegithub.Seed
	for i := 1; i <= 10; i++ {
		e.repo.AddPullRequest(i, sha(i), "CLOSED")
		seeds = append(seeds, fakegithub.Seed{Environment: fmt.Sprintf("pr-%d", i), Ref: sha(i), Payload: marker(i),
			Created: e.clock.Now().Add(time.Duration(i) * time.Minute), States: []string{"success"}})
	}
	e.repo.Seed(seeds...)
	left := 4 // content-creating writes left this hour: one per environment
	e.c.Room = func() lifecycle.Room { return lifecycle.Room{Writes: left - e.fake.Count("POST"), Requests: -1} }
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Sweep.Count(lifecycle.DecisionSwept); got != 4 {
		t.Errorf("swept %d, want 4", got)
	}
	if got := res.Sweep.Count(lifecycle.DecisionLeft); got != 6 {
		t.Errorf("left %d, want 6", got)
	}
	if res.Sweep.Stopped == "" {
		t.Error("the sweep did not say why it stopped")
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "6 stale environments are left for the next run") {
		t.Errorf("warnings %q", res.Warnings)
	}
	// The oldest went first; the next run, with room, goes on.
	if e.repo.HasEnvironment("pr-1") {
		t.Error("the sweep did not take the oldest first: pr-1 is still there")
	}
	if !e.repo.HasEnvironment("pr-10") {
		t.Error("the sweep did not take the oldest first: pr-10 is gone")
	}
	left = 100
	res, err = lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if got := res.Sweep.Count(lifecycle.DecisionSwept); got != 6 {
		t.Fatalf("second run swept %d, want 6: %+v", got, res.Sweep)
	}
	if res.Sweep.Stopped != "" {
		t.Fatalf("second run stopped: %q", res.Sweep.Stopped)
	}
}

// A sweep sends no more than the token's REST rate limit leaves (less a
// reserve), a deployment at a time, and leaves the rest for the next run.
func TestSweepStopsBeforeTheTokensRateLimit(t *testing.T) {
	t.Parallel()
	e := sweepRepo(t)
	e.c.Room = func() lifecycle.Room { return lifecycle.Room{Writes: -1, Requests: 12} }
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Sweep.Stopped, "REST rate limit") {
		t.Errorf("stopped %q, want a stop naming the REST rate limit", res.Sweep.Stopped)
	}
	// 12 requests left, 10 kept in reserve: 2 may go, one deployment at a
	// time; what is left waits for the next run.
	if n := e.fake.Count("POST") + e.fake.Count("DELETE"); n > 2 {
		t.Errorf("%d writes, want at most the 2 the limit leaves", n)
	}
	if res.Sweep.Count(lifecycle.DecisionLeft) == 0 {
		t.Error("nothing was left for the next run")
	}
	for _, env := range []string{"pr-1", "pr-3"} {
		if !e.repo.HasEnvironment(env) {
			t.Errorf("%s was deleted with the limit used up", env)
		}
	}
}

func TestSweepWithoutAdminWarnsOnce(t *testing.T) {
	t.Parallel()
	e := sweepRepo(t)
	e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true}
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 {
		t.Errorf("%d warnings, want 1: %q", len(res.Warnings), res.Warnings)
	} else if !strings.Contains(res.Warnings[0], "2 swept environments were not deleted themselves") {
		t.Errorf("warning %q, want it to say 2 swept environments were not deleted themselves", res.Warnings[0])
	}
	if !e.repo.HasEnvironment("pr-1") {
		t.Error("environment pr-1 gone")
	}
	if n := len(e.repo.Deployments()); n != 4 {
		t.Errorf("%d deployments left, want 4", n)
	}
}

func TestSweepStopsAtTheFirstFailure(t *testing.T) {
	t.Parallel()
	e := sweepRepo(t)
	e.fake.Inject(&fakegithub.Fault{Method: "DELETE", Path: "/deployments/", Status: 403, Body: `{"message":"Resource not accessible by integration"}`})
	c := sweepCfg("pr-*")
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err == nil || !strings.Contains(err.Error(), "sweeping environment") || !strings.Contains(err.Error(), "403") {
		t.Fatalf("err %v", err)
	}
	if res == nil {
		t.Fatal("no result")
	}
	if res.Sweep.Count(lifecycle.DecisionFailed) == 0 {
		t.Fatalf("no candidate failed: %+v", res.Sweep)
	}
	if res.Sweep.Stopped == "" {
		t.Fatalf("the sweep did not say why it stopped: %+v", res.Sweep)
	}
	if n := e.fake.Count("DELETE"); n > 4*2 {
		t.Errorf("%d deletes tried after a refusal", n)
	}
}
