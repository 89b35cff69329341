package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/release"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	releasedir "github.com/deploy-lifecycle/deployment-action/internal/testkit/released"
)

// The tests in this file check a release that internal/release made (.ci/run
// makes one against a local registry): they take the release commit as the
// runner does for `uses: OWNER/REPO@TAG` (its tarball, here `git archive`),
// and run the root action.yml's image, pulled by digest from the registry,
// and the native entry, with node, as the runner starts them.
//
//	DEPLOYMENT_ACTION_RELEASE_DIR=/tmp/release go test -run Release -v .
//
// DEPLOYMENT_ACTION_RELEASE_DIR is the release program's -out directory
// (releasedir.Dir).

var released struct {
	once sync.Once
	res  *release.Result
	dir  string // the release commit's files, as the runner unpacks them
	err  error
}

// releaseUnderTest is the release to test and its checked-out tree; the
// test skips without one, except in CI, where .ci/run makes one.
func releaseUnderTest(t *testing.T) (*release.Result, string) {
	t.Helper()
	out := releasedir.Dir(t, "")
	released.once.Do(func() {
		released.res = new(release.Result)
		if released.err = releasedir.ReadJSON(out, released.res); released.err != nil {
			return
		}
		if released.res.Commit == "" {
			released.err = os.ErrNotExist
			return
		}
		released.dir, released.err = os.MkdirTemp("", "deployment-action-release-")
		if released.err == nil {
			released.err = (release.Git{Dir: "."}).Export(context.Background(), released.res.Commit, released.dir)
		}
	})
	if released.err != nil {
		t.Fatalf("release in %s: %v", out, released.err)
	}
	return released.res, released.dir
}

func gitShow(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("git", append([]string{"show"}, args...)...).Output()
	if err != nil {
		t.Fatalf("git show %q: %v", args, err)
	}
	return out
}

// TestReleaseCommit checks what the release commit holds: action.yml as on
// main but for its image line, native/ as on main but for launch.js's
// RELEASE line, which names every asset and binary of the release by size
// and SHA-256, the docs, no binaries and nothing else, in a tarball of at
// most 256 KiB; its parent is main's commit. The mirror commit (-mirror)
// is the release commit plus native/bin, each binary the one launch.js names.
func TestReleaseCommit(t *testing.T) {
	t.Parallel()
	res, dir := releaseUnderTest(t)
	if p := strings.TrimSpace(string(gitShow(t, "--no-patch", "--format=%P", res.Commit))); p != res.MainCommit {
		t.Errorf("release commit's parent %q, want main's %s", p, res.MainCommit)
	}
	names := treeNames(t, res.Commit)
	var want []string
	for _, p := range append([]string{"action.yml"}, release.OptionalDocs...) {
		if exec.Command("git", "cat-file", "-e", res.MainCommit+":"+p).Run() == nil {
			want = append(want, p)
		}
	}
	for _, d := range release.DocDirs {
		docs, _ := exec.Command("git", "ls-tree", "-r", "--name-only", res.MainCommit, d+"/").Output()
		want = append(want, strings.Fields(string(docs))...)
	}
	native, _ := exec.Command("git", "ls-tree", "-r", "--name-only", res.MainCommit, "native/").Output()
	for _, p := range strings.Fields(string(native)) {
		if !strings.HasSuffix(p, ".go") && !strings.Contains(p, "test") {
			want = append(want, p)
		}
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("release commit holds %q\nwant %q", names, want)
	}
	for _, p := range names {
		if strings.HasPrefix(p, "native/") && p != "native/launch.js" {
			if got, _ := os.ReadFile(filepath.Join(dir, p)); !bytes.Equal(got, gitShow(t, res.MainCommit+":"+p)) {
				t.Errorf("%s differs from main's", p)
			}
		}
	}
	onlyLineChanged(t, res, "action.yml", "  image: '"+res.Image+"'")
	l := checkEmbeddedSums(t, res, dir)
	t.Logf("release %s: %d files, tarball %d bytes", res.Commit[:12], len(names), res.TarballSize)
	if res.TarballSize > 256<<10 {
		t.Errorf("the release tarball is %d bytes, over 256 KiB", res.TarballSize)
	}
	if res.MirrorCommit == "" {
		return
	}
	if p := strings.TrimSpace(string(gitShow(t, "--no-patch", "--format=%P", res.MirrorCommit))); p != res.Commit {
		t.Errorf("mirror commit's parent %q, want the release commit %s", p, res.Commit)
	}
	mirror := treeNames(t, res.MirrorCommit)
	for _, tg := range release.Targets {
		want = append(want, "native/bin/"+tg.Rel())
		got := gitShow(t, res.MirrorCommit+":native/bin/"+tg.Rel())
		if b := l.Binaries[path.Dir(tg.Rel())]; sha256Hex(got) != b.SHA256 || int64(len(got)) != b.Size {
			t.Errorf("mirror commit's %s is not the binary launch.js names", tg.Rel())
		}
	}
	want = append(want, "native/bin/SHA256SUMS")
	slices.Sort(want)
	if !slices.Equal(mirror, want) {
		t.Errorf("mirror commit holds %q\nwant %q", mirror, want)
	}
}

// treeNames lists the paths in commit, sorted.
func treeNames(t *testing.T, commit string) []string {
	t.Helper()
	files, err := releasedir.ListTree(context.Background(), ".", commit)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(files))
}

// onlyLineChanged checks that the release's file p differs from main's in
// one line, which is want (or, with want "", returns it).
func onlyLineChanged(t *testing.T, res *release.Result, p, want string) string {
	t.Helper()
	mainLines, relLines := strings.Split(string(gitShow(t, res.MainCommit+":"+p)), "\n"), strings.Split(string(gitShow(t, res.Commit+":"+p)), "\n")
	var changed []string
	for i := range min(len(mainLines), len(relLines)) {
		if mainLines[i] != relLines[i] {
			changed = append(changed, relLines[i])
		}
	}
	if len(mainLines) != len(relLines) || len(changed) != 1 || (want != "" && changed[0] != want) {
		t.Fatalf("%s: %d lines in the release, %d on main, changed %.300q; want one line changed (%.100s)", p, len(relLines), len(mainLines), changed, want)
	}
	return changed[0]
}

// checkEmbeddedSums reads the RELEASE line of the release's launch.js and
// checks it against the release: the version, the assets' URL, every
// target's asset (in the release's assets/, which its SHA256SUMS lists)
// and binary (in bin/, which the linux x64 one runs as that version).
func checkEmbeddedSums(t *testing.T, res *release.Result, dir string) release.Launcher {
	t.Helper()
	line := onlyLineChanged(t, res, "native/launch.js", "")
	var l release.Launcher
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(line, "const RELEASE = "), ";")), &l); err != nil {
		t.Fatalf("launch.js's RELEASE line %.200q: %v", line, err)
	}
	if l.Version != res.Version || l.URL != res.AssetsURL || len(l.Binaries) != len(release.Targets) {
		t.Errorf("launch.js names version %s, URL %s, %d binaries; the release is %s at %s with %d", l.Version, l.URL, len(l.Binaries), res.Version, res.AssetsURL, len(release.Targets))
	}
	out := releasedir.Dir(t, "")
	sums, err := os.ReadFile(filepath.Join(out, "assets", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for key, b := range l.Binaries {
		got, size, err := release.FileSHA256(filepath.Join(out, "assets", b.Asset))
		if err != nil || got != b.AssetSHA256 || size != b.AssetSize || !strings.Contains(string(sums), got+"  "+b.Asset+"\n") {
			t.Errorf("%s: asset %s has %s, %d bytes (%v); launch.js says %s, %d", key, b.Asset, got, size, err, b.AssetSHA256, b.AssetSize)
		}
		bin := filepath.Join(out, "bin", key, "deployment-action")
		if strings.HasPrefix(key, "windows-") {
			bin += ".exe"
		}
		if got, size, err := release.FileSHA256(bin); err != nil || got != b.SHA256 || size != b.Size {
			t.Errorf("%s: binary %s has %s, %d bytes (%v); launch.js says %s, %d", key, bin, got, size, err, b.SHA256, b.Size)
		}
		t.Logf("%s: binary %d bytes, asset %s %d bytes (%s)", key, b.Size, b.Asset, b.AssetSize, b.Encoding)
	}
	help, err := exec.Command(filepath.Join(out, "bin", "linux-x64", "deployment-action"), "--help").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(help), "deployment-action "+res.Version+":") {
		t.Errorf("linux-x64 --help: %v\n%.200s", err, help)
	}
	return l
}

var pulled struct {
	once  sync.Once
	image string
	err   error
}

// pullReleaseImage removes the release's image from the engine and pulls
// it by digest, as the runner does for `image: docker://…` (docker pull,
// then docker run of the same reference).
func pullReleaseImage(t *testing.T, a *runnersim.Action) string {
	t.Helper()
	requireDocker(t)
	pulled.once.Do(func() {
		image, ok := strings.CutPrefix(a.Runs.Image, "docker://")
		if !ok || !strings.Contains(image, "@sha256:") {
			pulled.err = &os.PathError{Op: "runs.image", Path: a.Runs.Image, Err: os.ErrInvalid}
			return
		}
		res, _ := releaseUnderTest(t)
		rmi := []string{"rmi", "--force", image}
		for _, p := range res.Platforms {
			rmi = append(rmi, p.Tag)
		}
		exec.Command("docker", rmi...).Run()
		if exec.Command("docker", "image", "inspect", image).Run() == nil {
			pulled.err = &os.PathError{Op: "docker rmi", Path: image, Err: os.ErrExist}
			return
		}
		if out, err := exec.Command("docker", "pull", image).CombinedOutput(); err != nil {
			pulled.err = &os.PathError{Op: "docker pull " + string(out), Path: image, Err: err}
			return
		}
		pulled.image = image
	})
	if pulled.err != nil {
		t.Fatal(pulled.err)
	}
	return pulled.image
}

// releaseJob is newJob for action a.
func releaseJob(t *testing.T, a *runnersim.Action, launch runnersim.Launcher) (*runnersim.Job, *fakegithub.Fake) {
	t.Helper()
	f, srv := fgtest.New(t, "")
	raw, err := os.ReadFile(fgtest.EventPath("push"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return runnersim.NewJob(t.TempDir(), a, launch, fgtest.Context(srv.URL, "GITHUB_EVENT_NAME", "push"), ev, fgtest.Token), f
}

func loadReleaseAction(t *testing.T, path string) *runnersim.Action {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := actionyml.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// lifecycle runs start, then the job's outcome, then post, and checks the
// deployment's final state on the fake GitHub.
func lifecycle(t *testing.T, a *runnersim.Action, launch runnersim.Launcher, setup func(*runnersim.Job)) {
	for _, tt := range []struct{ outcome, want string }{{"success", "success"}, {"failure", "failure"}, {"cancelled", "inactive"}} {
		t.Run(tt.outcome, func(t *testing.T) {
			t.Parallel()
			job, f := releaseJob(t, a, launch)
			if setup != nil {
				setup(job)
			}
			startAndFinish(t, job, f, tt.outcome, tt.want)
		})
	}
}

// TestReleaseImageFromTheRegistry runs the release's root action.yml: its
// image pulled by digest from the registry (the index's: this engine, an
// amd64 one, takes its linux/amd64 image), each stage a docker run as the
// runner's. The index names linux/amd64 and linux/arm64, and each image
// holds the release's binary for its platform.
func TestReleaseImageFromTheRegistry(t *testing.T) {
	t.Parallel()
	res, dir := releaseUnderTest(t)
	a := loadReleaseAction(t, filepath.Join(dir, "action.yml"))
	image := pullReleaseImage(t, a)
	manifests := checkReleaseIndex(t, res, image)
	bins := filepath.Join(releasedir.Dir(t, ""), "bin") // the release's binaries (the commit holds none)
	t.Run("layout", func(t *testing.T) {
		checkReleaseImageLayout(t, a, image, "linux/amd64", filepath.Join(bins, "linux-x64", "deployment-action"))
	})
	t.Run("arm64 layout", func(t *testing.T) {
		// By the arm64 manifest's own digest (pulling the index's digest
		// for arm64 would move that reference off the amd64 image the
		// lifecycle runs). Created and exported, never started.
		repo, _, _ := strings.Cut(image, "@")
		arm := repo + "@" + manifests["linux/arm64"]
		if out, err := exec.Command("docker", "pull", "--platform", "linux/arm64", arm).CombinedOutput(); err != nil {
			t.Fatalf("docker pull --platform linux/arm64 %s: %v\n%s", arm, err, out)
		}
		t.Cleanup(func() { exec.Command("docker", "rmi", "--force", arm).Run() })
		checkReleaseImageLayout(t, a, arm, "linux/arm64", filepath.Join(bins, "linux-arm64", "deployment-action"))
	})
	lifecycle(t, a, inDocker(image), nil)
}

// checkReleaseIndex reads the index action.yml pins from the registry: a
// Docker manifest list, served under the pinned digest and the version's
// tag, naming linux/amd64 and linux/arm64 by the digests the release
// pushed; the image pulled by the index's digest (image) is its amd64 one
// (the config its amd64 manifest names). It returns the manifests' digests
// by platform.
func checkReleaseIndex(t *testing.T, res *release.Result, image string) map[string]string {
	t.Helper()
	ctx := context.Background()
	hostName, digest, _ := strings.Cut(image, "@")
	host, name, _ := strings.Cut(hostName, "/")
	reg := release.Registry{Host: host, Insecure: res.Insecure}
	if digest != res.Digest {
		t.Fatalf("action.yml's image %s has digest %s, the release's is %s", image, digest, res.Digest)
	}
	if host != res.Registry {
		t.Fatalf("action.yml's image %s is on %s, the release's on %s", image, host, res.Registry)
	}
	m, err := reg.Manifest(ctx, name, digest)
	if err != nil {
		t.Fatal(err)
	}
	if byTag, err := reg.Manifest(ctx, name, res.Version); err != nil || byTag.Digest != digest {
		t.Errorf("the tag %s serves %v (%v), want the index %s", res.Version, byTag, err, digest)
	}
	if m.Digest != digest {
		t.Errorf("the registry serves %s for %s", m.Digest, digest)
	}
	if m.MediaType != release.MediaTypeDockerList {
		t.Errorf("the registry serves %s for %s; want a Docker manifest list, %s", m.MediaType, digest, release.MediaTypeDockerList)
	}
	ix, err := release.ParseIndex(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var platforms []string
	for _, d := range ix.Manifests {
		if d.Platform == nil || d.MediaType != release.MediaTypeDockerManifest {
			t.Errorf("index entry %+v", d)
			continue
		}
		platforms = append(platforms, d.Platform.String())
		got[d.Platform.String()] = d.Digest
	}
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(platforms, want) {
		t.Errorf("the index names %q, want %q", platforms, want)
	}
	for _, p := range res.Platforms {
		if got[p.Platform] != p.Digest {
			t.Errorf("the index names %s for %s, the release pushed %s", got[p.Platform], p.Platform, p.Digest)
		}
	}
	amd, err := reg.Manifest(ctx, name, got["linux/amd64"])
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		Config struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	if err := json.Unmarshal(amd.Body, &config); err != nil {
		t.Fatal(err)
	}
	if id, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", image).Output(); err != nil || strings.TrimSpace(string(id)) != config.Config.Digest {
		t.Errorf("the image pulled by the index's digest is %q (%v), the index's amd64 image %s", id, err, config.Config.Digest)
	}
	return got
}

// checkReleaseImageLayout exports the image's file system: the binary
// (the release's bin for the platform) under the entrypoint and, as a
// symlink, the post-entrypoint name, the CA bundle, an empty /tmp with
// mode 1777, nothing else; and the image's ENTRYPOINT is action.yml's.
func checkReleaseImageLayout(t *testing.T, a *runnersim.Action, image, platform, bin string) {
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{json .Config.Entrypoint}} {{.Config.User}}|{{.Os}}/{{.Architecture}}", image).Output()
	if want := `["` + a.Runs.Entrypoint + `"] |` + platform; err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("image config %q (%v), want %q", out, err, want)
	}
	id, err := exec.Command("docker", "create", image).Output()
	if err != nil {
		t.Fatal(err)
	}
	container := strings.TrimSpace(string(id))
	defer exec.Command("docker", "rm", container).Run()
	export := exec.Command("docker", "export", container)
	pipe, _ := export.StdoutPipe()
	if err := export.Start(); err != nil {
		t.Fatal(err)
	}
	want, _, _ := release.FileSHA256(bin)
	seen := map[string]string{}
	tr := tar.NewReader(pipe)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := "/" + strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		switch {
		case h.Typeflag == tar.TypeSymlink:
			seen[name] = "-> " + h.Linkname
		case h.Typeflag == tar.TypeDir:
			seen[name] = "dir " + os.FileMode(h.Mode).Perm().String()
			if h.Mode&0o1000 != 0 {
				seen[name] += " sticky"
			}
		default:
			data, _ := io.ReadAll(tr)
			seen[name] = "file"
			if name == a.Runs.Entrypoint {
				if got := sha256Hex(data); got != want {
					t.Errorf("%s in the image has sha256 %s, %s %s", name, got, bin, want)
				}
			}
		}
	}
	export.Wait()
	layout := map[string]string{a.Runs.Entrypoint: "file", a.Runs.PostEntrypoint: "-> " + filepath.Base(a.Runs.Entrypoint),
		"/etc/ssl/certs/ca-certificates.crt": "file", "/tmp": "dir -rwxrwxrwx sticky"}
	for name, w := range layout {
		if seen[name] != w {
			t.Errorf("image %s: %q, want %q", name, seen[name], w)
		}
	}
	for name, what := range seen {
		// docker export adds the engine's own mount points and parents.
		if what == "file" && !strings.HasPrefix(name, "/dev/") &&
			!slices.Contains([]string{a.Runs.Entrypoint, "/etc/ssl/certs/ca-certificates.crt", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/.dockerenv"}, name) {
			t.Errorf("image holds %s, not part of the layout", name)
		}
	}
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// releaseAssets are the release's assets as launch.js names them, their
// bodies read from the release's assets/ (for newReleaseServer).
func releaseAssets(t *testing.T, res *release.Result) []release.Asset {
	t.Helper()
	out := releasedir.Dir(t, "")
	for _, a := range res.Assets {
		body, err := os.ReadFile(filepath.Join(out, "assets", a.Name))
		if err != nil {
			t.Fatal(err)
		}
		assetBodies.Store(a.AssetSHA256, body)
	}
	return res.Assets
}

// TestReleaseNativeEntry runs the release's native/action.yml as the
// runner runs a node24 action (node native/main.js and native/post.js in
// the unpacked release commit, host paths, RUNNER_OS and RUNNER_ARCH of
// this machine) with its assets served on 127.0.0.1 (the mirror variable
// pointing there): launch.js downloads this machine's asset once a job
// into the tool cache, the post stage starts it from there; through a
// CONNECT proxy that must be used (the assets at a name only it resolves,
// on https with a certificate trusted through NODE_EXTRA_CA_CERTS); and a
// tampered, missing, slow or http-redirected asset is refused with one
// ::error:: and nothing started.
func TestReleaseNativeEntry(t *testing.T) {
	t.Parallel()
	res, dir := releaseUnderTest(t)
	requireNode(t)
	a := loadReleaseAction(t, filepath.Join(dir, "native/action.yml"))
	if !a.IsNode() {
		t.Fatalf("native/action.yml runs.using %q", a.Runs.Using)
	}
	assets := releaseAssets(t, res)
	native := filepath.Join(dir, "native")
	t.Run("lifecycle", func(t *testing.T) {
		t.Parallel()
		srv := newReleaseServer(t, res.Version, nil, assets...)
		t.Cleanup(func() {
			if n := srv.count(); n != 3 {
				t.Errorf("%d asset requests for three jobs (main and post each), want 3", n)
			}
		})
		lifecycle(t, a, runnersim.Node{}.Launch, func(j *runnersim.Job) {
			j.ActionDir = native
			j.Context["RUNNER_TOOL_CACHE"] = t.TempDir()
			j.WorkflowEnv = map[string]string{"DEPLOYMENT_ACTION_DOWNLOAD_URL": srv.base("")}
		})
	})
	t.Run("through a CONNECT proxy", func(t *testing.T) {
		t.Parallel()
		cert, ca := testCert(t)
		srv := newReleaseServer(t, res.Version, cert, assets...)
		proxy := newConnectProxy(t, srv.Listener.Addr().String(), 0)
		job, f := releaseJob(t, a, runnersim.Node{}.Launch)
		job.ActionDir = native
		job.Context["RUNNER_TOOL_CACHE"] = t.TempDir()
		job.WorkflowEnv = map[string]string{"DEPLOYMENT_ACTION_DOWNLOAD_URL": srv.base("assets.invalid"),
			"https_proxy": proxy.URL, "NODE_EXTRA_CA_CERTS": ca}
		startAndFinish(t, job, f, "success", "success")
		if seen := proxy.requests(); len(seen) != 1 || !strings.HasPrefix(seen[0], "CONNECT assets.invalid:") || srv.count() != 1 {
			t.Errorf("the proxy saw %q, the server %d requests; want one tunnel, one request", seen, srv.count())
		}
	})
	for _, tt := range []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request, n int, body []byte)
		env    []string
		want   string
	}{
		{"tampered asset", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			b := append([]byte(nil), body...)
			b[len(b)/2] ^= 1
			w.Write(b)
		}, nil, "checksum mismatch: part "},
		{"missing asset", func(w http.ResponseWriter, r *http.Request, n int, body []byte) { http.NotFound(w, r) }, nil, "answered 404"},
		{"slow asset", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.Write(body[:100])
			<-r.Context().Done()
		}, []string{"DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT=1"}, "no complete answer within 1 s (attempt 3 of 3)"},
		{"redirect to http", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			http.Redirect(w, r, "http://"+r.Host+"/elsewhere", http.StatusFound)
		}, nil, "which is not https: refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newReleaseServer(t, res.Version, nil, assets...)
			srv.setHandle(tt.handle)
			l := launchStage(t, native, t.TempDir(), "main", append(tt.env, "DEPLOYMENT_ACTION_DOWNLOAD_URL="+srv.base(""))...)
			if line := l.oneError(t); !strings.Contains(line, tt.want) || !strings.Contains(line, srv.base("")) {
				t.Errorf("error %q, want it to say %q and name the URL", line, tt.want)
			}
		})
	}
}
