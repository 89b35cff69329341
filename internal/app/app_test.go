package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/demo"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

func TestStageOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arg0, stageVar string
		want           config.Stage
	}{
		{"/usr/local/bin/deployment-action", "", config.StageMain},
		{"/usr/local/bin/deployment-action-post", "", config.StagePost},
		{"deployment-action-post", "", config.StagePost},
		{"post", "", config.StagePost},
		{"/tmp/go-build123/exe/deployment-action", "", config.StageMain},
		{"postman", "", config.StageMain},
		// The native entry: one name, the stage in DEPLOYMENT_ACTION_STAGE.
		{"/a/native/bin/linux-x64/deployment-action", "post", config.StagePost},
		{"/a/native/bin/linux-x64/deployment-action", "main", config.StageMain},
		{"/usr/local/bin/deployment-action-post", "main", config.StageMain},
		// Anything but exactly main or post leaves it to the name.
		{"/usr/local/bin/deployment-action-post", "Main", config.StagePost},
		{"/usr/local/bin/deployment-action", "POST", config.StageMain},
		{"/usr/local/bin/deployment-action", "post ", config.StageMain},
		{"/usr/local/bin/deployment-action-post", "pre", config.StagePost},
	}
	for _, tt := range tests {
		getenv := func(k string) string {
			if k == app.StageVar {
				return tt.stageVar
			}
			return ""
		}
		if got := app.StageOf(tt.arg0, getenv); got != tt.want {
			t.Errorf("StageOf(%q) with %s=%q = %s, want %s", tt.arg0, app.StageVar, tt.stageVar, got, tt.want)
		}
	}
}

// TestLifecycleInProcess runs start and post in this process (so the race
// detector sees the stages), with step debug logging on.
func TestLifecycleInProcess(t *testing.T) {
	t.Parallel()
	f, srv := fgtest.New(t, "")
	a, err := runnersim.ParseAction(fgtest.ActionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	ctxVars := fgtest.Context(srv.URL, "RUNNER_DEBUG", "1")
	job := runnersim.NewJob(t.TempDir(), a, demo.InProcess(app.Env{}), ctxVars, map[string]any{}, fgtest.Token)
	main, err := job.Run(context.Background(), runnersim.Step{ID: "start", With: map[string]string{"environment": "qa"}})
	if err != nil || main.ExitCode != 0 {
		t.Fatalf("main: %v\n%s", err, main.Stdout)
	}
	posts, err := job.Post(context.Background())
	if err != nil || posts[0].ExitCode != 0 || !strings.Contains(posts[0].Stdout, "is success") {
		t.Fatalf("post: %v %+v", err, posts)
	}
	debug := strings.Join(append(main.Annotations("debug"), posts[0].Annotations("debug")...), "\n")
	for _, want := range []string{"POST /repos/octo-org/hello-world/deployments?: 201 Created", "/statuses?: 201 Created"} {
		if !strings.Contains(debug, want) {
			t.Errorf("debug log lacks %q:\n%s", want, debug)
		}
	}
	for _, r := range []*runnersim.StepRun{main, posts[0]} {
		if strings.Count(r.Stdout, fgtest.Token) != 1 || !strings.HasPrefix(r.Stdout, "::add-mask::"+fgtest.Token+"\n") {
			t.Errorf("%s stage prints the token other than in its mask:\n%s", r.Stage, r.Stdout)
		}
	}
	if n := f.Count(""); n != 4 {
		t.Errorf("%d calls, want 4 (start 2, post 2)", n)
	}
}

func TestNoRunnerFilesPrintsOutputs(t *testing.T) {
	t.Parallel()
	_, srv := fgtest.New(t, "")
	env := fgtest.Stage(srv.URL, map[string]string{"environment": "qa"})
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"deployment-action"}, Getenv: func(k string) string { return env[k] }, Stdout: &out})
	if code != 0 || !strings.Contains(out.String(), "output deployment-id=1001") || strings.Contains(out.String(), fgtest.Token) {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}

func TestFailedFinishSaysWhereTheIdCameFromAndHowToFinish(t *testing.T) {
	t.Parallel()
	_, srv := fgtest.New(t, "")
	env := fgtest.Stage(srv.URL, map[string]string{"step": "finish", "state": "success"}, handoff.EnvDeploymentID, "999999")
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"deployment-action"}, Getenv: func(k string) string { return env[k] }, Stdout: &out})
	for _, want := range []string{"::error::", "deployment 999999 of octo-org/hello-world was not found (404)",
		"(deployment 999999 is the deployment this job started (DEPLOYMENT_ACTION_DEPLOYMENT_ID))", "step: finish", "deployment-id: 999999"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}
