package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// TestReportStepWithAReadOnlyToken runs step: report as the runner does,
// with a token that may not write (deployments: read): it succeeds, sets
// the report output to the JSON the summary shows, and sends no write.
func TestReportStepWithAReadOnlyToken(t *testing.T) {
	t.Parallel()
	f, srv := fgtest.New(t, "")
	const readOnly = "ghs_readOnlyToken0000000000000000000000"
	f.Tokens[readOnly] = fakegithub.Token{}
	repo := f.AddRepo(fgtest.Repo)
	ids := repo.Seed(fakegithub.Seed{Environment: "production", States: []string{"success"}},
		fakegithub.Seed{Environment: "production", States: []string{"failure"}})
	a, err := runnersim.ParseAction(fgtest.ActionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	job := runnersim.NewJob(t.TempDir(), a, demo.InProcess(app.Env{}), fgtest.Context(srv.URL), map[string]any{}, readOnly)
	r, err := job.Run(context.Background(), runnersim.Step{ID: "report", With: map[string]string{"step": "report", "environments": "production"}})
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("report: %v\n%s", err, r.Stdout)
	}
	var rep lifecycle.ReportResult
	if err := json.Unmarshal([]byte(r.Outputs["report"]), &rep); err != nil {
		t.Fatalf("the report output is no JSON: %v\n%s", err, r.Outputs["report"])
	}
	if len(rep.Environments) != 1 || rep.Environments[0].Live == nil || rep.Environments[0].Live.ID != ids[0] || rep.Total.Deployments != 2 {
		t.Errorf("report %+v: want production with deployment %d live and 2 deployments", rep, ids[0])
	}
	if rep.WindowSeconds != 30*86400 {
		t.Errorf("window of %d s, want since's default 30d", rep.WindowSeconds)
	}
	if !strings.Contains(r.Summary, "#### `production`") || !strings.Contains(r.Summary, "```mermaid") {
		t.Errorf("summary:\n%s", r.Summary)
	}
	if n := f.Count("POST") + f.Count("PATCH") + f.Count("PUT") + f.Count("DELETE"); n != 0 {
		t.Errorf("%d writes, want none", n)
	}
}
