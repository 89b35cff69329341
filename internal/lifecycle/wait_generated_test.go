package lifecycle_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// waitHistory is a generated repository history around the deployment a
// wait looks for: ref is the wait's ref input, id the deployment it must
// find (0: it must fail at once, the ref being an ambiguous short SHA).
type waitHistory struct {
	ref, pattern string
	id           int64
	what         []string // what the generator did, for a failure's log
}

// genWaitHistory seeds e with a history drawn from r: a ref of each kind
// (a full or short SHA, a branch, a branch named like a short SHA, a tag,
// refs/heads/x), the deployment waited for (for a branch or tag, often of
// a commit it named before it moved on; for a branch named like a short
// SHA, maybe a newer one of a commit that starts with its name), and up
// to 250 others: of other
// commits in any environment, of the same commit or ref in other
// environments or by other creators, older ones of the ref by the same
// creator, and for a short SHA sometimes a second commit sharing it.
// Every such history stays within the wait's documented bounds.
func genWaitHistory(e *env, r *rand.Rand) *waitHistory {
	h := &waitHistory{pattern: []string{"Preview", "preview-*"}[r.IntN(2)]}
	env := map[string]string{"Preview": "Preview", "preview-*": "preview-7"}[h.pattern]
	others := []string{"staging", "production", "Preview", "preview-7", "qa"}
	kind := []string{"sha", "short", "branch", "hexbranch", "tag", "qualified"}[r.IntN(6)]
	seedRef, name := fgtest.SHA, ""
	switch kind {
	case "sha":
		h.ref = fgtest.SHA
	case "short":
		h.ref = fgtest.SHA[:7+r.IntN(5)]
	default:
		name = map[string]string{"branch": "feature", "hexbranch": "c0ffee42", "tag": "v2.1.0", "qualified": "feature"}[kind]
		h.ref, seedRef = name, name
		if kind == "qualified" {
			h.ref = "refs/heads/" + name
		}
		if kind == "branch" && r.IntN(3) == 0 { // made with github.ref's spelling
			seedRef = "refs/heads/" + name
			h.what = append(h.what, "made as "+seedRef)
		}
		if kind == "tag" {
			e.repo.AddTag(name, otherSHA(800))
		} else {
			e.repo.AddRef(name, otherSHA(800))
		}
	}
	h.what = append(h.what, kind+" "+h.ref+" in "+h.pattern)
	for range r.IntN(3) { // older ones of the ref, by the creator waited for
		e.repo.Seed(fakegithub.Seed{Environment: env, Ref: seedRef, Creator: "vercel[bot]", States: []string{"failure"}})
	}
	h.id = e.repo.Seed(fakegithub.Seed{Environment: env, Ref: seedRef, Creator: "vercel[bot]"})[0]
	e.repo.AddStatusWithURLs(h.id, "success", previewURL, "")
	if name != "" && r.IntN(2) == 0 { // the ref moved on since
		if kind == "tag" {
			e.repo.AddTag(name, otherSHA(801))
		} else {
			e.repo.AddRef(name, otherSHA(801))
		}
		h.what = append(h.what, "moved on")
	}
	if kind == "hexbranch" && r.IntN(2) == 0 {
		// A newer deployment of a commit the branch's name abbreviates:
		// the branch is what the name means.
		e.repo.Seed(fakegithub.Seed{Environment: env, Ref: "c0ffee42" + strings.Repeat("1", 32), Creator: "vercel[bot]", States: []string{"success"}})
		h.what = append(h.what, "a commit c0ffee42…")
	}
	newer := r.IntN(250)
	for i := range newer {
		s := fakegithub.Seed{Environment: others[r.IntN(len(others))], Ref: otherSHA(i), Creator: []string{"vercel[bot]", "netlify[bot]", ""}[r.IntN(3)], States: []string{"success"}}
		switch r.IntN(4) {
		case 0: // the commit or ref, in another environment
			s.Ref, s.Environment = seedRef, "staging"
		case 1: // the commit or ref and environment, another creator
			s.Ref, s.Environment, s.Creator = seedRef, env, "netlify[bot]"
		}
		e.repo.Seed(s)
	}
	h.what = append(h.what, fmt.Sprintf("%d newer", newer))
	if kind == "short" && r.IntN(3) == 0 { // a second commit shares the short SHA
		twin := fgtest.SHA[:12] + strings.Repeat("0", 28)
		e.repo.Seed(fakegithub.Seed{Environment: []string{env, "staging"}[r.IntN(2)], Ref: twin, Creator: "vercel[bot]", States: []string{"success"}})
		if r.IntN(2) == 0 {
			pushes(e, env, r.IntN(30))
		}
		h.id = 0
		h.what = append(h.what, "ambiguous")
	}
	return h
}

// The invariant of issue #22 over generated histories of every kind of
// ref: when the deployment a wait's inputs name exists, the wait finds it
// on its first poll, within the first poll's bound of reads (at most 6
// REST pages and 10 pages of each commit's deployments, 3 commits, and a
// query again); an ambiguous short SHA fails at once, saying so (the
// first poll reads the environment's newest 1,000 deployments for one of
// a commit that starts with it). In each
// case it reads what it says it read, and does not sleep.
func TestWaitFindsItsDeploymentInGeneratedHistoriesOfEveryRef(t *testing.T) {
	t.Parallel()
	count := 60
	if testing.Short() {
		count = 15
	}
	check := func(seed uint64) bool {
		e := setup(t, fgtest.Token)
		h := genWaitHistory(e, rand.New(rand.NewPCG(seed, 22)))
		c := waitCfg(h.pattern, "vercel[bot]")
		c.Wait.Ref = h.ref
		res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
		ok := res.Wait.Reads == e.fake.Reads() && res.Wait.Reads <= 2*3+3*10+1 && e.clock.Slept() == 0
		if h.id == 0 {
			ok = ok && err != nil && strings.Contains(err.Error(), "ambiguous")
		} else {
			ok = ok && err == nil && res.DeploymentID == h.id && res.EnvironmentURL == previewURL
		}
		if !ok {
			t.Logf("seed %d (%s): deployment %d, want %d; reads %d (the fake saw %d); slept %s; err %v", seed, strings.Join(h.what, ", "), res.DeploymentID, h.id, res.Wait.Reads, e.fake.Reads(), e.clock.Slept(), err)
		}
		return ok
	}
	if err := quick.Check(check, &quick.Config{MaxCount: count}); err != nil {
		t.Error(err)
	}
}
