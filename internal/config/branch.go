package config

import (
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// Branch is the branch a start deploys from, when it can be told: the run
// marker records it, and a sweep with branch-deleted finds the environment
// stale once the branch is gone. It is "" when the deployment is not made
// from a branch of this repository, or when that cannot be told: a ref
// input that is not refs/heads/… (it may be a tag or a SHA), a fork's pull
// request (its branch is the fork's), a tag push.
func branchOf(a *githubactions.Action, c *Config, ev map[string]any) string {
	if c.RefGiven {
		name, ok := strings.CutPrefix(c.Ref, "refs/heads/")
		if !ok {
			return ""
		}
		return name
	}
	switch c.EventName {
	case "pull_request", "pull_request_target":
		pr, _ := ev["pull_request"].(map[string]any)
		head, _ := pr["head"].(map[string]any)
		if !sameRepo(head["repo"], c.Run.Repository) {
			return ""
		}
		ref, _ := head["ref"].(string)
		return ref
	case "workflow_run":
		// head_branch is the pull request's head on a pull request's run;
		// on a push's it may be a tag's name: then no branch is told.
		wr, _ := ev["workflow_run"].(map[string]any)
		if e, _ := wr["event"].(string); (e != "pull_request" && e != "pull_request_target") || !sameRepo(wr["head_repository"], c.Run.Repository) {
			return ""
		}
		ref, _ := wr["head_branch"].(string)
		return ref
	}
	name, ok := strings.CutPrefix(a.Getenv("GITHUB_REF"), "refs/heads/")
	if !ok {
		return ""
	}
	return name
}

// sameRepo reports whether an event's repository object is repository
// (owner/name, compared without case).
func sameRepo(v any, repository string) bool {
	r, _ := v.(map[string]any)
	full, _ := r["full_name"].(string)
	return full != "" && strings.EqualFold(full, repository)
}
