package config_test

import (
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
)

// On a deployment event for production (4242), an explicit
// environment that is not production must never lead to writing to 4242,
// whichever way 4242 became the target: the deployment-id input naming
// it, or a start earlier in the job that adopted it.
func TestExplicitEnvironmentNeverTargetsTheEventsDeployment(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]string
		extra  []string
	}{
		{"start with deployment-id 4242 and environment canary", map[string]string{"deployment-id": "4242", "environment": "canary", "environment-url": "https://canary.example"}, nil},
		{"finish with deployment-id 4242 and environment canary", map[string]string{"step": "finish", "deployment-id": "4242", "environment": "canary", "environment-url": "https://canary.example"}, nil},
		{"finish of canary after a start that adopted 4242", map[string]string{"step": "finish", "environment": "canary", "environment-url": "https://canary.example"}, []string{"DEPLOYMENT_ACTION_DEPLOYMENT_ID", "4242"}},
		{"status of canary after a start that adopted 4242", map[string]string{"step": "status", "state": "success", "environment": "canary", "environment-url": "https://canary.example"}, []string{"DEPLOYMENT_ACTION_DEPLOYMENT_ID", "4242"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, config.StageMain, env("deployment", tt.inputs, tt.extra...))
			if err == nil && c.DeploymentID == 4242 {
				t.Errorf("target 4242 (production, from %s) with environment canary and canary's URL, no error, notices %q: the canary's URL goes to production", c.DeploymentIDFrom, c.Notices)
			}
		})
	}
}
