package report_test

import (
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/golden"
)

func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	cfg := func(config.Step) report.Links {
		return report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	}
	many := make([]int64, 25)
	for i := range many {
		many[i] = int64(2000 - i)
	}
	tests := []struct {
		name string
		cfg  report.Links
		res  *lifecycle.Result
	}{
		{"finish-success-with-retired-previews", cfg(config.StepFinish), &lifecycle.Result{
			DeploymentID: 42, State: "success", Environment: "pr-7", Ref: "feature/login|x", EnvironmentURL: "https://pr-7.example.com",
			LogURL: "https://github.com/octo-org/hello-world/actions/runs/1/attempts/1", Recovered: []string{"status success of deployment 42 (its answer was lost)"},
			Teardown: &lifecycle.TeardownResult{Kind: lifecycle.KindRetire, Environment: "pr-7", Seen: 3, Deactivated: []int64{41, 40}},
		}},
		{"delete-env", cfg(config.StepDeleteEnv), &lifecycle.Result{Environment: "pr-7", Teardown: &lifecycle.TeardownResult{
			Environment: "pr-7", Delete: true, Seen: 25, Deactivated: many[:10], Deleted: many, EnvironmentNote: "the token may not delete environments",
		}}},
		{"delete-env-dry-run", cfg(config.StepDeleteEnv), &lifecycle.Result{Environment: "pr-7", Teardown: &lifecycle.TeardownResult{
			Environment: "pr-7", Delete: true, DryRun: true, Seen: 3, Kept: 1, Deactivated: []int64{2}, Deleted: []int64{2, 1}, WouldDeleteEnvironment: true,
		}}},
		{"sweep-in-part", cfg(config.StepSweep), &lifecycle.Result{Sweep: &lifecycle.SweepResult{Environments: 3, Candidates: []lifecycle.SweepCandidate{
			{Environment: "preview/shared", Decision: lifecycle.DecisionSwept, Deployments: 3,
				Reason:          "pull request #2 merged: its deployment is retired; the environment is kept: pull request #1 is open",
				KeptDeployments: []lifecycle.KeptDeployment{{ID: 1001, Reason: "pull request #1 is open"}, {ID: 1003, Reason: "branch \"x|::error::y\" exists"}},
				Teardown:        &lifecycle.TeardownResult{Environment: "preview/shared", Delete: true, Deactivated: []int64{1002}, Deleted: []int64{1002}, EnvironmentNote: "it holds live deployments no rule finds stale"}},
			{Environment: "pr-9", Decision: lifecycle.DecisionKept, Reason: "pull request #9 is open", Deployments: 1},
		}}}},
		{"deactivate-env-nothing-to-do", cfg(config.StepDeactivateEnv), &lifecycle.Result{Environment: "gone", Teardown: &lifecycle.TeardownResult{Environment: "gone"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			golden.Check(t, tt.name+".md", report.Summary(tt.cfg, tt.res))
		})
	}
}
