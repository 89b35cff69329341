package config_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
)

func TestLoadWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		event   string
		inputs  map[string]string
		wantRef string
		want    config.Wait
	}{
		{"defaults on a push: the workflow's commit, 10 minutes, success", "push", map[string]string{"environment": "preview"},
			sha, config.Wait{Timeout: 10 * time.Minute, For: "success"}},
		{"a pull request: its head commit", "pull_request", map[string]string{"environment": "Preview", "creator": "vercel[bot], netlify"},
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", config.Wait{Creators: []string{"vercel[bot]", "netlify"}, Timeout: 10 * time.Minute, For: "success"}},
		{"given", "pull_request", map[string]string{"environment": "pr-*", "ref": "feature/login", "timeout": "1h30m", "wait-for": "final", "creator": "vercel[bot]\nrender[bot]"},
			"feature/login", config.Wait{Creators: []string{"vercel[bot]", "render[bot]"}, Timeout: 90 * time.Minute, For: "final"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.inputs["step"] = "wait"
			c, err := load(t, config.StageMain, env(tt.event, tt.inputs))
			if err != nil {
				t.Fatal(err)
			}
			if c.Wait.Ref != tt.wantRef {
				t.Errorf("ref %q, want %q", c.Wait.Ref, tt.wantRef)
			}
			if c.Wait.Environment != tt.inputs["environment"] {
				t.Errorf("environment %q, want %q as given", c.Wait.Environment, tt.inputs["environment"])
			}
			if d := cmp.Diff(tt.want, c.Wait.Wait); d != "" {
				t.Errorf("wait (-want +got):\n%s", d)
			}
		})
	}
}

func TestLoadWaitRefusesDeploymentID(t *testing.T) {
	t.Parallel()
	_, err := load(t, config.StageMain, env("push", map[string]string{"step": "wait", "environment": "preview", "deployment-id": "7"}))
	checkErr(t, "Load", err, `input "deployment-id" has the value "7": is not for step: wait`)
}
