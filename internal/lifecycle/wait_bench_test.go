package lifecycle_test

import (
	"context"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// BenchmarkWait10Minutes waits 10 minutes (on the fake clock) for a
// preview that stays in progress, or that a newer preview retires at the
// end, and reports the reads a wait makes (docs/wait.md: 24, and 25 for
// the retired one): of main's commit behind 40 newer deployments of other
// commits; of a branch's older commit behind 150 (its REST listing in two
// spellings on the first poll: two more); of a commit with 450 newer deployments of its
// own in other environments, for a pattern (5 pages on the first poll:
// four more).
//
//	go test -run '^$' -bench Wait10Minutes ./internal/lifecycle
func BenchmarkWait10Minutes(b *testing.B) {
	cases := []struct {
		name, pattern, ref string
		seed               func(e *env) int64
	}{
		{"sha", "Preview", "", func(e *env) int64 {
			id := vercel(e, "Preview")
			pushes(e, "Preview", 40)
			return id
		}},
		{"branch-older-commit", "Preview", "feature", func(e *env) int64 {
			e.repo.AddRef("feature", otherSHA(900))
			id := e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]"})[0]
			e.repo.AddRef("feature", otherSHA(901))
			pushes(e, "Preview", 150)
			return id
		}},
		{"pattern-busy-commit", "preview-*", "", func(e *env) int64 {
			id := vercel(e, "preview-7")
			seeds := make([]fakegithub.Seed, 450)
			for i := range seeds {
				seeds[i] = fakegithub.Seed{Environment: "staging", Ref: fgtest.SHA, Creator: "vercel[bot]", States: []string{"success"}}
			}
			e.repo.Seed(seeds...)
			return id
		}},
	}
	for _, tc := range cases {
		for _, end := range []string{"in_progress", "inactive"} {
			b.Run(tc.name+"/ends="+end, func(b *testing.B) {
				reads := 0
				for b.Loop() {
					b.StopTimer()
					e := setup(b, fgtest.Token)
					id := tc.seed(e)
					e.repo.AddStatus(id, "in_progress")
					if end == "inactive" {
						afterAnswer(e, map[int]func(){23: func() {
							e.repo.AddStatusWithURLs(id, "success", previewURL, "")
							e.repo.AddStatus(id, "inactive")
						}})
					}
					c := waitCfg(tc.pattern, "vercel[bot]")
					if tc.ref != "" {
						c.Wait.Ref = tc.ref
					}
					c.Wait.For = config.WaitForFinal
					b.StartTimer()
					res, _ := lifecycle.Wait(context.Background(), e.c, c.Wait)
					if res.DeploymentID != id {
						b.Fatalf("deployment %d, want %d", res.DeploymentID, id)
					}
					reads += e.fake.Reads()
				}
				b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
			})
		}
	}
}
