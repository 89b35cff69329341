package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// BenchmarkTeardown tears down an environment of 100 deployments, 50 of
// them active, with 25 ms latency per request, and reports reads and
// writes. concurrency=1 is the baseline that checks and writes one
// deployment at a time.
//
//	go test -run '^$' -bench Teardown -benchtime 5x ./internal/lifecycle
func BenchmarkTeardown(b *testing.B) {
	for _, conc := range []int{1, lifecycle.Workers} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var reads, writes int
			for b.Loop() {
				b.StopTimer()
				e := setup(b, fgtest.Token)
				e.c.Concurrency = conc
				seeds := make([]fakegithub.Seed, 100)
				for i := range seeds {
					seeds[i] = fakegithub.Seed{Environment: "pr-1", States: []string{"success", "inactive"}}
					if i%2 == 0 {
						seeds[i].States = []string{"success"}
					}
				}
				e.repo.Seed(seeds...)
				e.fake.Latency = 25 * time.Millisecond
				c := cfg()
				c.Step, c.Environment = config.StepDeactivateEnv, "pr-1"
				b.StartTimer()
				res, err := lifecycle.Teardown(context.Background(), e.c, c)
				b.StopTimer()
				if err != nil || len(res.Teardown.Deactivated) != 50 {
					b.Fatalf("%v %+v", err, res)
				}
				reads += e.fake.Reads()
				writes += e.fake.Count("POST")
				b.StartTimer()
			}
			b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
			b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
		})
	}
}
