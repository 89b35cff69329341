// Package app runs one stage of the action: it reads the config, builds
// the client, runs the lifecycle step and reports the result. It is the
// only place that turns an error into ::error:: and an exit code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
)

// Version is the action's version, set at build time.
var Version = "dev"

// StepTimeout bounds a start, finish, status or post stage, so that a
// deployment step never hangs the job.
const StepTimeout = 10 * time.Minute

// CancelledTimeout bounds the post stage of a cancelled job: it must end
// well inside the runner's cancel window (5 minutes by default, shared by
// every post step).
const CancelledTimeout = 90 * time.Second

// Env is what a stage runs with: the process's arguments, environment and
// standard output, and in tests the transport and retry policy.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	// Base is the HTTP transport under the retries (nil: a real one).
	Base http.RoundTripper
	// Policy replaces the retry policy (tests inject a sleeper).
	Policy *githubapi.Policy
	// Pacer replaces the write pacer.
	Pacer *githubapi.Pacer
}

// PostName is the name the binary has as the post-entrypoint: a name that
// ends in "-post" (or is "post") runs the post stage.
const PostName = "deployment-action-post"

// StageOf is the stage for the name the binary was started under
// (actions/runner DockerCommandManager.cs: --entrypoint takes one
// executable and no arguments, so the name is the signal).
func StageOf(arg0 string) config.Stage {
	base := filepath.Base(arg0)
	if base == "post" || strings.HasSuffix(base, "-post") {
		return config.StagePost
	}
	return config.StageMain
}

// Run runs the stage that e.Args[0] names and returns the exit code.
func Run(ctx context.Context, e Env) (code int) {
	a := githubactions.New(githubactions.WithGetenv(e.Getenv), githubactions.WithWriter(e.Stdout))
	// The token is masked before anything else is printed (outside GitHub
	// Actions there is no log to mask, and the command would show it).
	if tok := a.GetInput("token"); tok != "" && config.OnActions(a) {
		a.AddMask(tok)
	}
	// deployment is the deployment the step acts on, once known: a failure
	// after that names it.
	var deployment int64
	defer func() {
		// go-githubactions panics when a file command cannot be written.
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if deployment != 0 {
				msg += fmt.Sprintf(" (deployment %d exists on GitHub; if it is left unfinished, finish it with a step that has `step: finish`, `deployment-id: %d` and `state: success` or failure)", deployment, deployment)
			}
			report.Errorf(a, "%s", msg)
			code = 1
		}
	}()
	stage := StageOf(e.Args[0])
	if stage == config.StagePost && config.StartedByMain(a) == 0 {
		report.Logf(a, "Nothing to do: the main stage started no deployment.")
		return 0
	}
	cfg, err := config.Load(a, stage)
	if err != nil {
		for _, line := range unjoin(err) {
			report.Errorf(a, "%s", line)
		}
		if id := config.StartedByMain(a); stage == config.StagePost && id != 0 {
			report.Errorf(a, "%s", unfinished(id))
		}
		return 1
	}
	p := githubapi.DefaultPolicy()
	if e.Policy != nil {
		p = *e.Policy
	}
	timeout := StepTimeout
	if cfg.Stage == config.StagePost && cfg.JobStatus == "cancelled" {
		p, timeout = p.Cancelled(), CancelledTimeout
	}
	if cfg.Stage == config.StagePost || cfg.Step == config.StepStart || cfg.Step == config.StepFinish || cfg.Step == config.StepStatus {
		// Teardown has no such bound: pacing thousands of writes to
		// GitHub's limits takes as long as it takes.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	log := func(format string, args ...any) { report.Logf(a, format, args...) }
	opts := githubapi.Options{Base: e.Base, Policy: &p, Pacer: e.Pacer, Log: log, UserAgent: "deployment-action/" + Version,
		Scope: &githubapi.Scope{Owner: cfg.Owner, Repo: cfg.Repo}}
	if cfg.Debug {
		opts.Debug = func(format string, args ...any) { report.Debugf(a, format, args...) }
	}
	gh, err := githubapi.New(cfg.Token, cfg.APIURL, opts)
	if err != nil {
		report.Errorf(a, "%s", err)
		return 1
	}
	c := &lifecycle.Client{GH: gh, Owner: cfg.Owner, Repo: cfg.Repo, Policy: p, Log: log}
	for _, w := range cfg.Warnings {
		report.Warningf(a, "%s", w)
	}
	deployment = cfg.DeploymentID
	res, err := dispatch(ctx, c, cfg)
	if res != nil && res.DeploymentID != 0 {
		deployment = res.DeploymentID
	}
	if err != nil {
		if res != nil && res.DeploymentID != 0 && cfg.Stage == config.StageMain && cfg.Step == config.StepStart {
			report.SaveStarted(a, cfg, res.DeploymentID)
		}
		report.Errorf(a, "%s", failure(cfg, err))
		return 1
	}
	describe(a, cfg, res)
	report.Write(a, cfg, res)
	return 0
}

func dispatch(ctx context.Context, c *lifecycle.Client, cfg *config.Config) (*lifecycle.Result, error) {
	if cfg.Stage == config.StagePost {
		return lifecycle.Post(ctx, c, cfg)
	}
	switch cfg.Step {
	case config.StepStart:
		return lifecycle.Start(ctx, c, cfg)
	case config.StepFinish:
		return lifecycle.Finish(ctx, c, cfg)
	case config.StepStatus:
		return lifecycle.SetStatus(ctx, c, cfg)
	case config.StepDeactivateEnv, config.StepDeleteEnv:
		return lifecycle.Teardown(ctx, c, cfg)
	}
	return nil, fmt.Errorf("step %q has no implementation", cfg.Step)
}

// failure is the message for a failed step; a finish that failed says how
// to finish the deployment by hand.
func failure(cfg *config.Config, err error) string {
	msg := err.Error()
	if cfg.Stage == config.StageMain && (cfg.Step == config.StepFinish || cfg.Step == config.StepStatus) && cfg.DeploymentIDFrom != "" {
		msg += fmt.Sprintf(" (deployment %d is %s)", cfg.DeploymentID, cfg.DeploymentIDFrom)
	}
	finishing := cfg.Stage == config.StagePost || cfg.Step == config.StepFinish
	if finishing && cfg.DeploymentID != 0 {
		msg += ". " + unfinished(cfg.DeploymentID)
	}
	return msg
}

// unfinished says how to finish a deployment the action leaves behind.
func unfinished(id int64) string {
	return fmt.Sprintf("Deployment %d may be left in_progress: finish it with a step that has `step: finish`, `deployment-id: %d` and `state: success` (or failure)", id, id)
}

// describe logs what the step did, one line each.
func describe(a *githubactions.Action, cfg *config.Config, res *lifecycle.Result) {
	if res.Skipped != "" {
		report.Logf(a, "Nothing to do: %s.", res.Skipped)
		return
	}
	for _, r := range res.Recovered {
		report.Logf(a, "Recovered %s instead of sending it again.", r)
	}
	teardown := cfg.Step == config.StepDeactivateEnv || cfg.Step == config.StepDeleteEnv
	if td := res.Teardown; td != nil && teardown {
		verb := "Marked"
		if td.DryRun {
			verb = "Dry run: would mark"
		}
		report.Logf(a, "%s %d of %d deployments of %q inactive.", verb, len(td.Deactivated), td.Seen, td.Environment)
		if cfg.Step == config.StepDeleteEnv {
			verb = "Deleted"
			if td.DryRun {
				verb = "Dry run: would delete"
			}
			report.Logf(a, "%s %d deployments; environment deleted: %t%s.", verb, len(td.Deleted), td.EnvironmentDeleted, note(td.EnvironmentNote))
		}
	} else if td != nil && len(td.Deactivated) > 0 {
		what := "earlier deployments of transient environment %q, which GitHub's auto_inactive skips"
		if cfg.Step == config.StepStart {
			what = "deployments of %q still running for this ref (supersede)"
		}
		verb := "Marked"
		if td.DryRun {
			verb = "Dry run: would mark"
		}
		report.Logf(a, "%s %d "+what+", inactive.", verb, len(td.Deactivated), td.Environment)
	}
	if res.DeploymentID != 0 && res.State != "" {
		verb := "Deployment"
		if res.Adopted {
			verb = "Adopted deployment"
		}
		report.Logf(a, "%s %d of %s to %q is %s.", verb, res.DeploymentID, orDash(res.Ref), res.Environment, res.State)
	}
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// unjoin splits an errors.Join error into its messages.
func unjoin(err error) []string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}
