package config_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
)

// TestOptionsOfEachStep: what each step reads, spelled out for the
// fields where the reader decides more than the input's value: the post
// stage finishes as finish would, a teardown is limited to the ref only
// when the ref input was given and deletes only for delete-env, and a
// sweep tears each environment down by sweep-mode.
func TestOptionsOfEachStep(t *testing.T) {
	t.Parallel()
	logURL := "https://github.com/octo-org/hello-world/actions/runs/99/attempts/2"
	post, err := load(t, config.StagePost, env("push", map[string]string{"environment": "pr-7", "ref": "feature", "dry-run": "true",
		"state": "failure", "environment-url": "https://pr-7.example.com", "auto-inactive": "task"}, "STATE_deployment_id", "41"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(post.Finish, post.Post.Finish); diff != "" {
		t.Errorf("the post stage finishes with other options than finish (-finish +post):\n%s", diff)
	}
	if post.Post.Finish.DeploymentID != 41 || post.Post.StartedDeploymentID != 41 {
		t.Errorf("the post stage finishes deployment %d (started: %d), want 41", post.Post.Finish.DeploymentID, post.Post.StartedDeploymentID)
	}
	for _, tt := range []struct {
		name   string
		inputs map[string]string
		want   config.TeardownOptions
	}{
		{"delete-env with a ref", map[string]string{"step": "delete-env", "environment": "pr-7", "ref": "feature", "keep-latest": "2", "dry-run": "true"},
			config.TeardownOptions{Environment: "pr-7", Ref: "feature", Delete: true, DeleteEnvironment: true, KeepLatest: 2,
				DryRun: true, LogURL: logURL}},
		{"deactivate-env without a ref: the workflow's commit is no limit", map[string]string{"step": "deactivate-env", "environment": "pr-7", "keep-latest": "2", "dry-run": "true"},
			config.TeardownOptions{Environment: "pr-7", DeleteEnvironment: true, KeepLatest: 2, DryRun: true, LogURL: logURL}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := load(t, config.StageMain, env("push", tt.inputs))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Teardown); diff != "" {
				t.Errorf("Teardown (-want +got):\n%s", diff)
			}
		})
	}
	// A sweep tears each stale environment down by sweep-mode, of every
	// ref, with the sweep's own keep-latest, dry run and log URL.
	c, err := load(t, config.StageMain, env("push", map[string]string{"step": "sweep", "environments": "pr-*", "sweep-mode": "deactivate",
		"keep-latest": "2", "dry-run": "true", "ref": "feature"}))
	if err != nil {
		t.Fatal(err)
	}
	want := config.TeardownOptions{Environment: "pr-9", DeleteEnvironment: true, KeepLatest: 2, DryRun: true, LogURL: logURL}
	if diff := cmp.Diff(want, c.Sweep.Teardown("pr-9")); diff != "" {
		t.Errorf("SweepOptions.Teardown (-want +got):\n%s", diff)
	}
	if c.Report.Since != config.DefaultSince || len(c.Report.Patterns) != 1 || c.Wait.Timeout != config.DefaultWaitTimeout {
		t.Errorf("report %+v, wait %+v: want the environments input and the defaults", c.Report, c.Wait)
	}
}
