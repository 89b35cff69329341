package lifecycle_test

import (
	"context"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// In a monorepo, apps share staging as different tasks, and previews may
// share one environment per pull request: a success retires only the
// earlier deployments of the same task or pull request.
func TestAutoInactiveScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		scope string
		seeds []fakegithub.Seed
		// want is each earlier deployment's state after the new one of
		// task app-a (and pull request 1) succeeds.
		want []string
	}{
		{"GitHub's: every earlier success", "", []fakegithub.Seed{
			{Environment: "staging", Task: "app-a", States: []string{"success"}},
			{Environment: "staging", Task: "app-b", States: []string{"success"}}},
			[]string{"inactive", "inactive"}},
		{"task: the same app's only", config.ScopeTask, []fakegithub.Seed{
			{Environment: "staging", Task: "app-a", States: []string{"success"}},
			{Environment: "staging", Task: "app-b", States: []string{"success"}}},
			[]string{"inactive", "success"}},
		{"pull-request: the same pull request's only", config.ScopePullRequest, []fakegithub.Seed{
			{Environment: "staging", Task: "app-a", Payload: marker(1), States: []string{"success"}},
			{Environment: "staging", Task: "app-a", Payload: marker(2), States: []string{"success"}}},
			[]string{"inactive", "success"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			earlier := e.repo.Seed(tt.seeds...)
			ids := e.repo.Seed(fakegithub.Seed{Environment: "staging", Task: "app-a", Payload: marker(1), States: []string{"in_progress"}})
			c := cfg()
			c.Step, c.Finish.DeploymentID, c.Finish.State, c.Finish.AutoInactiveScope = config.StepFinish, ids[0], "success", tt.scope
			if _, err := lifecycle.Finish(context.Background(), e.c, c.Finish); err != nil {
				t.Fatal(err)
			}
			got := latestStates(e.repo)
			for i, id := range earlier {
				if got[id] != tt.want[i] {
					t.Errorf("deployment %d (%s) is %s, want %s", id, tt.seeds[i].Task, got[id], tt.want[i])
				}
			}
			if got[ids[0]] != "success" {
				t.Errorf("the new deployment is %s", got[ids[0]])
			}
		})
	}
}
