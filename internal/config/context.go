package config

// This file reads the workflow's context: the GITHUB_* and RUNNER_*
// variables, and the event that started the run.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// readContext reads the workflow's context: GITHUB_* and RUNNER_*
// variables, the event, and whether the runner's file commands are there.
func readContext(a *githubactions.Action, c *Config) error {
	ctx, err := a.Context()
	if err != nil {
		return fmt.Errorf("read the workflow context (GITHUB_* variables and GITHUB_EVENT_PATH): %w", err)
	}
	c.APIURL = strings.TrimRight(ctx.APIURL, "/")
	// go-githubactions defaults GITHUB_GRAPHQL_URL to github.com's: take
	// it only when the runner set it, else derive it from the API root.
	c.GraphQLURL = a.Getenv("GITHUB_GRAPHQL_URL")
	if c.GraphQLURL == "" {
		c.GraphQLURL = githubapi.GraphQLURL(c.APIURL)
	}
	c.ServerURL = strings.TrimRight(ctx.ServerURL, "/")
	c.EventName = ctx.EventName
	c.WorkflowSHA = ctx.SHA
	c.Run = Run{Repository: ctx.Repository, ID: ctx.RunID, Attempt: ctx.RunAttempt, Job: ctx.Job, Step: ctx.Action, Workflow: ctx.Workflow, Actor: ctx.Actor,
		TriggeringActor: a.Getenv("GITHUB_TRIGGERING_ACTOR")}
	if c.Run.Attempt == 0 {
		c.Run.Attempt = 1
	}
	c.StepSummaryConfigured = ctx.StepSummary != ""
	c.Debug = a.Getenv("RUNNER_DEBUG") == "1"
	c.OnRunner = a.Getenv("GITHUB_OUTPUT") != "" && a.Getenv("GITHUB_STATE") != "" && a.Getenv("GITHUB_ENV") != ""
	c.event = ctx.Event
	readEvent(c, ctx.Event)
	return nil
}

// number is a JSON number as an int (0 when it is not one).
func number(v any) int {
	f, ok := v.(float64)
	if !ok || f <= 0 || f > 1<<31 {
		return 0
	}
	return int(f)
}

func readEvent(c *Config, ev map[string]any) {
	switch c.EventName {
	case "pull_request", "pull_request_target":
		c.IsPullRequestEvent = true
		// The event's pull request is this repository's: its base is.
		if pr, ok := ev["pull_request"].(map[string]any); ok {
			if head, ok := pr["head"].(map[string]any); ok {
				c.PullRequestHeadSHA, _ = head["sha"].(string)
			}
			c.PullRequest = number(pr["number"])
		}
	case "workflow_run":
		// Deploying what a finished CI run built: its commit, not the
		// default branch's head that GITHUB_SHA names on this event.
		wr, ok := ev["workflow_run"].(map[string]any)
		if !ok {
			return
		}
		c.PullRequestHeadSHA, _ = wr["head_sha"].(string)
		switch wr["event"] {
		case "pull_request", "pull_request_target":
			c.IsPullRequestEvent = true
			// pull_requests can list pull requests of other repositories
			// (a fork's, the upstream's), with their own numbers.
			prs, _ := wr["pull_requests"].([]any)
			var repoID int64
			if repo, ok := ev["repository"].(map[string]any); ok {
				repoID = jsonID(repo["id"])
			}
			c.PullRequest = ownPullRequest(prs, repoID, c.Run.Repository)
		}
		if c.PullRequestHeadSHA != "" {
			c.WorkflowSHA = c.PullRequestHeadSHA
		}
	case "deployment":
		d, ok := ev["deployment"].(map[string]any)
		if !ok {
			return
		}
		id, _ := d["id"].(float64)
		if id <= 0 {
			return
		}
		ed := &EventDeployment{ID: int64(id)}
		ed.Environment, _ = d["environment"].(string)
		ed.Ref, _ = d["ref"].(string)
		ed.SHA, _ = d["sha"].(string)
		ed.Task, _ = d["task"].(string)
		c.EventDeployment = ed
	}
}

// jsonID is a JSON number as a positive int64 id (0 when it is not one).
func jsonID(v any) int64 {
	switch n := v.(type) {
	case float64:
		if n >= 1 && n <= 1<<53 && n == float64(int64(n)) {
			return int64(n)
		}
	case json.Number:
		if i, err := n.Int64(); err == nil && i > 0 {
			return i
		}
	}
	return 0
}

// ownPullRequest is the number of the first of a workflow_run's
// pull_requests whose base is this repository, or 0. repoID is the event's
// repository.id (0 when unknown), repository the workflow's owner/name.
func ownPullRequest(prs []any, repoID int64, repository string) int {
	for _, p := range prs {
		pr, _ := p.(map[string]any)
		base, _ := pr["base"].(map[string]any)
		repo, _ := base["repo"].(map[string]any)
		if repo == nil || !isRepository(repo, repoID, repository) {
			continue
		}
		if n := number(pr["number"]); n != 0 {
			return n
		}
	}
	return 0
}

// isRepository reports whether repo, a repository object of an event, is
// this one: by id when both ids are known, else by owner and name (GitHub's
// are case-insensitive) from full_name, owner.login and name, or the API
// url. A name alone does not tell a fork from its upstream: not this one.
func isRepository(repo map[string]any, repoID int64, repository string) bool {
	if id := jsonID(repo["id"]); id != 0 && repoID != 0 {
		return id == repoID
	}
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" {
		return false
	}
	if full, _ := repo["full_name"].(string); full != "" {
		return strings.EqualFold(full, repository)
	}
	n, _ := repo["name"].(string)
	if o, _ := repo["owner"].(map[string]any); o != nil && n != "" {
		if login, _ := o["login"].(string); login != "" {
			return strings.EqualFold(login, owner) && strings.EqualFold(n, name)
		}
	}
	if raw, _ := repo["url"].(string); raw != "" {
		// https://api.github.com/repos/OWNER/NAME (GHES: …/api/v3/repos/…).
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) < 3 || parts[len(parts)-3] != "repos" {
			return false
		}
		o, rn := parts[len(parts)-2], parts[len(parts)-1]
		return strings.EqualFold(o, owner) && strings.EqualFold(rn, name) && (n == "" || strings.EqualFold(n, name))
	}
	return false
}

// newNonce is 16 random hex characters, or "" when crypto/rand fails.
func newNonce() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return ""
	}
	return hex.EncodeToString(b[:])
}
