package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/release"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// The tests in this file run the native entry (native/action.yml,
// runs.using node24) through a real node, started as actions/runner starts
// a node action (runnersim.Node), with the release's layout around the
// real binary: native/bin/<os>-<arch>/deployment-action and
// native/bin/SHA256SUMS.
//
//	go test -run Native -v .     (needs node 18 or later on PATH)

// TestNativeActionYMLIsGenerated keeps native/action.yml equal to what
// actionyml.Native makes of action.yml.
func TestNativeActionYMLIsGenerated(t *testing.T) {
	t.Parallel()
	want, err := actionyml.Native(actionYAML)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("native", "action.yml"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("native/action.yml is not what action.yml generates (%v); run: go generate ./internal/actionyml", err)
	}
}

// TestNativeActionYMLLints lets actionlint check native/action.yml as a
// local action's metadata (name, description, branding, runs for node24)
// and a workflow's inputs against it.
func TestNativeActionYMLLints(t *testing.T) {
	t.Parallel()
	root, _ := os.Getwd()
	project, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	lint := func(with string) []*actionlint.Error {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wf := "on: push\npermissions:\n  deployments: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./native\n        with:\n" + with
		errs, err := l.Lint(filepath.Join(".github", "workflows", "lint-native.yml"), []byte(wf), project)
		if err != nil {
			t.Fatal(err)
		}
		return errs
	}
	for _, e := range lint("          environment: staging\n          environment-url: https://staging.example.com\n") {
		t.Errorf("native/action.yml:%d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
	found := false
	for _, e := range lint("          environmnet: x\n") {
		found = found || strings.Contains(e.Message, `input "environmnet" is not defined`)
	}
	if !found {
		t.Error("actionlint did not check the inputs against native/action.yml")
	}
}

// requireNode skips the test without node on PATH, except in CI, where
// its absence is a failure.
func requireNode(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		msg := fmt.Sprintf("node is not on PATH (%v): the native entry's tests need node 18 or later", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// hostPlatform is the release's <os>-<arch>/deployment-action[.exe] for
// this machine.
func hostPlatform(t testing.TB) string {
	t.Helper()
	o := map[string]string{"linux": "linux", "darwin": "darwin", "windows": "windows"}[runtime.GOOS]
	a := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	if o == "" || a == "" {
		t.Skipf("the release has no binary for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	name := o + "-" + a + "/deployment-action"
	if o == "windows" {
		name += ".exe"
	}
	return name
}

var nativeBin struct {
	once sync.Once
	path string
	err  error
}

// nativeBinary is the release binary (static, as the release builds it),
// built once into binDir.
func nativeBinary(t testing.TB) string {
	t.Helper()
	nativeBin.once.Do(func() {
		nativeBin.path = filepath.Join(binDir, "native-deployment-action")
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", nativeBin.path, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			nativeBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if nativeBin.err != nil {
		t.Fatal(nativeBin.err)
	}
	return nativeBin.path
}

// nativeDir lays out a mirror commit's native/ ("with binaries") in a
// temporary directory: the checkout's action.yml and scripts, launch.js
// naming bin for hostPlatform (nativeLauncher), and the binary itself
// under bin/ (the release's layout); with bin "", native/ as on main.
func nativeDir(t testing.TB, bin string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "native")
	copyNative(t, dir)
	if bin == "" {
		return dir
	}
	rel := hostPlatform(t)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	writeLauncher(t, dir, nativeLauncher(t, "http://127.0.0.1:9/unused", testAsset(t, data, "gzip")))
	dst := filepath.Join(dir, "bin", filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyNative copies the checkout's native/ entry (not its tests) into dir.
func copyNative(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range release.NativeEntry {
		f := strings.TrimPrefix(p, "native/")
		b, err := os.ReadFile(filepath.Join("native", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newNativeJob is a push job running the native entry in dir through real
// node, against a validating fake GitHub served through wrap (nil: as it
// is).
func newNativeJob(t testing.TB, dir string, wrap func(http.Handler) http.Handler, extra ...string) (*runnersim.Job, *fakegithub.Fake, *httptest.Server) {
	t.Helper()
	requireNode(t)
	f := fgtest.NewFake(t, "")
	var h http.Handler = f
	if wrap != nil {
		h = wrap(f)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	raw, err := os.ReadFile(fgtest.EventPath("push"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := actionyml.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	noContainer := func(context.Context, runnersim.Launch) int {
		t.Error("the native entry was started as a container action")
		return 1
	}
	job := runnersim.NewJob(t.TempDir(), a, noContainer, fgtest.Context(srv.URL, extra...), ev, fgtest.Token)
	job.ActionDir = dir
	job.NodeLaunch = runnersim.Node{}.Launch
	return job, f, srv
}

func TestNativeLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		outcome   string
		wantState string
		wantURL   string
	}{
		{"success", "success", "https://staging.example.com"},
		{"failure", "failure", ""},
		{"cancelled", "inactive", ""},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			t.Parallel()
			job, f, _ := newNativeJob(t, nativeDir(t, nativeBinary(t)), nil)
			main := run(t, job, startStep)
			if main.ExitCode != 0 {
				t.Fatalf("main exited %d:\n%s%s", main.ExitCode, main.Stdout, main.Stderr)
			}
			if got, want := main.Environ["RUNNER_OS"], runnersim.HostOS(); got != want {
				t.Errorf("node ran with RUNNER_OS %q, want %q", got, want)
			}
			if got, dir := main.Environ["GITHUB_OUTPUT"], job.Layout().FileCommands; !strings.HasPrefix(got, dir) {
				t.Errorf("node ran with GITHUB_OUTPUT %q, want it under %q", got, dir)
			}
			id := main.Outputs["deployment-id"]
			if id == "" {
				t.Errorf("no deployment-id output: %v", main.Outputs)
			}
			if got := main.State["deployment_id"]; got != id {
				t.Errorf("state deployment_id %q, want the output %q: %v", got, id, main.State)
			}
			if got := job.Env()["DEPLOYMENT_ACTION_DEPLOYMENT_ID"]; got != id {
				t.Errorf("env DEPLOYMENT_ACTION_DEPLOYMENT_ID %q, want the output %q", got, id)
			}
			if got := main.Outputs["state"]; got != "in_progress" {
				t.Errorf("state output %q, want in_progress: %v", got, main.Outputs)
			}
			switch tt.outcome {
			case "success":
				job.SetOutput("deploy", "url", "https://staging.example.com")
			case "failure":
				job.Fail()
			case "cancelled":
				job.Cancel()
			}
			posts := post(t, job)
			if len(posts) != 1 {
				t.Fatalf("%d post stages, want 1: %+v", len(posts), posts)
			}
			if posts[0].Skipped {
				t.Fatalf("post skipped: %+v", posts[0])
			}
			if posts[0].ExitCode != 0 {
				t.Fatalf("post exit %d, want 0: %+v", posts[0].ExitCode, posts[0])
			}
			if strings.Contains(posts[0].Stdout, "main stage started no deployment") {
				t.Errorf("the post stage ran as main or found no start:\n%s", posts[0].Stdout)
			}
			ds := f.AddRepo(fgtest.Repo).Deployments()
			if len(ds) != 1 {
				t.Fatalf("deployments %+v", ds)
			}
			if d := cmp.Diff([]string{tt.wantState, "in_progress"}, ds[0].States); d != "" {
				t.Errorf("statuses (-want +got):\n%s", d)
			}
			if ds[0].EnvironmentURL != tt.wantURL {
				t.Errorf("environment url %q, want %q", ds[0].EnvironmentURL, tt.wantURL)
			}
			if n := f.Count(""); n != 4 {
				t.Errorf("start and post made %d API calls, want 4", n)
			}
		})
	}
}

// TestNativeStartThatFailsHasNoPost: a start refused for its inputs
// exits 1 with no request, and post-if skips the post stage.
func TestNativeStartThatFailsHasNoPost(t *testing.T) {
	t.Parallel()
	job, f, _ := newNativeJob(t, nativeDir(t, nativeBinary(t)), nil)
	main := run(t, job, runnersim.Step{ID: "start", With: map[string]string{"environment": "staging", "initial-state": "bogus"}})
	if main.ExitCode != 1 {
		t.Errorf("main: exit %d, want 1\n%s", main.ExitCode, main.Stdout)
	}
	if len(main.Annotations("error")) == 0 {
		t.Errorf("main: no ::error:: annotation\n%s", main.Stdout)
	}
	if job.Status != "failure" {
		t.Errorf("job %s, want failure", job.Status)
	}
	if posts := post(t, job); len(posts) != 1 {
		t.Errorf("%d post stages, want 1: %+v", len(posts), posts)
	} else if !posts[0].Skipped {
		t.Errorf("post not skipped: %+v", posts[0])
	}
	if n := f.Count(""); n != 0 {
		t.Errorf("%d API calls, want none", n)
	}
}

// TestNativeLauncherRefuses: what stops the launcher before the binary
// starts is one ::error:: line and exit code 1, with no request sent.
func TestNativeLauncherRefuses(t *testing.T) {
	t.Parallel()
	bin := nativeBinary(t)
	rel := hostPlatform(t)
	tests := []struct {
		name   string
		layout func(t *testing.T) string
		extra  []string
		want   string
	}{
		{"checksum mismatch", func(t *testing.T) string {
			dir := nativeDir(t, bin)
			f, err := os.OpenFile(filepath.Join(dir, "bin", filepath.FromSlash(rel)), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write([]byte("tampered")); err != nil {
				t.Fatal(err)
			}
			return dir
		}, nil, "checksum mismatch: bin/" + rel + " is not the binary of deployment-action 0.0.0-test"},
		{"no binary for this platform in the release", func(t *testing.T) string {
			dir := nativeDir(t, "")
			zero := strings.Repeat("0", 64)
			writeLauncher(t, dir, nativeLauncher(t, "http://127.0.0.1:9/unused", release.Asset{Target: "windows-arm64", Binary: "deployment-action.exe",
				Name: "deployment-action-windows-arm64.exe.br", Encoding: "br", Size: 1, SHA256: zero, AssetSize: 1, AssetSHA256: zero,
				Parts: []release.Part{{Size: 1, SHA256: zero, BinarySize: 1}}}))
			return dir
		}, nil, "deployment-action 0.0.0-test has no binary for " + platformKey(t)},
		// On main, launch.js names no release: the entry builds nothing.
		{"as on main", func(t *testing.T) string { return nativeDir(t, "") }, nil, "is not a release"},
		{"unsupported RUNNER_ARCH", func(t *testing.T) string { return nativeDir(t, bin) }, []string{"RUNNER_ARCH", "ARM"},
			"no native binary for RUNNER_OS=" + runnersim.HostOS() + " RUNNER_ARCH=ARM"},
		{"unsupported RUNNER_OS", func(t *testing.T) string { return nativeDir(t, bin) }, []string{"RUNNER_OS", "Plan9"},
			"no native binary for RUNNER_OS=Plan9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job, f, _ := newNativeJob(t, tt.layout(t), nil, tt.extra...)
			r, err := job.Run(context.Background(), startStep)
			if err != nil {
				t.Fatal(err)
			}
			line, ok := strings.CutSuffix(r.Stdout, "\n")
			if r.ExitCode != 1 {
				t.Fatalf("exit %d, want 1; stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
			}
			if !ok || strings.Contains(line, "\n") || !strings.HasPrefix(line, "::error::") {
				t.Fatalf("stdout %q, want one ::error:: line", r.Stdout)
			}
			if r.Stderr != "" {
				t.Fatalf("stderr %q, want none", r.Stderr)
			}
			if !strings.Contains(line, tt.want) || strings.Count(line, "; ") < 1 {
				t.Errorf("error %q, want it to say %q; and what to do", line, tt.want)
			}
			if !strings.Contains(line, "deploy-lifecycle/deployment-action@v1") {
				t.Errorf("error %q names no entry to use instead", line)
			}
			if n := f.Count(""); n != 0 {
				t.Errorf("%d API calls, want none", n)
			}
		})
	}
}

// TestNativeSIGTERMReachesTheBinary: a SIGTERM to node while the start
// waits for GitHub reaches the binary, which stops and says so; its exit
// code is node's.
func TestNativeSIGTERMReachesTheBinary(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hold := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/deployments") {
				once.Do(func() { close(arrived) })
				select {
				case <-r.Context().Done(): // the binary gave up: no answer
					return
				case <-release:
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	job, f, _ := newNativeJob(t, nativeDir(t, nativeBinary(t)), hold)
	t.Cleanup(func() { close(release) }) // before the server closes
	signalled := make(chan error, 1)
	job.NodeLaunch = runnersim.Node{Started: func(p *os.Process) {
		go func() {
			<-arrived
			signalled <- p.Signal(syscall.SIGTERM)
		}()
	}}.Launch
	r, err := job.Run(context.Background(), startStep)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-signalled:
		if err != nil {
			t.Fatalf("signal node: %v", err)
		}
	default:
		t.Fatalf("the create never reached GitHub: exit %d\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	errs := r.Annotations("error")
	t.Logf("after SIGTERM: exit %d, errors %q", r.ExitCode, errs)
	if r.ExitCode != 1 {
		t.Errorf("exit %d, want the binary's own exit code 1\n%s%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if len(errs) == 0 || strings.Contains(strings.Join(errs, "\n"), "native entry") {
		t.Errorf("errors %q: want the binary's own error, not the native entry's", errs)
	}
	if n := f.Count(""); n != 0 {
		t.Errorf("the fake acted on %d requests, want none (the create was held)", n)
	}
}

// TestNativeLauncherPassesTheStageAndTheExitCode runs stand-in binaries
// (shell scripts, checksummed like the real one) to see what the launcher
// gives them and what it makes of how they end.
func TestNativeLauncherPassesTheStageAndTheExitCode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in binaries are shell scripts")
	}
	tests := []struct {
		name, script string
		wantCode     int
	}{
		{"exit code", "exit 7", 7},
		{"killed by SIGTERM", "kill -TERM $$", 128 + int(syscall.SIGTERM)},
		{"killed by SIGKILL", "kill -KILL $$", 128 + int(syscall.SIGKILL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := filepath.Join(t.TempDir(), "stand-in")
			script := "#!/bin/sh\necho \"stage=$DEPLOYMENT_ACTION_STAGE input=$INPUT_ENVIRONMENT cwd=$(pwd)\"\n" + tt.script + "\n"
			if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			job, _, _ := newNativeJob(t, nativeDir(t, bin), nil)
			r, err := job.Run(context.Background(), startStep)
			if err != nil {
				t.Fatal(err)
			}
			want := "stage=main input=staging cwd=" + job.Layout().Workspace + "\n"
			if r.ExitCode != tt.wantCode {
				t.Errorf("exit %d, want %d", r.ExitCode, tt.wantCode)
			}
			if d := cmp.Diff(want, r.Stdout); d != "" {
				t.Errorf("stdout (-want +got):\n%s", d)
			}
		})
	}
}
