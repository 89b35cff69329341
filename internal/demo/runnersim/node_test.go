package runnersim_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
)

// requireNode skips without node on PATH, except in CI.
func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is not on PATH (%v); CI must have node 18 or later", err)
		}
		t.Skipf("node is not on PATH (%v): the node action tests need node 18 or later", err)
	}
}

const nodeActionYAML = `
inputs:
  who:
    default: ${{ github.actor }}
  environment-url:
    default: ""
runs:
  using: node24
  main: main.js
  post: post.js
  post-if: always() && env.STARTED != ''
`

// nodeScript dumps its environment and working directory to stdout as
// JSON, writes state and GITHUB_ENV in main, and exits with EXIT_CODE.
const nodeScript = `const fs = require('node:fs');
const stage = require('node:path').basename(__filename, '.js');
process.stdout.write(JSON.stringify({stage, cwd: process.cwd(), env: process.env}) + '\n');
if (stage === 'main') {
  fs.appendFileSync(process.env.GITHUB_STATE, 'deployment_id=7\n');
  if (process.env.INPUT_WHO !== 'nobody') fs.appendFileSync(process.env.GITHUB_ENV, 'STARTED=1\n');
  fs.appendFileSync(process.env.GITHUB_OUTPUT, 'id=7\n');
}
process.exitCode = Number(process.env.EXIT_CODE || 0);
`

func newNodeJob(t *testing.T, script string) *runnersim.Job {
	t.Helper()
	a, err := runnersim.ParseAction([]byte(nodeActionYAML))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"main.js", "post.js"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	job := runnersim.NewJob(t.TempDir(), a, func(context.Context, runnersim.Launch) int {
		t.Error("a node action was started with the container launcher")
		return 1
	}, map[string]string{"GITHUB_ACTOR": "octocat", "GITHUB_SHA": "abc"}, map[string]any{}, "tok")
	job.ActionDir = dir
	job.NodeLaunch = runnersim.Node{Base: map[string]string{"PATH": os.Getenv("PATH"), "HOME": "/home/runner"}}.Launch
	return job
}

type dump struct {
	Stage, Cwd string
	Env        map[string]string
}

func dumpOf(t *testing.T, r *runnersim.StepRun) dump {
	t.Helper()
	var d dump
	line, _, _ := strings.Cut(r.Stdout, "\n")
	if err := json.Unmarshal([]byte(line), &d); err != nil {
		t.Fatalf("%s stage printed %q: %v\nstderr: %s", r.Stage, r.Stdout, err, r.Stderr)
	}
	return d
}

func TestANodeActionRunsWithHostPathsInputsAndState(t *testing.T) {
	t.Parallel()
	requireNode(t)
	job := newNodeJob(t, nodeScript)
	main, err := job.Run(context.Background(), runnersim.Step{ID: "s", With: map[string]string{"environment-url": "https://x"}})
	if err != nil {
		t.Fatal(err)
	}
	if main.ExitCode != 0 || main.Outputs["id"] != "7" {
		t.Fatalf("main: exit %d outputs %v\n%s%s", main.ExitCode, main.Outputs, main.Stdout, main.Stderr)
	}
	m := dumpOf(t, main)
	l := job.Layout()
	for k, want := range map[string]string{
		"INPUT_WHO":             "octocat",
		"INPUT_ENVIRONMENT-URL": "https://x", // hyphens kept
		"GITHUB_EVENT_PATH":     filepath.Join(l.Workflow, "event.json"),
		"GITHUB_WORKSPACE":      l.Workspace,
		"RUNNER_TEMP":           l.Temp,
		"RUNNER_OS":             runnersim.HostOS(),
		"RUNNER_ARCH":           runnersim.HostArch(),
		"HOME":                  "/home/runner", // the runner's, not /github/home
		"GITHUB_ACTIONS":        "true",
		"CI":                    "true",
	} {
		if m.Env[k] != want {
			t.Errorf("main: %s = %q, want %q", k, m.Env[k], want)
		}
	}
	if !strings.HasPrefix(m.Env["GITHUB_OUTPUT"], l.FileCommands+"/") || m.Cwd != l.Workspace || m.Stage != "main" {
		t.Errorf("main: GITHUB_OUTPUT %q, cwd %q, stage %q", m.Env["GITHUB_OUTPUT"], m.Cwd, m.Stage)
	}
	posts, err := job.Post(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || posts[0].Skipped || posts[0].ExitCode != 0 {
		t.Fatalf("posts %+v", posts)
	}
	p := dumpOf(t, posts[0])
	if p.Stage != "post" || p.Env["STATE_deployment_id"] != "7" || p.Env["STARTED"] != "1" {
		t.Errorf("post: stage %q STATE_deployment_id %q STARTED %q", p.Stage, p.Env["STATE_deployment_id"], p.Env["STARTED"])
	}
}

func TestANodeActionsPostIfAndExitCode(t *testing.T) {
	t.Parallel()
	requireNode(t)
	job := newNodeJob(t, nodeScript)
	main, err := job.Run(context.Background(), runnersim.Step{ID: "s", With: map[string]string{"who": "nobody"}, Env: map[string]string{"EXIT_CODE": "3"}})
	if err != nil {
		t.Fatal(err)
	}
	if main.ExitCode != 3 || job.Status != "failure" {
		t.Errorf("exit %d, job %s", main.ExitCode, job.Status)
	}
	posts, err := job.Post(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || !posts[0].Skipped {
		t.Errorf("post-if is false without STARTED: posts %+v", posts)
	}
}

// TestANodeActionIsCancelledAsTheRunnerDoes: SIGINT first, SIGTERM after
// the grace period, to node itself.
func TestANodeActionIsCancelledAsTheRunnerDoes(t *testing.T) {
	t.Parallel()
	requireNode(t)
	job := newNodeJob(t, `process.on('SIGINT', () => console.log('got SIGINT'));
process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); });
require('node:fs').writeFileSync(process.env.RUNNER_TEMP + '/ready', '');
setInterval(() => {}, 1000);
`)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *os.Process, 1)
	job.NodeLaunch = runnersim.Node{INTGrace: 300 * time.Millisecond, TERMGrace: time.Minute, Started: func(p *os.Process) { started <- p }}.Launch
	go func() {
		<-started
		// Cancel once the handlers are installed (the script says so).
		for {
			if _, err := os.Stat(filepath.Join(job.Layout().Temp, "ready")); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	run, err := job.Run(ctx, runnersim.Step{ID: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 42 || !strings.Contains(run.Stdout, "got SIGINT\ngot SIGTERM\n") {
		t.Errorf("exit %d, stdout %q", run.ExitCode, run.Stdout)
	}
}
