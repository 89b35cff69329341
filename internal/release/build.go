package release

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// module is the action's module path; the version is set in its app package.
const module = "github.com/deploy-lifecycle/deployment-action"

// binary is one built binary.
type binary struct {
	Target Target
	Path   string // on disk
	SHA256 string
	Size   int64
}

// ldFlags are the linker flags of a release build: stripped, no build ID
// (the same source gives the same bytes) and the version.
func ldFlags(version string) string {
	return "-s -w -buildid= -X " + module + "/internal/app.Version=" + version
}

// BuildFlags are `go build`'s flags for a release binary, but -ldflags
// and -o: every build of the binary a job runs (the release's, the
// image's Dockerfile, the tests' and benchmarks') uses them. Each job of
// the native entry downloads the binary, so they make it small:
//   - the release tag leaves the demo out (its fake GitHub, the runner
//     emulation and actionlint's expression parser);
//   - nethttpomithttp2 leaves net/http's HTTP/2 out: each stage makes a
//     few requests in turn, which HTTP/1.1 keep-alive serves as well
//     (360 KB);
//   - no inlining outside the runtime and crypto: the binary waits on
//     GitHub for all but milliseconds of a stage (a start and post stage
//     use 0.7 ms more CPU), and TLS's and the runtime's hot paths keep
//     theirs (330 KB; 217 KB of the brotli asset).
//
// The linux-x64 binary is 7,770,238 bytes with the release tag alone and
// 7,065,726 with these.
var BuildFlags = []string{"-tags", "release,nethttpomithttp2", "-trimpath", "-buildvcs=false",
	"-gcflags=all=-l", "-gcflags=runtime/...=", "-gcflags=crypto/...=", "-gcflags=vendor/golang.org/x/crypto/...="}

// buildArgs are `go build`'s arguments for the binary at out.
func buildArgs(version, out string) []string {
	return append(append([]string{"build"}, BuildFlags...), "-ldflags", ldFlags(version), "-o", out, ".")
}

// buildEnv is the environment of a release build: this process's (PATH,
// HOME, GOCACHE, GOMODCACHE, GOPROXY…) without anything that changes what
// the compiler produces (GOFLAGS, GOAMD64, GOEXPERIMENT, a go.work…), for
// target t, without cgo.
func buildEnv(t Target) []string {
	drop := map[string]bool{"GOFLAGS": true, "GOOS": true, "GOARCH": true, "CGO_ENABLED": true, "GOAMD64": true,
		"GOARM64": true, "GOARM": true, "GO386": true, "GOEXPERIMENT": true, "GOWORK": true, "GODEBUG": true,
		"CC": true, "CXX": true, "CGO_CFLAGS": true, "CGO_LDFLAGS": true, "GOROOT_FINAL": true}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			env = append(env, kv)
		}
	}
	return append(env, "GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
}

// buildOne builds the main package in src for t into out.
func buildOne(ctx context.Context, src, version string, t Target, out string) (binary, error) {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return binary{}, err
	}
	cmd := exec.CommandContext(ctx, "go", buildArgs(version, out)...)
	cmd.Dir, cmd.Env = src, buildEnv(t)
	if o, err := cmd.CombinedOutput(); err != nil {
		return binary{}, fmt.Errorf("go build for %s: %v\n%s", t, err, o)
	}
	sum, size, err := FileSHA256(out)
	if err != nil {
		return binary{}, err
	}
	return binary{Target: t, Path: out, SHA256: sum, Size: size}, nil
}

// build builds the main package in src for every target into
// binDir/<os>-<arch>/deployment-action[.exe] and writes binDir/SHA256SUMS.
func build(ctx context.Context, src, version, binDir string, targets []Target, log func(string, ...any)) ([]binary, error) {
	if err := validVersion(version); err != nil {
		return nil, err
	}
	var bins []binary
	var sums []Sum
	for _, t := range targets {
		start := time.Now()
		b, err := buildOne(ctx, src, version, t, filepath.Join(binDir, filepath.FromSlash(t.Rel())))
		if err != nil {
			return nil, err
		}
		log("built %-13s %9d bytes in %s", t.Rel(), b.Size, time.Since(start).Round(10*time.Millisecond))
		bins = append(bins, b)
		sums = append(sums, Sum{SHA256: b.SHA256, Path: t.Rel()})
	}
	data, err := formatSums(sums)
	if err != nil {
		return nil, err
	}
	return bins, os.WriteFile(filepath.Join(binDir, "SHA256SUMS"), data, 0o644)
}

// validVersion accepts X.Y.Z (with an optional -prerelease, e.g. 1.2.3-rc.1
// or 0.0.0-ci): it becomes the tag vX.Y.Z and the image tag.
func validVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("version %q: want X.Y.Z or X.Y.Z-PRERELEASE (no leading v)", v)
	}
	return nil
}
