package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/release"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// The tests in this file run the action's image on a real Docker engine,
// started the way actions/runner starts a container action
// (ContainerActionHandler.cs, DockerCommandManager.cs). No registry is
// reachable here, so the image's build stage (golang:…-alpine) cannot be
// pulled: the tests build the binary as that stage does and build the
// Dockerfile's final stage, taken from the Dockerfile itself, around it.
//
//	go test -run Image -v .     (needs DOCKER_HOST or /var/run/docker.sock)

// requireDocker skips the test without a Docker engine, except in CI,
// where .ci/run starts one and its absence is a failure.
func requireDocker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no Docker engine (docker version: %v: %s); .ci/run starts one, or start dockerd and set DOCKER_HOST", err, bytes.TrimSpace(out))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// testCA is the authority of httptest's TLS servers' certificate, in PEM.
func testCA() []byte {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

var images struct {
	once sync.Once
	// plain is the image as the Dockerfile builds it; withTestCA trusts the
	// test authority too.
	plain, withTestCA string
	size              int64
	err               error
}

// buildImages builds the two images once for all tests.
func buildImages(t testing.TB) (plain, withTestCA string) {
	t.Helper()
	images.once.Do(func() {
		dir, err := os.MkdirTemp("", "deployment-action-image-")
		if err != nil {
			images.err = err
			return
		}
		// The images outlive the tests' temporary directories: the
		// context is only needed while building.
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "deployment-action")
		build := exec.Command("go", append(append([]string{"build"}, release.BuildFlags...), "-ldflags=-s -w", "-o", bin, ".")...)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			images.err = fmt.Errorf("build: %v\n%s", err, out)
			return
		}
		if images.plain, err = buildImage(dir, bin, nil, "deployment-action-test:plain"); err != nil {
			images.err = err
			return
		}
		if images.withTestCA, err = buildImage(dir, bin, testCA(), "deployment-action-test:test-ca"); err != nil {
			images.err = err
			return
		}
		out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Size}}", images.plain).Output()
		if err != nil {
			images.err = fmt.Errorf("docker image inspect: %v", err)
			return
		}
		fmt.Sscan(string(out), &images.size)
	})
	if images.err != nil {
		t.Fatal(images.err)
	}
	return images.plain, images.withTestCA
}

// buildImage lays out what the Dockerfile's build stage produces (the
// binary under both entrypoint names, an empty /tmp, the CA bundle, with
// extraCA added) under build/ in a context, and builds the Dockerfile's
// final stage there with each COPY --from=build reading from build/.
func buildImage(dir, bin string, extraCA []byte, tag string) (string, error) {
	a := loadAction()
	ctx := filepath.Join(dir, tag[strings.LastIndex(tag, ":")+1:])
	stage := filepath.Join(ctx, "build")
	out := filepath.Join(stage, "out")
	certs := filepath.Join(stage, "etc", "ssl", "certs")
	for _, d := range []string{out, certs, filepath.Join(stage, "out-tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(filepath.Join(stage, "out-tmp"), 0o1777); err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	main := filepath.Join(out, filepath.Base(a.Runs.Entrypoint))
	if err := os.WriteFile(main, data, 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink(filepath.Base(main), filepath.Join(out, filepath.Base(a.Runs.PostEntrypoint))); err != nil {
		return "", err
	}
	bundle, _ := os.ReadFile("/etc/ssl/certs/ca-certificates.crt") // the build stage's bundle; absent: only extraCA
	if err := os.WriteFile(filepath.Join(certs, "ca-certificates.crt"), append(bundle, extraCA...), 0o644); err != nil {
		return "", err
	}
	final, err := finalStage("Dockerfile")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(final), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command("docker", "build", "-q", "-t", tag, ctx)
	// The classic builder needs no frontend image from a registry.
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if o, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker build: %v\n%s\n%s", err, o, final)
	}
	return tag, nil
}

// finalStage is the Dockerfile's last stage, each COPY --from=build SRC
// rewritten to read SRC from build/ in the context.
func finalStage(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return "", err
	}
	last := -1
	for i, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			last = i
		}
	}
	if last < 0 {
		return "", fmt.Errorf("%s has no FROM", path)
	}
	var b strings.Builder
	for _, n := range res.AST.Children[last:] {
		line := n.Original
		if strings.EqualFold(n.Value, "copy") && slices.Contains(n.Flags, "--from=build") {
			var args []string
			for a := n.Next; a != nil; a = a.Next {
				args = append(args, a.Value)
			}
			if len(args) != 2 || !strings.HasPrefix(args[0], "/") {
				return "", fmt.Errorf("%s: %q: want COPY --from=build /SRC DST", path, line)
			}
			line = fmt.Sprintf("COPY build%s %s", args[0], args[1])
		}
		b.WriteString(line + "\n")
	}
	return b.String(), nil
}

// inDocker is a Launcher that starts a stage as actions/runner does: docker
// run --workdir /github/workspace --rm, -e NAME for every variable (the
// values in the docker client's environment, paths translated to the
// container's), GITHUB_ACTIONS and CI, --entrypoint, the job's directories
// mounted at /github/…; plus --network host to reach the fake GitHub on
// this machine's loopback (the runner uses the job's network).
func inDocker(image string) runnersim.Launcher {
	return func(ctx context.Context, l runnersim.Launch) int {
		args := []string{"run", "--label", "deployment-action-test", "--workdir", runnersim.ContainerLayout.Workspace, "--rm"}
		env := os.Environ()
		names := make([]string, 0, len(l.Env))
		for k := range l.Env {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			if k == "GITHUB_ACTIONS" || k == "CI" {
				continue
			}
			args = append(args, "-e", k)
			env = append(env, k+"="+l.Layout.ToContainer(l.Env[k]))
		}
		args = append(args, "-e", "GITHUB_ACTIONS=true", "-e", "CI=true", "--entrypoint", l.Argv0, "--network", "host")
		for _, p := range l.Layout.Pairs() {
			args = append(args, "-v", p[0]+":"+p[1])
		}
		args = append(args, image)
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, l.Stdout, l.Stderr
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

func TestImageRunsTheLifecycleAsTheRunnerStartsIt(t *testing.T) {
	t.Parallel()
	requireDocker(t)
	image, _ := buildImages(t)
	t.Logf("image %s: %.2f MB", image, float64(images.size)/1e6)
	for _, tt := range []struct{ outcome, want string }{{"success", "success"}, {"failure", "failure"}, {"cancelled", "inactive"}} {
		t.Run(tt.outcome, func(t *testing.T) {
			t.Parallel()
			job, f, _ := newJob(t, "push", inDocker(image))
			main, postStage := startAndFinish(t, job, f, tt.outcome, tt.want)
			if !strings.Contains(main.Summary, "Deployment to `staging`") {
				t.Errorf("main: summary has no \"Deployment to `staging`\":\n%s", main.Summary)
			}
			if !strings.Contains(postStage.Summary, tt.want) {
				t.Errorf("post summary:\n%s", postStage.Summary)
			}
		})
	}
}

func TestImageTrustsOnlyItsCABundle(t *testing.T) {
	t.Parallel()
	requireDocker(t)
	plain, withTestCA := buildImages(t)
	for _, tt := range []struct {
		image string
		ok    bool
	}{{withTestCA, true}, {plain, false}} {
		t.Run(tt.image, func(t *testing.T) {
			t.Parallel()
			f := fgtest.NewFake(t, "")
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(f)
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.StartTLS()
			t.Cleanup(srv.Close)
			job, _, _ := newJob(t, "push", inDocker(tt.image))
			job.Context["GITHUB_API_URL"] = srv.URL
			main := run(t, job, startStep)
			errs := strings.Join(main.Annotations("error"), "\n")
			switch {
			case tt.ok && (main.ExitCode != 0 || f.Count("POST") != 2):
				t.Errorf("with the test CA: exit %d, %d writes\n%s", main.ExitCode, f.Count("POST"), main.Stdout)
			case !tt.ok && (main.ExitCode != 1 || !strings.Contains(errs, "certificate") || !strings.Contains(errs, "retrying cannot help")):
				t.Errorf("without the test CA: exit %d, errors %q", main.ExitCode, errs)
			case !tt.ok && (f.Count("") != 0 || conns.Load() != 1):
				t.Errorf("without the test CA: %d requests over %d connections, want none over one (no retry)", f.Count(""), conns.Load())
			}
		})
	}
}

// TestImageHasNoDemo: the image holds the release build, which leaves
// the demo (its fake GitHub and runner emulation) out and says where it is.
func TestImageHasNoDemo(t *testing.T) {
	t.Parallel()
	requireDocker(t)
	image, _ := buildImages(t)
	out, err := exec.Command("docker", "run", "--rm", image, "demo").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("docker run %s demo: %v, want exit status 2\n%s", image, err, out)
	}
	if !bytes.Contains(out, []byte("go run . demo")) {
		t.Errorf("docker run %s demo does not point to go run . demo:\n%s", image, out)
	}
	if images.size > 10<<20 {
		t.Errorf("image is %d bytes, over 10 MiB", images.size)
	}
}

// BenchmarkImage reports the image's size and the time docker run takes
// for one stage that has nothing to do (what every post container costs).
//
//	go test -run '^$' -bench Image -benchtime 5x .
func BenchmarkImage(b *testing.B) {
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		b.Skipf("no Docker engine: %v: %s", err, out)
	}
	image, _ := buildImages(b)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command("docker", "run", "--rm", "--entrypoint", loadAction().Runs.PostEntrypoint, image)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(images.size)/1e6, "image-MB")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/docker-run")
}
