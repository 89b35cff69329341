package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// Invariant (issue #22, the cases it left): whatever else the repository
// holds, wait finds the newest deployment of its environment, ref and
// creator, within its bound of reads a poll.

// A commit with more than 100 deployments of its own, newer than the one
// waited for, in other environments (a pattern) or by other creators (a
// name), does not hide it.
func TestWaitFindsItsDeploymentBehindMoreThan100OfItsCommit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, env, pattern, otherEnv, otherCreator string
		newer                                      int
	}{
		{"a pattern, 150 newer in staging", "preview-7", "preview-*", "staging", "vercel[bot]", 150},
		{"a pattern, 450 newer in staging", "preview-7", "preview-*", "staging", "vercel[bot]", 450},
		{"a name, 150 newer by netlify[bot]", "Preview", "Preview", "Preview", "netlify[bot]", 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			id := e.repo.Seed(fakegithub.Seed{Environment: tt.env, Ref: fgtest.SHA, Creator: "vercel[bot]"})[0]
			e.repo.AddStatusWithURLs(id, "success", previewURL, "")
			seeds := make([]fakegithub.Seed, tt.newer)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: tt.otherEnv, Ref: fgtest.SHA, Creator: tt.otherCreator, States: []string{"success"}}
			}
			e.repo.Seed(seeds...)
			res, err := lifecycle.Wait(context.Background(), e.c, waitCfg(tt.pattern, "vercel[bot]").Wait)
			if err != nil {
				t.Fatal(err)
			}
			pages := (tt.newer + 1 + 99) / 100
			got := []any{res.DeploymentID, res.State, res.EnvironmentURL, res.Wait.Reads, e.fake.Reads()}
			want := []any{id, "success", previewURL, pages, pages}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("deployment, state, url, reads, reads the fake saw (-want +got):\n%s", d)
			}
		})
	}
}

// A branch named like a short SHA is a branch: its deployments of older
// commits are found, behind newer deployments of other commits.
func TestWaitTakesABranchNamedLikeAShortSHAForTheBranch(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddRef("c0ffee42", otherSHA(900))
	id := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "c0ffee42", Creator: "vercel[bot]", States: []string{"success"}})[0]
	e.repo.AddRef("c0ffee42", otherSHA(901))
	pushes(e, "Preview", 30)
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref = "c0ffee42"
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeploymentID != id || res.State != "success" {
		t.Errorf("deployment %d (%s), want %d (success)", res.DeploymentID, res.State, id)
	}
}

// A short SHA that two commits share fails at once, saying to give more
// of the SHA, instead of waiting out its timeout.
func TestWaitFailsAtOnceOnAnAmbiguousShortSHA(t *testing.T) {
	t.Parallel()
	const a, b = "abcdef1000000000000000000000000000000001", "abcdef1000000000000000000000000000000002"
	e := setup(t, fgtest.Token)
	e.repo.AddRef("one", a).AddRef("two", b)
	e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: a, Creator: "vercel[bot]", States: []string{"success"}},
		fakegithub.Seed{Environment: "Preview", Ref: b, Creator: "vercel[bot]", States: []string{"success"}})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref = "abcdef1"
	_, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err == nil || !strings.Contains(err.Error(), "ambiguous") || !strings.Contains(err.Error(), "more of the SHA") {
		t.Errorf("error %v, want one saying abcdef1 is ambiguous and to give more of the SHA", err)
	}
	if slept := e.clock.Slept(); slept != 0 {
		t.Errorf("slept %s, want 0: an ambiguous SHA fails at once", slept)
	}
	// Through the step: one ::error:: naming the ref, a non-zero exit.
	code, out := runWait(t, e, map[string]string{"environment": "Preview", "ref": "ABCDEF1", "creator": "vercel[bot]", "timeout": "5m"})
	if code == 0 || !strings.Contains(out, "::error::") || !strings.Contains(out, "ref \"ABCDEF1\" is ambiguous") || !strings.Contains(out, "give more of the SHA") {
		t.Errorf("exit %d, want non-zero with an ::error:: saying ref ABCDEF1 is ambiguous:\n%s", code, out)
	}
}

// A branch's deployment of an older commit (the branch moved on since) is
// found behind any number of newer deployments of other commits.
func TestWaitFindsABranchsDeploymentOfAnOlderCommitBehindNewerOnes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, env, pattern, ref, made string
		newer                         int
	}{
		{"a name, 150 newer", "Preview", "Preview", "feature", "", 150},
		{"a pattern, 250 newer", "preview-7", "preview-*", "feature", "", 250},
		{"refs/heads/, 60 newer", "Preview", "Preview", "refs/heads/feature", "", 60},
		{"a tag, 60 newer", "Preview", "Preview", "v1.0.0", "", 60},
		{"made as refs/heads/, waited for by name", "Preview", "Preview", "feature", "refs/heads/feature", 60},
		{"made by name, waited for as refs/heads/", "preview-7", "preview-*", "refs/heads/feature", "feature", 160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			name := strings.TrimPrefix(tt.ref, "refs/heads/")
			if name == "v1.0.0" {
				e.repo.AddTag(name, otherSHA(900))
			} else {
				e.repo.AddRef(name, otherSHA(900))
			}
			made := tt.made
			if made == "" {
				made = name
			}
			id := e.repo.Seed(fakegithub.Seed{Environment: tt.env, Ref: made, Creator: "vercel[bot]", States: []string{"success"}})[0]
			if name == "v1.0.0" {
				e.repo.AddTag(name, otherSHA(901))
			} else {
				e.repo.AddRef(name, otherSHA(901))
			}
			pushes(e, tt.env, tt.newer)
			c := waitCfg(tt.pattern, "vercel[bot]")
			c.Wait.Ref = tt.ref
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if err != nil {
				t.Fatal(err)
			}
			if res.DeploymentID != id || res.State != "success" {
				t.Errorf("deployment %d (%s), want %d (success)", res.DeploymentID, res.State, id)
			}
			if n, want := e.fake.Reads(), firstPollReads(tt.ref); n != want {
				t.Errorf("%d reads, want %d: the ref's REST listing and the poll", n, want)
			}
		})
	}
}

// A SHA GitHub resolves to no commit times out saying so, and what it may
// mean; one it has says nothing of the kind.
func TestWaitSaysWhenGitHubHasNoCommitOfItsSHA(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{"0badc0de", "0badc0de00000000000000000000000000000000", fgtest.SHA[:8]} {
		t.Run(ref, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref = ref
			_, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			says := err != nil && strings.Contains(err.Error(), "GitHub has no commit "+ref[:7]) && strings.Contains(err.Error(), "give more of the SHA")
			if want := !strings.HasPrefix(fgtest.SHA, ref); says != want {
				t.Errorf("error %v: says GitHub has no commit %v, want %v", err, says, want)
			}
		})
	}
}

// The deployment a poll found and reads again by its id, deleted since,
// is no longer seen, and the wait goes on with the next newest.
func TestWaitGoesOnWhenTheDeploymentItFoundIsDeleted(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddRef("feature", otherSHA(900))
	older := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})[0]
	id := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})[0]
	e.repo.AddRef("feature", otherSHA(901))
	pushes(e, "Preview", 30)
	afterAnswer(e, map[int]func(){
		1: func() { e.repo.DeleteDeployment(id) },
		3: func() { e.repo.AddStatusWithURLs(older, "success", previewURL, "") },
	})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref = "feature"
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil || res.DeploymentID != older || res.State != "success" {
		t.Errorf("deployment %d (%s), want %d (success); err %v", res.DeploymentID, res.State, older, err)
	}
}

// refs/heads/x is a branch: a deployment REST lists for the short name x
// that GitHub says is of the tag x is not taken for it, however deep.
func TestWaitForABranchIgnoresTheTagOfItsName(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddTag("v1", otherSHA(700))
	e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "v1", Creator: "vercel[bot]", States: []string{"success"}})
	e.repo.AddTag("v1", otherSHA(701))
	pushes(e, "Preview", 30)
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref = "refs/heads/v1"
	c.Wait.Timeout = time.Minute
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err == nil || res.DeploymentID != 0 {
		t.Errorf("deployment %d, want none (the tag's is not the branch's); err %v", res.DeploymentID, err)
	}
}
