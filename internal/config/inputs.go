package config

// This file reads the inputs: every input whatever the step, then what
// each step needs beyond single inputs (checkStep).

import (
	"fmt"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

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
	description := r.str("description", "")
	c.OnAPIError = r.oneOf("on-api-error", "fail", []string{"fail", "warn"})
	dryRun := r.boolean("dry-run", false)
	c.Run.JobIndex = r.jobIndex("job-index")
	readStartInputs(r, c, description, dryRun)
	readFinishInputs(r, c)
	readTeardownInputs(r, c, dryRun)
	readWaitInputs(r, c)
	c.Report = ReportOptions{Patterns: c.Sweep.Patterns, Since: r.since("since")}
}

// readStartInputs reads what start sends GitHub: the deployment's fields,
// its first state and supersede. Some are finish's as well: the
// description and the log URL go on its status, and transient and
// production say whether it retires earlier deployments itself.
func readStartInputs(r *reader, c *Config, description string, dryRun bool) {
	s := &c.Start
	s.Environment, s.Ref, s.Description, s.DryRun, s.PullRequest = c.Environment, c.Ref, description, dryRun, c.PullRequest
	s.Task = r.str("task", "deploy")
	s.Payload = r.payload("payload")
	s.Transient = r.boolean("transient-environment", c.IsPullRequestEvent)
	if v := r.str("production-environment", ""); v != "" {
		b := r.boolean("production-environment", false)
		s.Production = &b
	}
	s.AutoMerge = r.boolean("auto-merge", false)
	s.RequiredContexts = r.contexts("required-contexts")
	s.InitialState = r.oneOf("initial-state", vocab.StateInProgress, []string{vocab.StateQueued, vocab.StatePending, vocab.StateInProgress})
	s.Supersede = r.boolean("supersede", false)
	s.LogURL = r.logURL(c, "log-url")
	f := &c.Finish
	f.Environment, f.Ref, f.Description, f.DryRun = c.Environment, c.Ref, description, dryRun
	f.Transient, f.Production, f.LogURL = s.Transient, s.Production, s.LogURL
}

// logURL reads log-url; when it is not given, the link is to the run's
// attempt, or the job's own log where GitHub gives the job's check run
// (github.com and GHE.com; not GHES).
func (r *reader) logURL(c *Config, name string) string {
	u := r.link(c, name)
	if u == "" && c.Run.ID != 0 && c.Run.Repository != "" {
		u = fmt.Sprintf("%s/%s/actions/runs/%d/attempts/%d", c.ServerURL, c.Run.Repository, c.Run.ID, c.Run.Attempt)
		if id := parseID(r.a.GetInput("job-check-run-id")); id != 0 {
			u = fmt.Sprintf("%s/%s/actions/runs/%d/job/%d", c.ServerURL, c.Run.Repository, c.Run.ID, id)
		}
	}
	return u
}

// readFinishInputs reads how finish, status and the post stage end a
// deployment, and what a success retires.
func readFinishInputs(r *reader, c *Config) {
	f := &c.Finish
	f.State = r.oneOf("state", "", vocab.States)
	f.JobStatus = r.str("job-status", "")
	f.CancelledState = r.oneOf("cancelled-state", vocab.StateInactive, []string{vocab.StateInactive, vocab.StateError, vocab.StateFailure})
	f.EnvironmentURL = r.link(c, "environment-url")
	switch v := r.oneOf("auto-inactive", "true", []string{"true", "false", "True", "False", "TRUE", "FALSE", ScopeTask, ScopePullRequest}); v {
	case ScopeTask, ScopePullRequest:
		f.AutoInactive, f.AutoInactiveScope = true, v
	default:
		f.AutoInactive, _ = parseBool(v, true)
	}
	c.Post.AutoFinish = r.boolean("auto-finish", true)
}

// readTeardownInputs reads deactivate-env's, delete-env's and sweep's
// inputs. Deactivate-env and delete-env limit the teardown to a ref only
// when the ref input was given (not to the workflow's commit), and delete
// only for delete-env.
func readTeardownInputs(r *reader, c *Config, dryRun bool) {
	t := &c.Teardown
	t.Environment, t.Delete, t.DryRun, t.LogURL = c.Environment, c.Step == StepDeleteEnv, dryRun, c.Start.LogURL
	if c.RefGiven {
		t.Ref = c.Ref
	}
	t.KeepLatest = r.count("keep-latest")
	t.DeleteEnvironment = r.boolean("delete-environment", true)
	s := &c.Sweep
	s.KeepLatest, s.DeleteEnvironment, s.DryRun, s.LogURL = t.KeepLatest, t.DeleteEnvironment, dryRun, t.LogURL
	s.Patterns = r.patterns("environments")
	s.PullRequestClosed = r.boolean("pull-request-closed", true)
	s.OlderThan = r.age("older-than")
	s.Delete = r.oneOf("sweep-mode", "delete", []string{"delete", "deactivate"}) == "delete"
	s.BranchDeleted = r.boolean("branch-deleted", false)
	s.Max = r.sweepMax("max-environments")
}

// checkStep validates what each step needs beyond single inputs.
func (r *reader) checkStep(c *Config) {
	switch c.Step {
	case StepStart:
		if c.Finish.State != "" {
			r.fail(&InputError{Input: "state", Value: c.Finish.State, Want: "is for step: status and step: finish; a started deployment gets initial-state now and the job's outcome in the post stage"})
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
		if c.Finish.State == "" {
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
