package config

import (
	"fmt"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

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
// DeploymentIDFrom says which, for error messages; the post stage's
// FinishedState is the final state an earlier step of the job gave it.
// Start adopts the target, finish and status act on it.
func target(a *githubactions.Action, r *reader, c *Config) {
	started := handoff.StartedByMain(a.Getenv)
	input := r.id("deployment-id")
	switch {
	case c.Stage == StagePost && started != 0:
		c.DeploymentID, c.DeploymentIDFrom = started, "the deployment this step started"
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
	if e := c.EventDeployment; e != nil && c.DeploymentID == e.ID && c.Environment != "" && !vocab.SameEnvironment(c.Environment, e.Environment) {
		// Never a state or URL meant for one environment on another's
		// deployment, whichever way the event's became the target.
		r.fail(&InputError{Input: "environment", Value: c.Environment, Want: fmt.Sprintf(
			"names another environment than the deployment this step acts on: deployment %d (%s) is the deployment event's, in %s. Leave environment unset to act on it, or, for a deployment of %s, leave deployment-id unset in a step of its own before any start that adopts the event's",
			e.ID, c.DeploymentIDFrom, vocab.Quote(e.Environment), vocab.Quote(c.Environment))})
	}
	c.Post.StartedDeploymentID, c.Post.FinishedState = started, handoff.Finished(a.Getenv, c.DeploymentID)
	c.Start.DeploymentID, c.Start.EventDeployment = c.DeploymentID, c.EventDeployment
	c.Finish.DeploymentID = c.DeploymentID
}
