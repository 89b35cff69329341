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
