package main

// The test kit of the native entry's download tests: a release's asset
// made as the release program makes it, launch.js with its sums embedded
// (release.EmbedLauncher), an asset server (http, or https with a
// certificate of the test's own, trusted through NODE_EXTRA_CA_CERTS), a
// CONNECT proxy, and the launcher run with nothing of this machine's
// environment but PATH and HOME.

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/release"
)

// testVersion is the version of the test releases.
const testVersion = "0.0.0-test"

// platformKey is this machine's <os>-<arch>.
func platformKey(t testing.TB) string { return path.Dir(hostPlatform(t)) }

var assetBodies sync.Map // asset SHA-256 → its bytes

// testAsset is the release asset of binary data for this machine's
// platform in encoding (brotli at a fast quality, 5: the release uses 11).
func testAsset(t testing.TB, data []byte, encoding string) release.Asset {
	t.Helper()
	return testAssetQuality(t, data, encoding, 5)
}

// testAssetQuality is testAsset at a compression quality, in the
// release's parts.
func testAssetQuality(t testing.TB, data []byte, encoding string, quality int) release.Asset {
	t.Helper()
	body, parts, err := release.EncodeParts(data, encoding, quality, release.AssetParts)
	if err != nil {
		t.Fatal(err)
	}
	rel := hostPlatform(t)
	ext := map[string]string{"br": ".br", "gzip": ".gz", "": ""}[encoding]
	a := release.Asset{Target: platformKey(t), Binary: path.Base(rel), Name: "deployment-action-" + platformKey(t) + ext,
		Encoding: encoding, Size: int64(len(data)), SHA256: sha256Hex(data), AssetSize: int64(len(body)), AssetSHA256: sha256Hex(body), Parts: parts}
	assetBodies.Store(a.AssetSHA256, body)
	return a
}

// nativeLauncher is the RELEASE a release of assets at url writes into launch.js.
func nativeLauncher(t testing.TB, url string, assets ...release.Asset) release.Launcher {
	t.Helper()
	return release.NewLauncher(testVersion, url, assets)
}

// writeLauncher writes the checkout's launch.js with l embedded into dir.
func writeLauncher(t testing.TB, dir string, l release.Launcher) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("native", "launch.js"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := release.EmbedLauncher(src, l)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "launch.js"), js, 0o644); err != nil {
		t.Fatal(err)
	}
}

// assetServer serves release assets under /releases/download/v<version>/,
// each request through handle when it is set (n counts from 1).
type assetServer struct {
	*httptest.Server
	version  string
	mu       sync.Mutex
	requests []string
	assets   map[string][]byte
	handle   func(w http.ResponseWriter, r *http.Request, n int, body []byte)
}

func newAssetServer(t testing.TB, cert *tls.Certificate, assets ...release.Asset) *assetServer {
	t.Helper()
	return newReleaseServer(t, testVersion, cert, assets...)
}

// newReleaseServer serves assets (their bodies in assetBodies) as the
// release of version.
func newReleaseServer(t testing.TB, version string, cert *tls.Certificate, assets ...release.Asset) *assetServer {
	t.Helper()
	s := &assetServer{assets: map[string][]byte{}, version: version}
	for _, a := range assets {
		b, _ := assetBodies.Load(a.AssetSHA256)
		s.assets[a.Name] = b.([]byte)
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if cert != nil {
		s.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *assetServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.Path)
	n := len(s.requests)
	s.mu.Unlock()
	dir, name := path.Split(r.URL.Path)
	body, ok := s.assets[name]
	if dir != "/releases/download/v"+s.version+"/" || !ok {
		http.NotFound(w, r)
		return
	}
	if handle := s.handler(); handle != nil {
		handle(w, r, n, body)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(body)
}

// base is the server's folder of assets, as host (default: its own).
func (s *assetServer) base(host string) string {
	scheme, addr, _ := strings.Cut(s.URL, "://")
	if host != "" {
		_, port, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort(host, port)
	}
	return scheme + "://" + addr + "/releases/download/v" + s.version
}

// setHandle makes handle serve the requests from now on.
func (s *assetServer) setHandle(handle func(w http.ResponseWriter, r *http.Request, n int, body []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handle = handle
}

func (s *assetServer) handler() func(w http.ResponseWriter, r *http.Request, n int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handle
}

func (s *assetServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// connectProxy is an http proxy that dials dial whatever host it is asked
// for: CONNECT tunnels, and absolute-form GETs. refuse answers every
// request with that status instead.
type connectProxy struct {
	*httptest.Server
	dial   string
	refuse int
	mu     sync.Mutex
	seen   []string // "CONNECT host:port" or "GET url", with the Proxy-Authorization
}

func newConnectProxy(t testing.TB, dial string, refuse int) *connectProxy {
	t.Helper()
	p := &connectProxy{dial: dial, refuse: refuse}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	target := r.Host
	if r.Method != http.MethodConnect {
		target = r.URL.String()
	}
	p.seen = append(p.seen, r.Method+" "+target+" "+r.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()
	if p.refuse != 0 {
		w.WriteHeader(p.refuse)
		return
	}
	up, err := net.Dial("tcp", p.dial)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer up.Close()
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	if r.Method == http.MethodConnect {
		rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
		rw.Flush()
		go io.Copy(up, rw)
		io.Copy(conn, up)
		return
	}
	r.RequestURI = ""
	r.Header.Del("Proxy-Authorization")
	r.Close = true
	r.Write(up)
	io.Copy(conn, bufio.NewReader(up))
}

func (p *connectProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// testCert is a self-signed certificate for assets.invalid and 127.0.0.1,
// and the PEM file that trusts it (for NODE_EXTRA_CA_CERTS).
func testCert(t testing.TB) (*tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(23), Subject: pkix.Name{CommonName: "deployment-action test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"assets.invalid"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// standIn is a stand-in binary: a shell script that says it started, and
// in which stage.
func standIn(t testing.TB) []byte {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil || hostPlatform(t) == "" {
		t.Skip("the stand-in binary is a shell script")
	}
	return []byte("#!/bin/sh\necho \"STARTED $DEPLOYMENT_ACTION_STAGE\"\n")
}

// downloadRelease is native/ without binaries (a release commit's), its
// launch.js naming asset a at url.
func downloadRelease(t testing.TB, url string, a release.Asset) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "native")
	copyNative(t, dir)
	writeLauncher(t, dir, nativeLauncher(t, url, a))
	return dir
}

// launched is how one run of the launcher went.
type launched struct {
	stdout, stderr string
	code           int
}

// launchStage runs launch(stage) of dir's launch.js with only PATH, HOME,
// RUNNER_TOOL_CACHE=cache and env in its environment (no proxy of this
// machine's).
func launchStage(t testing.TB, dir, cache, stage string, env ...string) launched {
	t.Helper()
	requireNode(t)
	cmd := exec.Command("node", "-e", "require(process.argv[1]).launch(process.argv[2])", filepath.Join(dir, "launch.js"), stage)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "RUNNER_TOOL_CACHE=" + cache}, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	l := launched{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		l.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return l
}

// started checks that the stand-in ran for stage and nothing failed:
// stdout is the binary's, stderr the launcher's progress lines.
func (l launched) started(t testing.TB, stage string) {
	t.Helper()
	if l.code != 0 || l.stdout != "STARTED "+stage+"\n" || !l.progressOnly() {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want the binary started, no workflow command", stage, l.code, l.stdout, l.stderr)
	}
}

// progressOnly reports whether every line on stderr is the launcher's
// progress, no workflow command.
func (l launched) progressOnly() bool {
	for _, line := range strings.Split(strings.TrimSuffix(l.stderr, "\n"), "\n") {
		if line != "" && (!strings.HasPrefix(line, "deployment-action: ") || strings.Contains(line, "::") || strings.Contains(line, "##[")) {
			return false
		}
	}
	return true
}

// oneError checks that the launcher stopped with exactly one ::error::
// line (and no other workflow command), exit 1, nothing started, and
// returns the line.
func (l launched) oneError(t testing.TB) string {
	t.Helper()
	var errs []string
	for _, line := range strings.Split(strings.TrimSuffix(l.stdout, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "::error::"):
			errs = append(errs, line)
		case strings.Contains(line, "::") || strings.Contains(line, "##["):
			t.Errorf("a line the runner may read as a command: %q", line)
		}
	}
	if l.code != 1 || len(errs) != 1 || strings.Contains(l.stdout, "STARTED") || !l.progressOnly() {
		t.Errorf("exit %d, stdout %q, stderr %q: want one ::error:: line, exit 1, nothing started", l.code, l.stdout, l.stderr)
		return ""
	}
	return errs[0]
}
