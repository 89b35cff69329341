package runnersim_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
)

const actionYAML = `
inputs:
  who:
    default: ${{ github.actor }}
  url:
    default: ""
runs:
  using: docker
  image: Dockerfile
  entrypoint: /bin/main
  post-entrypoint: /bin/post
  post-if: always() && env.STARTED != ''
`

// recorder is a Launcher that records each stage's environment and runs
// script, which may write file commands.
type recorder struct {
	envs   []map[string]string
	script func(l runnersim.Launch)
}

func (r *recorder) launch(_ context.Context, l runnersim.Launch) int {
	r.envs = append(r.envs, l.Env)
	if r.script != nil {
		r.script(l)
	}
	return 0
}

func newJob(t *testing.T, r *recorder) *runnersim.Job {
	t.Helper()
	a, err := runnersim.ParseAction([]byte(actionYAML))
	if err != nil {
		t.Fatal(err)
	}
	return runnersim.NewJob(t.TempDir(), a, r.launch, map[string]string{"GITHUB_ACTOR": "octocat", "GITHUB_SHA": "abc", "RUNNER_DEBUG": "1"},
		map[string]any{}, "tok")
}

func TestTheContainersEnvironmentFollowsTheRunnersOrder(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	job := newJob(t, r)
	job.WorkflowEnv = map[string]string{"GITHUB_SHA": "from env:", "FOO": "workflow"}
	if err := job.RunScript("set", nil, map[string]string{"GITHUB_ACTOR": "from GITHUB_ENV", "FOO": "github_env", "HOME": "/elsewhere"}); err != nil {
		t.Fatal(err)
	}
	run, err := job.Run(context.Background(), runnersim.Step{ID: "s", With: map[string]string{"typo": "x"}, Env: map[string]string{"BAR": "step"}})
	if err != nil {
		t.Fatal(err)
	}
	env := r.envs[0]
	for k, want := range map[string]string{
		"GITHUB_SHA":   "abc",             // the context wins over env:
		"GITHUB_ACTOR": "octocat",         // and over GITHUB_ENV
		"FOO":          "github_env",      // GITHUB_ENV over the workflow's env:
		"BAR":          "step",            // the step's env:
		"INPUT_WHO":    "octocat",         // defaults see the github context
		"INPUT_TYPO":   "x",               // an undeclared input still arrives
		"RUNNER_DEBUG": "1",               // RUNNER_* from the context
		"HOME":         job.Layout().Home, // HOME is the runner's
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if len(run.Warnings) != 1 || !strings.Contains(run.Warnings[0], "Unexpected input(s) 'typo'") {
		t.Errorf("warnings %q", run.Warnings)
	}
}

func TestHomeAndRunnerTempAreSharedByTheJob(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	job := newJob(t, r)
	r.script = func(l runnersim.Launch) {
		n := len(r.envs)
		if err := os.WriteFile(l.Env["HOME"]+fmt.Sprintf("/step%d", n), []byte("x"), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, id := range []string{"a", "b"} {
		if _, err := job.Run(context.Background(), runnersim.Step{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if r.envs[0]["HOME"] != r.envs[1]["HOME"] || r.envs[0]["RUNNER_TEMP"] != r.envs[1]["RUNNER_TEMP"] {
		t.Errorf("HOME %q, %q; RUNNER_TEMP %q, %q", r.envs[0]["HOME"], r.envs[1]["HOME"], r.envs[0]["RUNNER_TEMP"], r.envs[1]["RUNNER_TEMP"])
	}
	if _, err := os.Stat(r.envs[1]["HOME"] + "/step1"); err != nil {
		t.Errorf("the second step does not see the first's home: %v", err)
	}
	if got := job.Layout().ToContainer(r.envs[0]["GITHUB_EVENT_PATH"]); got != "/github/workflow/event.json" {
		t.Errorf("event path in the container: %q", got)
	}
}

func TestPostIfAndPostOutputs(t *testing.T) {
	t.Parallel()
	for _, started := range []bool{false, true} {
		r := &recorder{script: func(l runnersim.Launch) {
			// Every stage writes an output and, in main, the marker.
			_ = os.WriteFile(l.Env["GITHUB_OUTPUT"], []byte("state=done\n"), 0o644)
			if started && strings.HasSuffix(l.Argv0, "main") {
				_ = os.WriteFile(l.Env["GITHUB_ENV"], []byte("STARTED=1\n"), 0o644)
			}
		}}
		job := newJob(t, r)
		if _, err := job.Run(context.Background(), runnersim.Step{ID: "s"}); err != nil {
			t.Fatal(err)
		}
		posts, err := job.Post(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if posts[0].Skipped == started {
			t.Errorf("started %t: post skipped %t", started, posts[0].Skipped)
		}
	}
}
