// Package app runs one stage of the action: it reads the config, builds
// the client, runs the lifecycle step and reports the result. It is the
// only place that turns an error into ::error:: and an exit code.
package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
)

// Version is the action's version, set at build time.
var Version = "dev"

// stepTimeout bounds a start, finish, status or post stage, so that a
// deployment step never hangs the job.
const stepTimeout = 10 * time.Minute

// waitMargin is what a wait's step timeout allows beyond the wait's own
// timeout: its last poll, with the retries and rate-limit waits of one
// request (githubapi's policy: 30 s of retries, a minute for a reset).
const waitMargin = 3 * time.Minute

// cancelledTimeout bounds the post stage of a cancelled job: it must end
// well inside the runner's cancel window (5 minutes by default, shared by
// every post step).
const cancelledTimeout = 90 * time.Second

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

// StageVar names the stage in the environment: the native entry's
// launcher (native/launch.js) sets it to "main" or "post".
const StageVar = "DEPLOYMENT_ACTION_STAGE"

// StageOf is the stage to run. The native entry (runs.using node24)
// starts one binary from main.js and post.js with the same name, so its
// launcher says the stage in StageVar, and StageOf takes it from there when
// it is exactly "main" or "post". Otherwise the name the binary was started
// under decides, as for the container entry (actions/runner
// DockerCommandManager.cs: --entrypoint takes one executable and no
// arguments, so the name is the signal): a name that is "post" or ends in
// "-post" runs the post stage.
func StageOf(arg0 string, getenv func(string) string) config.Stage {
	switch getenv(StageVar) {
	case "main":
		return config.StageMain
	case "post":
		return config.StagePost
	}
	base := filepath.Base(arg0)
	if base == "post" || strings.HasSuffix(base, "-post") {
		return config.StagePost
	}
	return config.StageMain
}

// Run runs the stage that e.Args[0] names and returns the exit code. It
// is wiring: config reads the inputs, githubapi makes the client,
// lifecycle acts, report tells the runner.
func Run(ctx context.Context, e Env) (code int) {
	a := githubactions.New(githubactions.WithGetenv(e.Getenv), githubactions.WithWriter(e.Stdout))
	// The token is masked before anything else is printed (outside GitHub
	// Actions there is no log to mask, and the command would show it).
	if tok := a.GetInput("token"); tok != "" && config.OnActions(a) {
		a.AddMask(tok)
	}
	// deployment is the deployment the step acts on, once known.
	var deployment int64
	defer func() {
		if r := recover(); r != nil {
			report.Panicked(a, deployment, r)
			code = 1
		}
	}()
	stage := StageOf(e.Args[0], e.Getenv)
	if stage == config.StagePost && handoff.StartedByMain(a.Getenv) == 0 {
		report.Logf(a, "Nothing to do: the main stage started no deployment.")
		return 0
	}
	cfg, err := config.Load(a, stage)
	if err != nil {
		report.BadInputs(a, stage, err)
		return 1
	}
	ctx, p, cancel := bounds(ctx, e, cfg)
	defer cancel()
	c, err := newClient(a, e, cfg, p)
	if err != nil {
		report.Errorf(a, "%s", err)
		return 1
	}
	for _, w := range cfg.Warnings {
		report.Warningf(a, "%s", w)
	}
	for _, n := range cfg.Notices {
		report.Noticef(a, "%s", n)
	}
	deployment = cfg.DeploymentID
	res, err := dispatch(ctx, c, cfg)
	if res != nil && res.DeploymentID != 0 {
		deployment = res.DeploymentID
	}
	return exitCode(a, cfg, res, err)
}

// bounds is the retry policy and the time the step may take: a cancelled
// job's post stage gets the shorter policy and bound; a wait its timeout
// and a margin; a teardown no bound (pacing thousands of writes to
// GitHub's limits takes as long as it takes).
func bounds(ctx context.Context, e Env, cfg *config.Config) (context.Context, githubapi.Policy, context.CancelFunc) {
	p := githubapi.DefaultPolicy()
	if e.Policy != nil {
		p = *e.Policy
	}
	timeout := stepTimeout
	if cfg.Stage == config.StageMain && cfg.Step == config.StepWait {
		timeout = cfg.Wait.Timeout + waitMargin
	}
	if cfg.Stage == config.StagePost && cfg.Finish.JobStatus == "cancelled" {
		p, timeout = p.Cancelled(), cancelledTimeout
	}
	if cfg.Stage == config.StageMain && cfg.Step.IsTeardown() {
		return ctx, p, func() {}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, p, cancel
}

// newClient is the lifecycle client for cfg: REST and GraphQL over one
// guarded, retrying, paced transport.
func newClient(a *githubactions.Action, e Env, cfg *config.Config, p githubapi.Policy) (*lifecycle.Client, error) {
	log := func(format string, args ...any) { report.Logf(a, format, args...) }
	pacer := e.Pacer
	if pacer == nil {
		pacer = githubapi.NewPacer(p.Sleep, p.Now)
	}
	limits := &githubapi.Limits{}
	opts := githubapi.Options{Base: e.Base, Policy: &p, Pacer: pacer, Limits: limits, Log: log, UserAgent: "deployment-action/" + Version,
		Scope: &githubapi.Scope{Owner: cfg.Owner, Repo: cfg.Repo, GraphQLPath: githubapi.PathOf(cfg.GraphQLURL)}}
	if cfg.Debug {
		opts.Debug = func(format string, args ...any) { report.Debugf(a, format, args...) }
	}
	gh, err := githubapi.New(cfg.Token, cfg.APIURL, opts)
	if err != nil {
		return nil, err
	}
	gql, err := githubapi.NewGraphQL(gh, cfg.GraphQLURL)
	if err != nil {
		return nil, err
	}
	return &lifecycle.Client{GH: gh, GQL: gql, Owner: cfg.Owner, Repo: cfg.Repo, Policy: p, Log: log, Now: p.Now,
		Room: func() lifecycle.Room { return lifecycle.Room{Writes: pacer.Room(), Requests: limits.Remaining()} }}, nil
}

// exitCode reports the step's result or its failure and is its exit code.
// A step returns what it did with its error; report writes that part
// (report.Failed, report.LeftUndone). A wait that could not read has no
// URL for the next steps: on-api-error does not turn it into a success.
func exitCode(a *githubactions.Action, cfg *config.Config, res *lifecycle.Result, err error) int {
	st := reportStep(cfg)
	switch {
	case err == nil:
		report.Succeeded(a, st, res)
		return 0
	case cfg.OnAPIError == "warn" && cfg.Step != config.StepWait:
		report.LeftUndone(a, st, res, err)
		return 0
	}
	report.Failed(a, st, res, err)
	return 1
}

// reportStep is what report needs of cfg to tell the runner a result.
func reportStep(cfg *config.Config) report.Step {
	return report.Step{Stage: cfg.Stage, Step: cfg.Step, DeploymentID: cfg.DeploymentID, DeploymentIDFrom: cfg.DeploymentIDFrom,
		OnRunner: cfg.OnRunner, StepSummary: cfg.StepSummaryConfigured,
		Links: report.Links{ServerURL: cfg.ServerURL, Owner: cfg.Owner, Repo: cfg.Repo}}
}

// dispatch runs the stage's step with the options it reads.
func dispatch(ctx context.Context, c *lifecycle.Client, cfg *config.Config) (*lifecycle.Result, error) {
	if cfg.Stage == config.StagePost {
		return lifecycle.Post(ctx, c, cfg.Post)
	}
	switch cfg.Step {
	case config.StepStart:
		return lifecycle.Start(ctx, c, cfg.Start)
	case config.StepFinish:
		return lifecycle.Finish(ctx, c, cfg.Finish)
	case config.StepStatus:
		return lifecycle.SetStatus(ctx, c, cfg.Finish)
	case config.StepDeactivateEnv, config.StepDeleteEnv:
		return lifecycle.Teardown(ctx, c, cfg.Teardown)
	case config.StepSweep:
		return lifecycle.Sweep(ctx, c, cfg.Sweep)
	case config.StepWait:
		return lifecycle.Wait(ctx, c, cfg.Wait)
	case config.StepReport:
		return lifecycle.Report(ctx, c, cfg.Report)
	}
	return nil, fmt.Errorf("step %q has no implementation", cfg.Step)
}
