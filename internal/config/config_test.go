package config_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

const sha = fgtest.SHA

// env is a workflow context for event, with inputs as the runner passes
// them (INPUT_ + the name upper-cased, hyphens kept).
func env(event string, inputs map[string]string, extra ...string) func(string) string {
	m := fgtest.Context("https://api.github.com", "GITHUB_EVENT_NAME", event, "GITHUB_EVENT_PATH", fgtest.EventPath(event),
		"GITHUB_RUN_ID", "99", "GITHUB_RUN_ATTEMPT", "2", "GITHUB_ACTION", "start", "INPUT_TOKEN", "tok", "INPUT_JOB-STATUS", "success")
	for k, v := range inputs {
		m["INPUT_"+strings.ToUpper(k)] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return func(k string) string { return m[k] }
}

func load(t *testing.T, stage config.Stage, getenv func(string) string) (*config.Config, error) {
	t.Helper()
	return config.Load(githubactions.New(githubactions.WithGetenv(getenv)), stage)
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		event  string
		inputs map[string]string
		extra  []string
		check  func(t *testing.T, c *config.Config)
	}{
		{name: "push deploys the workflow's commit", event: "push", inputs: map[string]string{"environment": "staging"},
			check: func(t *testing.T, c *config.Config) {
				want := struct {
					Step                   config.Step
					Owner, Repo, Ref, Task string
					Transient, AutoMerge   bool
					Contexts               *[]string
					Initial, Cancelled     string
					AutoInactive, Finish   bool
					LogURL                 string
				}{config.StepStart, "octo-org", "hello-world", sha, "deploy", false, false, &[]string{}, "in_progress", "inactive", true, true,
					"https://github.com/octo-org/hello-world/actions/runs/99/attempts/2"}
				got := want
				got.Step, got.Owner, got.Repo, got.Ref, got.Task = c.Step, c.Owner, c.Repo, c.Ref, c.Task
				got.Transient, got.AutoMerge, got.Contexts = c.Transient, c.AutoMerge, c.RequiredContexts
				got.Initial, got.Cancelled, got.AutoInactive, got.Finish, got.LogURL = c.InitialState, c.CancelledState, c.AutoInactive, c.AutoFinish, c.LogURL
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("-want +got\n%s", d)
				}
				if c.Production != nil {
					t.Errorf("production-environment = %v, want GitHub's default (not sent)", *c.Production)
				}
			}},
		{name: "pull request deploys the head commit to a transient environment", event: "pull_request", inputs: map[string]string{"environment": "pr-42"},
			check: func(t *testing.T, c *config.Config) {
				if c.Ref != "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1" || !c.Transient {
					t.Errorf("ref %q transient %v, want the PR head SHA and true", c.Ref, c.Transient)
				}
			}},
		{name: "explicit ref and transient win", event: "pull_request", inputs: map[string]string{"environment": "pr-42", "ref": "feature/login", "transient-environment": "false"},
			check: func(t *testing.T, c *config.Config) {
				if c.Ref != "feature/login" || !c.RefGiven || c.Transient {
					t.Errorf("ref %q given %v transient %v", c.Ref, c.RefGiven, c.Transient)
				}
			}},
		{name: "deployment event adopts the event's deployment", event: "deployment", inputs: map[string]string{},
			check: func(t *testing.T, c *config.Config) {
				if c.DeploymentID != 4242 || c.EventDeployment == nil || c.EventDeployment.Environment != "production" {
					t.Errorf("deployment id %d event %+v", c.DeploymentID, c.EventDeployment)
				}
			}},
		{name: "finish takes the id start exported", event: "push", inputs: map[string]string{"step": "finish"}, extra: []string{handoff.EnvDeploymentID, "77"},
			check: func(t *testing.T, c *config.Config) {
				if c.DeploymentID != 77 {
					t.Errorf("deployment id %d, want 77", c.DeploymentID)
				}
			}},
		{name: "deployment-id input wins over the exported id", event: "push", inputs: map[string]string{"step": "status", "state": "queued", "deployment-id": "12"}, extra: []string{handoff.EnvDeploymentID, "77"},
			check: func(t *testing.T, c *config.Config) {
				if c.DeploymentID != 12 {
					t.Errorf("deployment id %d, want 12", c.DeploymentID)
				}
			}},
		{name: "post finishes what its main started and sees a finish marker", event: "push", inputs: map[string]string{"environment": "staging"},
			extra: []string{"STATE_deployment_id", "55", handoff.EnvFinishedPrefix + "55", "failure", handoff.EnvDeploymentID, "66"},
			check: func(t *testing.T, c *config.Config) {
				if c.StartedDeploymentID != 55 || c.DeploymentID != 55 || c.FinishedState != "failure" {
					t.Errorf("started %d id %d finished %q", c.StartedDeploymentID, c.DeploymentID, c.FinishedState)
				}
			}},
		{name: "required contexts: list and star", event: "push", inputs: map[string]string{"environment": "e", "required-contexts": "ci/test, lint\nbuild"},
			check: func(t *testing.T, c *config.Config) {
				if d := cmp.Diff(&[]string{"ci/test", "lint", "build"}, c.RequiredContexts); d != "" {
					t.Error(d)
				}
			}},
		{name: "required contexts star is GitHub's default", event: "push", inputs: map[string]string{"environment": "e", "required-contexts": "*"},
			check: func(t *testing.T, c *config.Config) {
				if c.RequiredContexts != nil {
					t.Errorf("got %v, want nil (send nothing)", *c.RequiredContexts)
				}
			}},
		{name: "YAML booleans", event: "push", inputs: map[string]string{"environment": "e", "auto-merge": "True", "production-environment": "FALSE", "auto-finish": "false"},
			check: func(t *testing.T, c *config.Config) {
				if !c.AutoMerge || c.Production == nil || *c.Production || c.AutoFinish {
					t.Errorf("auto-merge %v production %v auto-finish %v", c.AutoMerge, c.Production, c.AutoFinish)
				}
			}},
		{name: "GHES API and server URLs", event: "push", inputs: map[string]string{"environment": "e"},
			extra: []string{"GITHUB_API_URL", "https://ghe.example.com/api/v3/", "GITHUB_SERVER_URL", "https://ghe.example.com"},
			check: func(t *testing.T, c *config.Config) {
				if c.APIURL != "https://ghe.example.com/api/v3" || !strings.HasPrefix(c.LogURL, "https://ghe.example.com/octo-org/") {
					t.Errorf("api %q log %q", c.APIURL, c.LogURL)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stage := config.StageMain
			for _, e := range tt.extra {
				if strings.HasPrefix(e, "STATE_") {
					stage = config.StagePost
				}
			}
			c, err := load(t, stage, env(tt.event, tt.inputs, tt.extra...))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadRefusesBadInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		event   string
		inputs  map[string]string
		wantErr []string // each must appear in the error
	}{
		{"unknown step", "push", map[string]string{"step": "deploy"}, []string{`input "step"`, `"deploy"`, "start, finish, status, deactivate-env, delete-env"}},
		{"unknown state", "push", map[string]string{"step": "status", "state": "done", "deployment-id": "1"}, []string{`input "state"`, "error, failure, inactive, in_progress, queued, pending, success"}},
		{"status without state", "push", map[string]string{"step": "status", "deployment-id": "1"}, []string{`input "state" is required`}},
		{"payload not JSON", "push", map[string]string{"environment": "e", "payload": "{version: 1}"}, []string{`input "payload"`, "JSON object"}},
		{"payload an array", "push", map[string]string{"environment": "e", "payload": "[1,2]"}, []string{`input "payload"`, "not an object"}},
		{"payload with trailing text", "push", map[string]string{"environment": "e", "payload": `{"a":1} x`}, []string{`input "payload"`}},
		{"missing environment", "push", map[string]string{}, []string{`input "environment" is required`, "staging"}},
		{"repository not owner/name", "push", map[string]string{"environment": "e", "repository": "hello-world"}, []string{`input "repository"`, "owner/name"}},
		{"repository with three parts", "push", map[string]string{"environment": "e", "repository": "a/b/c"}, []string{`input "repository"`}},
		{"deployment-id not a number", "push", map[string]string{"step": "finish", "deployment-id": "12a"}, []string{`input "deployment-id"`, "positive whole number"}},
		{"deployment-id zero", "push", map[string]string{"step": "finish", "deployment-id": "0"}, []string{`input "deployment-id"`}},
		{"boolean not true or false", "push", map[string]string{"environment": "e", "auto-merge": "yes"}, []string{`input "auto-merge"`, "true or false"}},
		{"initial state final", "push", map[string]string{"environment": "e", "initial-state": "success"}, []string{`input "initial-state"`, "queued, pending, in_progress"}},
		{"cancelled state", "push", map[string]string{"environment": "e", "cancelled-state": "success"}, []string{`input "cancelled-state"`, "inactive, error, failure"}},
		{"finish without a deployment", "push", map[string]string{"step": "finish"}, []string{`input "deployment-id" is required`, "step: start"}},
		{"teardown without environment", "push", map[string]string{"step": "delete-env"}, []string{`input "environment" is required`}},
		{"keep-latest negative", "push", map[string]string{"step": "deactivate-env", "environment": "e", "keep-latest": "-1"}, []string{`input "keep-latest"`}},
		{"state with start", "push", map[string]string{"environment": "e", "state": "success"}, []string{`input "state"`, "step: status"}},
		{"star with named contexts", "push", map[string]string{"environment": "e", "required-contexts": "*, ci"}, []string{`input "required-contexts"`}},
		{"missing token", "push", map[string]string{"environment": "e", "token": ""}, []string{`input "token" is required`, "deployments: write"}},
		{"environment-url not a URL", "push", map[string]string{"environment": "e", "environment-url": "staging.example.com"}, []string{`input "environment-url"`, "http or https URL"}},
		{"log-url with a space", "push", map[string]string{"environment": "e", "log-url": "https://x.example.com/a b"}, []string{`input "log-url"`}},
		{"every bad input at once", "push", map[string]string{"step": "status", "state": "nope", "auto-merge": "maybe"}, []string{`input "state"`, `input "auto-merge"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := env(tt.event, tt.inputs)
			if v, ok := tt.inputs["token"]; ok && v == "" {
				base := getenv
				getenv = func(k string) string {
					if k == "INPUT_TOKEN" {
						return ""
					}
					return base(k)
				}
			}
			_, err := load(t, config.StageMain, getenv)
			if err == nil {
				t.Fatal("Load accepted the inputs")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "tok\"") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestPostDropsABadURLWithAWarning(t *testing.T) {
	t.Parallel()
	c, err := load(t, config.StagePost, env("push", map[string]string{"environment": "e", "environment-url": "not a url"}, "STATE_deployment_id", "5"))
	if err != nil {
		t.Fatalf("post refused a bad URL: %v", err)
	}
	if c.EnvironmentURL != "" || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `input "environment-url"`) {
		t.Errorf("url %q warnings %q", c.EnvironmentURL, c.Warnings)
	}
}

func TestFinalState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state, job, cancelled, want, wantErr string
	}{
		{"", "success", "inactive", "success", ""},
		{"", "failure", "inactive", "failure", ""},
		{"", "cancelled", "inactive", "inactive", ""},
		{"", "cancelled", "error", "error", ""},
		{"error", "success", "inactive", "error", ""},
		{"", "", "inactive", "", `input "job-status"`},
	}
	for _, tt := range tests {
		c := &config.Config{State: tt.state, JobStatus: tt.job, CancelledState: tt.cancelled}
		got, err := c.FinalState()
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("FinalState(%+v) = %q, %v; want %q, %q", tt, got, err, tt.want, tt.wantErr)
		}
	}
}
