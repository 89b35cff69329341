// Package release builds a release of the action: the binary for every
// platform the native entry supports, each compressed into a release
// asset, the container image (FROM scratch, for linux/amd64 and
// linux/arm64 around those binaries, and the index of the two), and a
// release commit without binaries: its action.yml points at the index by
// digest, its native/launch.js names every asset and binary by SHA-256.
// With Mirror also a commit with the binaries, for mirrors of air-gapped
// runners. cmd/release is its command line; RELEASE.md describes the flow.
package release

import (
	"fmt"
	"path"
	"regexp"
)

// Target is one platform the native entry runs on.
type Target struct {
	GOOS, GOARCH string
}

// Targets are the platforms of a release: GitHub's hosted runners and the
// usual self-hosted ones. native/launch.js picks one by RUNNER_OS/ARCH.
var Targets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// arch is the runner's name for the architecture (RUNNER_ARCH, lower-cased
// as Node's process.arch): x64 for amd64.
func (t Target) arch() string {
	switch t.GOARCH {
	case "amd64":
		return "x64"
	case "arm64":
		return "arm64"
	}
	panic(fmt.Sprintf("release: no runner name for GOARCH %q", t.GOARCH))
}

// dir is the target's folder under native/bin: <os>-<arch>, e.g. linux-x64.
func (t Target) dir() string { return t.GOOS + "-" + t.arch() }

// binName is the binary's file name: deployment-action, with .exe on Windows.
func (t Target) binName() string {
	if t.GOOS == "windows" {
		return binaryName + ".exe"
	}
	return binaryName
}

// Rel is the binary's path relative to native/bin, as SHA256SUMS names it.
func (t Target) Rel() string { return path.Join(t.dir(), t.binName()) }

func (t Target) String() string { return t.GOOS + "/" + t.GOARCH }

// binaryName is the binary's name (the main stage's entrypoint name).
const binaryName = "deployment-action"

var versionRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)
