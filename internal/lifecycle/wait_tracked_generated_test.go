package lifecycle_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/quick"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// trackedHistory is a generated history of a branch's deployments that
// only the first poll's REST listing finds: n by vercel[bot] of the
// branch's older commit, behind netlify[bot]'s of its commit now and
// pushes of other commits. plan says what becomes of each (by age,
// oldest first) once a poll has read it by its node id: 0 it stays, 1 it
// is deleted, 2 a status moves it to production.
type trackedHistory struct {
	ref            string
	n, netlify, pu int
	plan           []int
}

func genTrackedHistory(r *rand.Rand) trackedHistory {
	h := trackedHistory{ref: []string{"feature", "refs/heads/feature"}[r.IntN(2)], n: 1 + r.IntN(8), netlify: r.IntN(150), pu: r.IntN(40)}
	for range h.n {
		h.plan = append(h.plan, r.IntN(3))
	}
	return h
}

// runTracked waits 10 minutes (wait-for: final, every deployment in
// progress) over h, following its plan when follow, and returns what the
// wait reported, the reads, the ids of the vercel[bot] deployments
// (oldest first) and which of them went.
func runTracked(t *testing.T, h trackedHistory, follow bool) (*lifecycle.Result, int, []int64, map[int64]bool) {
	e := setup(t, fgtest.Token)
	e.repo.AddRef("feature", otherSHA(900))
	var ids []int64
	for range h.n {
		ids = append(ids, e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]", States: []string{"in_progress"}})[0])
	}
	e.repo.AddRef("feature", otherSHA(901))
	for range h.netlify {
		e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "netlify[bot]", States: []string{"success"}})
	}
	pushes(e, "Preview", h.pu)
	var mu sync.Mutex
	gone := map[int64]bool{}
	if follow {
		e.fake.GraphQLAnswer = func(_ string, vars map[string]any, _ map[string]any) map[string]any {
			tracked, _ := vars["tracked"].(string)
			for i, id := range ids {
				mu.Lock()
				now := tracked == "DE_"+itoa(id) && h.plan[i] != 0 && !gone[id]
				gone[id] = gone[id] || now
				mu.Unlock()
				switch {
				case now && h.plan[i] == 1:
					e.repo.DeleteDeployment(id)
				case now:
					_, _, err := e.c.GH.Repositories.CreateDeploymentStatus(context.Background(), "octo-org", "hello-world", id,
						&github.DeploymentStatusRequest{State: github.String("in_progress"), Environment: github.String("production")})
					if err != nil {
						t.Error(err)
					}
				}
			}
			return nil
		}
	}
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Ref, c.Wait.For = h.ref, config.WaitForFinal
	res, _ := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if res.Wait.Reads != e.fake.Reads() {
		t.Errorf("the result says %d reads, the fake saw %d", res.Wait.Reads, e.fake.Reads())
	}
	mu.Lock()
	defer mu.Unlock()
	return res, e.fake.Reads(), ids, gone
}

// The rule behind the deployment read by node id, over generated
// histories: what a wait reports is never a deployment deleted or moved
// to another environment, and never an older one while a newer match
// exists; deletions and moves cost at most one poll that reads as deep
// as the first (at most 2×3 REST pages and 9 commit pages more than the
// same wait without them); and when the first poll's REST page held
// every match, the newest that stays is what the wait reports.
func TestWaitFollowsGeneratedDeletionsAndMovesOfWhatItTracks(t *testing.T) {
	t.Parallel()
	count := 25
	if testing.Short() {
		count = 8
	}
	check := func(seed uint64) bool {
		h := genTrackedHistory(rand.New(rand.NewPCG(seed, 31)))
		_, plain, _, _ := runTracked(t, h, false)
		res, reads, ids, gone := runTracked(t, h, true)
		var want int64
		for _, id := range ids {
			if !gone[id] {
				want = id
			}
		}
		onePage := h.netlify/100 == (h.netlify+h.n-1)/100
		ok := !gone[res.DeploymentID] && (res.DeploymentID == 0 || res.DeploymentID == want) &&
			reads <= plain+2*3+9 && (!onePage || res.DeploymentID == want)
		if !ok {
			t.Logf("seed %d (%+v): deployment %d, want %d (gone %v); %d reads, %d without the plan", seed, h, res.DeploymentID, want, gone, reads, plain)
		}
		return ok
	}
	if err := quick.Check(check, &quick.Config{MaxCount: count}); err != nil {
		t.Error(err)
	}
}

// Every answer for the node id read that differs from the deployment
// tracked in any of what identifies it (every non-empty set of: its node
// id, database id, commit, repository, type, ref) is not taken, whatever
// state and URL it says: the wait reports the deployment it found, or
// none.
func TestWaitTakesNoAnswerThatDiffersFromWhatItTracks(t *testing.T) {
	t.Parallel()
	mutate := []func(n map[string]any){
		func(n map[string]any) { n["id"] = "DE_424242" },
		func(n map[string]any) { n["databaseId"] = 424242 },
		func(n map[string]any) { n["commitOid"] = otherSHA(3) },
		func(n map[string]any) { n["repository"] = map[string]any{"nameWithOwner": "octo-org/other"} },
		func(n map[string]any) { n["__typename"] = "Issue" },
		func(n map[string]any) { n["ref"] = map[string]any{"name": "other", "prefix": "refs/heads/"} },
	}
	for set := 1; set < 1<<len(mutate); set++ {
		t.Run(fmt.Sprintf("fields %06b", set), func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			own := featureBehind30(e, "in_progress")
			e.fake.GraphQLAnswer = func(_ string, vars map[string]any, answer map[string]any) map[string]any {
				n, _ := answer["data"].(map[string]any)["tracked"].(map[string]any)
				if n == nil {
					return nil
				}
				n["latestStatus"] = map[string]any{"state": "SUCCESS", "environmentUrl": "https://elsewhere.example", "logUrl": nil}
				for i, m := range mutate {
					if set&(1<<i) != 0 {
						m(n)
					}
				}
				return answer
			}
			c := waitCfg("Preview", "vercel[bot]")
			c.Wait.Ref, c.Wait.Timeout, c.Wait.For = "feature", time.Minute, config.WaitForFinal
			res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			if (res.DeploymentID != own && res.DeploymentID != 0) || res.EnvironmentURL != "" || res.State == "success" {
				t.Errorf("deployment %d (%s, %q), want %d in progress or none; err %v", res.DeploymentID, res.State, res.EnvironmentURL, own, err)
			}
		})
	}
}
