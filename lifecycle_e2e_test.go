package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/golden"
	"github.com/deploy-lifecycle/deployment-action/internal/runnersim"
)

// startStep is the README's one-step usage.
var startStep = runnersim.Step{ID: "start", With: map[string]string{
	"environment": "staging", "environment-url": "${{ steps.deploy.outputs.url }}",
}}

func TestOneStepLifecycleOnPush(t *testing.T) {
	t.Parallel()
	tests := []struct {
		outcome   string // what the job's deploy step does
		wantState string
		wantURL   string
	}{
		{"success", "success", "https://staging.example.com"},
		{"failure", "failure", ""},
		{"cancelled", "inactive", ""},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			t.Parallel()
			job, f, srv := newJob(t, "push", binary)
			main := run(t, job, startStep)
			if main.ExitCode != 0 {
				t.Fatalf("main exited %d:\n%s", main.ExitCode, main.Stdout)
			}
			id := main.Outputs["deployment-id"]
			if main.State["deployment_id"] != id || job.Env()["DEPLOYMENT_ACTION_DEPLOYMENT_ID"] != id || id == "" {
				t.Errorf("id %q, state %v, env %v", id, main.State, job.Env())
			}
			switch tt.outcome {
			case "success":
				job.SetOutput("deploy", "url", "https://staging.example.com")
			case "failure":
				job.Fail()
			case "cancelled":
				job.Cancel()
			}
			posts := post(t, job)
			if len(posts) != 1 || posts[0].ExitCode != 0 {
				t.Fatalf("post: %+v", posts)
			}
			ds := f.AddRepo(fgtest.Repo).Deployments()
			if len(ds) != 1 {
				t.Fatalf("deployments %+v", ds)
			}
			d := ds[0]
			if d.SHA != fgtest.SHA || d.Environment != "staging" || d.Transient {
				t.Errorf("deployment %+v", d)
			}
			if d := cmp.Diff([]string{tt.wantState, "in_progress"}, d.States); d != "" {
				t.Errorf("statuses (-want +got):\n%s", d)
			}
			if d.EnvironmentURL != tt.wantURL || d.LogURL != "https://github.com/octo-org/hello-world/actions/runs/314/attempts/1" {
				t.Errorf("environment url %q log url %q", d.EnvironmentURL, d.LogURL)
			}
			if n := f.Count(""); n != 3 {
				t.Errorf("start and post made %d API calls, want 3", n)
			}
			golden.Check(t, "push-"+tt.outcome+"-post-outputs.json", outputsText(posts[0], srv))
			golden.Check(t, "push-"+tt.outcome+"-post-summary.md", normal(posts[0].Summary, srv))
		})
	}
	t.Run("main outputs and summary", func(t *testing.T) {
		t.Parallel()
		job, _, srv := newJob(t, "push", binary)
		main := run(t, job, startStep)
		golden.Check(t, "push-main-outputs.json", outputsText(main, srv))
		golden.Check(t, "push-main-summary.md", normal(main.Summary, srv))
	})
}

func TestPullRequestDeploysTheHeadCommitToATransientEnvironment(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "pull_request", binary)
	run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "pr-${{ github.event.number }}"}})
	post(t, job)
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 || ds[0].SHA != "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1" || !ds[0].Transient || ds[0].Environment != "pr-42" || ds[0].State() != "success" {
		t.Errorf("deployments %+v", ds)
	}
}

func TestDeploymentEventIsAdopted(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "deployment", binary)
	repo := f.AddRepo(fgtest.Repo)
	repo.Seed(fakegithub.Seed{ID: 4242, Environment: "production", Production: true})
	main := run(t, job, runnersim.Step{ID: "start"})
	if main.ExitCode != 0 || main.Outputs["deployment-id"] != "4242" || main.Outputs["environment"] != "production" {
		t.Fatalf("main exit %d outputs %v\n%s", main.ExitCode, main.Outputs, main.Stdout)
	}
	job.Fail()
	post(t, job)
	ds := repo.Deployments()
	if len(ds) != 1 || !cmp.Equal(ds[0].States, []string{"failure", "in_progress"}) {
		t.Errorf("deployments %+v", ds)
	}
	if n := f.Count(""); n != 2 {
		t.Errorf("%d API calls, want 2 (adopting creates nothing)", n)
	}
}

func TestTwoStepStyleFinishesOnceAndPostLeavesItAlone(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", binary)
	run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "staging", "auto-finish": "false"}})
	job.Fail()
	fin := run(t, job, runnersim.Step{ID: "finish", With: map[string]string{"step": "finish", "environment-url": "https://x.example.com"}})
	if fin.ExitCode != 0 || fin.Outputs["state"] != "failure" {
		t.Fatalf("finish: exit %d outputs %v\n%s", fin.ExitCode, fin.Outputs, fin.Stdout)
	}
	before := f.Count("")
	posts := post(t, job)
	if f.Count("") != before {
		t.Errorf("post stages made %d calls, want none", f.Count("")-before)
	}
	if len(posts) != 2 || !strings.Contains(posts[1].Stdout, "auto-finish is false") {
		t.Errorf("post logs: %+v", posts)
	}
}

func TestFinishStepIsSeenByPostWithAutoFinishOn(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", binary)
	run(t, job, startStep)
	run(t, job, runnersim.Step{ID: "done", With: map[string]string{"step": "finish", "state": "success"}})
	before := f.Count("")
	posts := post(t, job)
	if f.Count("") != before || !strings.Contains(posts[1].Stdout, "already marked") {
		t.Errorf("post made %d calls:\n%s", f.Count("")-before, posts[1].Stdout)
	}
}

func TestBadInputsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		with    map[string]string
		wantErr string
	}{
		{map[string]string{"step": "launch"}, `input "step" has the value "launch": takes one of start, finish, status, deactivate-env, delete-env`},
		{map[string]string{"environment": "e", "payload": "[]"}, `input "payload"`},
		{map[string]string{}, `input "environment" is required`},
		{map[string]string{"environment": "e", "repository": "nope"}, `input "repository" has the value "nope": takes owner/name`},
		{map[string]string{"step": "finish", "deployment-id": "x1"}, `input "deployment-id" has the value "x1"`},
		{map[string]string{"environment": "e", "auto-finish": "on"}, `input "auto-finish" has the value "on": takes true or false`},
		{map[string]string{"step": "status", "deployment-id": "5", "state": "done"}, `input "state" has the value "done"`},
	}
	for _, tt := range tests {
		t.Run(tt.wantErr, func(t *testing.T) {
			t.Parallel()
			job, f, _ := newJob(t, "push", binary)
			r := run(t, job, runnersim.Step{ID: "bad", With: tt.with})
			if r.ExitCode != 1 {
				t.Errorf("exit %d, want 1", r.ExitCode)
			}
			errs := r.Annotations("error")
			if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), tt.wantErr) {
				t.Errorf("errors %q, want %q", errs, tt.wantErr)
			}
			if n := f.Count(""); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			if len(r.State) != 0 {
				t.Errorf("state saved: %v", r.State)
			}
			for _, p := range post(t, job) {
				if p.ExitCode != 0 {
					t.Errorf("post exited %d", p.ExitCode)
				}
			}
			if n := f.Count(""); n != 0 {
				t.Errorf("post sent %d requests, want none", n)
			}
		})
	}
}

func TestGitHubEnterpriseServerAPIRoot(t *testing.T) {
	t.Parallel()
	f, srv := fgtest.New(t, "/api/v3")
	job, _, _ := newJob(t, "push", binary)
	job.Context["GITHUB_API_URL"] = srv.URL + "/api/v3"
	job.Context["GITHUB_SERVER_URL"] = "https://ghe.example.com"
	main := run(t, job, startStep)
	if main.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", main.ExitCode, main.Stdout)
	}
	post(t, job)
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 || ds[0].State() != "success" || !strings.HasPrefix(ds[0].LogURL, "https://ghe.example.com/octo-org/hello-world/actions/runs/314") {
		t.Errorf("deployments %+v", ds)
	}
}
