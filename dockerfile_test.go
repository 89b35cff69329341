package main

import (
	"os"
	"path"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/deploy-lifecycle/deployment-action/internal/release"
)

// TestDockerfile checks the Dockerfile with BuildKit's own parser (there is
// no Docker engine to build it here): bases pinned by digest, a scratch
// final stage without USER, a static stripped build, and the binary under
// action.yml's entrypoint and post-entrypoint names.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	a := loadAction()
	if a.Runs.Using != "docker" {
		t.Errorf("action.yml runs.using %q, want docker", a.Runs.Using)
	}
	if a.Runs.Image != "Dockerfile" {
		t.Errorf("action.yml runs.image %q, want Dockerfile", a.Runs.Image)
	}
	var froms []string
	var all strings.Builder
	var entrypoint string
	for _, n := range res.AST.Children {
		all.WriteString(n.Original + "\n")
		switch strings.ToLower(n.Value) {
		case "from":
			froms = append(froms, n.Next.Value)
		case "user":
			t.Errorf("Dockerfile has %q: container actions must run as root", n.Original)
		case "entrypoint":
			if n.Next != nil {
				entrypoint = n.Next.Value
			}
		}
	}
	if len(froms) < 2 || froms[len(froms)-1] != "scratch" {
		t.Errorf("stages %v: want a multi-stage build ending FROM scratch", froms)
	}
	for _, from := range froms[:len(froms)-1] {
		if !strings.Contains(from, "@sha256:") {
			t.Errorf("base %q is not pinned by digest", from)
		}
	}
	if entrypoint != a.Runs.Entrypoint {
		t.Errorf("ENTRYPOINT %q, want action.yml's entrypoint %q", entrypoint, a.Runs.Entrypoint)
	}
	text := all.String()
	main, post := path.Base(a.Runs.Entrypoint), path.Base(a.Runs.PostEntrypoint)
	if path.Dir(a.Runs.Entrypoint) != path.Dir(a.Runs.PostEntrypoint) {
		t.Errorf("entrypoint and post-entrypoint in different folders: %s, %s", a.Runs.Entrypoint, a.Runs.PostEntrypoint)
	}
	flags := strings.Join(release.BuildFlags, " ")
	for _, f := range release.BuildFlags {
		if strings.HasPrefix(f, "-gcflags=") {
			flags = strings.Replace(flags, f, `"`+f+`"`, 1)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(text, "\\\n", " ")), " "), flags) {
		t.Errorf("Dockerfile's go build lacks the release's flags %s", flags)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-s -w", "-o /out/" + main, "ln -s " + main + " /out/" + post,
		"COPY --from=build /out/ " + path.Dir(a.Runs.Entrypoint) + "/", "ca-certificates.crt", "mkdir -m 1777 /out-tmp", "COPY --from=build /out-tmp/ /tmp/"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
