package lifecycle_test

// Adversarial probes of sweep, teardown, supersede and retire: each once
// made the action touch what it must keep.

import (
	"context"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

func probeDecision(t *testing.T, res *lifecycle.Result, env string) lifecycle.SweepCandidate {
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
func TestProbeForkPullRequestWithSameBranchName(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("staging", sha(9))
	e.repo.AddPull(fakegithub.Pull{Number: 9, HeadRef: "staging", HeadSHA: sha(9), State: "CLOSED", HeadRepository: "mallory/hello-world"})
	e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: "staging", States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := probeDecision(t, res, "staging"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("staging %s (%s), want kept: a fork's closed pull request swept this repository's branch", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("staging") {
		t.Error("environment staging is gone: a fork's closed pull request swept this repository's branch")
	}
}

// A deployment of a tag is not a deployment of a pull request's head
// branch, even when the tag has the branch's name.
func TestProbeTagNamedLikeAPullRequestBranch(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("feature", sha(8)).AddTag("feature", sha(8))
	e.repo.AddPull(fakegithub.Pull{Number: 8, HeadRef: "feature", HeadSHA: sha(8), State: "CLOSED"})
	e.repo.Seed(fakegithub.Seed{Environment: "release-candidate", Ref: "refs/tags/feature", States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := probeDecision(t, res, "release-candidate"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("release-candidate %s (%s): a tag deployment was judged as a pull request's head branch", c.Decision, c.Reason)
	}
}

// A SHA deployment of a default-branch commit that is also the head of a
// (closed) pull request whose head branch is the default branch (a
// "main → release" pull request) was made for the default branch, not for
// a pull request.
func TestProbeSHADeploymentOfDefaultBranchHeadPR(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("main", sha(7))
	e.repo.AddPull(fakegithub.Pull{Number: 7, HeadRef: "main", HeadSHA: sha(7), MergeSHA: sha(77), State: "MERGED"})
	e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: sha(7), States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := probeDecision(t, res, "staging"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("staging %s (%s), want kept: a SHA deployment of the default branch was swept by a main → release pull request", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("staging") {
		t.Error("environment staging is gone: a SHA deployment of the default branch was swept by a main → release pull request")
	}
}

// A fork's pull request whose head is this repository's default-branch
// commit (anyone can open one from a fork of main, then close it) does not
// make a SHA deployment of that commit a pull request's.
func TestProbeForkPullRequestHeadedAtDefaultBranchCommit(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("main", sha(6))
	e.repo.AddPull(fakegithub.Pull{Number: 6, HeadRef: "innocent", HeadSHA: sha(6), State: "CLOSED", HeadRepository: "mallory/hello-world"})
	e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: sha(6), States: []string{"success"}})
	res, err := lifecycle.Sweep(context.Background(), e.c, sweepCfg("*").Sweep)
	if err != nil {
		t.Fatal(err)
	}
	if c := probeDecision(t, res, "staging"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("staging %s (%s), want kept: a fork's closed pull request at main's commit swept it", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("staging") {
		t.Error("environment staging is gone: a fork's closed pull request at main's commit swept it")
	}
}

// An environment GitHub lists twice, in two cases, across pages: the
// second listing says it is protected. Kept (when in doubt, keep).
func TestProbeEnvironmentListedTwiceWithDifferentRules(t *testing.T) {
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
	if c := probeDecision(t, res, "PR-5"); c.Decision != lifecycle.DecisionKept {
		t.Errorf("PR-5 %s (%s), want kept: listed protected on the second page, swept by a wildcard", c.Decision, c.Reason)
	}
	if !e.repo.HasEnvironment("pr-5") {
		t.Error("environment pr-5 is gone: listed protected on the second page, swept by a wildcard")
	}
}

// ref: refs/tags/v1 names the tag v1, not a branch v1.
func TestProbeTeardownRefsTagsDoesNotMatchBranch(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	e.repo.AddRef("v1", sha(3)).AddTag("v1", sha(4))
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "pr-5", Ref: "refs/heads/v1", States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-5", Ref: "refs/tags/v1", States: []string{"success"}},
	)
	c := teardownCfg(config.StepDeactivateEnv, "pr-5")
	c.Teardown.Ref = "refs/tags/v1"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range res.Teardown.Deactivated {
		if id == ids[0] {
			t.Errorf("ref refs/tags/v1 deactivated deployment %d of branch v1", id)
		}
	}
}

// ref: refs/heads/<hex> names a branch, not a commit.
func TestProbeTeardownRefsHeadsHexIsNotASHA(t *testing.T) {
	t.Parallel()
	e := adminRepo(t)
	commit := "deadbeef" + strings.Repeat("0", 32)
	e.repo.AddRef("deadbeef", sha(3))
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "pr-5", Ref: commit, States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-5", Ref: "refs/heads/deadbeef", States: []string{"success"}},
	)
	c := teardownCfg(config.StepDeactivateEnv, "pr-5")
	c.Teardown.Ref = "refs/heads/deadbeef"
	res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range res.Teardown.Deactivated {
		if id == ids[0] {
			t.Errorf("ref refs/heads/deadbeef deactivated deployment %d made of commit %s", id, commit)
		}
	}
}

// GitHub's answer for environment "pr-s" holds a deployment of "pr-ſ"
// (U+017F, which Unicode folds to s, but strings.ToLower does not lower
// to s: the fake, like the sweep's grouping, keeps them two
// environments): the teardown must not treat it as its own.
func TestProbeTeardownUnicodeFoldedEnvironment(t *testing.T) {
	t.Parallel()
	for _, other := range []string{"pr-\u017f"} {
		t.Run(other, func(t *testing.T) {
			t.Parallel()
			e := adminRepo(t)
			target := strings.ToLower(strings.NewReplacer("\u017f", "s", "\u212a", "k").Replace(other))
			ids := e.repo.Seed(
				fakegithub.Seed{Environment: other, Ref: sha(1), States: []string{"success"}},
				fakegithub.Seed{Environment: target, Ref: sha(1), States: []string{"success"}},
			)
			e.fake.GraphQLAnswer = func(q string, vars map[string]any, answer map[string]any) map[string]any {
				nodes := deploymentNodes(answer)
				if nodes == nil {
					return nil
				}
				*nodes = append(*nodes, map[string]any{"databaseId": ids[0], "environment": other, "task": "deploy",
					"createdAt": "2026-01-01T00:00:00Z", "commitOid": sha(1), "payload": "{}", "ref": nil,
					"latestStatus": map[string]any{"state": "SUCCESS"}})
				return answer
			}
			res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, target).Teardown)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range res.Teardown.Deactivated {
				if id == ids[0] {
					t.Errorf("teardown of %q wrote to deployment %d of %q", target, id, other)
				}
			}
		})
	}
}
