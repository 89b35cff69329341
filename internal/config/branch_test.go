package config

import (
	"testing"

	"github.com/sethvargo/go-githubactions"
)

// The branch a start records in its run marker: only one of this
// repository that the run can tell.
func TestBranchOf(t *testing.T) {
	t.Parallel()
	ours := map[string]any{"full_name": "octo-org/hello-world"}
	fork := map[string]any{"full_name": "mallory/hello-world"}
	tests := []struct {
		name, event, ref, githubRef string
		ev                          map[string]any
		want                        string
	}{
		{"push to a branch", "push", "", "refs/heads/feature-x", nil, "feature-x"},
		{"push of a tag", "push", "", "refs/tags/v1", nil, ""},
		{"ref input refs/heads/", "push", "refs/heads/release", "refs/heads/main", nil, "release"},
		{"ref input, a name (branch or tag?)", "push", "release", "refs/heads/main", nil, ""},
		{"ref input, a SHA", "push", "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c", "refs/heads/main", nil, ""},
		{"pull request from this repository", "pull_request", "", "refs/pull/5/merge",
			map[string]any{"pull_request": map[string]any{"head": map[string]any{"ref": "feature-x", "repo": ours}}}, "feature-x"},
		{"pull request from a fork", "pull_request_target", "", "refs/heads/main",
			map[string]any{"pull_request": map[string]any{"head": map[string]any{"ref": "feature-x", "repo": fork}}}, ""},
		{"workflow_run of this repository", "workflow_run", "", "refs/heads/main",
			map[string]any{"workflow_run": map[string]any{"event": "pull_request", "head_branch": "feature-y", "head_repository": ours}}, "feature-y"},
		{"workflow_run of a push (head_branch may be a tag)", "workflow_run", "", "refs/heads/main",
			map[string]any{"workflow_run": map[string]any{"event": "push", "head_branch": "v1.2.0", "head_repository": ours}}, ""},
		{"workflow_run of a fork", "workflow_run", "", "refs/heads/main",
			map[string]any{"workflow_run": map[string]any{"event": "pull_request", "head_branch": "feature-y", "head_repository": fork}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"GITHUB_REF": tt.githubRef}
			a := githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }))
			c := &Config{EventName: tt.event, Ref: tt.ref, RefGiven: tt.ref != "", Run: Run{Repository: "Octo-Org/hello-world"}}
			if got := branchOf(a, c, tt.ev); got != tt.want {
				t.Errorf("branch %q, want %q", got, tt.want)
			}
		})
	}
}
