package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// binDir holds the action's binary for the end-to-end tests, under the
// names of action.yml's entrypoint and post-entrypoint: links to this test
// binary, which runs the action's main() when asBinary is set, so the
// stages run in processes of their own, started by name as the runner
// starts them, without a second build. (The container tests build the
// release binary itself.)
var binDir string

// asBinary in a process's environment makes this test binary the action.
const asBinary = "DEPLOYMENT_ACTION_TEST_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(asBinary) == "1" {
		main()
		return
	}
	flag.Parse()
	dir, err := os.MkdirTemp("", "deployment-action-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := func() int {
		defer os.RemoveAll(dir)
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		a := loadAction()
		for _, name := range []string{a.Runs.Entrypoint, a.Runs.PostEntrypoint} {
			if err := os.Symlink(self, filepath.Join(dir, filepath.Base(name))); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func loadAction() *runnersim.Action {
	a, err := actionyml.Parse(actionYAML)
	if err != nil {
		panic(err)
	}
	return a
}

// binary is a Launcher that starts the built binary as the runner starts
// the container: under the entrypoint's name, with only the stage's
// environment.
func binary(ctx context.Context, l runnersim.Launch) int {
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, filepath.Base(l.Argv0)))
	cmd.Env = []string{asBinary + "=1"}
	for k, v := range l.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout = l.Stdout
	cmd.Stderr = l.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		return 127
	}
	return 0
}

// inProcess is a Launcher that runs the stages in this process, as the
// demo does: the same app.Run the binary's main calls, without a process
// per stage. Most end-to-end tests use it; the real binary runs in
// TestOneStepLifecycleOnPush, the TestTheRealBinary tests and, in its
// image, the container tests.
var inProcess = demo.InProcess(app.Env{})

// newJob is a job of event on the simulated runner, against a validating
// fake GitHub, running the real binary.
func newJob(t testing.TB, event string, launch runnersim.Launcher) (*runnersim.Job, *fakegithub.Fake, *httptest.Server) {
	t.Helper()
	f, srv := fgtest.New(t, "")
	raw, err := os.ReadFile(fgtest.EventPath(event))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ctx := fgtest.Context(srv.URL, "GITHUB_EVENT_NAME", event)
	if strings.HasPrefix(event, "pull_request") {
		ctx["GITHUB_EVENT_NAME"] = "pull_request"
		ctx["GITHUB_REF"] = "refs/pull/42/merge"
		ctx["GITHUB_SHA"] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"
		ctx["GITHUB_HEAD_REF"] = "feature/login"
	}
	return runnersim.NewJob(t.TempDir(), loadAction(), launch, ctx, ev, fgtest.Token), f, srv
}

func run(t *testing.T, job *runnersim.Job, step runnersim.Step) *runnersim.StepRun {
	t.Helper()
	r, err := job.Run(context.Background(), step)
	if err != nil {
		t.Fatal(err)
	}
	if r.Err != nil {
		t.Fatalf("the runner would fail step %s: %v", step.ID, r.Err)
	}
	checkLog(t, r)
	return r
}

func post(t *testing.T, job *runnersim.Job) []*runnersim.StepRun {
	t.Helper()
	runs, err := job.Post(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil {
			t.Fatalf("the runner would fail the post step: %v", r.Err)
		}
		checkLog(t, r)
	}
	return runs
}

// checkLog checks what every stage must do with the token: mask it first
// and never print it otherwise.
func checkLog(t *testing.T, r *runnersim.StepRun) {
	t.Helper()
	if r.Skipped {
		return // post-if was false: no container ran
	}
	lines := strings.Split(r.Stdout, "\n")
	if lines[0] != "::add-mask::"+fgtest.Token {
		t.Errorf("%s stage: first line %q, want the token's mask", r.Stage, lines[0])
	}
	if n := strings.Count(r.Stdout, fgtest.Token); n != 1 {
		t.Errorf("%s stage shows the token %d times, want once (in its mask):\n%s", r.Stage, n, r.Stdout)
	}
	if strings.Contains(r.Summary, fgtest.Token) {
		t.Errorf("%s stage's summary shows the token:\n%s", r.Stage, r.Summary)
	}
	for k, v := range r.Outputs {
		if strings.Contains(v, fgtest.Token) {
			t.Errorf("output %s holds the token", k)
		}
	}
}

// normal replaces the fake's random address in s.
func normal(s string, srv *httptest.Server) string {
	return strings.ReplaceAll(s, srv.URL, "http://fake-github")
}

func outputsText(r *runnersim.StepRun, srv *httptest.Server) string {
	b, _ := json.MarshalIndent(r.Outputs, "", "  ")
	return normal(string(b), srv) + "\n"
}

// startAndFinish runs start (staging, its URL from the deploy step), then
// the job's outcome (success deploys https://staging.example.com; failure;
// cancelled), then the post stage, and checks that deployment 1001 ends in
// state want. It returns the two stages for the caller's own checks.
func startAndFinish(t *testing.T, job *runnersim.Job, f *fakegithub.Fake, outcome, want string) (main, postStage *runnersim.StepRun) {
	t.Helper()
	main = run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "staging", "environment-url": "${{ env.DEPLOY_URL }}"}})
	if main.ExitCode != 0 {
		t.Fatalf("main: exit %d, want 0\n%s%s", main.ExitCode, main.Stdout, main.Stderr)
	}
	if got := main.Outputs["deployment-id"]; got != "1001" {
		t.Fatalf("main: deployment-id output %q, want 1001: %v", got, main.Outputs)
	}
	if got := main.State["deployment_id"]; got != "1001" {
		t.Fatalf("main: state deployment_id %q, want 1001: %v", got, main.State)
	}
	switch outcome {
	case "success":
		if err := job.RunScript("deploy", nil, map[string]string{"DEPLOY_URL": "https://staging.example.com"}); err != nil {
			t.Fatal(err)
		}
	case "failure":
		job.Fail()
	case "cancelled":
		job.Cancel()
	}
	posts := post(t, job)
	if len(posts) != 1 {
		t.Fatalf("%d post stages, want 1: %+v", len(posts), posts)
	}
	if posts[0].Skipped {
		t.Fatalf("post skipped: %+v", posts[0])
	}
	if posts[0].ExitCode != 0 {
		t.Fatalf("post exit %d, want 0: %+v", posts[0].ExitCode, posts[0])
	}
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want one: %+v", len(ds), ds)
	}
	if got := ds[0].State(); got != want {
		t.Errorf("deployment state %q, want %s", got, want)
	}
	if outcome == "success" && ds[0].EnvironmentURL != "https://staging.example.com" {
		t.Errorf("environment url %q", ds[0].EnvironmentURL)
	}
	return main, posts[0]
}
