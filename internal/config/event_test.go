package config_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
)

// On a deployment event (testdata/events/deployment.json: deployment 4242
// of main at fgtest.SHA to production), the event's deployment is the
// target only when the environment and ref inputs are left out or name
// it; otherwise start makes a new deployment, with a notice naming 4242,
// and finish and status refuse before any request.
func TestDeploymentEventNeverOverridesAnExplicitInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inputs map[string]string
		// wantID is the target (0: none); wantNotice and wantErr are
		// parts of the notice and of the error (none when "").
		wantID     int64
		wantNotice string
		wantErr    string
	}{
		{"no inputs adopt", map[string]string{}, 4242, "", ""},
		{"its environment in another case adopts", map[string]string{"environment": "Production"}, 4242, "", ""},
		{"its ref adopts", map[string]string{"ref": "refs/heads/main"}, 4242, "", ""},
		{"its short SHA adopts", map[string]string{"ref": sha[:7], "environment": "production"}, 4242, "", ""},
		{"another environment makes a new one", map[string]string{"environment": "canary"}, 0,
			`new deployment of ` + sha + ` in "canary", as the inputs say, and leaves the deployment event's deployment 4242 of "production" alone (the environment input "canary" is not its environment "production")`, ""},
		{"another ref with the environment makes a new one", map[string]string{"environment": "production", "ref": "hotfix"}, 0,
			`leaves the deployment event's deployment 4242 of "production" alone (the ref input "hotfix" names neither its ref "main" nor its commit "1f2e3d4")`, ""},
		// The event's ref main does not say branch or tag: either names it.
		{"refs/tags/ of its ref adopts", map[string]string{"ref": "refs/tags/main", "environment": "production"}, 4242, "", ""},
		{"another ref alone is refused", map[string]string{"ref": "hotfix"}, 0, "",
			`input "environment" is required: step: start does not adopt the deployment event's deployment 4242: the ref input "hotfix" names neither its ref "main" nor its commit "1f2e3d4"; give environment to make a new deployment of ref, or leave ref out to adopt the event's`},
		{"finish of another environment is refused", map[string]string{"step": "finish", "environment": "canary"}, 0, "",
			`step: finish does not act on the deployment event's deployment 4242: the environment input "canary" is not its environment "production"; run step: start earlier in this job, give deployment-id, or leave environment and ref out`},
		{"status of another ref is refused", map[string]string{"step": "status", "state": "queued", "ref": "deadbeef00"}, 0, "", "step: status does not act on the deployment event's deployment 4242"},
		{"finish of its environment acts on it", map[string]string{"step": "finish", "environment": "PRODUCTION"}, 4242, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := load(t, config.StageMain, env("deployment", tt.inputs))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.DeploymentID != tt.wantID {
				t.Errorf("target %d, want %d", c.DeploymentID, tt.wantID)
			}
			notices := strings.Join(c.Notices, "\n")
			if (tt.wantNotice == "") != (notices == "") || !strings.Contains(notices, tt.wantNotice) {
				t.Errorf("notices %q, want one containing %q", notices, tt.wantNotice)
			}
		})
	}
}

// The rule over generated inputs: whatever the step, environment and ref,
// the deployment event's deployment is the target only when neither input
// names something else, and start never has the event's deployment as
// its target when the inputs name another one.
func TestDeploymentEventTargetOverGeneratedInputs(t *testing.T) {
	t.Parallel()
	envs := []string{"", "production", "PRODUCTION", "Production", "canary", "staging", "production-eu", "prod"}
	refs := []string{"", "main", "refs/heads/main", "refs/tags/main", sha, sha[:7], strings.ToUpper(sha[:10]), "1f2e3d5", "hotfix", "refs/heads/hotfix", "mainline", "deadbeefcafe"}
	steps := []string{"start", "finish", "status"}
	check := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, 1))
		in := map[string]string{"environment": envs[r.IntN(len(envs))], "ref": refs[r.IntN(len(refs))], "step": steps[r.IntN(len(steps))]}
		if in["step"] == "status" {
			in["state"] = "queued"
		}
		c, err := load(t, config.StageMain, env("deployment", in))
		envOK := in["environment"] == "" || strings.EqualFold(in["environment"], "production")
		refOK := in["ref"] == "" || in["ref"] == "main" || in["ref"] == "refs/heads/main" || in["ref"] == "refs/tags/main" || strings.HasPrefix(sha, strings.ToLower(in["ref"]))
		adopts := err == nil && c.DeploymentID == 4242
		if adopts != (envOK && refOK) {
			t.Logf("inputs %v: target 4242 is %v, want %v (err %v)", in, adopts, envOK && refOK, err)
			return false
		}
		// What is not the event's: start makes a new one (a notice) or is
		// refused; finish and status are refused.
		if !adopts && err == nil && (in["step"] != "start" || len(c.Notices) != 1 || c.DeploymentID != 0) {
			t.Logf("inputs %v: no error, target %d, notices %q", in, c.DeploymentID, c.Notices)
			return false
		}
		return true
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 300}); err != nil {
		t.Error(err)
	}
}
