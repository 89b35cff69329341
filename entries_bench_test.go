package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/release"
	releasedir "github.com/deploy-lifecycle/deployment-action/internal/testkit/released"
)

// The latencies of the side-by-side benchmark: GitHub's reads and writes
// as a hosted runner sees them.
const (
	benchReadLatency  = 150 * time.Millisecond
	benchWriteLatency = 300 * time.Millisecond
)

// BenchmarkEntries runs one start + finish job (start's main stage, then
// its post stage, 4 API calls) through each entry of the action, side by
// side, against a fake GitHub answering reads in 150 ms and writes in
// 300 ms, and reports the median job and its spread:
//
//   - bare-binary: the release build started directly, as a floor;
//
//   - native: native/main.js and post.js through a real node, with the
//     checksum check, as the runner starts a node24 action;
//
//   - container: the image present, started with the runner's docker run
//     line (--network host here: see BenchmarkContainerNetwork);
//
//   - container-pulled: the release's image pulled by digest from the
//     local registry before each job (the image removed first), as a
//     runner without it pulls it; only with DEPLOYMENT_ACTION_RELEASE_DIR.
//
//     go test -run '^$' -bench Entries -benchtime 10x .
func BenchmarkEntries(b *testing.B) {
	entries := []struct {
		name string
		job  func(b *testing.B) (*runnersim.Job, *fakegithub.Fake, func())
	}{
		{"bare-binary", func(b *testing.B) (*runnersim.Job, *fakegithub.Fake, func()) {
			job, f, _ := newJob(b, "push", releaseBinary(nativeBinary(b)))
			return job, f, nil
		}},
		{"native", func(b *testing.B) (*runnersim.Job, *fakegithub.Fake, func()) {
			job, f, _ := newNativeJob(b, nativeDir(b, nativeBinary(b)), nil)
			return job, f, nil
		}},
		{"container", func(b *testing.B) (*runnersim.Job, *fakegithub.Fake, func()) {
			requireDocker(b)
			image, _ := buildImages(b)
			job, f, _ := newJob(b, "push", inDocker(image))
			return job, f, nil
		}},
		{"container-pulled", func(b *testing.B) (*runnersim.Job, *fakegithub.Fake, func()) {
			requireDocker(b)
			image, tags := releasedImage(b)
			job, f, _ := newJob(b, "push", inDocker(image))
			// Before each job: the image gone (by its digest and every tag
			// the release gave it), as on a runner that has not pulled it;
			// the runner pulls it by digest first.
			return job, f, func() {
				_ = exec.Command("docker", append([]string{"rmi", "--force", image}, tags...)...).Run()
				if out, err := exec.Command("docker", "pull", image).CombinedOutput(); err != nil {
					b.Fatalf("docker pull %s: %v\n%s", image, err, out)
				}
			}
		}},
	}
	for _, entry := range entries {
		b.Run(entry.name, func(b *testing.B) {
			var times []time.Duration
			calls := 0
			for b.Loop() {
				b.StopTimer()
				job, f, before := entry.job(b)
				f.Latency, f.WriteLatency = benchReadLatency, benchWriteLatency
				b.StartTimer()
				start := time.Now()
				if before != nil {
					before()
				}
				main, err := job.Run(context.Background(), startStep)
				if err != nil || main.ExitCode != 0 {
					b.Fatalf("main: %v\n%s%s", err, main.Stdout, main.Stderr)
				}
				posts, err := job.Post(context.Background())
				if err != nil || len(posts) != 1 || posts[0].ExitCode != 0 {
					b.Fatalf("post: %v %+v", err, posts)
				}
				times = append(times, time.Since(start))
				b.StopTimer()
				calls += f.Count("")
				b.StartTimer()
			}
			reportSpread(b, times)
			b.ReportMetric(float64(calls)/float64(len(times)), "calls/op")
		})
	}
}

// reportSpread reports the median, the fastest and the slowest of times.
func reportSpread(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(times[len(times)/2]), "ms-median")
	b.ReportMetric(ms(times[0]), "ms-min")
	b.ReportMetric(ms(times[len(times)-1]), "ms-max")
}

// releaseBinary is a Launcher that starts bin directly, the stage said in
// DEPLOYMENT_ACTION_STAGE as the native launcher says it.
func releaseBinary(bin string) runnersim.Launcher {
	return func(ctx context.Context, l runnersim.Launch) int {
		stage := "main"
		if strings.HasSuffix(l.Argv0, "-post") {
			stage = "post"
		}
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = []string{app.StageVar + "=" + stage}
		for k, v := range l.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Stdout, cmd.Stderr = l.Stdout, l.Stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			fmt.Fprintln(l.Stderr, err)
			return 127
		}
		return 0
	}
}

// releasedImage is the release's image by digest (its index) and the tags
// the release gave it and its platforms' images, from
// DEPLOYMENT_ACTION_RELEASE_DIR (skipped without it).
func releasedImage(b *testing.B) (image string, tags []string) {
	dir := releasedir.DirOrSkip(b)
	var res release.Result
	if err := releasedir.ReadJSON(dir, &res); err != nil {
		b.Fatal(err)
	}
	image, ok := strings.CutPrefix(res.Image, "docker://")
	if !ok {
		b.Fatalf("the release's image %q is not docker://…", res.Image)
	}
	tags = []string{res.ImageTag}
	for _, p := range res.Platforms {
		tags = append(tags, p.Tag)
	}
	return image, tags
}

// BenchmarkContainerNetwork measures what the runner's job network adds
// to a container start: the runner creates a network github_network_<id>
// for each job (one create and one remove a job) and starts every
// container action on it. The fake GitHub of the other benchmarks is on
// this machine's loopback, which only --network host reaches, so the
// network's cost is measured here on its own: a container that starts and
// exits at once (--help) on the host network and on a job network, and a
// job network's create and remove.
//
//	go test -run '^$' -bench ContainerNetwork -benchtime 10x .
func BenchmarkContainerNetwork(b *testing.B) {
	requireDocker(b)
	image, _ := buildImages(b)
	run := func(b *testing.B, network string) {
		var times []time.Duration
		for b.Loop() {
			start := time.Now()
			out, err := exec.Command("docker", "run", "--rm", "--network", network, "--entrypoint", loadAction().Runs.Entrypoint, image, "--help").CombinedOutput()
			if err != nil {
				b.Fatalf("docker run: %v\n%s", err, out)
			}
			times = append(times, time.Since(start))
		}
		reportSpread(b, times)
	}
	b.Run("host", func(b *testing.B) { run(b, "host") })
	network := fmt.Sprintf("github_network_%d", time.Now().UnixNano())
	if out, err := exec.Command("docker", "network", "create", "--label", "deployment-action-test", network).CombinedOutput(); err != nil {
		b.Fatalf("docker network create: %v\n%s", err, out)
	}
	b.Run("job-network", func(b *testing.B) { run(b, network) })
	_ = exec.Command("docker", "network", "rm", network).Run()
	b.Run("network-create-and-remove", func(b *testing.B) {
		var times []time.Duration
		for i := 0; b.Loop(); i++ {
			name := fmt.Sprintf("%s_%d", network, i)
			start := time.Now()
			if out, err := exec.Command("docker", "network", "create", "--label", "deployment-action-test", name).CombinedOutput(); err != nil {
				b.Fatalf("docker network create: %v\n%s", err, out)
			}
			if out, err := exec.Command("docker", "network", "rm", name).CombinedOutput(); err != nil {
				b.Fatalf("docker network rm: %v\n%s", err, out)
			}
			times = append(times, time.Since(start))
		}
		reportSpread(b, times)
	})
}
