package lifecycle_test

// What the sweep's judge decides when pull requests, tags and the default
// branch share names or commits, end to end against the fake GitHub: each
// case keeps the environment (when in doubt, keep).

import (
	"context"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

func candidateFor(t *testing.T, res *lifecycle.Result, env string) lifecycle.SweepCandidate {
	t.Helper()
	for _, c := range res.Sweep.Candidates {
		if c.Environment == env {
			return c
		}
	}
	t.Fatalf("no candidate %s in %+v", env, res.Sweep.Candidates)
	return lifecycle.SweepCandidate{}
}

// A fork's pull request whose head branch is named like one of this
// repository's branches (and whose head is that branch's commit) is not
// the pull request a deployment of this repository's branch was made for.
func TestSweepIgnoresAForksPullRequestOfTheSameBranchName(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("staging", sha(9))
	e.repo.AddPull(fakegithub.Pull{Number: 9, HeadRef: "staging", HeadSHA: sha(9), State: "CLOSED", HeadRepository: "mallory/hello-world"})
	e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: "staging", States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := candidateFor(t, res, "staging"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("staging %s (%s), want kept: a fork's closed pull request swept this repository's branch", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("staging") {
		t.Error("environment staging is gone: a fork's closed pull request swept this repository's branch")
	}
}

// A deployment of a tag is not a deployment of a pull request's head
// branch, even when the tag has the branch's name.
func TestSweepKeepsATagNamedLikeAPullRequestBranch(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("feature", sha(8)).AddTag("feature", sha(8))
	e.repo.AddPull(fakegithub.Pull{Number: 8, HeadRef: "feature", HeadSHA: sha(8), State: "CLOSED"})
	e.repo.Seed(fakegithub.Seed{Environment: "release-candidate", Ref: "refs/tags/feature", States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := candidateFor(t, res, "release-candidate"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("release-candidate %s (%s): a tag deployment was judged as a pull request's head branch", c.Decision, c.Reason)
	}
}

// A SHA deployment of a default-branch commit that is also the head of a
// (closed) pull request whose head branch is the default branch (a
// "main → release" pull request) was made for the default branch, not for
// a pull request.
func TestSweepKeepsASHADeploymentOfTheDefaultBranchHeadOfAPullRequest(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("main", sha(7))
	e.repo.AddPull(fakegithub.Pull{Number: 7, HeadRef: "main", HeadSHA: sha(7), MergeSHA: sha(77), State: "MERGED"})
	e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: sha(7), States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := candidateFor(t, res, "staging"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("staging %s (%s), want kept: a SHA deployment of the default branch was swept by a main → release pull request", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("staging") {
		t.Error("environment staging is gone: a SHA deployment of the default branch was swept by a main → release pull request")
	}
}

// A fork's pull request whose head is this repository's default-branch
// commit (anyone can open one from a fork of main, then close it) does not
// make a SHA deployment of that commit a pull request's.
func TestSweepKeepsADefaultBranchCommitAForksPullRequestHeads(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("main", sha(6))
	e.repo.AddPull(fakegithub.Pull{Number: 6, HeadRef: "innocent", HeadSHA: sha(6), State: "CLOSED", HeadRepository: "mallory/hello-world"})
	e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: sha(6), States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := candidateFor(t, res, "staging"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("staging %s (%s), want kept: a fork's closed pull request at main's commit swept it", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("staging") {
		t.Error("environment staging is gone: a fork's closed pull request at main's commit swept it")
	}
}

// An environment GitHub lists twice, in two cases, across pages: the
// second listing says it is protected. Kept (when in doubt, keep).
func TestSweepKeepsAnEnvironmentListedTwiceOnceProtected(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddPullRequest(5, sha(5), "MERGED")
	e.repo.Seed(fakegithub.Seed{Environment: "pr-5", Ref: sha(5), Payload: marker(5), States: []string{"success"}})
	e.fake.GraphQLAnswer = func(q string, vars map[string]any, _ map[string]any) map[string]any {
		if !strings.Contains(q, "environments(first") {
			return nil
		}
		envs := map[string]any{}
		answer := map[string]any{"data": map[string]any{"repository": map[string]any{
			"nameWithOwner": "octo-org/hello-world", "defaultBranchRef": map[string]any{"name": "main"}, "environments": envs}}}
		if vars["after"] == nil {
			envs["nodes"] = []any{map[string]any{"name": "PR-5", "protectionRules": map[string]any{"totalCount": 0, "nodes": []any{}}}}
			envs["pageInfo"] = map[string]any{"hasNextPage": true, "endCursor": "c1"}
		} else {
			envs["nodes"] = []any{map[string]any{"name": "pr-5", "protectionRules": map[string]any{"totalCount": 1, "nodes": []any{map[string]any{"type": "REQUIRED_REVIEWERS"}}}}}
			envs["pageInfo"] = map[string]any{"hasNextPage": false, "endCursor": "c2"}
		}
		return answer
	}
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("pr-*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := candidateFor(t, res, "PR-5"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("PR-5 %s (%s), want kept: listed protected on the second page, swept by a wildcard", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("pr-5") {
		t.Error("environment pr-5 is gone: listed protected on the second page, swept by a wildcard")
	}
}
