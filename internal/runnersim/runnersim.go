// Package runnersim runs the action the way the GitHub Actions runner runs
// a container action (see RUNNER.md): every declared input as INPUT_<NAME>
// (hyphens kept), input defaults evaluated for each stage against the job
// as it is then, fresh file command files per stage parsed with the
// runner's rules, GITHUB_STATE handed to the post stage as STATE_<name>,
// GITHUB_ENV carried to later steps, and post stages run after all main
// steps, in reverse order. The end-to-end tests and the local demo use it.
package runnersim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Action is what the simulation needs of action.yml.
type Action struct {
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
		Required    bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using          string   `yaml:"using"`
		Image          string   `yaml:"image"`
		Entrypoint     string   `yaml:"entrypoint"`
		PostEntrypoint string   `yaml:"post-entrypoint"`
		PostIf         string   `yaml:"post-if"`
		Args           []string `yaml:"args"`
	} `yaml:"runs"`
}

// ParseAction parses action.yml.
func ParseAction(data []byte) (*Action, error) {
	var a Action
	if err := yaml.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("parse action.yml: %w", err)
	}
	return &a, nil
}

// Launcher starts one stage of the action: the executable named argv0
// (the entrypoint or post-entrypoint) with environment env, writing its
// standard output to stdout, and returns its exit code.
type Launcher func(ctx context.Context, argv0 string, env map[string]string, stdout io.Writer) int

// Job is one job of a workflow run on the simulated runner.
type Job struct {
	Action *Action
	Launch Launcher
	// Context is the GITHUB_* environment of the job (GITHUB_REPOSITORY,
	// GITHUB_SHA, GITHUB_EVENT_NAME, GITHUB_API_URL, …).
	Context map[string]string
	// Event is written to GITHUB_EVENT_PATH.
	Event map[string]any
	// Token is ${{ github.token }}.
	Token string
	// Status is ${{ job.status }}: success until a step fails.
	Status string
	// JobIndex is ${{ strategy.job-index }}: the matrix leg (0 outside a
	// matrix).
	JobIndex int

	dir     string
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
	// ContinueOnError keeps the job's status when the step fails.
	ContinueOnError bool
}

// StepRun is one stage of one step, as the runner saw it.
type StepRun struct {
	Step     Step
	Stage    string // "main" or "post"
	ExitCode int
	Stdout   string
	Outputs  map[string]string
	State    map[string]string
	Env      map[string]string
	Summary  string
	// Err is a malformed file command (the runner fails the step for it).
	Err      error
	Commands []Command
	// Environ is the environment the stage was started with.
	Environ map[string]string
}

// Annotations returns the data of the stage's commands named name
// ("error", "warning", "notice").
func (s *StepRun) Annotations(name string) []string {
	var out []string
	for _, c := range s.Commands {
		if c.Name == name {
			out = append(out, c.Data)
		}
	}
	return out
}

// NewJob returns a job in dir (a temporary directory for file commands).
func NewJob(dir string, a *Action, launch Launcher, context map[string]string, event map[string]any, token string) *Job {
	return &Job{Action: a, Launch: launch, Context: context, Event: event, Token: token, Status: "success",
		dir: dir, env: map[string]string{}, outputs: map[string]map[string]string{}}
}

// SetOutput records an output of another step (e.g. a `run:` step with
// id deploy), for ${{ steps.ID.outputs.NAME }}.
func (j *Job) SetOutput(step, name, value string) {
	if j.outputs[step] == nil {
		j.outputs[step] = map[string]string{}
	}
	j.outputs[step][name] = value
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
// the runner does when the job's steps are done (post-if: always()).
func (j *Job) Post(ctx context.Context) ([]*StepRun, error) {
	var runs []*StepRun
	for i := len(j.posts) - 1; i >= 0; i-- {
		main := j.posts[i]
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

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// eval evaluates the ${{ … }} expressions the action's defaults and the
// tests' with: values use.
func (j *Job) eval(s string) (string, error) {
	var bad error
	out := expr.ReplaceAllStringFunc(s, func(m string) string {
		e := strings.TrimSpace(expr.FindStringSubmatch(m)[1])
		switch {
		case e == "github.token":
			return j.Token
		case e == "job.status":
			return j.Status
		case e == "strategy.job-index":
			return strconv.Itoa(j.JobIndex)
		case strings.HasPrefix(e, "steps."):
			parts := strings.Split(e, ".")
			if len(parts) == 4 && parts[2] == "outputs" {
				return j.outputs[parts[1]][parts[3]]
			}
		case strings.HasPrefix(e, "github.event."):
			var v any = j.Event
			for _, p := range strings.Split(strings.TrimPrefix(e, "github.event."), ".") {
				m, _ := v.(map[string]any)
				v = m[p]
			}
			switch x := v.(type) {
			case nil:
				return ""
			case string:
				return x
			case float64:
				return strconv.FormatFloat(x, 'f', -1, 64)
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
		bad = fmt.Errorf("expression %q is not supported by the simulated runner", e)
		return ""
	})
	return out, bad
}

func (j *Job) stage(ctx context.Context, step Step, stage string, state map[string]string) (*StepRun, error) {
	j.n++
	dir := filepath.Join(j.dir, fmt.Sprintf("%02d-%s-%s", j.n, step.ID, stage))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := map[string]string{}
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"} {
		files[k] = filepath.Join(dir, strings.ToLower(strings.TrimPrefix(k, "GITHUB_")))
		if err := os.WriteFile(files[k], nil, 0o644); err != nil {
			return nil, err
		}
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_OS": "Linux", "RUNNER_TEMP": dir, "HOME": dir}
	for k, v := range j.Context {
		env[k] = v
	}
	for k, v := range j.env {
		env[k] = v
	}
	for k, v := range files {
		env[k] = v
	}
	eventPath := filepath.Join(j.dir, "event.json")
	ev, _ := json.Marshal(j.Event)
	if err := os.WriteFile(eventPath, ev, 0o644); err != nil {
		return nil, err
	}
	env["GITHUB_EVENT_PATH"] = eventPath
	env["GITHUB_ACTION"] = step.ID
	for k, v := range state {
		env["STATE_"+k] = v
	}
	names := make([]string, 0, len(j.Action.Inputs))
	for name := range j.Action.Inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		raw, ok := step.With[name]
		if !ok {
			raw = j.Action.Inputs[name].Default
		}
		v, err := j.eval(raw)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", name, err)
		}
		env["INPUT_"+strings.ToUpper(strings.ReplaceAll(name, " ", "_"))] = v
	}
	for name := range step.With {
		if _, ok := j.Action.Inputs[name]; !ok {
			return nil, fmt.Errorf("step %s: unexpected input %q (not declared in action.yml)", step.ID, name)
		}
	}
	argv0 := j.Action.Runs.Entrypoint
	if stage == "post" {
		argv0 = j.Action.Runs.PostEntrypoint
	}
	var out bytes.Buffer
	code := j.Launch(ctx, argv0, env, &out)
	run := &StepRun{Step: step, Stage: stage, ExitCode: code, Stdout: out.String(), Environ: env}
	run.Commands = ParseCommands(run.Stdout)
	var err error
	if run.Outputs, err = readFileCommand(files["GITHUB_OUTPUT"]); err != nil {
		run.Err = fmt.Errorf("GITHUB_OUTPUT: %w", err)
	}
	if run.State, err = readFileCommand(files["GITHUB_STATE"]); err != nil {
		run.Err = fmt.Errorf("GITHUB_STATE: %w", err)
	}
	if run.Env, err = readFileCommand(files["GITHUB_ENV"]); err != nil {
		run.Err = fmt.Errorf("GITHUB_ENV: %w", err)
	}
	if run.Err != nil {
		run.ExitCode = 1
	}
	summary, _ := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	run.Summary = string(summary)
	return run, nil
}
