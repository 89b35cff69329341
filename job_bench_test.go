package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/release"
	releasedir "github.com/deploy-lifecycle/deployment-action/internal/testkit/released"
)

// The download model of BenchmarkJobWithDownload: each fetch (a tarball,
// a release asset, an image's manifest, config or layer) costs 0.1 s, and
// its bytes come at 25 MB/s or 100 MB/s.
const (
	fetchCost = 100 * time.Millisecond
	slowLink  = 25e6
	fastLink  = 100e6
)

// peerJob is a peer action's job as the issue measured it: its release
// tree's tarball (git archive --format=tar.gz of the tag fetched here:
// bobheadxi/deployments v1, qoomon/actions--create-deployment v2) and its
// start + finish job's stage time (one machine, the same 150 ms reads and
// 300 ms writes, medians of 7; not measured here).
var peerJobs = []struct {
	name  string
	bytes int64
	stage time.Duration
}{
	{"bobheadxi/deployments", 437055, 1770 * time.Millisecond},
	{"qoomon/actions--create-deployment", 1101632, 1500 * time.Millisecond},
}

// jobTime is a job's time under the model: its stage time plus the
// fetches and bytes at rate.
func jobTime(stage time.Duration, fetches int, bytes int64, rate float64) time.Duration {
	return stage + time.Duration(fetches)*fetchCost + time.Duration(float64(bytes)/rate*float64(time.Second))
}

// BenchmarkJobWithDownload is the whole job, what it downloads included,
// for each entry and the two peers: the bytes and fetches a job on a
// hosted runner downloads (the release tarball, then the native entry's
// one asset or the container entry's image), the measured stage time
// (start's main stage and its post stage against a fake GitHub answering
// reads in 150 ms and writes in 300 ms, as BenchmarkEntries), and the
// job's time with the download modelled at 0.1 s a fetch plus the bytes
// at 25 MB/s and at 100 MB/s; for native, also its ratio to each peer at
// 25 MB/s.
//
//   - native: the release commit's tree (launch.js and no binary) and
//     the brotli asset for linux-x64 served on 127.0.0.1; each job starts
//     with an empty tool cache (a hosted runner), so its main stage
//     downloads, decompresses, checks and caches the binary and its post
//     stage starts it from the cache;
//   - native-on-a-25MBps-link, native-on-a-100MBps-link: native with
//     the model applied to the asset's link instead of added after it
//     (its first byte after 0.1 s, then the link's rate), so that the
//     launcher's work while the asset arrives (checking and decompressing
//     the parts that are in) overlaps it as on a runner; the job is this
//     stage plus the tarball's fetch, modelled;
//   - native-committed: the binary committed beside launch.js (a mirror
//     commit; the layout of the releases before): the stage time without
//     the fetch, for the fetch's own cost (native minus this);
//   - native-cached: a later job of a self-hosted runner: the tool cache
//     holds the binary, only the tarball is downloaded;
//   - container: the image present (its stage time as BenchmarkEntries
//     measures it; needs Docker), the download its compressed layer, config
//     and manifests;
//   - the peers: their tarball, their stage time from the issue; with
//     DEPLOYMENT_ACTION_PEERS_DIR (peers_bench_test.go) also their job
//     run here, its stage time measured beside native's, and native's
//     ratio to that.
//
// With DEPLOYMENT_ACTION_RELEASE_DIR the sizes are the release's own
// (its tarball and assets); without it, the tarball of a release tree laid
// out from the checkout and the asset compressed here (brotli 11: 20 s or
// more once).
//
//	go test -run '^$' -bench JobWithDownload -benchtime 5x .
func BenchmarkJobWithDownload(b *testing.B) {
	tarball, asset := releaseSizes(b)
	model := func(b *testing.B, stage time.Duration, fetches int, bytes int64) {
		b.ReportMetric(float64(bytes), "bytes/job")
		b.ReportMetric(float64(fetches), "fetches/job")
		b.ReportMetric(stage.Seconds(), "s-stage")
		b.ReportMetric(jobTime(stage, fetches, bytes, slowLink).Seconds(), "s-at-25MB/s")
		b.ReportMetric(jobTime(stage, fetches, bytes, fastLink).Seconds(), "s-at-100MB/s")
	}
	// The peers' stage times measured here, with DEPLOYMENT_ACTION_PEERS_DIR.
	measured := map[string]time.Duration{}
	for _, p := range peerJobs {
		tree := strings.ReplaceAll(p.name, "/", "_")
		b.Run(tree, func(b *testing.B) {
			for b.Loop() {
			}
			model(b, p.stage, 1, p.bytes)
		})
		if peersDir() != "" {
			b.Run(tree+"-measured-here", func(b *testing.B) {
				stage, calls, _ := peerStage(b, p.name, tree)
				measured[p.name] = stage
				model(b, stage, 1, p.bytes)
				b.ReportMetric(calls, "calls/op")
			})
		}
	}
	b.Run("native", func(b *testing.B) {
		stage := medianJob(b, func(b *testing.B) (*runnersim.Job, *fakegithub.Fake) {
			srv := newReleaseServer(b, asset.version, nil, asset.asset)
			job, f, _ := newNativeJob(b, downloadRelease(b, srv.base(""), asset.asset), nil, "RUNNER_TOOL_CACHE", b.TempDir())
			return job, f
		})
		bytes := tarball + asset.asset.AssetSize
		model(b, stage, 2, bytes)
		for _, p := range peerJobs {
			// Fetches per object (the model), and per request: each
			// object's redirect counted too (the tarball's api.github.com →
			// codeload.github.com, the asset's github.com →
			// release-assets.githubusercontent.com).
			name := strings.SplitN(p.name, "/", 2)[0]
			b.ReportMetric(float64(jobTime(stage, 2, bytes, slowLink))/float64(jobTime(p.stage, 1, p.bytes, slowLink)), "x-"+name+"-at-25MB/s")
			b.ReportMetric(float64(jobTime(stage, 4, bytes, slowLink))/float64(jobTime(p.stage, 2, p.bytes, slowLink)), "x-"+name+"-at-25MB/s-redirects-counted")
			if here, ok := measured[p.name]; ok {
				b.ReportMetric(float64(jobTime(stage, 2, bytes, slowLink))/float64(jobTime(here, 1, p.bytes, slowLink)), "x-"+name+"-measured-here-at-25MB/s")
			}
		}
	})
	for _, link := range []struct {
		name string
		rate float64
	}{{"25MBps", slowLink}, {"100MBps", fastLink}} {
		// The model applied to the link rather than added after: the
		// asset served after 0.1 s at the link's rate, so that what the
		// launcher does while it arrives (checking and decompressing the
		// parts that are in) is measured as a runner would see it; the
		// tarball, which the runner fetches before the job, modelled.
		b.Run("native-on-a-"+link.name+"-link", func(b *testing.B) {
			stage := medianJob(b, func(b *testing.B) (*runnersim.Job, *fakegithub.Fake) {
				srv := newReleaseServer(b, asset.version, nil, asset.asset)
				srv.setHandle(func(w http.ResponseWriter, r *http.Request, n int, body []byte) { shapedLink(w, body, link.rate) })
				job, f, _ := newNativeJob(b, downloadRelease(b, srv.base(""), asset.asset), nil, "RUNNER_TOOL_CACHE", b.TempDir())
				return job, f
			})
			job := jobTime(stage, 1, tarball, link.rate)
			b.ReportMetric(stage.Seconds(), "s-stage-with-asset")
			b.ReportMetric(job.Seconds(), "s-job")
			for _, p := range peerJobs {
				name := strings.SplitN(p.name, "/", 2)[0]
				b.ReportMetric(float64(job)/float64(jobTime(p.stage, 1, p.bytes, link.rate)), "x-"+name)
			}
		})
	}
	b.Run("native-committed", func(b *testing.B) {
		// The binary committed beside launch.js (a mirror commit, and the
		// old release layout): the stage time without the fetch.
		stage := medianJob(b, func(b *testing.B) (*runnersim.Job, *fakegithub.Fake) {
			job, f, _ := newNativeJob(b, nativeDir(b, releaseBuild(b)), nil)
			return job, f
		})
		b.ReportMetric(stage.Seconds(), "s-stage")
	})
	b.Run("native-cached", func(b *testing.B) {
		cache := b.TempDir()
		srv := newReleaseServer(b, asset.version, nil, asset.asset)
		dir := downloadRelease(b, srv.base(""), asset.asset)
		if l := launchStage(b, dir, cache, "fill"); l.code != 0 && l.code != 1 {
			b.Fatalf("filling the tool cache: %+v", l)
		}
		stage := medianJob(b, func(b *testing.B) (*runnersim.Job, *fakegithub.Fake) {
			job, f, _ := newNativeJob(b, dir, nil, "RUNNER_TOOL_CACHE", cache)
			return job, f
		})
		model(b, stage, 1, tarball)
	})
	b.Run("container", func(b *testing.B) {
		// The image: the index, the manifest, the config and one layer.
		layer := imageLayerSize(b, releaseBuild(b))
		bytes, fetches := tarball+layer+4096, 1+4
		b.ReportMetric(float64(layer), "bytes-image-layer")
		if dockerErr() != nil {
			b.ReportMetric(float64(bytes), "bytes/job")
			b.ReportMetric(float64(fetches), "fetches/job")
			b.Logf("no Docker engine (%v): the container entry's download only, no stage time", dockerErr())
			for b.Loop() {
			}
			return
		}
		image, _ := buildImages(b)
		stage := medianJob(b, func(b *testing.B) (*runnersim.Job, *fakegithub.Fake) {
			job, f, _ := newJob(b, "push", inDocker(image))
			return job, f
		})
		model(b, stage, fetches, bytes)
	})
}

// shapedLink answers with body as a link of the model would bring it:
// the first byte after fetchCost, then rate bytes a second, in 16 KiB
// writes.
func shapedLink(w http.ResponseWriter, body []byte, rate float64) {
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	start := time.Now().Add(fetchCost)
	time.Sleep(fetchCost)
	for off := 0; off < len(body); {
		n := min(16<<10, len(body)-off)
		w.Write(body[off : off+n])
		w.(http.Flusher).Flush()
		off += n
		time.Sleep(time.Until(start.Add(time.Duration(float64(off) / rate * float64(time.Second)))))
	}
}

// medianJob runs one start + finish job of each newJob a loop, its fake
// GitHub answering reads in 150 ms and writes in 300 ms, and returns the
// median time of its two stages.
func medianJob(b *testing.B, newJob func(*testing.B) (*runnersim.Job, *fakegithub.Fake)) time.Duration {
	var times []time.Duration
	for b.Loop() {
		b.StopTimer()
		job, f := newJob(b)
		f.Latency, f.WriteLatency = benchReadLatency, benchWriteLatency
		b.StartTimer()
		start := time.Now()
		main, err := job.Run(context.Background(), startStep)
		if err != nil || main.ExitCode != 0 {
			b.Fatalf("main: %v\n%s%s", err, main.Stdout, main.Stderr)
		}
		posts, err := job.Post(context.Background())
		if err != nil || len(posts) != 1 || posts[0].ExitCode != 0 {
			b.Fatalf("post: %v %+v", err, posts)
		}
		times = append(times, time.Since(start))
	}
	reportSpread(b, times) // sorts times
	return times[len(times)/2]
}

// benchAsset is this machine's release asset and the version it is of.
type benchAsset struct {
	version string
	asset   release.Asset
}

var benchSizes struct {
	once    sync.Once
	tarball int64
	asset   benchAsset
}

// releaseSizes are the release tarball's size and this machine's asset:
// the release's own with DEPLOYMENT_ACTION_RELEASE_DIR, else made here.
func releaseSizes(b *testing.B) (int64, benchAsset) {
	benchSizes.once.Do(func() {
		if dir := os.Getenv("DEPLOYMENT_ACTION_RELEASE_DIR"); dir != "" {
			var res release.Result
			if err := releasedir.ReadJSON(releasedir.DirOrSkip(b), &res); err != nil {
				b.Fatal(err)
			}
			for _, a := range res.Assets {
				if a.Target == platformKey(b) {
					body, err := os.ReadFile(filepath.Join(dir, "assets", a.Name))
					if err != nil {
						b.Fatal(err)
					}
					assetBodies.Store(a.AssetSHA256, body)
					benchSizes.tarball, benchSizes.asset = res.TarballSize, benchAsset{res.Version, a}
				}
			}
			return
		}
		data, err := os.ReadFile(releaseBuild(b))
		if err != nil {
			b.Fatal(err)
		}
		a := testAssetQuality(b, data, "br", 11)
		benchSizes.tarball, benchSizes.asset = releaseTreeTarball(b), benchAsset{testVersion, a}
	})
	if benchSizes.tarball == 0 {
		b.Fatal("no release sizes")
	}
	return benchSizes.tarball, benchSizes.asset
}

var relBuild struct {
	once sync.Once
	path string
	err  error
}

// releaseBuild is the binary as the release builds it (-tags release: no
// demo), for this machine.
func releaseBuild(b *testing.B) string {
	relBuild.once.Do(func() {
		relBuild.path = filepath.Join(binDir, "release-deployment-action")
		cmd := exec.Command("go", append(append([]string{"build"}, release.BuildFlags...), "-ldflags=-s -w -buildid=", "-o", relBuild.path, ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			relBuild.err = fmt.Errorf("go build -tags release: %v\n%s", err, out)
		}
	})
	if relBuild.err != nil {
		b.Fatal(relBuild.err)
	}
	return relBuild.path
}

// releaseTreeTarball is the size of a gzipped tar of what a release commit
// holds, laid out from the checkout: action.yml, the docs, native/ but
// its tests (launch.js about 1 KB longer with its sums in a release).
func releaseTreeTarball(b *testing.B) int64 {
	var files []string
	for _, p := range append([]string{"action.yml"}, release.OptionalDocs...) {
		if _, err := os.Stat(p); err == nil {
			files = append(files, p)
		}
	}
	for _, dir := range release.DocDirs {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return err
		})
	}
	filepath.WalkDir("native", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(p, "test") && !strings.HasPrefix(p, filepath.Join("native", "bin")) {
			files = append(files, p)
		}
		return err
	})
	return gzipTarSize(b, files, 1024)
}

// imageLayerSize is the size of the image's one layer as a registry
// stores it: a gzipped tar of the binary and the CA bundle.
func imageLayerSize(b *testing.B, bin string) int64 {
	return gzipTarSize(b, []string{bin, "/etc/ssl/certs/ca-certificates.crt"}, 0)
}

// gzipTarSize is the size of a gzipped tar of files, plus pad bytes.
func gzipTarSize(b *testing.B, files []string, pad int) int64 {
	var out bytes.Buffer
	z := gzip.NewWriter(&out)
	tw := tar.NewWriter(z)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(data))})
		tw.Write(data)
	}
	tw.Close()
	z.Close()
	return int64(out.Len() + pad)
}

// dockerErr is why no Docker engine answers, or nil.
func dockerErr() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").Run()
}

// BenchmarkLauncherToBinary is the native launcher's own time, from
// node's start to the binary's (its spawn, which is stopped there): with
// an empty tool cache, the release asset served on this machine (fetched,
// each part checked and decompressed as it comes, written, renamed), and
// with the binary in the tool cache (checked). The asset is as
// BenchmarkJobWithDownload's.
//
//	go test -run '^$' -bench LauncherToBinary -benchtime 21x .
func BenchmarkLauncherToBinary(b *testing.B) {
	_, asset := releaseSizes(b)
	// Loaded before launch.js: the spawn prints node's clock and exits.
	trace := filepath.Join(b.TempDir(), "trace.js")
	if err := os.WriteFile(trace, []byte(`require('child_process').spawn = () => { process.stderr.write('SPAWN_AT ' + performance.now() + '\n'); process.exit(0); };`), 0o644); err != nil {
		b.Fatal(err)
	}
	srv := newReleaseServer(b, asset.version, nil, asset.asset)
	dir := downloadRelease(b, srv.base(""), asset.asset)
	run := func(b *testing.B, cache func() string) {
		var times []time.Duration
		for b.Loop() {
			b.StopTimer()
			c := cache()
			b.StartTimer()
			l := launchStage(b, dir, c, "main", "NODE_OPTIONS=--require "+trace)
			_, at, ok := strings.Cut(l.stderr, "SPAWN_AT ")
			ms, err := strconv.ParseFloat(strings.TrimSpace(at), 64)
			if !ok || err != nil {
				b.Fatalf("the binary was not started: %+v", l)
			}
			times = append(times, time.Duration(ms*float64(time.Millisecond)))
		}
		reportSpread(b, times)
	}
	b.Run("empty-tool-cache", func(b *testing.B) { run(b, func() string { return b.TempDir() }) })
	filled := b.TempDir()
	if l := launchStage(b, dir, filled, "main", "NODE_OPTIONS=--require "+trace); !strings.Contains(l.stderr, "SPAWN_AT") {
		b.Fatalf("filling the tool cache: %+v", l)
	}
	b.Run("binary-in-tool-cache", func(b *testing.B) { run(b, func() string { return filled }) })
}
