package main

import (
	"context"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
)

// Latency is what the benchmarks' fake GitHub adds to every answer.
var Latency = 25 * time.Millisecond

// BenchmarkLifecycle runs the one-step lifecycle, start then post, against
// the fake GitHub with 25 ms latency per request, and reports the API
// calls. "binary" starts the built binary for each stage, as the runner
// starts the container (process start-up included); "in-process" runs the
// stages in the benchmark's process.
//
//	go test -run '^$' -bench Lifecycle -benchtime 20x .
func BenchmarkLifecycle(b *testing.B) {
	for _, mode := range []struct {
		name   string
		launch runnersim.Launcher
	}{{"binary", binary}, {"in-process", demo.InProcess(app.Env{})}} {
		b.Run(mode.name, func(b *testing.B) {
			calls := 0
			for b.Loop() {
				b.StopTimer()
				job, f, _ := newJob(b, "push", mode.launch)
				f.Latency = Latency
				b.StartTimer()
				main, err := job.Run(context.Background(), startStep)
				if err != nil || main.ExitCode != 0 {
					b.Fatalf("main: %v %s", err, main.Stdout)
				}
				job.SetOutput("deploy", "url", "https://staging.example.com")
				posts, err := job.Post(context.Background())
				if err != nil {
					b.Fatalf("post: %v", err)
				}
				if posts[0].ExitCode != 0 {
					b.Fatalf("post: exit %d, want 0\n%s", posts[0].ExitCode, posts[0].Stdout)
				}
				b.StopTimer()
				calls += f.Count("")
				b.StartTimer()
			}
			b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		})
	}
}
