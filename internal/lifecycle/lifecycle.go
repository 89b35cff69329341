// Package lifecycle is the deployment's way through GitHub: start (create
// or adopt a deployment and mark it in progress), status, finish, and
// tearing environments down. It takes a client and a validated config and
// returns what it did; it reads no environment and prints nothing.
package lifecycle

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// MaxDescription is the longest status description GitHub accepts.
const MaxDescription = 140

// Client is a go-github client bound to one repository.
type Client struct {
	GH *github.Client
	// GQL reads through GitHub's GraphQL API, on GH's HTTP client.
	GQL         *githubapi.GraphQL
	Owner, Repo string
	// Policy paces the checks and re-sends of writes that may have been
	// lost (its Sleep, Tries and back-off).
	Policy githubapi.Policy
	// Concurrency bounds a teardown's concurrent requests (0: Workers).
	Concurrency int
	// Room, when set, tells what GitHub's limits leave this run (sweep
	// stops before running past them).
	Room func() Room
	// Now is the clock sweep judges ages by (time.Now when nil).
	Now func() time.Time
	// Log, when set, receives a line for each write sent again.
	Log func(format string, args ...any)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

// Result is what a step did, for outputs, the job summary and the log.
type Result struct {
	DeploymentID   int64
	DeploymentURL  string
	StatusID       int64
	State          string
	Environment    string
	EnvironmentURL string
	LogURL         string
	Ref            string
	// Deployer is who deployed (the run attempt's triggering actor).
	Deployer string
	// Adopted is true when start took over an existing deployment.
	Adopted bool
	// Recovered names writes whose answer was lost and that were found
	// done on GitHub instead of being sent twice.
	Recovered []string
	// Skipped says why the step made no call, when it made none.
	Skipped string
	// Warnings are for the user, as ::warning:: annotations.
	Warnings []string
	// Sweep is set by step: sweep.
	Sweep *SweepResult
	// Wait is set by step: wait.
	Wait *WaitResult
	// Report is set by step: report.
	Report *ReportResult
	// Teardown is set by deactivate-env and delete-env, by start's
	// supersede, and by a success that retires earlier deployments
	// (its Kind says which).
	Teardown *TeardownResult
}

func (r *Result) fromStatus(st *github.DeploymentStatus) {
	r.StatusID = st.GetID()
	r.State = st.GetState()
	if env := st.GetEnvironment(); env != "" {
		r.Environment = env
	}
	r.EnvironmentURL = st.GetEnvironmentURL()
	if u := st.GetDeploymentURL(); u != "" {
		r.DeploymentURL = u
	}
}

// deployerDescription is a status's description when the user gives
// none: who deployed ("" when unknown).
func deployerDescription(r config.Run) string {
	d := r.Deployer()
	switch {
	case d == "":
		return ""
	case r.StartedBy() != "":
		return fmt.Sprintf("Deployed by @%s (run started by @%s)", d, r.StartedBy())
	}
	return "Deployed by @" + d
}

// statusDescription shortens d to GitHub's 140 characters, with a warning.
func (c *Client) statusDescription(d string, res *Result) *string {
	if d == "" {
		return nil
	}
	if utf8.RuneCountInString(d) > MaxDescription {
		r := []rune(d)
		d = string(r[:MaxDescription-1]) + "…"
		res.Warnings = append(res.Warnings, fmt.Sprintf("description is longer than GitHub's %d characters for a status; the status carries its first %d", MaxDescription, MaxDescription-1))
	}
	return &d
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
