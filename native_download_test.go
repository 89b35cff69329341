package main

// The native entry's download (native/launch.js and fetch.js) against
// servers on this machine only: an asset server (http or https with a
// certificate of the test's own, trusted through NODE_EXTRA_CA_CERTS), a
// CONNECT proxy, and launch.js with the sums embedded as the release
// program embeds them (release.EmbedLauncher).
//
//	go test -run NativeDownload -v .     (needs node 18 or later on PATH)

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/release"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// TestNativeDownloadsOnceAndReusesTheToolCache: the main stage downloads
// the asset (each encoding), checks it and keeps the binary in the tool
// cache with its complete-marker; the post stage and a later job start it
// from there without a request; a cached file that changed is downloaded
// again.
func TestNativeDownloadsOnceAndReusesTheToolCache(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"br", "gzip", ""} {
		t.Run("encoding "+encOrNone(enc), func(t *testing.T) {
			t.Parallel()
			a := testAsset(t, standIn(t), enc)
			srv := newAssetServer(t, nil, a)
			dir, cache := downloadRelease(t, srv.base(""), a), t.TempDir()
			launchStage(t, dir, cache, "main").started(t, "main")
			arch := strings.SplitN(platformKey(t), "-", 2)[1]
			cached := filepath.Join(cache, "deployment-action", testVersion, arch, a.Binary)
			if got, _, err := release.FileSHA256(cached); err != nil || got != a.SHA256 {
				t.Errorf("tool cache %s: %s (%v), want the binary %s", cached, got, err, a.SHA256)
			}
			if _, err := os.Stat(filepath.Join(cache, "deployment-action", testVersion, arch+".complete")); err != nil {
				t.Errorf("no complete-marker: %v", err)
			}
			launchStage(t, dir, cache, "post").started(t, "post")
			launchStage(t, dir, cache, "main").started(t, "main") // a later job on the same runner
			if n := srv.count(); n != 1 {
				t.Errorf("%d requests for three starts, want 1", n)
			}
			if err := os.WriteFile(cached, []byte("#!/bin/sh\necho TAMPERED\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			l := launchStage(t, dir, cache, "post")
			l.started(t, "post")
			if strings.Contains(l.stdout, "TAMPERED") || srv.count() != 2 || !strings.Contains(l.stderr, "does not match") {
				t.Errorf("a changed cached binary: %d requests, stdout %q; want it downloaded again", srv.count(), l.stdout)
			}
		})
	}
}

func encOrNone(e string) string {
	if e == "" {
		return "none"
	}
	return e
}

// TestNativeDownloadFailsWithOneError: whatever goes wrong with the
// download, the launcher starts nothing and prints one ::error:: naming
// the URL, the hosts a runner must reach, the mirror variable and the
// container entry; it retries only what may pass, a bounded number of
// times.
func TestNativeDownloadFailsWithOneError(t *testing.T) {
	t.Parallel()
	data := standIn(t)
	tests := []struct {
		name         string
		handle       func(w http.ResponseWriter, r *http.Request, n int, body []byte)
		env          []string
		want         string
		wantRequests int
		download     bool // a download failure (else a bad setting)
	}{
		{"tampered asset", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			b := append([]byte(nil), body...)
			b[len(b)-1] ^= 1
			w.Write(b)
		}, nil, fmt.Sprintf("checksum mismatch: part %d of %[1]d of the asset has SHA-256", release.AssetParts), 1, true},
		{"tampered first part", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			b := append([]byte(nil), body...)
			b[0] ^= 1
			w.Write(b)
		}, nil, fmt.Sprintf("checksum mismatch: part 1 of %d of the asset has SHA-256", release.AssetParts), 1, true},
		{"halves swapped", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			// The asset's two halves in the wrong order: the first part's sum fails.
			half := len(body) / 2
			w.Write(append(append([]byte(nil), body[half:]...), body[:half]...))
		}, nil, fmt.Sprintf("checksum mismatch: part 1 of %d", release.AssetParts), 1, true},
		{"missing asset", func(w http.ResponseWriter, r *http.Request, n int, body []byte) { http.NotFound(w, r) },
			nil, "answered 404 (no such asset", 1, true},
		{"server error every time", func(w http.ResponseWriter, r *http.Request, n int, body []byte) { w.WriteHeader(503) },
			nil, "answered 503 (attempt 3 of 3)", 3, true},
		{"slow asset", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			for i := range body {
				w.Write(body[i : i+1])
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(300 * time.Millisecond):
				}
			}
		}, []string{"DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT=1"}, "no complete answer within 1 s (attempt 3 of 3)", 3, true},
		{"redirect to http", func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
			http.Redirect(w, r, "http://"+r.Host+"/elsewhere?token=secret", http.StatusFound)
		}, nil, "/elsewhere, which is not https: refused", 1, true},
		{"mirror URL not http(s)", nil, []string{"DEPLOYMENT_ACTION_DOWNLOAD_URL=ftp://mirror.example/x"}, "DEPLOYMENT_ACTION_DOWNLOAD_URL is \"ftp://mirror.example/x\"", 0, false},
		{"timeout not a number", nil, []string{"DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT=soon"}, "DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT is \"soon\": want whole seconds", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := testAsset(t, data, "gzip")
			srv := newAssetServer(t, nil, a)
			srv.setHandle(tt.handle)
			cache := t.TempDir()
			l := launchStage(t, downloadRelease(t, srv.base(""), a), cache, "main", tt.env...)
			line := l.oneError(t)
			if !strings.Contains(line, tt.want) {
				t.Errorf("error %q, want it to say %q", line, tt.want)
			}
			if n := srv.count(); n != tt.wantRequests {
				t.Errorf("%d requests, want %d", n, tt.wantRequests)
			}
			if left := cacheFiles(t, cache); len(left) > 0 {
				t.Errorf("the failed download left %v in the tool cache", left)
			}
			if strings.Contains(l.stdout+l.stderr, "secret") {
				t.Errorf("a redirect's query reached the log: %q", l.stdout)
			}
			if !tt.download {
				return
			}
			host := strings.TrimPrefix(srv.URL, "http://")
			for _, w := range []string{srv.base("") + "/" + a.Name, "must reach " + host, "DEPLOYMENT_ACTION_DOWNLOAD_URL", "deploy-lifecycle/deployment-action@v1"} {
				if !strings.Contains(line, w) {
					t.Errorf("error %q does not name %q", line, w)
				}
			}
		})
	}
}

// TestNativeDownloadReadsOnlyTheAssetsBytes: an answer with a megabyte
// more than the asset after it: the binary starts from the asset's bytes,
// after one request; what comes after them is never read.
func TestNativeDownloadReadsOnlyTheAssetsBytes(t *testing.T) {
	t.Parallel()
	a := testAsset(t, standIn(t), "gzip")
	srv := newAssetServer(t, nil, a)
	srv.setHandle(func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
		w.Write(append(body, make([]byte, 1<<20)...))
	})
	launchStage(t, downloadRelease(t, srv.base(""), a), t.TempDir(), "main").started(t, "main")
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestNativeDownloadRetriesWhatMayPass: a 503, then the asset: started,
// after two requests.
func TestNativeDownloadRetriesWhatMayPass(t *testing.T) {
	t.Parallel()
	a := testAsset(t, standIn(t), "br")
	srv := newAssetServer(t, nil, a)
	srv.setHandle(func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write(body)
	})
	l := launchStage(t, downloadRelease(t, srv.base(""), a), t.TempDir(), "main")
	l.started(t, "main")
	if n := srv.count(); n != 2 || !strings.Contains(l.stderr, "attempt 2 of 3") {
		t.Errorf("%d requests, stdout %q: want a retry after the 503", n, l.stdout)
	}
}

// TestNativeDownloadThatBreaksOffMidAssetIsTriedAgain: the first answer breaks
// off after three of the asset's four parts, the second is whole: the
// binary starts, checked, after two requests, and the tool cache holds
// it and its marker, no temporary file.
func TestNativeDownloadThatBreaksOffMidAssetIsTriedAgain(t *testing.T) {
	t.Parallel()
	// The stand-in with 64 KiB of noise after its exit, so that each part
	// is more than a few bytes.
	noise := make([]byte, 48<<10)
	rand.New(rand.NewSource(23)).Read(noise)
	bin := append(standIn(t), []byte("exit 0\n# "+base64.StdEncoding.EncodeToString(noise)+"\n")...)
	a := testAsset(t, bin, "br")
	if len(a.Parts) != release.AssetParts || release.AssetParts < 2 {
		t.Fatalf("%d parts, want %d (at least 2)", len(a.Parts), release.AssetParts)
	}
	cut := a.AssetSize - a.Parts[len(a.Parts)-1].Size/2
	srv := newAssetServer(t, nil, a)
	srv.setHandle(func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		if n > 1 {
			w.Write(body)
			return
		}
		w.Write(body[:cut])
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	cache := t.TempDir()
	l := launchStage(t, downloadRelease(t, srv.base(""), a), cache, "main")
	l.started(t, "main")
	if n := srv.count(); n != 2 || !strings.Contains(l.stderr, "broke off after") {
		t.Errorf("%d requests, stderr %q: want a second attempt after the break", n, l.stderr)
	}
	_, arch, _ := strings.Cut(platformKey(t), "-")
	want := []string{filepath.Join("deployment-action", testVersion, arch, a.Binary), filepath.Join("deployment-action", testVersion, arch+".complete")}
	slices.Sort(want)
	if got := cacheFiles(t, cache); !slices.Equal(got, want) {
		t.Errorf("tool cache holds %v, want %v", got, want)
	}
}

// cacheFiles are the files under dir, relative, sorted.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// TestNativeDownloadThroughTheProxy: with https_proxy set, the asset (on
// https, at a name only the proxy can reach) comes through a CONNECT
// tunnel, with the proxy's credentials; no_proxy sends a host around it;
// an http mirror goes through http_proxy; a proxy that refuses the tunnel
// is one ::error::.
func TestNativeDownloadThroughTheProxy(t *testing.T) {
	t.Parallel()
	cert, ca := testCert(t)
	a := testAsset(t, standIn(t), "br")
	// The asset server's URL as host ("": its own address); each case has
	// a server of its own.
	tests := []struct {
		name     string
		tls      bool
		host     string
		env      []string
		refuse   int
		want     string // in the proxy's log
		viaProxy bool
	}{
		{"https through CONNECT", true, "assets.invalid", []string{"https_proxy=http://user:p%40ss@127.0.0.1:{proxy}"}, 0, "CONNECT assets.invalid:", true},
		{"HTTPS_PROXY without a scheme", true, "assets.invalid", []string{"HTTPS_PROXY=127.0.0.1:{proxy}"}, 0, "CONNECT assets.invalid:", true},
		{"no_proxy names the host", true, "", []string{"https_proxy=http://127.0.0.1:{proxy}", "no_proxy=example.com, 127.0.0.1"}, 0, "", false},
		{"http mirror through http_proxy", false, "assets.invalid", []string{"http_proxy=http://127.0.0.1:{proxy}", "DEPLOYMENT_ACTION_DOWNLOAD_URL={base}"},
			0, "GET http://assets.invalid:", true},
		{"proxy refuses the tunnel", true, "assets.invalid", []string{"https_proxy=http://127.0.0.1:{proxy}"}, http.StatusForbidden, "CONNECT assets.invalid:", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srv *assetServer
			if tt.tls {
				srv = newAssetServer(t, cert, a)
			} else {
				srv = newAssetServer(t, nil, a)
			}
			proxy := newConnectProxy(t, srv.Listener.Addr().String(), tt.refuse)
			env := []string{"NODE_EXTRA_CA_CERTS=" + ca}
			for _, kv := range tt.env {
				kv = strings.ReplaceAll(kv, "{proxy}", strings.Split(proxy.URL, ":")[2])
				env = append(env, strings.ReplaceAll(kv, "{base}", srv.base(tt.host)))
			}
			l := launchStage(t, downloadRelease(t, srv.base(tt.host), a), t.TempDir(), "main", env...)
			seen := proxy.requests()
			if tt.refuse != 0 {
				line := l.oneError(t)
				if !strings.Contains(line, "answered 403 to CONNECT assets.invalid:") || !strings.Contains(line, "must reach assets.invalid:") {
					t.Errorf("error %q: want the proxy's refusal and the host to allow", line)
				}
				return
			}
			l.started(t, "main")
			if !tt.viaProxy {
				if len(seen) != 0 {
					t.Errorf("the proxy saw %q, want nothing (no_proxy)", seen)
				}
				return
			}
			if len(seen) != 1 || !strings.HasPrefix(seen[0], tt.want) || srv.count() != 1 {
				t.Errorf("the proxy saw %q, the server %d requests; want one %q", seen, srv.count(), tt.want)
			}
			if strings.Contains(tt.name, "through CONNECT") && !strings.HasSuffix(seen[0], " Basic dXNlcjpwQHNz") {
				t.Errorf("proxy request %q: want the proxy URL's user and password as Proxy-Authorization", seen[0])
			}
		})
	}
}

// TestNativeDownloadFollowsRedirectsToHTTPS: the release's URL redirects
// to a signed https URL (as github.com's release downloads do): followed,
// its query kept out of the log; an untrusted certificate there is one
// ::error:: after one attempt.
func TestNativeDownloadFollowsRedirectsToHTTPS(t *testing.T) {
	t.Parallel()
	cert, ca := testCert(t)
	a := testAsset(t, standIn(t), "br")
	objects := newAssetServer(t, cert, a)
	front := newAssetServer(t, nil, a)
	front.setHandle(func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
		http.Redirect(w, r, objects.base("")+"/"+a.Name+"?X-Amz-Signature=secret", http.StatusFound)
	})
	dir := downloadRelease(t, front.base(""), a)
	l := launchStage(t, dir, t.TempDir(), "main", "NODE_EXTRA_CA_CERTS="+ca)
	l.started(t, "main")
	if front.count() != 1 || objects.count() != 1 || strings.Contains(l.stderr, "secret") {
		t.Errorf("requests %d and %d, stdout %q: want one each, no signature in the log", front.count(), objects.count(), l.stdout)
	}
	line := launchStage(t, dir, t.TempDir(), "main").oneError(t)
	if !strings.Contains(line, "must reach "+strings.TrimPrefix(front.URL, "http://")+", "+strings.TrimPrefix(objects.URL, "https://")) ||
		!strings.Contains(line, "SELF_SIGNED") || front.count() != 2 {
		t.Errorf("untrusted certificate: error %q after %d attempts; want the certificate refused and the two hosts named, one attempt", line, front.count()-1)
	}
}

// TestNativeDownloadNamesGitHubsHosts: a release on github.com names the
// hosts GitHub's release downloads need (here through a proxy that
// refuses everything: nothing leaves this machine).
func TestNativeDownloadNamesGitHubsHosts(t *testing.T) {
	t.Parallel()
	a := testAsset(t, standIn(t), "br")
	proxy := newConnectProxy(t, "127.0.0.1:9", http.StatusForbidden)
	dir := downloadRelease(t, "https://github.com/deploy-lifecycle/deployment-action/releases/download/v"+testVersion, a)
	line := launchStage(t, dir, t.TempDir(), "main", "https_proxy="+proxy.URL).oneError(t)
	for _, w := range []string{"https://github.com/deploy-lifecycle/deployment-action/releases/download/v" + testVersion + "/" + a.Name,
		"must reach github.com, release-assets.githubusercontent.com, objects.githubusercontent.com over https", "https_proxy"} {
		if !strings.Contains(line, w) {
			t.Errorf("error %q does not say %q", line, w)
		}
	}
}

// TestNativeLifecycleDownloadsTheBinary runs start and its post stage of
// a release commit's native entry (no binaries in it) as the runner does:
// the main stage downloads the real binary's brotli asset into the tool
// cache, the post stage starts it from there; one request in all.
func TestNativeLifecycleDownloadsTheBinary(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(nativeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	a := testAsset(t, data, "br")
	srv := newAssetServer(t, nil, a)
	cache := t.TempDir()
	job, f, _ := newNativeJob(t, downloadRelease(t, srv.base(""), a), nil, "RUNNER_TOOL_CACHE", cache)
	main := run(t, job, startStep)
	if main.ExitCode != 0 || main.Outputs["deployment-id"] == "" {
		t.Fatalf("main exited %d:\n%s%s", main.ExitCode, main.Stdout, main.Stderr)
	}
	job.SetOutput("deploy", "url", "https://staging.example.com")
	posts := post(t, job)
	if len(posts) != 1 || posts[0].ExitCode != 0 {
		t.Fatalf("post: %+v", posts)
	}
	if ds := f.AddRepo(fgtest.Repo).Deployments(); len(ds) != 1 || ds[0].States[0] != "success" {
		t.Errorf("deployments %+v, want one, successful", ds)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("%d asset requests for main and post, want 1", n)
	}
}

// TestNativeKeepsTheBinaryInRunnerTempWhenTheToolCacheIsReadOnly: a tool
// cache that cannot be written (here a file: the tests run as root) sends
// the binary to RUNNER_TEMP, where the post stage finds it.
func TestNativeKeepsTheBinaryInRunnerTempWhenTheToolCacheIsReadOnly(t *testing.T) {
	t.Parallel()
	a := testAsset(t, standIn(t), "br")
	srv := newAssetServer(t, nil, a)
	dir := downloadRelease(t, srv.base(""), a)
	notADir := filepath.Join(t.TempDir(), "toolcache")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	temp := t.TempDir()
	main := launchStage(t, dir, notADir, "main", "RUNNER_TEMP="+temp)
	main.started(t, "main")
	if !strings.Contains(main.stderr, "the binary is kept in "+filepath.Join(temp, "deployment-action")) {
		t.Errorf("stderr %q: want where the binary went", main.stderr)
	}
	launchStage(t, dir, notADir, "post", "RUNNER_TEMP="+temp).started(t, "post")
	if n := srv.count(); n != 1 {
		t.Errorf("%d requests for main and post, want 1", n)
	}
}
