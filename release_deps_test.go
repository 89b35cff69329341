package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/release"
)

// notInRelease are the packages a release build (-tags release, as
// internal/release builds it) must not link, by what they are for: every
// job of the native entry downloads the binary (issue #23). A prefix ending
// in / stands for the packages under it.
var notInRelease = map[string]string{
	"gopkg.in/yaml.v3":              "a YAML parser: --help and local runs read internal/cli's table generated from action.yml",
	module + "/internal/actionyml":  "action.yml's parser: the demo's and the tests'",
	module + "/internal/demo":       "the demo",
	module + "/internal/demo/":      "the runner emulation",
	module + "/internal/fakegithub": "the demo's fake GitHub",
	module + "/internal/testkit/":   "test helpers",
	"github.com/rhysd/actionlint":   "the emulation's expression parser",
}

const module = "github.com/deploy-lifecycle/deployment-action"

// releaseDeps lists the packages the root package links for goos/goarch
// with tags, and the files it embeds.
func releaseDeps(t *testing.T, tags, goos, goarch string) (deps map[string]bool, embeds string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", tags, "-f", "{{.ImportPath}} {{join .EmbedFiles \",\"}}", ".")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s/%s: %v", goos, goarch, err)
	}
	deps = map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, files, _ := strings.Cut(l, " ")
		deps[path] = true
		if path == module {
			embeds = files
		}
	}
	return deps, embeds
}

// TestReleaseBinaryLinksNoYAMLParserNorDemo: on every platform a release
// ships, the release build links none of notInRelease and embeds no
// action.yml; a build without the tag (the demo's) has both, so the check
// reads what it means to.
func TestReleaseBinaryLinksNoYAMLParserNorDemo(t *testing.T) {
	t.Parallel()
	links := func(deps map[string]bool, pkg string) bool {
		for d := range deps {
			if d == pkg || strings.HasSuffix(pkg, "/") && strings.HasPrefix(d, pkg) {
				return true
			}
		}
		return false
	}
	for _, tg := range release.Targets {
		deps, embeds := releaseDeps(t, "release", tg.GOOS, tg.GOARCH)
		if !deps[module+"/internal/cli"] {
			t.Fatalf("%s/%s: go list gave no internal/cli: %v", tg.GOOS, tg.GOARCH, deps)
		}
		for pkg, what := range notInRelease {
			if links(deps, pkg) {
				t.Errorf("%s/%s: the release binary links %s (%s)", tg.GOOS, tg.GOARCH, pkg, what)
			}
		}
		if embeds != "" {
			t.Errorf("%s/%s: the release binary embeds %s", tg.GOOS, tg.GOARCH, embeds)
		}
	}
	deps, embeds := releaseDeps(t, "", "linux", "amd64")
	if !deps["gopkg.in/yaml.v3"] || !links(deps, module+"/internal/demo/") || embeds != "action.yml" {
		t.Errorf("the demo's build: yaml %t, runnersim %t, embeds %q", deps["gopkg.in/yaml.v3"], links(deps, module+"/internal/demo/"), embeds)
	}
}
