package runnersim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// envContext is the env context: the workflow's env, GITHUB_ENV, the
// step's env.
func (j *Job) envContext(step Step) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{j.WorkflowEnv, j.env, step.Env} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// contexts are the expression contexts for a step: github (with event
// and token), env, job, steps, strategy, matrix, runner.
func (j *Job) contexts(step Step) exprContext {
	github := map[string]any{"token": j.Token, "event": j.Event}
	for k, v := range j.Context {
		if name, ok := strings.CutPrefix(k, "GITHUB_"); ok {
			github[strings.ToLower(name)] = v
		}
	}
	steps := map[string]any{}
	for id, outs := range j.outputs {
		o := map[string]any{}
		for k, v := range outs {
			o[k] = v
		}
		steps[id] = map[string]any{"outputs": o}
	}
	env := map[string]any{}
	for k, v := range j.envContext(step) {
		env[k] = v
	}
	runnerOS := "Linux"
	if j.Action.IsNode() {
		runnerOS = HostOS()
	}
	job := map[string]any{"status": j.Status}
	if j.CheckRunID != "" {
		job["check_run_id"] = toNumber(j.CheckRunID)
	}
	return exprContext{"github": github, "env": env, "job": job, "steps": steps,
		"strategy": map[string]any{"job-index": float64(j.JobIndex), "job-total": float64(1)},
		"matrix":   map[string]any{}, "runner": map[string]any{"os": runnerOS, "temp": j.layout.Temp}}
}

// stage runs stage ("main" or "post") of step: it writes the step's file
// command files and event, builds its environment, launches the action
// and reads what it left.
func (j *Job) stage(ctx context.Context, step Step, stage string, state map[string]string) (*StepRun, error) {
	files, eventPath, err := j.stageFiles(stage)
	if err != nil {
		return nil, err
	}
	run := &StepRun{Step: step, Stage: stage}
	env, err := j.stageEnv(step, state, files, eventPath, run)
	if err != nil {
		return nil, err
	}
	argv0, launch, err := j.entry(stage, env)
	if err != nil {
		return nil, err
	}
	var out, errOut bytes.Buffer
	run.ExitCode = launch(ctx, Launch{Argv0: argv0, Env: env, Stdout: &out, Stderr: &errOut, Layout: j.layout, Stage: stage, Using: j.Action.Runs.Using})
	run.Stdout, run.Stderr, run.Environ = out.String(), errOut.String(), env
	run.Commands = append(ParseCommands(run.Stdout), ParseCommands(run.Stderr)...)
	read := func(key string, foldCase bool) map[string]string {
		pairs, err := readFileCommand(files[key])
		if err != nil && run.Err == nil {
			run.Err = fmt.Errorf("%s: %w", key, err)
		}
		return Map(pairs, foldCase)
	}
	run.Outputs = read("GITHUB_OUTPUT", false)
	run.State = read("GITHUB_STATE", true)
	run.Env = read("GITHUB_ENV", false)
	if run.Err != nil {
		run.ExitCode = 1
	}
	summary, _ := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	run.Summary = string(summary)
	return run, nil
}

// stageFiles writes a stage's empty file command files, by the variable
// that names each, and the event; it returns their paths.
func (j *Job) stageFiles(stage string) (files map[string]string, eventPath string, err error) {
	j.n++
	files = map[string]string{}
	for k, name := range map[string]string{"GITHUB_OUTPUT": "set_output", "GITHUB_STATE": "save_state", "GITHUB_ENV": "set_env",
		"GITHUB_PATH": "add_path", "GITHUB_STEP_SUMMARY": "step_summary"} {
		files[k] = filepath.Join(j.layout.FileCommands, fmt.Sprintf("%s_%d_%s", name, j.n, stage))
		if err := os.WriteFile(files[k], nil, 0o644); err != nil {
			return nil, "", err
		}
	}
	eventPath = filepath.Join(j.layout.Workflow, "event.json")
	ev, _ := json.Marshal(j.Event)
	if err := os.WriteFile(eventPath, ev, 0o644); err != nil {
		return nil, "", err
	}
	return files, eventPath, nil
}

// stageEnv is the action's environment, later layers winning (the
// runner's order, ContainerActionHandler.cs): env with GITHUB_ENV,
// STATE_*, INPUT_*, HOME, the GITHUB_* context, RUNNER_*, then the
// GITHUB_ACTIONS and CI that docker run adds. Warnings go to run.
func (j *Job) stageEnv(step Step, state, files map[string]string, eventPath string, run *StepRun) (map[string]string, error) {
	env := j.envContext(step)
	for k, v := range state {
		env["STATE_"+k] = v
	}
	if err := j.inputsEnv(step, env, run); err != nil {
		return nil, err
	}
	node := j.Action.IsNode()
	if !node {
		// ContainerActionHandler.cs sets HOME; a node action keeps the
		// runner's own (NodeScriptActionHandler.cs sets none), which the
		// node launcher passes on.
		env["HOME"] = j.layout.Home
	}
	for k, v := range j.Context {
		if strings.HasPrefix(k, "GITHUB_") {
			env[k] = v
		}
	}
	for k, v := range files {
		env[k] = v
	}
	env["GITHUB_EVENT_PATH"] = eventPath
	env["GITHUB_WORKSPACE"] = j.layout.Workspace
	env["GITHUB_ACTION"] = step.ID
	env["RUNNER_OS"], env["RUNNER_TEMP"] = "Linux", j.layout.Temp
	if node {
		// A node action runs on the runner's host, whatever it is.
		env["RUNNER_OS"], env["RUNNER_ARCH"] = HostOS(), HostArch()
	}
	for k, v := range j.Context {
		if strings.HasPrefix(k, "RUNNER_") {
			env[k] = v
		}
	}
	env["GITHUB_ACTIONS"], env["CI"] = "true", "true"
	return env, nil
}

// inputsEnv sets INPUT_* in env: each of the action's inputs, given or
// its default, then each given input the action does not declare, which
// run warns about, as the runner does.
func (j *Job) inputsEnv(step Step, env map[string]string, run *StepRun) error {
	exprs := j.contexts(step)
	set := func(name, raw string) error {
		v, err := interpolate(raw, exprs)
		if err != nil {
			return fmt.Errorf("input %s: %w", name, err)
		}
		env["INPUT_"+strings.ToUpper(strings.ReplaceAll(name, " ", "_"))] = v
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(j.Action.Inputs)) {
		raw, ok := step.With[name]
		if !ok {
			raw = j.Action.Inputs[name].Default
		}
		if err := set(name, raw); err != nil {
			return err
		}
	}
	var unexpected []string
	for _, name := range slices.Sorted(maps.Keys(step.With)) {
		if _, ok := j.Action.Inputs[name]; ok {
			continue
		}
		unexpected = append(unexpected, name)
		if err := set(name, step.With[name]); err != nil {
			return err
		}
	}
	if len(unexpected) > 0 {
		run.Warnings = append(run.Warnings, fmt.Sprintf("Unexpected input(s) '%s', valid inputs are ['%s']",
			strings.Join(unexpected, "', '"), strings.Join(slices.Sorted(maps.Keys(j.Action.Inputs)), "', '")))
	}
	return nil
}

// entry is what runs stage and how: the container's entrypoint with
// Launch, or for a node action its script in ActionDir with NodeLaunch
// (env then loses NODE_ICU_DATA).
func (j *Job) entry(stage string, env map[string]string) (argv0 string, launch Launcher, err error) {
	launch = j.Launch
	argv0 = j.Action.Runs.Entrypoint
	if stage == "post" {
		argv0 = j.Action.Runs.PostEntrypoint
	}
	if !j.Action.IsNode() {
		return argv0, launch, nil
	}
	if j.ActionDir == "" {
		return "", nil, fmt.Errorf("runs.using %s: the job has no ActionDir to find %s in", j.Action.Runs.Using, j.Action.Runs.Main)
	}
	// NodeScriptActionHandler.cs: node runs Path.Combine(ActionDirectory,
	// main or post), with the job's host paths, nothing translated.
	script := j.Action.Runs.Main
	if stage == "post" {
		script = j.Action.Runs.Post
	}
	argv0 = filepath.Join(j.ActionDir, filepath.FromSlash(script))
	delete(env, "NODE_ICU_DATA")
	if launch = j.NodeLaunch; launch == nil {
		launch = Node{}.Launch
	}
	return argv0, launch, nil
}
