package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
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
				c.Step, c.Teardown.Environment = config.StepDeactivateEnv, "pr-1"
				b.StartTimer()
				res, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if n := len(res.Teardown.Deactivated); n != 50 {
					b.Fatalf("deactivated %d, want 50: %+v", n, res)
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

// BenchmarkPostTransient is the post stage of a success in a transient
// environment with 1,000 earlier deployments, 20 of them still active,
// with 25 ms latency per request.
//
//	go test -run '^$' -bench PostTransient -benchtime 3x ./internal/lifecycle
func BenchmarkPostTransient(b *testing.B) {
	var reads, writes int
	for b.Loop() {
		b.StopTimer()
		e := setup(b, fgtest.Token)
		seeds := make([]fakegithub.Seed, 1001)
		for i := range seeds {
			seeds[i] = fakegithub.Seed{Environment: "pr-1", Transient: true, States: []string{"success", "inactive"}}
			if i%50 == 0 {
				seeds[i].States = []string{"success"}
			}
		}
		seeds[1000].States = []string{"in_progress"}
		ids := e.repo.Seed(seeds...)
		e.fake.Latency = 25 * time.Millisecond
		e.fake.ResetRequests()
		c := cfg()
		c.Stage, c.Post.Finish.Environment, c.Post.Finish.Transient = config.StagePost, "pr-1", true
		c.Post.StartedDeploymentID, c.Post.Finish.DeploymentID = ids[1000], ids[1000]
		b.StartTimer()
		res, err := lifecycle.Post(context.Background(), e.c, c.Post)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if res.Teardown == nil {
			b.Fatalf("no teardown: %+v", res)
		}
		if n := len(res.Teardown.Deactivated); n != 20 {
			b.Fatalf("deactivated %d, want 20: %+v", n, res)
		}
		reads += e.fake.Reads()
		writes += e.fake.Count("POST")
		b.StartTimer()
	}
	b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
}

// BenchmarkSweep sweeps 300 stale preview environments holding 900
// deployments, 100 of them not inactive, with 25 ms latency per request.
// A REST-only sweep needs an environments list, a deployments list per
// environment and a status read per deployment: over 1,200 reads.
//
//	go test -run '^$' -bench Sweep -benchtime 3x ./internal/lifecycle
func BenchmarkSweep(b *testing.B) {
	var reads, writes, deletes int
	for b.Loop() {
		b.StopTimer()
		e := setup(b, fgtest.Token)
		e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
		var seeds []fakegithub.Seed
		for i := 1; i <= 300; i++ {
			e.repo.AddPullRequest(i, sha(i), "MERGED")
			for j := 0; j < 3; j++ {
				s := fakegithub.Seed{Environment: fmt.Sprintf("pr-%d", i), Ref: sha(i), Payload: marker(i), States: []string{"success", "inactive"}}
				if j == 2 && i%3 == 0 {
					s.States = []string{"success"}
				}
				seeds = append(seeds, s)
			}
		}
		e.repo.Seed(seeds...)
		e.fake.Latency = 25 * time.Millisecond
		e.fake.ResetRequests()
		b.StartTimer()
		c := sweepCfg("pr-*")
		c.Sweep.Max = 300 // raised on purpose: a repository full of leftovers
		res, err := lifecycle.Sweep(context.Background(), e.c, c.Sweep)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if n := res.Sweep.Count(lifecycle.DecisionSwept); n != 300 {
			b.Fatalf("swept %d, want 300: %+v", n, res)
		}
		reads += e.fake.Reads()
		writes += e.fake.Count("POST")
		deletes += e.fake.Count("DELETE")
		b.StartTimer()
	}
	b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
	b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
	b.ReportMetric(float64(deletes)/float64(b.N), "deletes/op")
}
