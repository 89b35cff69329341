package report_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestSummaryGolden(t *testing.T) {
	t.Parallel()
	cfg := func(step config.Step) *config.Config {
		return &config.Config{Step: step, Owner: "octo-org", Repo: "hello-world", ServerURL: "https://github.com"}
	}
	many := make([]int64, 25)
	for i := range many {
		many[i] = int64(2000 - i)
	}
	tests := []struct {
		name string
		cfg  *config.Config
		res  *lifecycle.Result
	}{
		{"finish-success-with-retired-previews", cfg(config.StepFinish), &lifecycle.Result{
			DeploymentID: 42, State: "success", Environment: "pr-7", Ref: "feature/login|x", EnvironmentURL: "https://pr-7.example.com",
			LogURL: "https://github.com/octo-org/hello-world/actions/runs/1/attempts/1", Recovered: []string{"status success of deployment 42 (its answer was lost)"},
			Teardown: &lifecycle.TeardownResult{Environment: "pr-7", Seen: 3, Deactivated: []int64{41, 40}},
		}},
		{"delete-env", cfg(config.StepDeleteEnv), &lifecycle.Result{Environment: "pr-7", Teardown: &lifecycle.TeardownResult{
			Environment: "pr-7", Seen: 25, Deactivated: many[:10], Deleted: many, EnvironmentNote: "the token may not delete environments",
		}}},
		{"delete-env-dry-run", cfg(config.StepDeleteEnv), &lifecycle.Result{Environment: "pr-7", Teardown: &lifecycle.TeardownResult{
			Environment: "pr-7", DryRun: true, Seen: 3, Kept: 1, Deactivated: []int64{2}, Deleted: []int64{2, 1}, EnvironmentNote: "dry run",
		}}},
		{"deactivate-env-nothing-to-do", cfg(config.StepDeactivateEnv), &lifecycle.Result{Environment: "gone", Teardown: &lifecycle.TeardownResult{Environment: "gone"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := report.Summary(tt.cfg, tt.res)
			path := filepath.Join("testdata", "golden", tt.name+".md")
			if *update {
				_ = os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("%s (-want +got):\n%s", path, d)
			}
		})
	}
}
