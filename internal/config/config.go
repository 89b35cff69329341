// Package config turns the action's inputs and the workflow's context into
// one validated value. It is the only package that reads inputs or the
// environment: everything after it works on a *Config.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
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

// Config is everything the action needs, validated.
type Config struct {
	Stage Stage
	Step  Step
	Token string

	Owner, Repo string
	Environment string
	// Ref is the ref to deploy; RefGiven says the user set the `ref` input.
	Ref      string
	RefGiven bool
	Task     string
	// Description goes on the deployment and its statuses.
	Description string
	// Payload is the `payload` input, a JSON object (nil when empty).
	Payload          map[string]any
	Transient        bool
	Production       *bool
	AutoMerge        bool
	RequiredContexts *[]string // nil: every context is a gate (GitHub's default)
	InitialState     string
	State            string
	JobStatus        string
	CancelledState   string
	DeploymentID     int64 // 0 when none is known
	DeploymentIDFrom string
	EnvironmentURL   string
	LogURL           string
	AutoInactive     bool
	// AutoInactiveScope narrows what a success retires: "" (GitHub's: every
	// earlier successful deployment of the environment), ScopeTask (the
	// same task's) or ScopePullRequest (the same pull request's).
	AutoInactiveScope string
	// OnAPIError is "fail" or "warn": with warn, a failure to reach or
	// write to GitHub (after the retries) is a warning and the step exits 0.
	OnAPIError        string
	AutoFinish        bool
	KeepLatest        int
	DeleteEnvironment bool
	DryRun            bool
	Supersede         bool
	Sweep             Sweep
	Wait              Wait
	// Since is how far back step: report looks (the since input).
	Since               time.Duration
	StartedDeploymentID int64  // STATE_deployment_id: what this step's main stage started
	FinishedState       string // the state an earlier step of the job gave DeploymentID
	APIURL              string
	GraphQLURL          string
	ServerURL           string
	EventName           string
	Run                 Run
	EventDeployment     *EventDeployment
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

// PeopleURL is a link for people to a page of the repository on the
// GitHub server (not the API), e.g. PeopleURL("deployments").
func (c *Config) PeopleURL(parts ...string) string {
	u := strings.TrimRight(c.ServerURL, "/") + "/" + c.Owner + "/" + c.Repo
	for _, p := range parts {
		u += "/" + url.PathEscape(p)
	}
	return u
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
	target(a, &r, c)
	if stage == StageMain {
		r.checkStep(c)
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// readContext reads the workflow's context: GITHUB_* and RUNNER_*
// variables, the event, and whether the runner's file commands are there.
func readContext(a *githubactions.Action, c *Config) error {
	ctx, err := a.Context()
	if err != nil {
		return fmt.Errorf("read the workflow context (GITHUB_* variables and GITHUB_EVENT_PATH): %w", err)
	}
	c.APIURL = strings.TrimRight(ctx.APIURL, "/")
	// go-githubactions defaults GITHUB_GRAPHQL_URL to github.com's: take
	// it only when the runner set it, else derive it from the API root.
	c.GraphQLURL = a.Getenv("GITHUB_GRAPHQL_URL")
	if c.GraphQLURL == "" {
		c.GraphQLURL = githubapi.GraphQLURL(c.APIURL)
	}
	c.ServerURL = strings.TrimRight(ctx.ServerURL, "/")
	c.EventName = ctx.EventName
	c.WorkflowSHA = ctx.SHA
	c.Run = Run{Repository: ctx.Repository, ID: ctx.RunID, Attempt: ctx.RunAttempt, Job: ctx.Job, Step: ctx.Action, Workflow: ctx.Workflow, Actor: ctx.Actor,
		TriggeringActor: a.Getenv("GITHUB_TRIGGERING_ACTOR")}
	if c.Run.Attempt == 0 {
		c.Run.Attempt = 1
	}
	c.StepSummaryConfigured = ctx.StepSummary != ""
	c.Debug = a.Getenv("RUNNER_DEBUG") == "1"
	c.OnRunner = a.Getenv("GITHUB_OUTPUT") != "" && a.Getenv("GITHUB_STATE") != "" && a.Getenv("GITHUB_ENV") != ""
	c.event = ctx.Event
	readEvent(c, ctx.Event)
	return nil
}

// readInputs reads and checks every input, with the context's defaults,
// whatever the step: a bad input is an error even where the step would not
// read it.
func readInputs(r *reader, c *Config) {
	c.Token = r.a.GetInput("token")
	if c.Token == "" {
		r.fail(&InputError{Input: "token", Want: "give a token with `deployments: write`; the default is ${{ github.token }}"})
	}
	c.Step = Step(r.oneOf("step", string(StepStart), Steps))
	c.Owner, c.Repo = r.repository("repository", c.Run.Repository)
	c.Environment = r.environment("environment")
	c.Ref = r.str("ref", "")
	c.RefGiven = c.Ref != ""
	if !c.RefGiven {
		c.Ref = c.WorkflowSHA
		if c.IsPullRequestEvent && c.PullRequestHeadSHA != "" {
			c.Ref = c.PullRequestHeadSHA
		}
	}
	c.Description = r.str("description", "")
	c.OnAPIError = r.oneOf("on-api-error", "fail", []string{"fail", "warn"})
	c.DryRun = r.boolean("dry-run", false)
	c.Run.JobIndex = r.jobIndex("job-index")
	readStartInputs(r, c)
	readFinishInputs(r, c)
	readTeardownInputs(r, c)
	readWait(r, c)
	c.Since = r.since("since")
}

// readStartInputs reads what start sends GitHub besides the environment
// and ref: the deployment's fields, its first state and supersede.
func readStartInputs(r *reader, c *Config) {
	c.Task = r.str("task", "deploy")
	c.Payload = r.payload("payload")
	c.Transient = r.boolean("transient-environment", c.IsPullRequestEvent)
	if v := r.str("production-environment", ""); v != "" {
		b := r.boolean("production-environment", false)
		c.Production = &b
	}
	c.AutoMerge = r.boolean("auto-merge", false)
	c.RequiredContexts = r.contexts("required-contexts")
	c.InitialState = r.oneOf("initial-state", vocab.StateInProgress, []string{vocab.StateQueued, vocab.StatePending, vocab.StateInProgress})
	c.Supersede = r.boolean("supersede", false)
	c.LogURL = r.link(c, "log-url")
	if c.LogURL == "" && c.Run.ID != 0 && c.Run.Repository != "" {
		c.LogURL = fmt.Sprintf("%s/%s/actions/runs/%d/attempts/%d", c.ServerURL, c.Run.Repository, c.Run.ID, c.Run.Attempt)
		// The job's own log, where GitHub gives the job's check run
		// (github.com and GHE.com; not GHES).
		if id := parseID(r.a.GetInput("job-check-run-id")); id != 0 {
			c.LogURL = fmt.Sprintf("%s/%s/actions/runs/%d/job/%d", c.ServerURL, c.Run.Repository, c.Run.ID, id)
		}
	}
}

// readFinishInputs reads how finish, status and the post stage end a
// deployment, and what a success retires.
func readFinishInputs(r *reader, c *Config) {
	c.State = r.oneOf("state", "", vocab.States)
	c.JobStatus = r.str("job-status", "")
	c.CancelledState = r.oneOf("cancelled-state", vocab.StateInactive, []string{vocab.StateInactive, vocab.StateError, vocab.StateFailure})
	c.EnvironmentURL = r.link(c, "environment-url")
	switch v := r.oneOf("auto-inactive", "true", []string{"true", "false", "True", "False", "TRUE", "FALSE", ScopeTask, ScopePullRequest}); v {
	case ScopeTask, ScopePullRequest:
		c.AutoInactive, c.AutoInactiveScope = true, v
	default:
		c.AutoInactive, _ = parseBool(v, true)
	}
	c.AutoFinish = r.boolean("auto-finish", true)
}

// readTeardownInputs reads deactivate-env's, delete-env's and sweep's
// inputs.
func readTeardownInputs(r *reader, c *Config) {
	c.KeepLatest = r.count("keep-latest")
	c.DeleteEnvironment = r.boolean("delete-environment", true)
	c.Sweep.Patterns = r.patterns("environments")
	c.Sweep.PullRequestClosed = r.boolean("pull-request-closed", true)
	c.Sweep.OlderThan = r.age("older-than")
	c.Sweep.Delete = r.oneOf("sweep-mode", "delete", []string{"delete", "deactivate"}) == "delete"
	c.Sweep.BranchDeleted = r.boolean("branch-deleted", false)
	c.Sweep.Max = r.sweepMax("max-environments")
}

// target decides which deployment the step acts on, first match winning:
//
//  1. in the post stage, the deployment its main stage started
//     (STATE_deployment_id);
//  2. the deployment-id input;
//  3. for finish and status, the deployment the job's last start created
//     or adopted (DEPLOYMENT_ACTION_DEPLOYMENT_ID);
//  4. on a deployment event, the event's deployment, unless the
//     environment or ref input names another (EventLeftAlone says how).
//
// DeploymentIDFrom says which, for error messages; FinishedState is the
// final state an earlier step of the job gave it.
func target(a *githubactions.Action, r *reader, c *Config) {
	c.StartedDeploymentID = handoff.StartedByMain(a.Getenv)
	input := r.id("deployment-id")
	switch {
	case c.Stage == StagePost && c.StartedDeploymentID != 0:
		c.DeploymentID, c.DeploymentIDFrom = c.StartedDeploymentID, "the deployment this step started"
	case input != 0:
		c.DeploymentID, c.DeploymentIDFrom = input, "the deployment-id input"
	case c.Step != StepStart && handoff.LastStarted(a.Getenv) != 0:
		c.DeploymentID, c.DeploymentIDFrom = handoff.LastStarted(a.Getenv), "the deployment this job started ("+handoff.EnvDeploymentID+")"
	case c.EventDeployment != nil:
		// An explicit environment or ref is never overridden by the event:
		// the event's deployment is the target only when they name it.
		if c.EventLeftAlone = c.EventDeployment.differs(c); c.EventLeftAlone == "" {
			c.DeploymentID, c.DeploymentIDFrom = c.EventDeployment.ID, "the deployment event's deployment"
		}
	}
	c.FinishedState = handoff.Finished(a.Getenv, c.DeploymentID)
}

// checkStep validates what each step needs beyond single inputs.
func (r *reader) checkStep(c *Config) {
	switch c.Step {
	case StepStart:
		if c.State != "" {
			r.fail(&InputError{Input: "state", Value: c.State, Want: "is for step: status and step: finish; a started deployment gets initial-state now and the job's outcome in the post stage"})
		}
		switch {
		case c.Environment == "" && c.DeploymentID == 0 && c.EventLeftAlone != "":
			r.fail(&InputError{Input: "environment", Want: fmt.Sprintf("step: start does not adopt the deployment event's deployment %d: %s; give environment to make a new deployment of ref, or leave ref out to adopt the event's", c.EventDeployment.ID, c.EventLeftAlone)})
		case c.Environment == "" && c.DeploymentID == 0:
			r.fail(&InputError{Input: "environment", Want: "step: start needs the environment to deploy to, e.g. staging (or deployment-id, or a deployment event, to adopt an existing deployment)"})
		case c.DeploymentID == 0 && c.EventLeftAlone != "":
			c.Notices = append(c.Notices, fmt.Sprintf("step: start makes a new deployment of %s in %s, as the inputs say, and leaves the deployment event's deployment %d of %s alone (%s); leave environment and ref out to adopt it", c.Ref, vocab.Quote(c.Environment), c.EventDeployment.ID, vocab.Quote(c.EventDeployment.Environment), c.EventLeftAlone))
		}
		if c.DeploymentID == 0 && c.Ref == "" {
			r.fail(&InputError{Input: "ref", Want: "no commit to deploy: GITHUB_SHA is empty, so give ref (a branch, tag or SHA)"})
		}
	case StepStatus:
		if c.State == "" {
			r.fail(&InputError{Input: "state", Want: "step: status needs one of " + strings.Join(vocab.States, ", ")})
		}
		fallthrough
	case StepFinish:
		switch {
		case c.DeploymentID == 0 && c.EventLeftAlone != "":
			r.fail(&InputError{Input: "deployment-id", Want: fmt.Sprintf("step: %s does not act on the deployment event's deployment %d: %s; run step: start earlier in this job, give deployment-id, or leave environment and ref out to act on the event's", c.Step, c.EventDeployment.ID, c.EventLeftAlone)})
		case c.DeploymentID == 0:
			r.fail(&InputError{Input: "deployment-id", Want: fmt.Sprintf("step: %s needs a deployment: give deployment-id, or run step: start earlier in this job", c.Step)})
		}
	case StepDeactivateEnv, StepDeleteEnv:
		if c.Environment == "" {
			r.fail(&InputError{Input: "environment", Want: fmt.Sprintf("step: %s needs the environment to tear down, e.g. pr-${{ github.event.number }}", c.Step)})
		}
	case StepWait:
		r.checkWait(c)
	case StepReport:
		// A given but bad pattern has its own error already.
		if len(c.Sweep.Patterns) == 0 && !r.failed("environments") {
			r.fail(&InputError{Input: "environments", Want: "step: report needs the environments to report on, as patterns such as production or preview/* (comma- or newline-separated); write * to mean every environment"})
		}
	case StepSweep:
		if len(c.Sweep.Patterns) == 0 {
			r.fail(&InputError{Input: "environments", Want: "step: sweep needs the environments it may sweep, as patterns such as pr-* or preview/* (comma- or newline-separated); write * to mean every environment"})
		}
		// A given but bad older-than has its own error already.
		if !c.Sweep.PullRequestClosed && c.Sweep.OlderThan == 0 && !r.failed("older-than") {
			r.fail(&InputError{Input: "older-than", Want: "with pull-request-closed: false, step: sweep needs older-than (e.g. 14d or 36h), or it has no rule to find stale environments by"})
		}
	}
}

// number is a JSON number as an int (0 when it is not one).
func number(v any) int {
	f, ok := v.(float64)
	if !ok || f <= 0 || f > 1<<31 {
		return 0
	}
	return int(f)
}

func readEvent(c *Config, ev map[string]any) {
	switch c.EventName {
	case "pull_request", "pull_request_target":
		c.IsPullRequestEvent = true
		// The event's pull request is this repository's: its base is.
		if pr, ok := ev["pull_request"].(map[string]any); ok {
			if head, ok := pr["head"].(map[string]any); ok {
				c.PullRequestHeadSHA, _ = head["sha"].(string)
			}
			c.PullRequest = number(pr["number"])
		}
	case "workflow_run":
		// Deploying what a finished CI run built: its commit, not the
		// default branch's head that GITHUB_SHA names on this event.
		wr, ok := ev["workflow_run"].(map[string]any)
		if !ok {
			return
		}
		c.PullRequestHeadSHA, _ = wr["head_sha"].(string)
		switch wr["event"] {
		case "pull_request", "pull_request_target":
			c.IsPullRequestEvent = true
			// pull_requests can list pull requests of other repositories
			// (a fork's, the upstream's), with their own numbers.
			prs, _ := wr["pull_requests"].([]any)
			var repoID int64
			if repo, ok := ev["repository"].(map[string]any); ok {
				repoID = jsonID(repo["id"])
			}
			c.PullRequest = ownPullRequest(prs, repoID, c.Run.Repository)
		}
		if c.PullRequestHeadSHA != "" {
			c.WorkflowSHA = c.PullRequestHeadSHA
		}
	case "deployment":
		d, ok := ev["deployment"].(map[string]any)
		if !ok {
			return
		}
		id, _ := d["id"].(float64)
		if id <= 0 {
			return
		}
		ed := &EventDeployment{ID: int64(id)}
		ed.Environment, _ = d["environment"].(string)
		ed.Ref, _ = d["ref"].(string)
		ed.SHA, _ = d["sha"].(string)
		ed.Task, _ = d["task"].(string)
		c.EventDeployment = ed
	}
}

// jsonID is a JSON number as a positive int64 id (0 when it is not one).
func jsonID(v any) int64 {
	switch n := v.(type) {
	case float64:
		if n >= 1 && n <= 1<<53 && n == float64(int64(n)) {
			return int64(n)
		}
	case json.Number:
		if i, err := n.Int64(); err == nil && i > 0 {
			return i
		}
	}
	return 0
}

// ownPullRequest is the number of the first of a workflow_run's
// pull_requests whose base is this repository, or 0. repoID is the event's
// repository.id (0 when unknown), repository the workflow's owner/name.
func ownPullRequest(prs []any, repoID int64, repository string) int {
	for _, p := range prs {
		pr, _ := p.(map[string]any)
		base, _ := pr["base"].(map[string]any)
		repo, _ := base["repo"].(map[string]any)
		if repo == nil || !isRepository(repo, repoID, repository) {
			continue
		}
		if n := number(pr["number"]); n != 0 {
			return n
		}
	}
	return 0
}

// isRepository reports whether repo, a repository object of an event, is
// this one: by id when both ids are known, else by owner and name (GitHub's
// are case-insensitive) from full_name, owner.login and name, or the API
// url. A name alone does not tell a fork from its upstream: not this one.
func isRepository(repo map[string]any, repoID int64, repository string) bool {
	if id := jsonID(repo["id"]); id != 0 && repoID != 0 {
		return id == repoID
	}
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" {
		return false
	}
	if full, _ := repo["full_name"].(string); full != "" {
		return strings.EqualFold(full, repository)
	}
	n, _ := repo["name"].(string)
	if o, _ := repo["owner"].(map[string]any); o != nil && n != "" {
		if login, _ := o["login"].(string); login != "" {
			return strings.EqualFold(login, owner) && strings.EqualFold(n, name)
		}
	}
	if raw, _ := repo["url"].(string); raw != "" {
		// https://api.github.com/repos/OWNER/NAME (GHES: …/api/v3/repos/…).
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) < 3 || parts[len(parts)-3] != "repos" {
			return false
		}
		o, rn := parts[len(parts)-2], parts[len(parts)-1]
		return strings.EqualFold(o, owner) && strings.EqualFold(rn, name) && (n == "" || strings.EqualFold(n, name))
	}
	return false
}

// newNonce is 16 random hex characters, or "" when crypto/rand fails.
func newNonce() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return ""
	}
	return hex.EncodeToString(b[:])
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
