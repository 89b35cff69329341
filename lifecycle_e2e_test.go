package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/golden"
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
			if id == "" {
				t.Errorf("no deployment-id output: %v", main.Outputs)
			}
			if got := main.State["deployment_id"]; got != id {
				t.Errorf("state deployment_id %q, want the output %q: %v", got, id, main.State)
			}
			if got := job.Env()["DEPLOYMENT_ACTION_DEPLOYMENT_ID"]; got != id {
				t.Errorf("env DEPLOYMENT_ACTION_DEPLOYMENT_ID %q, want the output %q", got, id)
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
			if len(posts) != 1 {
				t.Fatalf("%d post stages, want 1: %+v", len(posts), posts)
			}
			if posts[0].ExitCode != 0 {
				t.Fatalf("post exit %d, want 0: %+v", posts[0].ExitCode, posts[0])
			}
			ds := f.AddRepo(fgtest.Repo).Deployments()
			if len(ds) != 1 {
				t.Fatalf("deployments %+v", ds)
			}
			d := ds[0]
			type made struct {
				SHA, Environment string
				Transient        bool
			}
			if diff := cmp.Diff(made{fgtest.SHA, "staging", false}, made{d.SHA, d.Environment, d.Transient}); diff != "" {
				t.Errorf("deployment (-want +got):\n%s", diff)
			}
			if d := cmp.Diff([]string{tt.wantState, "in_progress"}, d.States); d != "" {
				t.Errorf("statuses (-want +got):\n%s", d)
			}
			if d.EnvironmentURL != tt.wantURL {
				t.Errorf("environment url %q, want %q", d.EnvironmentURL, tt.wantURL)
			}
			if want := "https://github.com/octo-org/hello-world/actions/runs/314/attempts/1"; d.LogURL != want {
				t.Errorf("log url %q, want %q", d.LogURL, want)
			}
			// start: create and in_progress; post: the latest status
			// (has another tool finished it?) and the final one.
			if n := f.Count(""); n != 4 {
				t.Errorf("start and post made %d API calls, want 4", n)
			}
			// The runner drops a post stage's outputs: it writes none.
			if len(posts[0].Outputs) != 0 {
				t.Errorf("post wrote outputs %v", posts[0].Outputs)
			}
			golden.Check(t, "push-"+tt.outcome+"-post-summary.md", normal(posts[0].Summary, srv))
		})
	}
	t.Run("main outputs and summary", func(t *testing.T) {
		t.Parallel()
		job, _, srv := newJob(t, "push", inProcess)
		main := run(t, job, startStep)
		golden.Check(t, "push-main-outputs.json", outputsText(main, srv))
		golden.Check(t, "push-main-summary.md", normal(main.Summary, srv))
	})
}

func TestPullRequestDeploysTheHeadCommitToATransientEnvironment(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "pull_request", inProcess)
	run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "pr-${{ github.event.number }}"}})
	post(t, job)
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1: %+v", len(ds), ds)
	}
	type made struct {
		SHA                string
		Transient          bool
		Environment, State string
	}
	want := made{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", true, "pr-42", "success"}
	if d := cmp.Diff(want, made{ds[0].SHA, ds[0].Transient, ds[0].Environment, ds[0].State()}); d != "" {
		t.Errorf("deployment (-want +got):\n%s", d)
	}
}

func TestDeploymentEventIsAdopted(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "deployment", inProcess)
	repo := f.AddRepo(fgtest.Repo)
	repo.Seed(fakegithub.Seed{ID: 4242, Environment: "production", Production: true})
	main := run(t, job, runnersim.Step{ID: "start"})
	if main.ExitCode != 0 {
		t.Fatalf("main exit %d, want 0\n%s", main.ExitCode, main.Stdout)
	}
	if d := cmp.Diff(map[string]string{"deployment-id": "4242", "environment": "production"}, map[string]string{"deployment-id": main.Outputs["deployment-id"], "environment": main.Outputs["environment"]}); d != "" {
		t.Fatalf("main outputs (-want +got):\n%s", d)
	}
	job.Fail()
	post(t, job)
	ds := repo.Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1: %+v", len(ds), ds)
	}
	if d := cmp.Diff([]string{"failure", "in_progress"}, ds[0].States); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	if n := f.Count(""); n != 3 {
		t.Errorf("%d API calls, want 3: in_progress, then post's read and final status (adopting creates nothing)", n)
	}
}

func TestTwoStepStyleFinishesOnceAndPostLeavesItAlone(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "staging", "auto-finish": "false"}})
	job.Fail()
	fin := run(t, job, runnersim.Step{ID: "finish", With: map[string]string{"step": "finish", "environment-url": "https://x.example.com"}})
	if fin.ExitCode != 0 {
		t.Fatalf("finish: exit %d, want 0\n%s", fin.ExitCode, fin.Stdout)
	}
	if got := fin.Outputs["state"]; got != "failure" {
		t.Fatalf("finish: state output %q, want failure: %v", got, fin.Outputs)
	}
	before := f.Count("")
	posts := post(t, job)
	if f.Count("") != before {
		t.Errorf("post stages made %d calls, want none", f.Count("")-before)
	}
	if len(posts) != 2 {
		t.Fatalf("%d post stages, want 2: %+v", len(posts), posts)
	}
	if !strings.Contains(posts[1].Stdout, "auto-finish is false") {
		t.Errorf("second post stage does not say auto-finish is false:\n%s", posts[1].Stdout)
	}
}

func TestFinishStepIsSeenByPostWithAutoFinishOn(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	run(t, job, startStep)
	run(t, job, runnersim.Step{ID: "done", With: map[string]string{"step": "finish", "state": "success"}})
	before := f.Count("")
	posts := post(t, job)
	if n := f.Count("") - before; n != 0 {
		t.Errorf("post made %d calls, want none", n)
	}
	if !strings.Contains(posts[1].Stdout, "already marked") {
		t.Errorf("post does not say the deployment is already marked:\n%s", posts[1].Stdout)
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
			job, f, _ := newJob(t, "push", inProcess)
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
	job, _, _ := newJob(t, "push", inProcess)
	job.Context["GITHUB_API_URL"] = srv.URL + "/api/v3"
	job.Context["GITHUB_SERVER_URL"] = "https://ghe.example.com"
	main := run(t, job, startStep)
	if main.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", main.ExitCode, main.Stdout)
	}
	post(t, job)
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1: %+v", len(ds), ds)
	}
	if got := ds[0].State(); got != "success" {
		t.Errorf("deployment state %q, want success", got)
	}
	if want := "https://ghe.example.com/octo-org/hello-world/actions/runs/314"; !strings.HasPrefix(ds[0].LogURL, want) {
		t.Errorf("log url %q, want it to start with %q", ds[0].LogURL, want)
	}
	// Reads go to GHES's GraphQL endpoint, /api/graphql, outside /api/v3.
	td := run(t, job, runnersim.Step{ID: "down", With: map[string]string{"step": "deactivate-env", "environment": "staging"}})
	if td.ExitCode != 0 {
		t.Errorf("deactivate-env on GHES: exit %d, want 0\n%s", td.ExitCode, td.Stdout)
	}
	if got := td.Outputs["deactivated"]; got != "1" {
		t.Errorf("deactivate-env on GHES: deactivated output %q, want 1: %v", got, td.Outputs)
	}
	if n := f.Count("GRAPHQL"); n != 1 {
		t.Errorf("deactivate-env on GHES: %d GraphQL queries, want 1", n)
	}
	for _, r := range f.Requests() {
		if r.Method == "GRAPHQL" && r.Path != "/api/graphql" {
			t.Errorf("a GraphQL query to %s", r.Path)
		}
	}
}

// TestPostLeavesADeploymentAnotherToolFinished: a deploy platform marked
// the deployment failure while the job went on to succeed; post reads the
// latest status once and leaves it as it is.
func TestPostLeavesADeploymentAnotherToolFinished(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	main := run(t, job, startStep)
	id, _ := strconv.ParseInt(main.Outputs["deployment-id"], 10, 64)
	repo := f.AddRepo(fgtest.Repo)
	if !repo.AddStatus(id, "failure") {
		t.Fatalf("no deployment %d", id)
	}
	before := f.Count("")
	posts := post(t, job)
	if n := f.Count("") - before; n != 1 {
		t.Errorf("post made %d calls, want the one read", n)
	}
	if n := f.Count("POST"); n != 2 {
		t.Errorf("%d writes in all, want 2 (post wrote nothing)", n)
	}
	if ds := repo.Deployments(); ds[0].State() != "failure" {
		t.Errorf("deployment %v, want it left failure", ds[0].States)
	}
	if !strings.Contains(posts[0].Stdout, "already failure") {
		t.Errorf("post does not say the deployment is already failure:\n%s", posts[0].Stdout)
	}
}

// TestWorkflowRunDeploysTheRunsCommit: on workflow_run, GITHUB_SHA is the
// default branch's head; the action deploys the finished run's head_sha,
// and a run a pull request triggered is a transient preview.
func TestWorkflowRunDeploysTheRunsCommit(t *testing.T) {
	t.Parallel()
	for _, trigger := range []string{"push", "pull_request"} {
		job, f, _ := newJob(t, "workflow_run", inProcess)
		job.Event["workflow_run"].(map[string]any)["event"] = trigger
		main := run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "preview"}})
		if main.ExitCode != 0 {
			t.Fatalf("exit %d\n%s", main.ExitCode, main.Stdout)
		}
		ds := f.AddRepo(fgtest.Repo).Deployments()
		head := job.Event["workflow_run"].(map[string]any)["head_sha"]
		if len(ds) != 1 {
			t.Errorf("%s: %d deployments, want 1: %+v", trigger, len(ds), ds)
			continue
		}
		if ds[0].SHA != head {
			t.Errorf("%s: deployment of %s, want head_sha %v", trigger, ds[0].SHA, head)
		}
		if want := trigger == "pull_request"; ds[0].Transient != want {
			t.Errorf("%s: transient %t, want %t", trigger, ds[0].Transient, want)
		}
	}
}

// TestLogURLLinksTheJobWhereGitHubGivesItsID: job.check_run_id (github.com,
// GHE.com) makes the log link the job's own page; without it (GHES), the
// run attempt's.
func TestLogURLLinksTheJobWhereGitHubGivesItsID(t *testing.T) {
	t.Parallel()
	for checkRun, want := range map[string]string{
		"8812345": "https://github.com/octo-org/hello-world/actions/runs/314/job/8812345",
		"":        "https://github.com/octo-org/hello-world/actions/runs/314/attempts/1",
	} {
		job, _, _ := newJob(t, "push", inProcess)
		job.CheckRunID = checkRun
		main := run(t, job, startStep)
		if got := main.Outputs["log-url"]; got != want {
			t.Errorf("check run %q: log-url %q, want %q", checkRun, got, want)
		}
	}
}

// TestPostIfSkipsThePostContainerWithoutAStart: a job of teardown and
// status steps starts no post container; a job with a start does, for
// every step of the action, and they find nothing to do but the start's.
func TestPostIfSkipsThePostContainerWithoutAStart(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	f.AddRepo(fgtest.Repo).Seed(fakegithub.Seed{ID: 777, Environment: "qa", States: []string{"in_progress"}})
	run(t, job, runnersim.Step{ID: "status", With: map[string]string{"step": "status", "state": "queued", "deployment-id": "777"}})
	if posts := post(t, job); len(posts) != 1 {
		t.Errorf("without a start: %d post stages, want 1: %+v", len(posts), posts)
	} else if !posts[0].Skipped {
		t.Errorf("without a start: post not skipped: %+v", posts[0])
	}
	job, _, _ = newJob(t, "push", inProcess)
	run(t, job, startStep)
	run(t, job, runnersim.Step{ID: "status", With: map[string]string{"step": "status", "state": "in_progress"}})
	posts := post(t, job)
	if len(posts) != 2 {
		t.Fatalf("with a start: %d post stages, want 2: %+v", len(posts), posts)
	}
	for i, p := range posts {
		if p.Skipped {
			t.Errorf("with a start: post stage %d skipped: %+v", i, p)
		}
	}
	if !strings.Contains(posts[0].Stdout, "the main stage started no deployment") {
		t.Errorf("with a start: first post stage does not say the main stage started no deployment:\n%s", posts[0].Stdout)
	}
}

// TestTheReadmesEnvRecipe runs the README's leading recipe: the URL comes
// from a later `run:` step through $GITHUB_ENV, as ${{ env.DEPLOY_URL }},
// which the runner resolves again for the post stage.
func TestTheReadmesEnvRecipe(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "staging", "environment-url": "${{ env.DEPLOY_URL }}"}})
	if err := job.RunScript("deploy", nil, map[string]string{"DEPLOY_URL": "https://staging.example.com"}); err != nil {
		t.Fatal(err)
	}
	posts := post(t, job)
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1: %+v; post:\n%s", len(ds), ds, posts[0].Stdout)
	}
	if got := ds[0].State(); got != "success" {
		t.Errorf("deployment state %q, want success; post:\n%s", got, posts[0].Stdout)
	}
	if got := ds[0].EnvironmentURL; got != "https://staging.example.com" {
		t.Errorf("environment url %q, want https://staging.example.com", got)
	}
}

// TestPostIfNamesTheVariableStartWrites keeps action.yml's post-if and the
// variable start writes to GITHUB_ENV the same.
func TestPostIfNamesTheVariableStartWrites(t *testing.T) {
	t.Parallel()
	if want := "env." + handoff.EnvDeploymentID + " != ''"; !strings.Contains(loadAction().Runs.PostIf, want) {
		t.Errorf("post-if %q does not test %s", loadAction().Runs.PostIf, want)
	}
}
