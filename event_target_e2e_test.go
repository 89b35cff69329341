package main

import (
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// On a deployment event for production (4242), a job
// whose inputs say canary, with canary's URL, must never write canary's
// URL to production's deployment, whichever way 4242 becomes the target.
func TestCanarysURLNeverReachesTheEventsProductionDeployment(t *testing.T) {
	canary := map[string]string{"environment": "canary", "environment-url": "https://canary.example"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range canary {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		steps []runnersim.Step
	}{
		{"start with deployment-id 4242 and environment canary, then the post stage", []runnersim.Step{
			{ID: "start", With: with(map[string]string{"deployment-id": "4242"})}}},
		{"start that adopts the event's, then finish of canary", []runnersim.Step{
			{ID: "start", With: map[string]string{}},
			{ID: "finish", With: with(map[string]string{"step": "finish", "state": "success"})}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, f, _ := newJob(t, "deployment", inProcess)
			repo := f.AddRepo(fgtest.Repo)
			repo.Seed(fakegithub.Seed{ID: 4242, Environment: "production", Production: true, States: []string{"queued"}})
			var out strings.Builder
			for _, s := range tt.steps {
				r, err := job.Run(t.Context(), s)
				if err != nil {
					t.Fatal(err)
				}
				out.WriteString(r.Stdout)
			}
			runs, err := job.Post(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				out.WriteString(r.Stdout)
			}
			if !strings.Contains(out.String(), "the deployment event's") {
				t.Errorf("no step said why it refused:\n%s", out.String())
			}
			for _, d := range repo.Deployments() {
				if d.Environment == "production" && d.EnvironmentURL == "https://canary.example" {
					t.Errorf("production's deployment %d has canary's URL, statuses %v; log:\n%s", d.ID, d.States, out.String())
				}
			}
		})
	}
}
