package lifecycle_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// firstPollReads is what a first poll that finds a deployment at once
// reads: one query, and for a branch or tag first its REST listing by ref
// in two spellings (x and refs/heads/x).
func firstPollReads(ref string) int {
	if vocab.IsSHA(ref) {
		return 1
	}
	return 3
}

// otherSHA is the nth commit that is not main's.
func otherSHA(n int) string { return fmt.Sprintf("%040x", 0xabc000+n) }

// pushes seeds n newer deployments of env by vercel[bot], each of another
// commit, all successful: a busy shared environment.
func pushes(e *env, env string, n int) {
	seeds := make([]fakegithub.Seed, n)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: env, Ref: otherSHA(i), Creator: "vercel[bot]", States: []string{"success"}}
	}
	e.repo.Seed(seeds...)
}

// Invariant: wait finds the newest deployment of the ref and environment
// wherever it is in the repository's history, in its first poll's reads
// (firstPollReads): a late job behind any number of newer deployments of
// other commits finds its own.
func TestWaitFindsTheDeploymentBehindNewerOnes(t *testing.T) {
	t.Parallel()
	const feature = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"
	tests := []struct {
		name, env, pattern, ref string
		newer                   int
	}{
		{"a full SHA behind 21 newer in Preview", "Preview", "Preview", fgtest.SHA, 21},
		{"a full SHA behind 120 newer, a pattern", "preview-7", "preview-*", fgtest.SHA, 120},
		{"a short SHA behind 150 newer", "Preview", "preview", fgtest.SHA[:7], 150},
		{"an upper-case short SHA behind 25 newer", "Preview", "Preview", strings.ToUpper(fgtest.SHA[:9]), 25},
		{"a branch behind 40 newer", "Preview", "Preview", "feature", 40},
		{"refs/heads/ of a branch behind 120 newer, a pattern", "preview-7", "preview-*", "refs/heads/feature", 120},
		{"a tag behind 30 newer", "Preview", "Preview", "v1.2.0", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			e.repo.AddRef("feature", feature).AddTag("v1.2.0", feature)
			seedRef := fgtest.SHA
			if !strings.HasPrefix(fgtest.SHA, strings.ToLower(tt.ref)) {
				seedRef = strings.TrimPrefix(tt.ref, "refs/heads/")
			}
			id := e.repo.Seed(fakegithub.Seed{Environment: tt.env, Ref: seedRef, Creator: "vercel[bot]"})[0]
			e.repo.AddStatusWithURLs(id, "success", previewURL, "")
			pushes(e, tt.env, tt.newer)
			c := waitCfg(tt.pattern, "vercel[bot]")
			c.Wait.Ref = tt.ref
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{res.DeploymentID, res.State, res.EnvironmentURL, res.Wait.Reads, e.fake.Reads()}
			want := []any{id, "success", previewURL, firstPollReads(tt.ref), firstPollReads(tt.ref)}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("deployment, state, url, reads, reads the fake saw (-want +got):\n%s", d)
			}
		})
	}
}

// The same invariant over generated histories: whatever number of newer
// deployments of other commits (any environment, any creator), of the
// same commit in other environments, or by other creators, the wait
// finds the newest deployment of its commit, environment and creator,
// in one read.
func TestWaitFindsItsDeploymentInGeneratedHistories(t *testing.T) {
	t.Parallel()
	check := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, 7))
		e := setup(t, fgtest.Token)
		envs := []string{"Preview", "preview-7", "staging", "production"}
		pattern := []string{"Preview", "preview-*"}[r.IntN(2)]
		env := map[string]string{"Preview": "Preview", "preview-*": "preview-7"}[pattern]
		// Older deployments of the commit, some by the creator waited for.
		for range r.IntN(3) {
			e.repo.Seed(fakegithub.Seed{Environment: env, Ref: fgtest.SHA, Creator: "vercel[bot]", States: []string{"failure"}})
		}
		id := e.repo.Seed(fakegithub.Seed{Environment: env, Ref: fgtest.SHA, Creator: "vercel[bot]"})[0]
		e.repo.AddStatusWithURLs(id, "success", previewURL, "")
		sameCommit := 0
		for i := range r.IntN(200) {
			s := fakegithub.Seed{Environment: envs[r.IntN(len(envs))], Ref: otherSHA(i), Creator: []string{"vercel[bot]", "netlify[bot]", ""}[r.IntN(3)], States: []string{"success"}}
			// A poll reads the commit's newest 100 deployments (of every
			// environment, for a pattern): the generator stays inside.
			switch k := r.IntN(4); {
			case k == 0 && sameCommit < 90: // the commit, elsewhere
				s.Ref, s.Environment = fgtest.SHA, "staging"
				sameCommit++
			case k == 1 && sameCommit < 90: // the commit and environment, another creator
				s.Ref, s.Environment, s.Creator = fgtest.SHA, env, "netlify[bot]"
				sameCommit++
			}
			e.repo.Seed(s)
		}
		res, err := lifecycle.Wait(context.Background(), e.c, waitCfg(pattern, "vercel[bot]").Wait)
		if err != nil || res.DeploymentID != id || res.EnvironmentURL != previewURL || res.Wait.Reads != 1 {
			t.Logf("seed %d: deployment %d, want %d; url %q; reads %d; err %v", seed, res.DeploymentID, id, res.EnvironmentURL, res.Wait.Reads, err)
			return false
		}
		return true
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 25}); err != nil {
		t.Error(err)
	}
}

// A branch's deployment of an older commit (the branch moved on since)
// is still found among the environment's newest, as before.
func TestWaitFindsABranchsDeploymentOfAnOlderCommit(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.repo.AddRef("feature", otherSHA(900))
	id := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", States: []string{"success"}})[0]
	e.repo.AddRef("feature", otherSHA(901))
	pushes(e, "Preview", 5)
	c := waitCfg("Preview")
	c.Wait.Ref = "feature"
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeploymentID != id {
		t.Errorf("deployment %d, want %d", res.DeploymentID, id)
	}
}

// The documented cost holds however deep the deployment is: a 10-minute
// wait that nothing ends reads 24 times, one that ends on a retired
// deployment 25; never more than 30.
func TestWaitReadsAtMost30TimesIn10Minutes(t *testing.T) {
	t.Parallel()
	for _, end := range []string{"", "inactive"} {
		t.Run("ends on "+end, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			id := vercel(e, "Preview")
			e.repo.AddStatus(id, "in_progress")
			pushes(e, "Preview", 40)
			if end != "" {
				afterAnswer(e, map[int]func(){23: func() {
					e.repo.AddStatusWithURLs(id, "success", previewURL, "")
					e.repo.AddStatus(id, end)
				}})
			}
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.For = config.WaitForFinal
			res, _ := lifecycle.Wait(context.Background(), e.c, c.Wait)
			want := map[string]int{"": 24, "inactive": 25}[end]
			if n := e.fake.Reads(); n != want || res.Wait.Reads != want || n > 30 {
				t.Errorf("%d reads (the result says %d), want %d, at most 30", n, res.Wait.Reads, want)
			}
			if res.DeploymentID != id {
				t.Errorf("deployment %d, want %d", res.DeploymentID, id)
			}
			if got := e.clock.Slept(); got > 10*time.Minute {
				t.Errorf("slept %s, want at most 10m", got)
			}
		})
	}
}

// A preview that GitHub's auto-inactive retired (a newer preview of
// another commit succeeded) keeps, in the wait's outputs, the URL of its
// last success, with state inactive.
func TestWaitGivesARetiredDeploymentTheURLOfItsLastSuccess(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	e.repo.AddStatusWithURLs(id, "success", "https://old.example", "https://vercel.com/log/1")
	e.repo.AddStatusWithURLs(id, "in_progress", "", "")
	e.repo.AddStatusWithURLs(id, "success", previewURL, "https://vercel.com/log/2")
	newer := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: otherSHA(1), Creator: "vercel[bot]", States: []string{"in_progress"}})[0]
	e.repo.AddStatusWithURLs(newer, "success", "https://newer.example", "")
	e.repo.AddStatus(id, "inactive") // what auto_inactive does
	code, out := runWait(t, e, map[string]string{"environment": "Preview", "creator": "vercel[bot]", "wait-for": "final", "timeout": "1m"})
	for _, want := range []string{"output deployment-id=" + itoa(id), "output environment-url=" + previewURL, "output state=inactive", "output log-url=https://vercel.com/log/2"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if n := e.fake.Reads(); n != 2 {
		t.Errorf("%d reads, want 2: the poll and the deployment's statuses", n)
	}
}
