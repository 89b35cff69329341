package lifecycle_test

// branch-deleted (sweep) and the run marker's branch: a branch is gone
// only when GitHub says so of that very branch, within the read bounds.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

func branchRunMarker(branch string) map[string]any {
	return map[string]any{"deployment_action": map[string]any{"run_id": 3, "run_attempt": 1, "branch": branch}}
}

func branchDeletedCfg() *config.Config {
	c := sweepCfg("preview/*")
	c.Sweep.PullRequestClosed = false
	c.Sweep.BranchDeleted = true
	return c
}

// A workflow_run whose triggering run was a tag push: GitHub gives the
// tag's name as workflow_run.head_branch. The marker never records a tag
// as a branch (the README says so).
func TestMarkerOfAWorkflowRunOfATagPushRecordsNoBranch(t *testing.T) {
	t.Parallel()
	ev := map[string]any{
		"action": "completed",
		"workflow_run": map[string]any{"id": 9001, "event": "push", "head_branch": "v1.2.0",
			"head_sha":        "cccccccccccccccccccccccccccccccccccccc03",
			"head_repository": map[string]any{"full_name": "octo-org/hello-world"}},
		"repository": map[string]any{"full_name": "octo-org/hello-world"},
	}
	b, _ := json.Marshal(ev)
	p := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	m := fgtest.Context("https://api.github.com", "GITHUB_EVENT_NAME", "workflow_run", "GITHUB_EVENT_PATH", p,
		"GITHUB_RUN_ID", "99", "GITHUB_RUN_ATTEMPT", "2", "GITHUB_ACTION", "start", "INPUT_TOKEN", "tok",
		"INPUT_JOB-STATUS", "success", "INPUT_ENVIRONMENT", "preview/v1.2.0")
	c, err := config.Load(githubactions.New(githubactions.WithGetenv(func(k string) string { return m[k] })), config.StageMain)
	if err != nil {
		t.Fatal(err)
	}
	if c.Run.Branch != "" {
		t.Errorf("marker branch %q for a workflow_run of a tag push: sweep's branch-deleted will look for refs/heads/%s, which never exists", c.Run.Branch, c.Run.Branch)
	}
}

// A marker whose branch is a tag's name (what a workflow_run of a tag push
// once recorded) keeps the environment while the tag exists.
func TestSweepKeepsAMarkerBranchThatIsATag(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddTag("v1.2.0", sha(7))
	e.repo.Seed(fakegithub.Seed{Environment: "preview/v1.2.0", Ref: sha(7), Payload: branchRunMarker("v1.2.0"), States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, branchDeletedCfg().Sweep)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Sweep.Candidates {
		if c.Decision != lifecycle.DecisionKept {
			t.Errorf("%s: %s (%s), while tag v1.2.0 exists", c.Environment, c.Decision, c.Reason)
		}
	}
	if !e.repo.HasEnvironment("preview/v1.2.0") {
		t.Error("preview/v1.2.0 was deleted")
	}
}

// Another tool's deployment of a pull request's ref (refs/pull/5/merge,
// as jobs.<id>.environment records on pull_request; or refs/pull/5/head).
// The ref is not a branch: branch-deleted must not look it up as
// refs/heads/refs/pull/5/merge, which never exists, and sweep the
// environment of an open pull request whose branch exists.
func TestSweepTakesNoPullRequestRefForADeletedBranch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, ref string
		// Either way GraphQL's Deployment.ref is null: deleteIt, the
		// merge ref is gone while the pull request has conflicts;
		// hookNull, GraphQL gives no Ref for a refs/pull/ ref.
		deleteIt, hookNull bool
	}{
		{"merge ref of a conflicting open pull request", "refs/pull/5/merge", true, false},
		{"head ref GraphQL gives no Ref for", "refs/pull/5/head", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			e.repo.AddRef("feature", sha(5)).AddRef(tt.ref, sha(5))
			e.repo.AddPull(fakegithub.Pull{Number: 5, HeadRef: "feature", HeadSHA: sha(5), State: "OPEN"})
			e.repo.Seed(fakegithub.Seed{Environment: "preview/pr-5", Ref: tt.ref, Creator: "some-ci[bot]", States: []string{"success"}})
			if tt.deleteIt {
				e.repo.DeleteRef(tt.ref)
			}
			if tt.hookNull {
				e.fake.GraphQLAnswer = func(q string, vars map[string]any, a map[string]any) map[string]any {
					switch {
					case strings.Contains(q, "deployments("):
						nullDeploymentRefs(a)
					case strings.Contains(q, "qualifiedName"):
						// The fake keeps refs by name: refs/heads/refs/pull/5/head
						// finds its refs/pull/5/head. GitHub has no such branch.
						repo, _ := a["data"].(map[string]any)["repository"].(map[string]any)
						for k, v := range vars {
							if s, _ := v.(string); strings.HasPrefix(s, "refs/heads/refs/") || strings.HasPrefix(s, "refs/tags/refs/") {
								repo[k] = nil
							}
						}
					default:
						return nil
					}
					return a
				}
			}
			res, err := lifecycle.Sweep(context.Background(), e.c, branchDeletedCfg().Sweep)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Sweep.Candidates {
				if c.Decision != lifecycle.DecisionKept {
					t.Errorf("%s: %s (%s); pull request #5 is open and its branch exists", c.Environment, c.Decision, c.Reason)
				}
			}
			if !e.repo.HasEnvironment("preview/pr-5") {
				t.Error("preview/pr-5 was deleted")
			}
		})
	}
}

// nullDeploymentRefs sets every deployment node's ref to null in a decoded
// GraphQL answer.
func nullDeploymentRefs(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["databaseId"]; ok {
			if _, ok := x["ref"]; ok {
				x["ref"] = nil
			}
		}
		for _, c := range x {
			nullDeploymentRefs(c)
		}
	case []any:
		for _, c := range x {
			nullDeploymentRefs(c)
		}
	}
}

// GraphQL aliases that answer for one another (r0 gets r1's node, r1 gets
// r0's): a sweep that believed them would take r0's null as "refs/heads/a
// is gone" although the answer's Ref node, named a, says a exists. So
// readRefs disbelieves the whole batch when any alias answers for another
// ref, as pullRequestStates checks the number each alias answers for.
func TestSweepDisbelievesRefAliasesAnsweringForEachOther(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("a", sha(1)).AddRef("b", sha(2))
	e.repo.Seed(
		fakegithub.Seed{Environment: "preview/a", Ref: sha(1), Payload: branchRunMarker("a"), States: []string{"success"}},
		fakegithub.Seed{Environment: "preview/b", Ref: sha(2), Payload: branchRunMarker("b"), States: []string{"success"}},
	)
	e.repo.DeleteRef("b")
	e.fake.GraphQLAnswer = func(q string, vars map[string]any, a map[string]any) map[string]any {
		if !strings.Contains(q, "qualifiedName") {
			return nil
		}
		data, _ := a["data"].(map[string]any)
		repo, _ := data["repository"].(map[string]any)
		if vars["r0"] != "refs/heads/a" || vars["r2"] != "refs/heads/b" {
			t.Errorf("unexpected batch %v", vars)
			return nil
		}
		repo["r0"], repo["r2"] = repo["r2"], repo["r0"]
		return a
	}
	res, err := lifecycle.Sweep(context.Background(), e.c, branchDeletedCfg().Sweep)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Sweep.Candidates {
		if c.Environment == "preview/a" && c.Decision != lifecycle.DecisionKept {
			t.Errorf("%s: %s (%s); branch a exists and the answer's only Ref node is named a", c.Environment, c.Decision, c.Reason)
		}
	}
	if !e.repo.HasEnvironment("preview/a") {
		t.Error("preview/a was deleted")
	}
}

// REST answers a ref that can be no ref's name (a line break, a space, a
// colon): it cannot have been a branch that was deleted, so GraphQL
// finding nothing for it does not sweep the environment as "deleted".
func TestSweepKeepsARESTRefThatIsNoRefName(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{"live\n::error::x", "live branch", "HEAD~1", "live:x"} {
		t.Run(ref, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			e.repo.AddRef("live", sha(1))
			id := e.repo.Seed(fakegithub.Seed{Environment: "preview/live", Ref: sha(1), Creator: "some-ci[bot]", States: []string{"success"}})[0]
			b, _ := json.Marshal(map[string]any{"id": id, "ref": ref, "sha": sha(1), "environment": "preview/live"})
			e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/deployments/" + itoa(id), Status: 200, Body: string(b)})
			res, err := lifecycle.Sweep(context.Background(), e.c, branchDeletedCfg().Sweep)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Sweep.Candidates {
				if c.Decision != lifecycle.DecisionKept {
					t.Errorf("%s: %s (%s): REST's ref %q can be no ref's name", c.Environment, c.Decision, c.Reason, ref)
				}
			}
		})
	}
}

// A ref alias answered null with an error naming it (NOT_FOUND, the one
// error QueryPartial lets through): an error is doubt, not "deleted".
func TestSweepTakesARefNullWithAnErrorForDoubt(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("live", sha(1))
	e.repo.Seed(fakegithub.Seed{Environment: "preview/live", Ref: sha(1), Payload: branchRunMarker("live"), States: []string{"success"}})
	e.fake.GraphQLAnswer = func(q string, _ map[string]any, a map[string]any) map[string]any {
		if !strings.Contains(q, "qualifiedName") {
			return nil
		}
		a["data"].(map[string]any)["repository"].(map[string]any)["r0"] = nil
		a["errors"] = []any{map[string]any{"type": "NOT_FOUND", "path": []any{"repository", "r0"}, "message": "Could not resolve to a Ref"}}
		return a
	}
	res, err := lifecycle.Sweep(context.Background(), e.c, branchDeletedCfg().Sweep)
	if err != nil {
		t.Logf("sweep failed (kept): %v", err)
		return
	}
	for _, c := range res.Sweep.Candidates {
		if c.Decision != lifecycle.DecisionKept {
			t.Errorf("%s: %s (%s): the ref's null came with an error", c.Environment, c.Decision, c.Reason)
		}
	}
}

// More than maxRESTRefReads (100) other tools' deployments whose GraphQL
// ref is null: the 101st is not read and stays unknown.
func TestSweepReadsAtMostMaxRESTRefReadsRefs(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	var seeds []fakegithub.Seed
	for i := range 101 {
		name := "gone-" + itoa(int64(1000+i))
		e.repo.AddRef(name, sha(i+1))
		seeds = append(seeds, fakegithub.Seed{Environment: "preview/" + name, Ref: name, Creator: "some-ci[bot]", States: []string{"success"}})
	}
	e.repo.Seed(seeds...)
	for i := range 101 {
		e.repo.DeleteRef("gone-" + itoa(int64(1000+i)))
	}
	c := branchDeletedCfg()
	c.Sweep.Max = 1000
	c.Sweep.DryRun = true
	e.fake.ResetRequests()
	res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("GET"); n != 100 {
		t.Errorf("%d REST reads, want 100", n)
	}
	if got := res.Sweep.Count(lifecycle.DecisionWouldSweep); got != 100 {
		t.Errorf("%d would sweep, want 100", got)
	}
	if n := writes(e.fake); n != 0 {
		t.Errorf("%d writes in a dry run", n)
	}
}
