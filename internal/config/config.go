// Package config turns the action's inputs and the workflow's context into
// one validated value. It is the only package that reads inputs or the
// environment: everything after it works on a *Config.
package config

import (
	"fmt"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Stage is the runner stage the binary was started for.
type Stage string

// The stages of a container action (actions/runner ContainerActionHandler.cs
// starts the image with --entrypoint set to runs.entrypoint or
// runs.post-entrypoint; the binary is both the
// entrypoint and the post-entrypoint and tells them apart by its name).
const (
	StageMain Stage = "main"
	StagePost Stage = "post"
)

// Step is what the action is asked to do, from the `step` input.
type Step string

// The values of the `step` input.
const (
	StepStart         Step = "start"
	StepFinish        Step = "finish"
	StepStatus        Step = "status"
	StepDeactivateEnv Step = "deactivate-env"
	StepDeleteEnv     Step = "delete-env"
	StepSweep         Step = "sweep"
	StepWait          Step = "wait"
	StepReport        Step = "report"
)

// IsTeardown reports whether the step tears environments down
// (deactivate-env, delete-env, sweep).
func (s Step) IsTeardown() bool {
	return s == StepDeactivateEnv || s == StepDeleteEnv || s == StepSweep
}

// Steps lists every value the `step` input takes, in the order the README
// documents them.
var Steps = []string{string(StepStart), string(StepFinish), string(StepStatus), string(StepDeactivateEnv), string(StepDeleteEnv), string(StepSweep), string(StepWait), string(StepReport)}

// The scopes auto-inactive takes besides true and false.
const (
	ScopeTask        = "task"
	ScopePullRequest = "pull-request"
)

// Sweep is what step: sweep looks for and does.
type Sweep struct {
	// Patterns are the environment names it may sweep (path.Match globs).
	Patterns []string
	// PullRequestClosed: stale when the pull requests of the newest
	// deployment are all closed or merged.
	PullRequestClosed bool
	// OlderThan: stale when the newest deployment is older (0: off).
	OlderThan time.Duration
	// Delete: do what delete-env does (else what deactivate-env does).
	Delete bool
	// BranchDeleted: stale when the branch its newest deployment was made
	// from no longer exists.
	BranchDeleted bool
	// Max is the most environments one sweep tears down (max-environments,
	// 1 to SweepMaxLimit, default vocab.DefaultSweepMax): it bounds the blast
	// radius of a bad pattern; what is left waits for the next run.
	Max int
}

// Run identifies the workflow run the action runs in.
type Run struct {
	Repository string // owner/name of the workflow's repository
	ID         int64
	Attempt    int64
	Job        string
	JobIndex   string // strategy.job-index: the matrix leg ("" outside Actions)
	Step       string // GITHUB_ACTION: the step's id in the job
	Workflow   string
	// Actor is github.actor, who started the run; TriggeringActor is
	// github.triggering_actor, who started this attempt (a re-run's).
	Actor, TriggeringActor string
	// Branch is the branch a start deploys from, when it can be told
	// (branchOf); "" otherwise.
	Branch string
	// Nonce is a random value made once per main stage of a step, recorded
	// in the marker so two calls of one reusable workflow in one run are
	// told apart (they share run id, job, step id and job index). It is ""
	// in the post stage, and when no random value could be had.
	Nonce string
}

// EventDeployment is the deployment of a `deployment` event.
type EventDeployment struct {
	ID          int64
	Environment string
	Ref         string
	SHA         string
	Task        string
}

// Config is everything the action needs, validated: the run's context,
// the inputs that decide which step runs on which deployment, and each
// step's options (Start, Finish, …), filled by that step's reader and
// handed as they are to its function in lifecycle.
type Config struct {
	Stage Stage
	Step  Step
	Token string

	Owner, Repo string
	// Environment is the environment input ("" when not given).
	Environment string
	// Ref is the ref to deploy; RefGiven says the user set the `ref` input.
	Ref      string
	RefGiven bool
	// DeploymentID is the deployment the step acts on (0 when none is
	// known) and DeploymentIDFrom where it came from (target).
	DeploymentID     int64
	DeploymentIDFrom string
	// OnAPIError is "fail" or "warn": with warn, a failure to reach or
	// write to GitHub (after the retries) is a warning and the step exits 0.
	OnAPIError string

	// What each step reads (options.go).
	Start    StartOptions
	Finish   FinishOptions // step: finish and step: status
	Post     PostOptions
	Teardown TeardownOptions // step: deactivate-env and step: delete-env
	Sweep    SweepOptions
	Wait     WaitOptions
	Report   ReportOptions

	APIURL          string
	GraphQLURL      string
	ServerURL       string
	EventName       string
	Run             Run
	EventDeployment *EventDeployment
	// EventLeftAlone says why the deployment event's deployment is not
	// the step's target though no earlier rule gave one: the environment
	// or ref input names another ("" when it is, or there is no event).
	EventLeftAlone string
	// Notices are for the user, as ::notice:: annotations.
	Notices []string
	// IsPullRequestEvent is true on pull_request and pull_request_target,
	// and on a workflow_run whose run a pull request triggered.
	IsPullRequestEvent bool
	// PullRequest is the pull request's number on those events (0 when
	// unknown); a deployment made for it records it in its payload.
	PullRequest int
	// PullRequestHeadSHA is the commit to deploy by default on those
	// events: the pull request's head, or the finished run's head_sha.
	PullRequestHeadSHA    string
	WorkflowSHA           string
	StepSummaryConfigured bool
	// OnRunner is true when the runner's file commands (GITHUB_OUTPUT,
	// GITHUB_STATE, GITHUB_ENV) are there; outside GitHub Actions the
	// results are printed instead.
	OnRunner bool
	// Warnings are problems with inputs that do not stop the step.
	Warnings []string
	// event is the workflow's event payload, as read.
	event map[string]any
	// Debug is on when the workflow's step debug logging is
	// (RUNNER_DEBUG=1): every request is logged.
	Debug bool
}

// InputError is an input whose value the action cannot use. Its message
// names the input and the values it takes.
type InputError struct {
	Input string
	Value string
	Want  string
}

func (e *InputError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("input %q is required: %s", e.Input, e.Want)
	}
	return fmt.Sprintf("input %q has the value %s: %s", e.Input, vocab.Quote(e.Value), e.Want)
}

// OnActions reports whether the binary runs in a GitHub Actions job
// (GITHUB_ACTIONS=true), where ::add-mask:: hides a value; elsewhere the
// command would print it.
func OnActions(a *githubactions.Action) bool {
	return a.Getenv("GITHUB_ACTIONS") == "true"
}

// Load reads the inputs and context through a and validates them. A bad
// input is an *InputError; nothing has been sent to GitHub when Load fails.
func Load(a *githubactions.Action, stage Stage) (*Config, error) {
	c := &Config{Stage: stage}
	if err := readContext(a, c); err != nil {
		return nil, err
	}
	if stage == StageMain {
		c.Run.Nonce = newNonce()
	}
	r := reader{a: a}
	readInputs(&r, c)
	c.Run.Branch = branchOf(a, c, c.event)
	c.Start.Run, c.Finish.Run = c.Run, c.Run
	target(a, &r, c)
	// The post stage finishes the deployment its main stage started as
	// finish would.
	c.Post.Finish = c.Finish
	if stage == StageMain {
		r.checkStep(c)
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Deployer is who deployed: the user who started this run attempt
// (github.triggering_actor), else who started the run (github.actor); ""
// when neither is a login. A deployment made with GITHUB_TOKEN shows
// github-actions[bot] as its creator: this is the person behind it.
func (r Run) Deployer() string {
	for _, a := range []string{r.TriggeringActor, r.Actor} {
		if vocab.IsLogin(a) {
			return a
		}
	}
	return ""
}

// StartedBy is github.actor when it is a login other than the Deployer
// (a re-run by someone else), else "".
func (r Run) StartedBy() string {
	if d := r.Deployer(); vocab.IsLogin(r.Actor) && r.Actor != d {
		return r.Actor
	}
	return ""
}
