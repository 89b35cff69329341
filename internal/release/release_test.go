package release

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/testkit/released"
)

func TestTargets(t *testing.T) {
	t.Parallel()
	want := []struct{ goos, goarch, rel string }{
		{"linux", "amd64", "linux-x64/deployment-action"},
		{"linux", "arm64", "linux-arm64/deployment-action"},
		{"darwin", "amd64", "darwin-x64/deployment-action"},
		{"darwin", "arm64", "darwin-arm64/deployment-action"},
		{"windows", "amd64", "windows-x64/deployment-action.exe"},
		{"windows", "arm64", "windows-arm64/deployment-action.exe"},
	}
	if len(Targets) != len(want) {
		t.Fatalf("%d targets, want %d", len(Targets), len(want))
	}
	for i, w := range want {
		tg := Targets[i]
		if tg.GOOS != w.goos || tg.GOARCH != w.goarch || tg.Rel() != w.rel {
			t.Errorf("target %d: %s %s, want %s/%s %s", i, tg, tg.Rel(), w.goos, w.goarch, w.rel)
		}
	}
	// Every target is one the Go toolchain here knows.
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range Targets {
		if !slices.Contains(strings.Fields(string(out)), tg.String()) {
			t.Errorf("go tool dist list has no %s", tg)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{"1.2.3": true, "0.0.0-ci": true, "10.20.30-rc.1": true,
		"v1.2.3": false, "1.2": false, "01.2.3": false, "1.2.3 ": false, "1.2.3\nx": false, "": false, "1.2.3-": false} {
		if err := validVersion(v); (err == nil) != ok {
			t.Errorf("validVersion(%q) = %v", v, err)
		}
	}
	if got := ldFlags("1.2.3"); got != "-s -w -buildid= -X github.com/deploy-lifecycle/deployment-action/internal/app.Version=1.2.3" {
		t.Errorf("ldFlags = %q", got)
	}
}

func TestSHA256SUMS(t *testing.T) {
	t.Parallel()
	a, b := strings.Repeat("a", 64), strings.Repeat("0", 63)+"f"
	for _, tt := range []struct {
		name string
		in   []Sum
		want string // "" for an error
	}{
		{"sorted by path, two spaces", []Sum{{a, "windows-x64/deployment-action.exe"}, {b, "darwin-arm64/deployment-action"}},
			b + "  darwin-arm64/deployment-action\n" + a + "  windows-x64/deployment-action.exe\n"},
		{"upper-case hex", []Sum{{strings.ToUpper(a), "x"}}, ""},
		{"short hex", []Sum{{a[1:], "x"}}, ""},
		{"absolute path", []Sum{{a, "/x"}}, ""},
		{"backslash", []Sum{{a, `windows-x64\x.exe`}}, ""},
		{"newline", []Sum{{a, "x\ny"}}, ""},
		{"twice", []Sum{{a, "x"}, {b, "x"}}, ""},
		{"none", nil, ""},
	} {
		got, err := formatSums(tt.in)
		switch {
		case tt.want == "" && tt.in != nil && err == nil:
			t.Errorf("%s: formatSums = %q, want an error", tt.name, got)
		case tt.want != "" && (err != nil || string(got) != tt.want):
			t.Errorf("%s: formatSums = %q, %v; want %q", tt.name, got, err, tt.want)
		case tt.want != "":
			back, err := parseSums(got)
			if err != nil || len(back) != len(tt.in) {
				t.Errorf("%s: parseSums(formatSums) = %v, %v", tt.name, back, err)
			}
		}
	}
	for _, bad := range []string{a + " x\n", a + "  x", a + "  b\n" + a + "  a\n", "sha256:" + a + "  x\n", a + "  \n"} {
		if _, err := parseSums([]byte(bad)); err == nil {
			t.Errorf("parseSums(%q) took it", bad)
		}
	}
	// What sha256sum itself writes is what formatSums writes.
	if _, err := exec.LookPath("sha256sum"); err == nil {
		dir := t.TempDir()
		for _, p := range []string{"linux-x64/deployment-action", "windows-x64/deployment-action.exe"} {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
			os.WriteFile(filepath.Join(dir, p), []byte(p), 0o644)
		}
		cmd := exec.Command("sha256sum", "linux-x64/deployment-action", "windows-x64/deployment-action.exe")
		cmd.Dir = dir
		want, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var sums []Sum
		for _, p := range []string{"windows-x64/deployment-action.exe", "linux-x64/deployment-action"} {
			h, _, err := FileSHA256(filepath.Join(dir, p))
			if err != nil {
				t.Fatal(err)
			}
			sums = append(sums, Sum{h, p})
		}
		if got, _ := formatSums(sums); !bytes.Equal(got, want) {
			t.Errorf("formatSums:\n%s\nsha256sum:\n%s", got, want)
		}
	}
}

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestRewriteImage(t *testing.T) {
	t.Parallel()
	img := "docker://127.0.0.1:5000/deploy-lifecycle/deployment-action@" + digest
	for _, tt := range []struct{ name, in, want string }{
		{"plain", "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  entrypoint: /a\n",
			"name: x\nruns:\n  using: docker\n  image: '" + img + "'\n  entrypoint: /a\n"},
		{"comment kept", "runs:\n  # the image\n  image: Dockerfile # built on the runner\n  post-if: always()\n",
			"runs:\n  # the image\n  image: '" + img + "' # built on the runner\n  post-if: always()\n"},
		{"CRLF kept", "runs:\r\n  using: docker\r\n  image: 'Dockerfile'\r\n",
			"runs:\r\n  using: docker\r\n  image: '" + img + "'\r\n"},
		{"last line without newline", "runs:\n  image: Dockerfile", "runs:\n  image: '" + img + "'"},
		{"an input called image is not it", "inputs:\n  image:\n    description: x\nruns:\n  image: Dockerfile\n",
			"inputs:\n  image:\n    description: x\nruns:\n  image: '" + img + "'\n"},
		{"already released", "runs:\n  image: 'docker://ghcr.io/a/b@" + digest + "'\n", "runs:\n  image: '" + img + "'\n"},
		{"none", "runs:\n  using: node24\n  main: main.js\n", ""},
		{"outside runs only", "image: Dockerfile\nruns:\n  using: docker\n", ""},
		{"two", "runs:\n  image: a\n  image: b\n", ""},
	} {
		got, err := rewriteImage([]byte(tt.in), img)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: got %q, want an error", tt.name, got)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s:\ngot  %q, %v\nwant %q", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range []string{"docker://ghcr.io/a/b:1.2.3", "ghcr.io/a/b@" + digest, "docker://ghcr.io/A/b@" + digest, "docker://ghcr.io/a/b@" + digest + "'\n"} {
		if _, err := rewriteImage([]byte("runs:\n  image: Dockerfile\n"), bad); err == nil {
			t.Errorf("rewriteImage took image %q", bad)
		}
	}
}

// TestRewriteRootActionYML rewrites the repository's action.yml: only the
// image line differs, every other byte is the same.
func TestRewriteRootActionYML(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	img := "docker://ghcr.io/deploy-lifecycle/deployment-action@" + digest
	got, err := rewriteImage(src, img)
	if err != nil {
		t.Fatal(err)
	}
	a, b := strings.Split(string(src), "\n"), strings.Split(string(got), "\n")
	if len(a) != len(b) {
		t.Fatalf("%d lines, want %d", len(b), len(a))
	}
	changed := 0
	for i := range a {
		if a[i] != b[i] {
			changed++
			if a[i] != "  image: Dockerfile" || b[i] != "  image: '"+img+"'" {
				t.Errorf("line %d: %q became %q", i+1, a[i], b[i])
			}
		}
	}
	if changed != 1 {
		t.Errorf("%d lines changed, want 1", changed)
	}
}

func TestDockerfileAndContext(t *testing.T) {
	t.Parallel()
	l := imageLayout{Entrypoint: "/usr/local/bin/deployment-action", PostEntrypoint: "/usr/local/bin/deployment-action-post"}
	df := l.dockerfile(map[string]string{"org.opencontainers.image.version": "1.2.3"})
	for _, want := range []string{"FROM scratch\n", "COPY rootfs/ /\n",
		"LABEL org.opencontainers.image.version=\"1.2.3\"\n", "ENTRYPOINT [\"/usr/local/bin/deployment-action\"]\n"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q:\n%s", want, df)
		}
	}
	for _, bad := range []string{"USER", "RUN", "FROM scratch\nFROM"} {
		if strings.Contains(df, bad) {
			t.Errorf("Dockerfile has %q", bad)
		}
	}
	dir := t.TempDir()
	bin, ca := filepath.Join(dir, "bin.in"), filepath.Join(dir, "ca.pem")
	os.WriteFile(bin, []byte("binary"), 0o644)
	os.WriteFile(ca, []byte("certs"), 0o644)
	ctx := filepath.Join(dir, "ctx")
	if err := l.writeContext(ctx, bin, ca, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(ctx, "rootfs/tmp")); err != nil || fi.Mode()&os.ModePerm != 0o777 || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp: %v %v, want drwxrwxrwt", fi.Mode(), err)
	}
	if fi, err := os.Stat(filepath.Join(ctx, "rootfs/usr/local/bin/deployment-action")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/deployment-action: %v", err)
	}
	if target, err := os.Readlink(filepath.Join(ctx, "rootfs/usr/local/bin/deployment-action-post")); err != nil || target != "deployment-action" {
		t.Errorf("bin/deployment-action-post -> %q, %v", target, err)
	}
	if b, err := os.ReadFile(filepath.Join(ctx, "rootfs/etc/ssl/certs/ca-certificates.crt")); err != nil || string(b) != "certs" {
		t.Errorf("CA bundle %q, %v", b, err)
	}
	if err := (imageLayout{Entrypoint: "/a/x", PostEntrypoint: "/b/x-post"}).writeContext(t.TempDir(), bin, ca, nil); err == nil {
		t.Error("entrypoints in two folders: no error")
	}
}

// TestReleaseTree: a release commit holds action.yml and launch.js as
// given (rewritten), the docs (docs/ whole: the pages the README links)
// and the rest of native/ without its tests, no Go sources, testdata or
// binaries; a mirror commit adds the binaries.
func TestReleaseTree(t *testing.T) {
	t.Parallel()
	src, bins := t.TempDir(), t.TempDir()
	for p, data := range map[string]string{"action.yml": "old", "README.md": "r", "SECURITY.md": "s", "main.go": "package main",
		"docs/recipes.md": "d", "docs/img/flow.svg": "<svg/>",
		"go.mod": "module x", "testdata/x.json": "{}", "native/action.yml": "n", "native/main.js": "m", "native/post.js": "p",
		"native/launch.js": "l", "native/fetch.js": "f", "native/cache.js": "c", "native/launch.test.js": "t", "native/native_test.go": "package x", "native/testdata/a": "a",
		"native/bin/linux-x64/deployment-action": "stale", "internal/x/x.go": "package x"} {
		os.MkdirAll(filepath.Join(src, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(src, p), []byte(data), 0o644)
	}
	for _, p := range []string{"linux-x64/deployment-action", "windows-x64/deployment-action.exe", "SHA256SUMS"} {
		os.MkdirAll(filepath.Join(bins, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(bins, p), []byte("new "+p), 0o644)
	}
	written := map[string][]byte{"action.yml": []byte("rewritten"), "native/launch.js": []byte("embedded")}
	release := []string{"README.md", "SECURITY.md", "action.yml", "docs/img/flow.svg", "docs/recipes.md", "native/action.yml", "native/cache.js", "native/fetch.js", "native/launch.js", "native/main.js", "native/post.js"}
	mirror := append(slices.Clone(release), "native/bin/SHA256SUMS", "native/bin/linux-x64/deployment-action", "native/bin/windows-x64/deployment-action.exe")
	slices.Sort(mirror)
	for _, tt := range []struct {
		name, binDir string
		want         []string
	}{{"release commit", "", release}, {"mirror commit", bins, mirror}} {
		dst := t.TempDir()
		files, err := releaseTree(src, dst, written, tt.binDir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(files, tt.want) {
			t.Errorf("%s: files %q\nwant  %q", tt.name, files, tt.want)
		}
		for p, w := range written {
			if b, _ := os.ReadFile(filepath.Join(dst, p)); string(b) != string(w) {
				t.Errorf("%s: %s %q, want %q", tt.name, p, b, w)
			}
		}
		if tt.binDir == "" {
			continue
		}
		if b, _ := os.ReadFile(filepath.Join(dst, "native/bin/linux-x64/deployment-action")); string(b) != "new linux-x64/deployment-action" {
			t.Errorf("binary %q", b)
		}
		if fi, _ := os.Stat(filepath.Join(dst, "native/bin/linux-x64/deployment-action")); fi.Mode().Perm() != 0o755 {
			t.Errorf("binary mode %v", fi.Mode())
		}
		if fi, _ := os.Stat(filepath.Join(dst, "native/bin/SHA256SUMS")); fi.Mode().Perm() != 0o644 {
			t.Errorf("SHA256SUMS mode %v", fi.Mode())
		}
	}
	os.Remove(filepath.Join(src, "native/fetch.js"))
	if _, err := releaseTree(src, t.TempDir(), written, ""); err == nil || !strings.Contains(err.Error(), "native/fetch.js") {
		t.Errorf("without native/fetch.js: %v", err)
	}
}

// TestCommitTree makes a release commit in a scratch repository: its
// parent is main, it holds exactly the tree, and the checkout, index and
// refs are untouched.
func TestCommitTree(t *testing.T) {
	t.Parallel()
	repo := t.TempDir()
	sh := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	sh(repo, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(repo, "main.go"), []byte("package main\n"), 0o644)
	os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("/native/bin/\n"), 0o644)
	sh(repo, "add", ".")
	sh(repo, "commit", "-qm", "main")
	main := sh(repo, "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(repo, "dirty"), []byte("x"), 0o644)
	tree := t.TempDir()
	os.MkdirAll(filepath.Join(tree, "native/bin/linux-x64"), 0o755)
	os.WriteFile(filepath.Join(tree, "action.yml"), []byte("runs:\r\n"), 0o644)
	os.WriteFile(filepath.Join(tree, "native/bin/linux-x64/deployment-action"), []byte("\x7fELF"), 0o755)
	g := Git{Dir: repo, Env: []string{"GIT_AUTHOR_NAME=r", "GIT_AUTHOR_EMAIL=r@example.com", "GIT_COMMITTER_NAME=r", "GIT_COMMITTER_EMAIL=r@example.com"}}
	commit, err := g.commitTree(context.Background(), tree, main, "Release v1.2.3\n")
	if err != nil {
		t.Fatal(err)
	}
	if p := sh(repo, "rev-parse", commit+"^"); p != main {
		t.Errorf("parent %s, want %s", p, main)
	}
	files, err := released.ListTree(context.Background(), g.Dir, commit)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"action.yml": "100644", "native/bin/linux-x64/deployment-action": "100755"}; fmt.Sprint(files) != fmt.Sprint(want) {
		t.Errorf("tree %v, want %v", files, want)
	}
	if b := sh(repo, "show", commit+":action.yml"); b != "runs:" && b != "runs:\r" {
		t.Errorf("action.yml %q", b)
	}
	if st := sh(repo, "status", "--porcelain"); st != "?? dirty" {
		t.Errorf("status %q, want only the untracked file", st)
	}
	if h := sh(repo, "rev-parse", "HEAD"); h != main {
		t.Errorf("HEAD moved to %s", h)
	}
	if n, err := g.tarballSize(context.Background(), commit); err != nil || n <= 0 {
		t.Errorf("tarballSize = %d, %v", n, err)
	}
	out := t.TempDir()
	if err := g.Export(context.Background(), main, out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "main.go")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(out, "dirty")); err == nil {
		t.Error("Export took the checkout's untracked file")
	}
}

func TestManifestDigest(t *testing.T) {
	t.Parallel()
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}`)
	good := "sha256:" + fmt.Sprintf("%x", sha256Sum(manifest))
	var header string
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		if r.URL.Query().Get("scope") != "repository:o/r:pull" || u != "actor" || p != "secret" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		w.Write([]byte(`{"token":"T"}`))
	})
	mux.HandleFunc("/v2/o/r/manifests/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer T" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="reg",scope="repository:o/r:pull"`, srv.URL))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !strings.Contains(r.Header.Get("Accept"), "application/vnd.docker.distribution.manifest.v2+json") {
			http.Error(w, "accept", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Docker-Content-Digest", header)
		w.Write(manifest)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	r := Registry{Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true, User: "actor", Password: "secret"}
	header = good
	if d, err := r.manifestDigest(context.Background(), "o/r", "1.2.3"); err != nil || d != good {
		t.Errorf("manifestDigest = %s, %v; want %s", d, err, good)
	}
	header = digest
	if _, err := r.manifestDigest(context.Background(), "o/r", "1.2.3"); err == nil {
		t.Error("a Docker-Content-Digest that is not the manifest's: no error")
	}
	r.Password = "wrong"
	if _, err := r.manifestDigest(context.Background(), "o/r", "1.2.3"); err == nil {
		t.Error("a refused token: no error")
	}
}

// TestBuildIsReproducible builds linux/amd64 from the release's main
// commit, exported anew into a directory of another name and depth than
// the release's src/, with a cold build cache and an environment that
// would change the output if the build let it in (GOFLAGS, GOAMD64,
// CGO_ENABLED): the bytes are those the release shipped, as its bin/,
// SHA256SUMS and release.json name them. The binary is static and reports
// the release's version. It needs a release (DEPLOYMENT_ACTION_RELEASE_DIR):
// it skips without one, except in CI, where .ci/run makes one.
func TestBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary with a cold cache")
	}
	out := released.Dir(t, "or make one (a Docker engine builds its images; -push is not needed):\n"+
		"\tgo run ./internal/release/cmd/release -version 0.0.0-dev -registry 127.0.0.1:5000 -image o/r -out /tmp/release\n"+
		"\t"+released.Env+"=/tmp/release go test -run BuildIsReproducible ./internal/release/")
	var res Result
	err := released.ReadJSON(out, &res)
	if err != nil {
		t.Fatal(err)
	}
	tg := Target{"linux", "amd64"}
	shipped := shippedSHA256(t, out, &res, tg)
	// The committed source (not the release's src/, which could have been
	// changed since), elsewhere.
	releaseSrc := filepath.Join(out, "src")
	src := filepath.Join(t.TempDir(), "elsewhere")
	for strings.Count(src, string(filepath.Separator)) <= strings.Count(releaseSrc, string(filepath.Separator)) {
		src = filepath.Join(src, "deeper")
	}
	src = filepath.Join(src, "b")
	if err := (Git{Dir: "../.."}).Export(context.Background(), res.MainCommit, src); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOCACHE", t.TempDir())
	t.Setenv("GOFLAGS", "-gcflags=all=-N")
	t.Setenv("GOAMD64", "v3")
	t.Setenv("CGO_ENABLED", "1")
	start := time.Now()
	b, err := buildOne(context.Background(), src, res.Version, tg, filepath.Join(t.TempDir(), "elsewhere", "two", "deployment-action"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cold build of %s in %s", tg, time.Since(start).Round(100*time.Millisecond))
	if b.SHA256 != shipped {
		t.Errorf("the build from %.12s in %s is %s (%d bytes), the release shipped %s", res.MainCommit, src, b.SHA256, b.Size, shipped)
	}
	data, _ := os.ReadFile(b.Path)
	for _, p := range []string{releaseSrc, src} {
		if bytes.Contains(data, []byte(p)) {
			t.Errorf("the binary holds the source path %s", p)
		}
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		out, err := exec.Command(b.Path, "--help").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "deployment-action "+res.Version+":") {
			t.Errorf("--help: %v\n%.200s", err, out)
		}
	}
}

// shippedSHA256 is the SHA-256 of the release's binary for tg, in out/bin:
// the file's, which its SHA256SUMS and release.json must both name.
func shippedSHA256(t *testing.T, out string, res *Result, tg Target) string {
	t.Helper()
	bin := filepath.Join(out, "bin")
	sum, _, err := FileSHA256(filepath.Join(bin, filepath.FromSlash(tg.Rel())))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(bin, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := parseSums(data)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(sums, func(s Sum) bool { return s.Path == tg.Rel() }); i < 0 || sums[i].SHA256 != sum {
		t.Errorf("%s/SHA256SUMS does not name %s with its sha256 %s:\n%s", bin, tg.Rel(), sum, data)
	}
	named := false
	for _, b := range res.Binaries {
		named = named || b.Path == tg.Rel() && b.SHA256 == sum
	}
	if !named {
		t.Errorf("%s/release.json does not name %s with its sha256 %s: %+v", out, tg.Rel(), sum, res.Binaries)
	}
	return sum
}

// TestBuildIndex: the release's index is a Docker manifest list naming the
// linux/amd64 and linux/arm64 manifests, by the digests and sizes pushed,
// in that order; its digest is the SHA-256 of the bytes returned.
func TestBuildIndex(t *testing.T) {
	t.Parallel()
	amd, arm := "sha256:"+strings.Repeat("a", 64), "sha256:"+strings.Repeat("b", 64)
	var in []Descriptor
	for i, tg := range imageTargets {
		in = append(in, Descriptor{MediaType: MediaTypeDockerManifest, Digest: []string{amd, arm}[i], Size: int64(500 + i),
			Platform: &Platform{OS: tg.GOOS, Architecture: tg.GOARCH}})
	}
	mt, body, err := buildIndex(in)
	if err != nil {
		t.Fatal(err)
	}
	if mt != "application/vnd.docker.distribution.manifest.list.v2+json" {
		t.Errorf("media type %s", mt)
	}
	ix, err := ParseIndex(body)
	if err != nil {
		t.Fatal(err)
	}
	if ix.MediaType != mt || ix.SchemaVersion != 2 || len(ix.Manifests) != 2 {
		t.Fatalf("index %s", body)
	}
	want := []struct{ platform, digest string }{{"linux/amd64", amd}, {"linux/arm64", arm}}
	for i, w := range want {
		m := ix.Manifests[i]
		if m.Platform == nil || m.Platform.String() != w.platform || m.Digest != w.digest || m.Size != int64(500+i) ||
			m.MediaType != "application/vnd.docker.distribution.manifest.v2+json" {
			t.Errorf("manifest %d: %+v %v, want %s %s", i, m, m.Platform, w.platform, w.digest)
		}
	}
	// The same manifests give the same bytes.
	if _, again, _ := buildIndex(in); !bytes.Equal(again, body) {
		t.Error("buildIndex is not deterministic")
	}
	// OCI manifests give an OCI index.
	oci := slices.Clone(in)
	for i := range oci {
		oci[i].MediaType = mediaTypeOCIManifest
	}
	if mt, _, err := buildIndex(oci); err != nil || mt != mediaTypeOCIIndex {
		t.Errorf("OCI manifests: %s, %v", mt, err)
	}
	for name, bad := range map[string]func([]Descriptor){
		"no platform":      func(d []Descriptor) { d[1].Platform = nil },
		"the same twice":   func(d []Descriptor) { d[1].Platform = d[0].Platform },
		"mixed types":      func(d []Descriptor) { d[1].MediaType = mediaTypeOCIManifest },
		"an index in it":   func(d []Descriptor) { d[1].MediaType = MediaTypeDockerList },
		"a short digest":   func(d []Descriptor) { d[1].Digest = "sha256:abc" },
		"no size":          func(d []Descriptor) { d[1].Size = 0 },
		"no architecture:": func(d []Descriptor) { d[1].Platform = &Platform{OS: "linux"} },
	} {
		d := slices.Clone(in)
		bad(d)
		if _, _, err := buildIndex(d); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, _, err := buildIndex(nil); err == nil {
		t.Error("no manifests: no error")
	}
}

// TestImageManifest: what docker push sent is the image manifest itself
// (the classic image store), or an index whose manifest for the platform
// is taken (the containerd image store).
func TestImageManifest(t *testing.T) {
	t.Parallel()
	arm64 := Platform{OS: "linux", Architecture: "arm64"}
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}`)
	d, err := imageManifest(&Manifest{MediaType: MediaTypeDockerManifest, Digest: sha256Digest(body), Body: body}, arm64)
	if err != nil || d.Digest != sha256Digest(body) || d.Size != int64(len(body)) || d.MediaType != MediaTypeDockerManifest || *d.Platform != arm64 {
		t.Errorf("a manifest: %+v, %v", d, err)
	}
	child := "sha256:" + strings.Repeat("c", 64)
	ix := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + child + `","size":42,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("d", 64) + `","size":9,"platform":{"architecture":"unknown","os":"unknown"}}]}`)
	d, err = imageManifest(&Manifest{MediaType: mediaTypeOCIIndex, Digest: sha256Digest(ix), Body: ix}, arm64)
	if err != nil || d.Digest != child || d.Size != 42 || d.MediaType != mediaTypeOCIManifest || *d.Platform != arm64 {
		t.Errorf("an index: %+v, %v", d, err)
	}
	if _, err := imageManifest(&Manifest{MediaType: mediaTypeOCIIndex, Digest: sha256Digest(ix), Body: ix}, Platform{OS: "linux", Architecture: "amd64"}); err == nil {
		t.Error("an index without the platform: no error")
	}
}

// TestPutManifest: the index is PUT with its media type, with a token for
// pull,push (not the challenge's pull), and its digest is the SHA-256 of
// the bytes sent, which the registry's Docker-Content-Digest must name.
func TestPutManifest(t *testing.T) {
	t.Parallel()
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}`)
	var header string
	var got []byte
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); r.URL.Query().Get("scope") != "repository:o/r:pull,push" || u != "actor" || p != "secret" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		w.Write([]byte(`{"token":"P"}`))
	})
	mux.HandleFunc("PUT /v2/o/r/manifests/1.2.3", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer P" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="reg",scope="repository:o/r:pull"`, srv.URL))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Content-Type") != MediaTypeDockerList {
			http.Error(w, "content type", http.StatusBadRequest)
			return
		}
		got, _ = io.ReadAll(r.Body)
		w.Header().Set("Docker-Content-Digest", header)
		w.WriteHeader(http.StatusCreated)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	r := Registry{Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true, User: "actor", Password: "secret"}
	header = sha256Digest(body)
	if d, err := r.putManifest(context.Background(), "o/r", "1.2.3", MediaTypeDockerList, body); err != nil || d != header || !bytes.Equal(got, body) {
		t.Errorf("putManifest = %s, %v; sent %s; want %s", d, err, got, header)
	}
	header = digest
	if _, err := r.putManifest(context.Background(), "o/r", "1.2.3", MediaTypeDockerList, body); err == nil {
		t.Error("a Docker-Content-Digest that is not the manifest's: no error")
	}
	r.Password = "wrong"
	if _, err := r.putManifest(context.Background(), "o/r", "1.2.3", MediaTypeDockerList, body); err == nil {
		t.Error("a refused token: no error")
	}
}
