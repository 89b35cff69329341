package lifecycle_test

import (
	"context"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// BenchmarkWait10Minutes waits 10 minutes (on the fake clock) for a
// preview behind 40 newer deployments of other commits, one that stays in
// progress and one that a newer preview retires at the end, and reports
// the reads a wait makes (docs/wait.md: 24, and 25 for the retired one).
//
//	go test -run '^$' -bench Wait10Minutes ./internal/lifecycle
func BenchmarkWait10Minutes(b *testing.B) {
	for _, end := range []string{"in_progress", "inactive"} {
		b.Run("ends="+end, func(b *testing.B) {
			reads := 0
			for b.Loop() {
				b.StopTimer()
				e := setup(b, fgtest.Token)
				id := vercel(e, "Preview")
				e.repo.AddStatus(id, "in_progress")
				pushes(e, "Preview", 40)
				if end == "inactive" {
					afterAnswer(e, map[int]func(){23: func() {
						e.repo.AddStatusWithURLs(id, "success", previewURL, "")
						e.repo.AddStatus(id, "inactive")
					}})
				}
				c := waitCfg("Preview", "vercel[bot]")
				c.Wait.For = config.WaitForFinal
				b.StartTimer()
				res, _ := lifecycle.Wait(context.Background(), e.c, c.Wait)
				if res.DeploymentID != id {
					b.Fatalf("deployment %d, want %d", res.DeploymentID, id)
				}
				reads += e.fake.Reads()
				b.StartTimer()
			}
			b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
		})
	}
}
