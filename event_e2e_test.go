package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// On a deployment event for production, `step: start` with `environment:
// canary` deploys canary: a new deployment, a notice naming the event's
// deployment it left alone, and a post stage that finishes canary with
// canary's URL. Production's deployment gets no write at all.
func TestDeploymentEventDoesNotRedirectAnExplicitEnvironment(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "deployment", inProcess)
	repo := f.AddRepo(fgtest.Repo)
	repo.Seed(fakegithub.Seed{ID: 4242, Environment: "production", Production: true, States: []string{"queued"}})
	main := run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "canary", "environment-url": "https://canary.example"}})
	if main.ExitCode != 0 {
		t.Fatalf("main exit %d, want 0\n%s", main.ExitCode, main.Stdout)
	}
	if !strings.Contains(main.Stdout, `::notice::step: start makes a new deployment of `+fgtest.SHA+` in "canary", as the inputs say, and leaves the deployment event's deployment 4242 of "production" alone`) {
		t.Errorf("no notice naming the event's deployment:\n%s", main.Stdout)
	}
	if got := main.Outputs["environment"]; got != "canary" || main.Outputs["deployment-id"] == "4242" {
		t.Errorf("outputs %v, want a new deployment of canary", main.Outputs)
	}
	post(t, job)
	got := map[string][]string{}
	urls := map[string]string{}
	for _, d := range repo.Deployments() {
		got[d.Environment] = d.States
		urls[d.Environment] = d.EnvironmentURL
	}
	want := map[string][]string{"production": {"queued"}, "canary": {"success", "in_progress"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("statuses by environment (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"production": "", "canary": "https://canary.example"}, urls); d != "" {
		t.Errorf("environment URLs (-want +got):\n%s", d)
	}
	for _, r := range f.Requests() {
		if strings.Contains(r.Path, "/deployments/4242") {
			t.Errorf("a request touched the event's deployment: %s %s", r.Method, r.Path)
		}
	}
}

// A ref the event's deployment was not made of, without an environment
// for a new one, is refused before any request, saying how to do either.
func TestDeploymentEventWithAnotherRefAndNoEnvironmentIsRefused(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "deployment", inProcess)
	f.AddRepo(fgtest.Repo).Seed(fakegithub.Seed{ID: 4242, Environment: "production", Production: true})
	r, err := job.Run(t.Context(), runnersim.Step{ID: "start", With: map[string]string{"ref": "hotfix"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode == 0 {
		t.Errorf("exit 0, want a failure:\n%s", r.Stdout)
	}
	for _, want := range []string{"does not adopt the deployment event's deployment 4242", "give environment to make a new deployment of ref, or leave ref out to adopt the event's"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.Stdout)
		}
	}
	if n := f.Count(""); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}
