package config

import (
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// What each step reads. Load reads every input (every input is checked
// whatever the step) into the options of the steps that read it, stored in
// the Config (Config.Start, Config.Finish, …); each step's function in
// lifecycle takes only its own options, so its signature says what it
// depends on (cli/cli's per-command DeleteOptions).

// StartOptions is what step: start reads.
type StartOptions struct {
	Environment string
	// Ref is what to deploy: the ref input, else the workflow's commit
	// (a pull request's head on its events).
	Ref string
	// DeploymentID, when not 0, is a deployment to adopt instead of
	// creating one (deployment-id, or the deployment event's).
	DeploymentID int64
	// EventDeployment is the deployment event's deployment (nil on other
	// events): an adopted one takes its environment and ref from it.
	EventDeployment *EventDeployment
	Task            string
	// Description goes on the deployment and its statuses.
	Description string
	// Payload is the payload input, a JSON object (nil when empty).
	Payload    map[string]any
	Transient  bool
	Production *bool
	AutoMerge  bool
	// RequiredContexts: nil is every context a gate (GitHub's default).
	RequiredContexts *[]string
	InitialState     string
	LogURL           string
	// Supersede marks the older running deployments of the ref inactive
	// first; with DryRun it only says which it would.
	Supersede, DryRun bool
	// Run and PullRequest go into the run marker.
	Run         Run
	PullRequest int
}

// FinishOptions is what step: finish and step: status read, and the post
// stage's finish.
type FinishOptions struct {
	DeploymentID int64
	// Environment is the environment input ("" when not given): a success
	// retires earlier deployments of GitHub's answer's environment only
	// when it is this one.
	Environment string
	// Ref is the ref input or the workflow's commit, for the summary.
	Ref string
	// State is the state input; JobStatus and CancelledState make the
	// state when it is "" (FinalState).
	State, JobStatus, CancelledState    string
	EnvironmentURL, LogURL, Description string
	// AutoInactive and AutoInactiveScope say which earlier deployments a
	// success retires: the scope is "" (GitHub's: every earlier successful
	// deployment of the environment), ScopeTask (the same task's) or
	// ScopePullRequest (the same pull request's). Transient and Production
	// say whether the action must do it itself (GitHub's auto_inactive
	// skips those environments).
	AutoInactive      bool
	AutoInactiveScope string
	Transient         bool
	Production        *bool
	// DryRun: retiring only says what it would mark inactive.
	DryRun bool
	// Run says who deployed, for a status without a description.
	Run Run
}

// FinalState is the state a finish gives the deployment: the `state` input
// when set, else the job's outcome (`cancelled` becomes CancelledState).
func (o FinishOptions) FinalState() (string, error) {
	if o.State != "" {
		return o.State, nil
	}
	switch o.JobStatus {
	case "success":
		return vocab.StateSuccess, nil
	case "failure":
		return vocab.StateFailure, nil
	case "cancelled":
		return o.CancelledState, nil
	}
	return "", &InputError{Input: "job-status", Value: o.JobStatus,
		Want: "takes success, failure or cancelled and defaults to ${{ job.status }}; leave it unset, or set `state` to say how the deployment ended"}
}

// PostOptions is what the post stage reads.
type PostOptions struct {
	// StartedDeploymentID is the deployment this step's main stage
	// started (0: none); FinishedState the final state an earlier step of
	// the job gave it ("" when none did).
	StartedDeploymentID int64
	FinishedState       string
	AutoFinish          bool
	// Finish is the finish it runs, for StartedDeploymentID.
	Finish FinishOptions
}

// TeardownOptions is what step: deactivate-env and step: delete-env read,
// and what a sweep's teardown of one environment does.
type TeardownOptions struct {
	Environment string
	// Ref, when not "", limits the teardown to the deployments of that
	// ref (and then the environment is not deleted).
	Ref string
	// Delete is delete-env: the deployments are deleted after they are
	// marked inactive, and then the environment unless DeleteEnvironment
	// is false.
	Delete            bool
	DeleteEnvironment bool
	// KeepLatest is how many of the newest deployments are left alone.
	KeepLatest int
	DryRun     bool
	LogURL     string
}

// SweepOptions is what step: sweep reads.
type SweepOptions struct {
	Sweep
	KeepLatest        int
	DeleteEnvironment bool
	DryRun            bool
	LogURL            string
}

// Teardown is what the sweep's teardown of environment env does: delete-env
// or deactivate-env by sweep-mode, of every ref.
func (o SweepOptions) Teardown(env string) TeardownOptions {
	return TeardownOptions{Environment: env, Delete: o.Delete, DeleteEnvironment: o.DeleteEnvironment,
		KeepLatest: o.KeepLatest, DryRun: o.DryRun, LogURL: o.LogURL}
}

// WaitOptions is what step: wait reads.
type WaitOptions struct {
	// Environment is a name or a pattern, in any case.
	Environment string
	Ref         string
	Wait
}

// ReportOptions is what step: report reads: the environments whose names
// match Patterns (as sweep's), over the Since before now.
type ReportOptions struct {
	Patterns []string
	Since    time.Duration
}
