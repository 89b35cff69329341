package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
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

// ignoreOnLoad leaves out of a comparison of whole Configs only what a
// test cannot spell out:
//   - Run.Nonce is random in the main stage (TestRunNonce checks its form,
//     that two main stages differ and that the post stage has none);
//   - the unexported raw event payload, which callers cannot see: what Load
//     makes of it is in the exported fields compared (Ref, PullRequest,
//     EventDeployment, Run.Branch, …).
var ignoreOnLoad = cmp.Options{
	cmpopts.IgnoreFields(config.Config{}, "Run.Nonce", "Start.Run.Nonce", "Finish.Run.Nonce", "Post.Finish.Run.Nonce"),
	cmpopts.IgnoreUnexported(config.Config{}),
}

// pushToStaging is every field of what Load makes of `environment: staging`
// in the main stage of a push to main (env's context), spelled out: a case
// changes only what its inputs change, and any other field that moves
// fails it.
func pushToStaging() *config.Config {
	logURL := "https://github.com/octo-org/hello-world/actions/runs/99/attempts/2"
	run := config.Run{Repository: "octo-org/hello-world", ID: 99, Attempt: 2, Job: "deploy", Step: "start",
		Workflow: "Deploy", Actor: "octocat", Branch: "main"}
	finish := config.FinishOptions{
		Environment: "staging", Ref: sha,
		JobStatus:      "success",
		CancelledState: vocab.StateInactive,
		LogURL:         logURL,
		AutoInactive:   true,
		Run:            run,
	}
	return &config.Config{
		Stage: config.StageMain, Step: config.StepStart, Token: "tok",
		Owner: "octo-org", Repo: "hello-world", Environment: "staging",
		Ref: sha,
		Start: config.StartOptions{
			Environment: "staging", Ref: sha, Task: "deploy",
			RequiredContexts: &[]string{}, // none block it, sent as []
			InitialState:     vocab.StateInProgress,
			LogURL:           logURL,
			Run:              run,
		},
		Finish:     finish,
		Post:       config.PostOptions{AutoFinish: true, Finish: finish},
		Teardown:   config.TeardownOptions{Environment: "staging", DeleteEnvironment: true, LogURL: logURL},
		OnAPIError: "fail",
		Sweep: config.SweepOptions{Sweep: config.Sweep{PullRequestClosed: true, Delete: true, Max: vocab.DefaultSweepMax},
			DeleteEnvironment: true, LogURL: logURL},
		Wait:        config.WaitOptions{Environment: "staging", Ref: sha, Wait: config.Wait{Timeout: config.DefaultWaitTimeout, For: config.WaitForSuccess}},
		Report:      config.ReportOptions{Since: config.DefaultSince},
		APIURL:      "https://api.github.com",
		GraphQLURL:  "https://api.github.com/graphql",
		ServerURL:   "https://github.com",
		EventName:   "push",
		Run:         run,
		WorkflowSHA: sha,
	}
}

// everyStep sets what a test case changes in each step's options that
// holds it: change is applied to the Config's own fields by the case, and
// here to the options' copies (the environment and ref inputs, the
// target deployment, the run).
func everyStep(c *config.Config) {
	c.Start.Environment, c.Finish.Environment, c.Teardown.Environment, c.Wait.Environment = c.Environment, c.Environment, c.Environment, c.Environment
	c.Start.Ref, c.Finish.Ref, c.Wait.Ref = c.Ref, c.Ref, c.Ref
	if c.RefGiven {
		c.Teardown.Ref = c.Ref
	}
	c.Start.DeploymentID, c.Finish.DeploymentID = c.DeploymentID, c.DeploymentID
	c.Start.EventDeployment, c.Start.PullRequest = c.EventDeployment, c.PullRequest
	c.Start.Run, c.Finish.Run = c.Run, c.Run
	c.Post.Finish = c.Finish
}

// onPullRequest42 is what testdata/events/pull_request.json adds to the
// context: pull request 42 of this repository, head feature/login.
func onPullRequest42(c *config.Config) {
	c.EventName = "pull_request"
	c.IsPullRequestEvent = true
	c.PullRequest = 42
	c.PullRequestHeadSHA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
	c.Run.Branch = "feature/login"
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stage  config.Stage
		event  string
		inputs map[string]string
		extra  []string
		// want changes pushToStaging() into the Config Load must return.
		want func(c *config.Config)
	}{
		{name: "push deploys the workflow's commit", stage: config.StageMain, event: "push", inputs: map[string]string{"environment": "staging"},
			// Production stays nil: GitHub's default, not sent.
			want: func(c *config.Config) {}},
		{name: "pull request deploys the head commit to a transient environment", stage: config.StageMain, event: "pull_request", inputs: map[string]string{"environment": "pr-42"},
			want: func(c *config.Config) {
				onPullRequest42(c)
				c.Environment = "pr-42"
				c.Ref = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
				c.Start.Transient, c.Finish.Transient = true, true
			}},
		{name: "explicit ref and transient win", stage: config.StageMain, event: "pull_request", inputs: map[string]string{"environment": "pr-42", "ref": "feature/login", "transient-environment": "false"},
			want: func(c *config.Config) {
				onPullRequest42(c)
				c.Environment = "pr-42"
				c.Ref, c.RefGiven = "feature/login", true
				c.Start.Transient, c.Finish.Transient = false, false
				c.Run.Branch = "" // a ref input that is not refs/heads/… may be a tag or a SHA
			}},
		{name: "deployment event adopts the event's deployment", stage: config.StageMain, event: "deployment", inputs: map[string]string{},
			want: func(c *config.Config) {
				c.EventName = "deployment"
				c.Environment = ""
				c.DeploymentID, c.DeploymentIDFrom = 4242, "the deployment event's deployment"
				c.EventDeployment = &config.EventDeployment{ID: 4242, Environment: "production", Ref: "main", SHA: sha, Task: "deploy"}
			}},
		{name: "finish takes the id start exported", stage: config.StageMain, event: "push", inputs: map[string]string{"step": "finish"}, extra: []string{handoff.EnvDeploymentID, "77"},
			want: func(c *config.Config) {
				c.Step, c.Environment = config.StepFinish, ""
				c.DeploymentID, c.DeploymentIDFrom = 77, "the deployment this job started ("+handoff.EnvDeploymentID+")"
			}},
		{name: "deployment-id input wins over the exported id", stage: config.StageMain, event: "push", inputs: map[string]string{"step": "status", "state": "queued", "deployment-id": "12"}, extra: []string{handoff.EnvDeploymentID, "77"},
			want: func(c *config.Config) {
				c.Step, c.Environment, c.Finish.State = config.StepStatus, "", vocab.StateQueued
				c.DeploymentID, c.DeploymentIDFrom = 12, "the deployment-id input"
			}},
		{name: "post finishes what its main started and sees a finish marker", stage: config.StagePost, event: "push", inputs: map[string]string{"environment": "staging"},
			extra: []string{"STATE_deployment_id", "55", handoff.EnvFinishedPrefix + "55", "failure", handoff.EnvDeploymentID, "66"},
			want: func(c *config.Config) {
				c.Stage = config.StagePost
				c.Post.StartedDeploymentID = 55
				c.DeploymentID, c.DeploymentIDFrom = 55, "the deployment this step started"
				c.Post.FinishedState = vocab.StateFailure
			}},
		{name: "required contexts: list and star", stage: config.StageMain, event: "push", inputs: map[string]string{"environment": "staging", "required-contexts": "ci/test, lint\nbuild"},
			want: func(c *config.Config) { c.Start.RequiredContexts = &[]string{"ci/test", "lint", "build"} }},
		{name: "required contexts star is GitHub's default", stage: config.StageMain, event: "push", inputs: map[string]string{"environment": "staging", "required-contexts": "*"},
			// nil: send nothing, every context is a gate.
			want: func(c *config.Config) { c.Start.RequiredContexts = nil }},
		{name: "YAML booleans", stage: config.StageMain, event: "push", inputs: map[string]string{"environment": "staging", "auto-merge": "True", "production-environment": "FALSE", "auto-finish": "false"},
			want: func(c *config.Config) {
				c.Start.AutoMerge = true
				c.Start.Production, c.Finish.Production = new(bool), new(bool)
				c.Post.AutoFinish = false
			}},
		{name: "GHES API and server URLs", stage: config.StageMain, event: "push", inputs: map[string]string{"environment": "staging"},
			extra: []string{"GITHUB_API_URL", "https://ghe.example.com/api/v3/", "GITHUB_SERVER_URL", "https://ghe.example.com"},
			want: func(c *config.Config) {
				c.APIURL = "https://ghe.example.com/api/v3"
				c.GraphQLURL = "https://ghe.example.com/api/graphql"
				c.ServerURL = "https://ghe.example.com"
				u := "https://ghe.example.com/octo-org/hello-world/actions/runs/99/attempts/2"
				c.Start.LogURL, c.Finish.LogURL, c.Teardown.LogURL, c.Sweep.LogURL = u, u, u, u
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := load(t, tt.stage, env(tt.event, tt.inputs, tt.extra...))
			if err != nil {
				t.Fatal(err)
			}
			want := pushToStaging()
			tt.want(want)
			everyStep(want)
			if d := cmp.Diff(want, got, ignoreOnLoad); d != "" {
				t.Errorf("Load (-want +got):\n%s", d)
			}
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
	if c.Finish.EnvironmentURL != "" {
		t.Errorf("environment-url %q, want it dropped", c.Finish.EnvironmentURL)
	}
	if len(c.Warnings) != 1 {
		t.Fatalf("warnings %q, want one", c.Warnings)
	}
	if !strings.Contains(c.Warnings[0], `input "environment-url"`) {
		t.Errorf("warning %q does not name the input", c.Warnings[0])
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
		o := config.FinishOptions{State: tt.state, JobStatus: tt.job, CancelledState: tt.cancelled}
		got, err := o.FinalState()
		if got != tt.want {
			t.Errorf("FinalState(%+v) = %q, want %q", tt, got, tt.want)
		}
		checkErr(t, fmt.Sprintf("FinalState(%+v)", tt), err, tt.wantErr)
	}
}

// checkErr fails t unless err is nil when want is "", or has want in its
// message; what names the call in the failure.
func checkErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "":
		if err != nil {
			t.Errorf("%s: error %v, want none", what, err)
		}
	case err == nil:
		t.Errorf("%s: no error, want one with %q", what, want)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q, want one with %q", what, err, want)
	}
}
