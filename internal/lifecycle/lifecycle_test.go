package lifecycle_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

func body(t *testing.T, r fakegithub.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("%s %s body %q: %v", r.Method, r.Path, r.Body, err)
	}
	return m
}

func TestStartCreatesAndMarksInProgress(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	c := cfg()
	c.Start.Payload = map[string]any{"version": "1.2.3"}
	c.Start.Description = "Release 1.2.3"
	res, err := lifecycle.Start(context.Background(), e.c, c.Start)
	if err != nil {
		t.Fatal(err)
	}
	reqs := e.fake.Requests()
	if len(reqs) != 2 {
		t.Fatalf("start made %d calls, want 2: %+v", len(reqs), reqs)
	}
	create := body(t, reqs[0])
	want := map[string]any{
		"ref": fgtest.SHA, "task": "deploy", "auto_merge": false, "required_contexts": []any{}, "environment": "staging",
		"description": "Release 1.2.3", "transient_environment": false,
		"payload": map[string]any{"version": "1.2.3", vocab.MarkerKey: map[string]any{"run_id": 9.0, "run_attempt": 1.0, "job": "deploy", "step": "start"}},
	}
	if d := cmp.Diff(want, create); d != "" {
		t.Errorf("create deployment body (-want +got):\n%s", d)
	}
	st := body(t, reqs[1])
	if st["state"] != "in_progress" {
		t.Errorf("status body state %v, want in_progress: %v", st["state"], st)
	}
	if st["log_url"] != c.Start.LogURL {
		t.Errorf("status body log_url %v, want %q: %v", st["log_url"], c.Start.LogURL, st)
	}
	if st["description"] != "Release 1.2.3" {
		t.Errorf("status body description %v, want %q: %v", st["description"], "Release 1.2.3", st)
	}
	if _, ok := st["environment_url"]; ok {
		t.Errorf("in_progress status carries environment_url: %v", st)
	}
	ds := e.repo.Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1: %+v", len(ds), ds)
	}
	if got := ds[0].State(); got != "in_progress" {
		t.Fatalf("deployment state %q, want in_progress", got)
	}
	if ds[0].ID != res.DeploymentID {
		t.Fatalf("deployment id %d, result's %d", ds[0].ID, res.DeploymentID)
	}
	if res.State != "in_progress" {
		t.Errorf("result state %q, want in_progress", res.State)
	}
	if res.Environment != "staging" {
		t.Errorf("result environment %q, want staging", res.Environment)
	}
	if res.StatusID == 0 {
		t.Errorf("result has no status id: %+v", res)
	}
	if !strings.HasSuffix(res.DeploymentURL, "/deployments/1001") {
		t.Errorf("result deployment url %q, want it to end in /deployments/1001", res.DeploymentURL)
	}
}

func TestStartAdoptsAnExistingDeployment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(fakegithub.Seed{Environment: "production", States: []string{"queued"}})
	c := cfg()
	c.Start.Environment, c.Start.DeploymentID = "", ids[0]
	c.Start.EventDeployment = &config.EventDeployment{ID: ids[0], Environment: "production", Ref: "main"}
	res, err := lifecycle.Start(context.Background(), e.c, c.Start)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(""); n != 1 {
		t.Errorf("adopting made %d calls, want 1", n)
	}
	got := struct {
		Adopted            bool
		Environment, State string
	}{res.Adopted, res.Environment, res.State}
	want := struct {
		Adopted            bool
		Environment, State string
	}{true, "production", "in_progress"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if got := states(t, e.repo)[ids[0]]; !cmp.Equal(got, []string{"in_progress", "queued"}) {
		t.Errorf("states %v", got)
	}
}

func TestStartRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(e *env, c *config.Config)
		wantErr []string
	}{
		{"auto-merge merged the default branch (202)", func(e *env, c *config.Config) {
			e.repo.AddRef("feature", fgtest.SHA).SetBehind("feature")
			c.Start.Ref, c.Start.AutoMerge = "feature", true
		}, []string{"202", "auto-merge: false"}},
		{"failed status checks (409)", func(e *env, c *config.Config) {
			e.repo.SetCheck(fgtest.SHA, "ci/test", "failure")
			c.Start.RequiredContexts = nil
		}, []string{"409", "required-contexts", "ci/test"}},
		{"named context not green (409)", func(e *env, c *config.Config) {
			e.repo.SetCheck(fgtest.SHA, "lint", "pending")
			c.Start.RequiredContexts = &[]string{"lint"}
		}, []string{"409", "required-contexts"}},
		{"unknown ref (422)", func(e *env, c *config.Config) { c.Start.Ref = "no-such-branch" }, []string{"422", "No ref found for: no-such-branch"}},
		{"unknown repository (404)", func(e *env, c *config.Config) {
			gh, err := githubapi.New(e.token, e.srv.URL, githubapi.Options{Scope: &githubapi.Scope{Owner: "octo-org", Repo: "nope"}})
			if err != nil {
				panic(err)
			}
			e.c.GH, e.c.Repo = gh, "nope"
		}, []string{"404", "not found", "token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			c := cfg()
			tt.setup(e, c)
			_, err := lifecycle.Start(context.Background(), e.c, c.Start)
			if err == nil {
				t.Fatal("start succeeded")
			}
			wantErrContaining(t, err, tt.wantErr...)
			if n := e.fake.Count("POST"); n != 1 {
				t.Errorf("%d writes, want 1 (a refusal is not retried)", n)
			}
		})
	}
}

func TestTokenRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		token   fakegithub.Token
		wantErr []string
	}{
		{"revoked token (401)", fakegithub.Token{Revoked: true}, []string{"401", "invalid, expired or revoked", "token input"}},
		{"read-only token (403)", fakegithub.Token{Write: false}, []string{"403", "permissions: deployments: write", "forks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, "other-token")
			e.fake.Tokens = map[string]fakegithub.Token{"other-token": tt.token}
			_, err := lifecycle.Start(context.Background(), e.c, cfg().Start)
			if err == nil {
				t.Fatal("start succeeded")
			}
			wantErrContaining(t, err, tt.wantErr...)
			if strings.Contains(err.Error(), "other-token") {
				t.Errorf("error shows the token: %v", err)
			}
			if n := e.fake.Count(""); n != 1 {
				t.Errorf("%d calls, want 1 (never retried)", n)
			}
		})
	}
}

func TestFinish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		job       string
		state     string
		cancelled string
		want      string
		wantURL   string
	}{
		{"job succeeded", "success", "", "inactive", "success", "https://staging.example.com"},
		{"job failed", "failure", "", "inactive", "failure", ""},
		{"job cancelled", "cancelled", "", "inactive", "inactive", ""},
		{"job cancelled, cancelled-state error", "cancelled", "", "error", "error", ""},
		{"state overrides the outcome", "success", "error", "inactive", "error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			ids := e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"in_progress"}})
			c := cfg()
			c.Step, c.Finish.DeploymentID, c.Finish.JobStatus, c.Finish.State, c.Finish.CancelledState = config.StepFinish, ids[0], tt.job, tt.state, tt.cancelled
			c.Finish.EnvironmentURL = "https://staging.example.com"
			res, err := lifecycle.Finish(context.Background(), e.c, c.Finish)
			if err != nil {
				t.Fatal(err)
			}
			if n := e.fake.Count(""); n != 1 {
				t.Errorf("finish made %d calls, want 1", n)
			}
			d := e.repo.Deployments()[0]
			type outcome struct{ State, EnvironmentURL string }
			want := outcome{tt.want, tt.wantURL}
			if diff := cmp.Diff(want, outcome{d.State(), d.EnvironmentURL}); diff != "" {
				t.Errorf("deployment (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, outcome{res.State, res.EnvironmentURL}); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			b := body(t, e.fake.Requests()[0])
			if _, ok := b["auto_inactive"]; ok != (tt.want == "success") {
				t.Errorf("auto_inactive sent: %v; want it only with success (%v)", ok, b)
			}
		})
	}
}

func TestSuccessRetiresEarlierSuccessAsGitHubDoes(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "staging", States: []string{"in_progress", "success"}},
		fakegithub.Seed{Environment: "qa", States: []string{"success"}},
		fakegithub.Seed{Environment: "staging", States: []string{"in_progress"}},
	)
	c := cfg()
	c.Step, c.Finish.DeploymentID = config.StepFinish, ids[2]
	if _, err := lifecycle.Finish(context.Background(), e.c, c.Finish); err != nil {
		t.Fatal(err)
	}
	got := states(t, e.repo)
	want := map[int64][]string{ids[0]: {"inactive", "success", "in_progress"}, ids[1]: {"success"}, ids[2]: {"success", "in_progress"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
}

func TestSetStatusMakesExactlyOneCall(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"in_progress"}})
	c := cfg()
	c.Step, c.Finish.DeploymentID, c.Finish.State = config.StepStatus, ids[0], "queued"
	res, err := lifecycle.SetStatus(context.Background(), e.c, c.Finish)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count(""); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	if res.State != "queued" {
		t.Errorf("state %q, want queued", res.State)
	}
}

func TestStatusOfAMissingDeployment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	c := cfg()
	c.Step, c.Finish.DeploymentID, c.Finish.State = config.StepStatus, 999999, "success"
	_, err := lifecycle.SetStatus(context.Background(), e.c, c.Finish)
	if err == nil || !strings.Contains(err.Error(), "deployment 999999 of octo-org/hello-world was not found (404)") {
		t.Errorf("error %v", err)
	}
}

func TestLongDescriptionIsShortenedWithAWarning(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	c := cfg()
	c.Start.Description = strings.Repeat("é", 200)
	res, err := lifecycle.Start(context.Background(), e.c, c.Start)
	if err != nil {
		t.Fatal(err)
	}
	d := e.repo.Deployments()[0]
	if n := len([]rune(d.Description)); n != lifecycle.MaxDescription {
		t.Errorf("status description has %d characters, want %d", n, lifecycle.MaxDescription)
	}
	if len(res.Warnings) != 1 {
		t.Fatalf("%d warnings, want 1: %v", len(res.Warnings), res.Warnings)
	}
	if !strings.Contains(res.Warnings[0], "140") {
		t.Errorf("warning %q does not name the limit 140", res.Warnings[0])
	}
}

func TestPostSkipsWithoutACall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(c *config.Config)
		want string
	}{
		{"auto-finish false", func(c *config.Config) { c.Post.AutoFinish = false }, "auto-finish is false"},
		{"finished by an earlier step", func(c *config.Config) { c.Post.FinishedState = "failure" }, "already marked deployment 5 failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			c := cfg()
			c.Stage, c.Post.StartedDeploymentID, c.Post.Finish.DeploymentID = config.StagePost, 5, 5
			tt.mod(c)
			res, err := lifecycle.Post(context.Background(), e.c, c.Post)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Skipped, tt.want) {
				t.Errorf("skipped %q, want it to contain %q", res.Skipped, tt.want)
			}
			if n := e.fake.Count(""); n != 0 {
				t.Errorf("skipping made %d calls, want none", n)
			}
		})
	}
}

func TestPostFinishesFromTheJobStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"in_progress"}})
	c := cfg()
	c.Stage, c.Post.StartedDeploymentID, c.Post.Finish.DeploymentID, c.Post.Finish.JobStatus = config.StagePost, ids[0], ids[0], "failure"
	res, err := lifecycle.Post(context.Background(), e.c, c.Post)
	if err != nil {
		t.Fatal(err)
	}
	// One read (did another tool finish it?) and the final status.
	if res.State != "failure" {
		t.Errorf("state %q, want failure", res.State)
	}
	if n := e.fake.Count(""); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	if n := e.fake.Count("POST"); n != 1 {
		t.Errorf("%d writes, want 1", n)
	}
}

func TestPostLeavesWhatAnotherToolFinished(t *testing.T) {
	t.Parallel()
	for _, final := range []string{"success", "failure", "error", "inactive"} {
		e := setup(t, fgtest.Token)
		ids := e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"in_progress", final}})
		c := cfg()
		c.Stage, c.Post.StartedDeploymentID, c.Post.Finish.DeploymentID, c.Post.Finish.JobStatus = config.StagePost, ids[0], ids[0], "success"
		res, err := lifecycle.Post(context.Background(), e.c, c.Post)
		if err != nil {
			t.Fatal(err)
		}
		if res.Skipped == "" {
			t.Errorf("%s: not skipped: %+v", final, res)
		}
		if res.State != final {
			t.Errorf("%s: state %q, want %q", final, res.State, final)
		}
		if n := e.fake.Count("POST"); n != 0 {
			t.Errorf("%s: %d writes, want none", final, n)
		}
		if n := e.fake.Count(""); n != 1 {
			t.Errorf("%s: %d calls, want one read", final, n)
		}
	}
}
