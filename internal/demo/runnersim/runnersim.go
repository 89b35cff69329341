// Package runnersim runs the action the way the GitHub Actions runner runs
// a container action (actions/runner: ContainerActionHandler.cs,
// FileCommandManager.cs, StepsRunner.cs) or a node action
// (NodeScriptActionHandler.cs, node.go): every declared input as INPUT_<NAME>
// (hyphens kept), input defaults evaluated for each stage against the job
// as it is then, fresh file command files per stage parsed with the
// runner's rules, GITHUB_STATE handed to the post stage as STATE_<name>,
// GITHUB_ENV carried to later steps, and post stages run after all main
// steps, in reverse order. The end-to-end tests and the local demo use it.
package runnersim

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

// Action is action.yml, as the runner reads it.
type Action = actionyml.Action

// ParseAction parses action.yml.
func ParseAction(data []byte) (*Action, error) { return actionyml.Parse(data) }

// Layout is where a job's shared directories are on the host. The runner
// mounts them into every container action at the ContainerLayout paths
// (ContainerActionHandler.cs) and translates every environment value that
// starts with one of them.
type Layout struct {
	Temp, Home, Workflow, FileCommands, Workspace string
}

// ContainerLayout is where the runner mounts a job's directories in an
// action's container.
var ContainerLayout = Layout{Temp: "/github/runner_temp", Home: "/github/home", Workflow: "/github/workflow",
	FileCommands: "/github/file_commands", Workspace: "/github/workspace"}

// Pairs lists the directories with their container paths.
func (l Layout) Pairs() [][2]string {
	c := ContainerLayout
	return [][2]string{{l.Temp, c.Temp}, {l.Home, c.Home}, {l.Workflow, c.Workflow}, {l.FileCommands, c.FileCommands}, {l.Workspace, c.Workspace}}
}

// ToContainer translates a host path (or any value starting with one) into
// the container's, as the runner's TranslateToContainerPath does: the
// mapping added last (AddPathTranslateMapping inserts at the front) is
// tried first, so the home, workflow and file command directories, which
// lie in the temporary directory, map to their own mounts.
func (l Layout) ToContainer(v string) string {
	pairs := l.Pairs()
	slices.Reverse(pairs)
	for _, p := range pairs {
		if v == p[0] || strings.HasPrefix(v, p[0]+"/") {
			return p[1] + strings.TrimPrefix(v, p[0])
		}
	}
	return v
}

// Launch is one stage to start: the executable argv0 (the entrypoint or
// post-entrypoint; for a node action the script, main or post, in the
// action's directory) with environment Env (host paths), in a job whose
// directories are Layout.
type Launch struct {
	Argv0          string
	Env            map[string]string
	Stdout, Stderr io.Writer
	Layout         Layout
	// Stage is "main" or "post".
	Stage string
	// Using is the action's runs.using (docker, node20, node24).
	Using string
}

// Launcher starts one stage of the action and returns its exit code.
type Launcher func(ctx context.Context, l Launch) int

// Job is one job of a workflow run on the simulated runner.
type Job struct {
	Action *Action
	// Launch starts a container action's stages.
	Launch Launcher
	// NodeLaunch starts a node action's stages (nil: Node{}, the node on
	// PATH). The job picks by the action's runs.using.
	NodeLaunch Launcher
	// ActionDir is the action's directory on the host, where a node
	// action's scripts are (the runner's _actions/OWNER/REPO/REF/PATH).
	ActionDir string
	// Context is the GITHUB_* (and RUNNER_*) environment of the job
	// (GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_EVENT_NAME, GITHUB_API_URL, …).
	Context map[string]string
	// Event is written to GITHUB_EVENT_PATH.
	Event map[string]any
	// Token is ${{ github.token }}.
	Token string
	// Status is ${{ job.status }}: success until a step fails.
	Status string
	// JobIndex is ${{ strategy.job-index }} (0 outside a matrix).
	JobIndex int
	// CheckRunID is ${{ job.check_run_id }} ("" on GHES).
	CheckRunID string
	// WorkflowEnv is the workflow's and job's `env:`.
	WorkflowEnv map[string]string

	layout  Layout
	env     map[string]string // from GITHUB_ENV
	outputs map[string]map[string]string
	posts   []*StepRun
	n       int
}

// Step is a `uses:` step of the action.
type Step struct {
	ID string
	// With are the step's `with:` values; they may use ${{ … }}
	// expressions, evaluated again for the post stage.
	With map[string]string
	// Env is the step's `env:`.
	Env map[string]string
	// ContinueOnError keeps the job's status when the step fails.
	ContinueOnError bool
}

// StepRun is one stage of one step, as the runner saw it.
type StepRun struct {
	Step     Step
	Stage    string // "main" or "post"
	ExitCode int
	// Skipped is true for a post stage whose post-if was false: no
	// container was started.
	Skipped bool
	Stdout  string
	Stderr  string
	// Outputs are what the stage wrote to GITHUB_OUTPUT; the runner drops
	// a post stage's.
	Outputs map[string]string
	State   map[string]string
	Env     map[string]string
	Summary string
	// Err is a malformed file command (the runner fails the step for it).
	Err      error
	Commands []Command
	// Warnings are the runner's own warnings for the step (an undeclared
	// input).
	Warnings []string
	// Environ is the environment the stage was started with.
	Environ map[string]string
}

// Annotations returns the data of the stage's commands named name
// ("error", "warning", "notice").
func (s *StepRun) Annotations(name string) []string {
	var out []string
	for _, c := range s.Commands {
		if strings.EqualFold(c.Name, name) {
			out = append(out, c.Data)
		}
	}
	return out
}

// NewJob returns a job whose directories are under dir: the runner's
// temporary directory with the home, workflow (event.json) and file
// command directories in it, and a workspace. They are shared by every
// step of the job, as on the runner.
func NewJob(dir string, a *Action, launch Launcher, context map[string]string, event map[string]any, token string) *Job {
	temp := filepath.Join(dir, "_temp")
	l := Layout{Temp: temp, Home: filepath.Join(temp, "_github_home"), Workflow: filepath.Join(temp, "_github_workflow"),
		FileCommands: filepath.Join(temp, "_runner_file_commands"), Workspace: filepath.Join(dir, "workspace")}
	for _, p := range l.Pairs() {
		_ = os.MkdirAll(p[0], 0o755)
	}
	return &Job{Action: a, Launch: launch, Context: context, Event: event, Token: token, Status: "success",
		layout: l, env: map[string]string{}, outputs: map[string]map[string]string{}}
}

// Layout is where the job's directories are.
func (j *Job) Layout() Layout { return j.layout }

// SetOutput records an output of another step (e.g. a `run:` step with
// id deploy), for ${{ steps.ID.outputs.NAME }}.
func (j *Job) SetOutput(step, name, value string) {
	if j.outputs[step] == nil {
		j.outputs[step] = map[string]string{}
	}
	j.outputs[step][name] = value
}

// RunScript is a `run:` step that writes outputs to GITHUB_OUTPUT and
// variables to GITHUB_ENV (NAME=value lines), read back with the runner's
// rules: the outputs become ${{ steps.ID.outputs.NAME }}, the variables
// the env of every later step and the env context.
func (j *Job) RunScript(id string, outputs, env map[string]string) error {
	for file, values := range map[string]map[string]string{"set_output": outputs, "set_env": env} {
		j.n++
		path := filepath.Join(j.layout.FileCommands, fmt.Sprintf("%s_%d", file, j.n))
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(values)) {
			fmt.Fprintf(&b, "%s=%s\n", k, values[k])
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return err
		}
		pairs, err := readFileCommand(path)
		if err != nil {
			return fmt.Errorf("step %s: %s: %w", id, file, err)
		}
		if file == "set_output" {
			for k, v := range Map(pairs, false) {
				j.SetOutput(id, k, v)
			}
		} else {
			for k, v := range Map(pairs, false) {
				j.env[k] = v
			}
		}
	}
	return nil
}

// Fail marks the job failed, as a failing `run:` step would.
func (j *Job) Fail() { j.Status = "failure" }

// Cancel marks the job cancelled.
func (j *Job) Cancel() { j.Status = "cancelled" }

// Env is what later steps see from GITHUB_ENV.
func (j *Job) Env() map[string]string { return j.env }

// Run runs the main stage of step and registers its post stage (the runner
// registers post only for a main stage that started).
func (j *Job) Run(ctx context.Context, step Step) (*StepRun, error) {
	run, err := j.stage(ctx, step, "main", nil)
	if err != nil {
		return nil, err
	}
	if step.ID != "" {
		j.outputs[step.ID] = run.Outputs
	}
	if run.ExitCode != 0 && !step.ContinueOnError {
		j.Status = "failure"
	}
	for k, v := range run.Env {
		j.env[k] = v
	}
	run.Step = step
	j.posts = append(j.posts, run)
	return run, nil
}

// Post runs the post stages of the steps that ran, in reverse order, as
// the runner does when the job's steps are done. Each post stage runs only
// when runs.post-if (default always()) holds, evaluated then with the env
// context rebuilt from GITHUB_ENV (StepsRunner.cs); a skipped one is a
// StepRun with Skipped set.
func (j *Job) Post(ctx context.Context) ([]*StepRun, error) {
	var runs []*StepRun
	for i := len(j.posts) - 1; i >= 0; i-- {
		main := j.posts[i]
		if j.Action.IsNode() && j.Action.Runs.Post == "" {
			continue // no post script: the runner registers no post step
		}
		cond := j.Action.Runs.PostIf
		if cond == "" {
			cond = "always()"
		}
		ok, err := condition(cond, j.contexts(main.Step))
		if err != nil {
			return runs, fmt.Errorf("post-if: %w", err)
		}
		if !ok {
			runs = append(runs, &StepRun{Step: main.Step, Stage: "post", Skipped: true})
			continue
		}
		run, err := j.stage(ctx, main.Step, "post", main.State)
		if err != nil {
			return runs, err
		}
		if run.ExitCode != 0 {
			j.Status = "failure"
		}
		runs = append(runs, run)
	}
	j.posts = nil
	return runs, nil
}
