package release

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

// Options are a release's settings (cmd/release's flags).
type Options struct {
	Version  string // X.Y.Z
	Registry string // 127.0.0.1:5000, ghcr.io
	Image    string // deploy-lifecycle/deployment-action
	Out      string // a new or empty directory for everything the release writes
	Repo     string // the repository (a directory in it); default "."
	Ref      string // main's commit to release; default HEAD
	// Push pushes the image, reads its digest and makes the release commit;
	// without it, only the binaries and the image are built.
	Push bool
	// Insecure talks http to the registry (default: for 127.0.0.1 and localhost).
	Insecure *bool
	// RegistryUser and RegistryPassword are for reading the manifest back
	// (ghcr.io: the actor and GITHUB_TOKEN); docker push uses docker's login.
	RegistryUser, RegistryPassword string
	CABundle                       string // default /etc/ssl/certs/ca-certificates.crt
	SourceURL                      string // org.opencontainers.image.source label, if set
	Targets                        []Target
	Docker                         Docker
	Log                            func(format string, args ...any)
}

// Result is what a release made; Out/release.json holds it.
type Result struct {
	Version    string `json:"version"`
	MainCommit string `json:"main_commit"`
	Commit     string `json:"commit,omitempty"` // the release commit (with -push)
	ImageTag   string `json:"image_tag"`
	Digest     string `json:"digest,omitempty"` // the index's
	// IndexMediaType is the index's media type (a Docker manifest list).
	IndexMediaType string          `json:"index_media_type,omitempty"`
	Platforms      []PlatformImage `json:"platforms"`       // the images the index names
	Image          string          `json:"image,omitempty"` // docker://REGISTRY/IMAGE@sha256:…, action.yml's runs.image
	Registry       string          `json:"registry"`
	Insecure       bool            `json:"insecure_registry"`
	TarballSize    int64           `json:"tarball_size,omitempty"`
	Files          []string        `json:"files,omitempty"`
	Binaries       []struct {
		Path   string `json:"path"` // relative to native/bin
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"binaries"`
	BuildSeconds float64 `json:"build_seconds"`
}

// PlatformImage is the image of one platform: its local tag
// (REGISTRY/IMAGE:<version>-<arch>, also pushed) and, with Push, its
// manifest as the index names it.
type PlatformImage struct {
	Platform  string `json:"platform"` // linux/amd64
	Tag       string `json:"tag"`
	Digest    string `json:"digest,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
}

// Run makes a release: it exports main's commit into Out/src, builds the
// binaries into Out/bin, an image for each of ImageTargets from
// Out/image/<os>-<arch>, and with Push pushes them, pushes the index of
// the two (Out/image/index.json), checks the digests the registry serves,
// lays out Out/tree (action.yml pinning the index) and commits it.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if err := ValidVersion(o.Version); err != nil {
		return nil, err
	}
	if o.Registry == "" || o.Image == "" || o.Out == "" {
		return nil, fmt.Errorf("registry, image and out are required")
	}
	if o.Image != strings.ToLower(o.Image) || strings.Contains(o.Image, ":") || strings.Contains(o.Image, "@") {
		return nil, fmt.Errorf("image %q: want a lower-case name without tag or digest, e.g. owner/repo", o.Image)
	}
	if o.Repo == "" {
		o.Repo = "."
	}
	if o.Ref == "" {
		o.Ref = "HEAD"
	}
	if o.CABundle == "" {
		o.CABundle = "/etc/ssl/certs/ca-certificates.crt"
	}
	if o.Targets == nil {
		o.Targets = Targets
	}
	insecure := strings.HasPrefix(o.Registry, "127.0.0.1:") || strings.HasPrefix(o.Registry, "localhost:")
	if o.Insecure != nil {
		insecure = *o.Insecure
	}
	if entries, err := os.ReadDir(o.Out); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty", o.Out)
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, err
	}
	git := Git{Dir: o.Repo}
	res := &Result{Version: o.Version, Registry: o.Registry, Insecure: insecure,
		ImageTag: o.Registry + "/" + o.Image + ":" + o.Version}
	if res.MainCommit, err = git.RevParse(ctx, o.Ref); err != nil {
		return nil, err
	}
	src := filepath.Join(out, "src")
	if err := git.Export(ctx, res.MainCommit, src); err != nil {
		return nil, err
	}
	actionSrc, err := os.ReadFile(filepath.Join(src, "action.yml"))
	if err != nil {
		return nil, err
	}
	a, err := actionyml.Parse(actionSrc)
	if err != nil {
		return nil, err
	}
	if a.Runs.Using != "docker" {
		return nil, fmt.Errorf("action.yml: runs.using %q, want docker", a.Runs.Using)
	}
	// Fail before building when the native entry is missing.
	for _, p := range RequiredNative {
		if _, err := os.Stat(filepath.Join(src, filepath.FromSlash(p))); err != nil {
			return nil, fmt.Errorf("main's commit %.12s has no %s: a release carries the native entry (native/action.yml, main.js, post.js, launch.js)", res.MainCommit, p)
		}
	}

	start := time.Now()
	binDir := filepath.Join(out, "bin")
	bins, err := Build(ctx, src, o.Version, binDir, o.Targets, o.Log)
	if err != nil {
		return nil, err
	}
	res.BuildSeconds = time.Since(start).Seconds()
	o.Log("built %d targets in %.1fs", len(bins), res.BuildSeconds)
	binaries := map[Target]string{}
	for _, b := range bins {
		res.Binaries = append(res.Binaries, struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		}{b.Target.Rel(), b.Size, b.SHA256})
		binaries[b.Target] = b.Path
	}
	for _, tg := range ImageTargets {
		if binaries[tg] == "" {
			return nil, fmt.Errorf("the targets have no %s, which the image needs", tg)
		}
	}

	// An image for each of ImageTargets, each tagged <version>-<arch>;
	// with Push, an index of them tagged <version>.
	layout := ImageLayout{Entrypoint: a.Runs.Entrypoint, PostEntrypoint: a.Runs.PostEntrypoint}
	labels := map[string]string{"org.opencontainers.image.version": o.Version, "org.opencontainers.image.revision": res.MainCommit}
	if o.SourceURL != "" {
		labels["org.opencontainers.image.source"] = o.SourceURL
	}
	for _, tg := range ImageTargets {
		imgDir := filepath.Join(out, "image", tg.Dir())
		if err := layout.WriteContext(imgDir, binaries[tg], o.CABundle, labels); err != nil {
			return nil, err
		}
		p := PlatformImage{Platform: tg.String(), Tag: res.ImageTag + "-" + tg.GOARCH}
		if err := o.Docker.Build(ctx, imgDir, p.Tag, p.Platform); err != nil {
			return nil, err
		}
		o.Log("image %s built for %s", p.Tag, p.Platform)
		res.Platforms = append(res.Platforms, p)
	}
	if !o.Push {
		return res, writeResult(out, res)
	}

	reg := Registry{Host: o.Registry, Insecure: insecure, User: o.RegistryUser, Password: o.RegistryPassword}
	var manifests []Descriptor
	for i, tg := range ImageTargets {
		p := &res.Platforms[i]
		pushed, err := o.Docker.Push(ctx, p.Tag)
		if err != nil {
			return nil, err
		}
		_, tag := splitTag(p.Tag)
		var m *Manifest
		for _, ref := range []string{tag, pushed} {
			if m, err = reg.Manifest(ctx, o.Image, ref); err != nil {
				return nil, fmt.Errorf("reading the pushed manifest back: %w", err)
			}
			if m.Digest != pushed {
				return nil, fmt.Errorf("docker push reported %s, the registry serves %s for %s", pushed, m.Digest, ref)
			}
		}
		d, err := imageManifest(m, Platform{OS: tg.GOOS, Architecture: tg.GOARCH})
		if err != nil {
			return nil, err
		}
		p.Digest, p.MediaType, p.Size = d.Digest, d.MediaType, d.Size
		manifests = append(manifests, d)
		o.Log("pushed %s: %s", p.Tag, d.Digest)
	}
	indexType, index, err := BuildIndex(manifests)
	if err != nil {
		return nil, err
	}
	pushed, err := reg.PutManifest(ctx, o.Image, o.Version, indexType, index)
	if err != nil {
		return nil, fmt.Errorf("pushing the index: %w", err)
	}
	for _, ref := range []string{o.Version, pushed} {
		m, err := reg.Manifest(ctx, o.Image, ref)
		if err != nil {
			return nil, fmt.Errorf("reading the pushed index back: %w", err)
		}
		if m.Digest != pushed || m.MediaType != indexType || !bytes.Equal(m.Body, index) {
			return nil, fmt.Errorf("pushed the index %s (%s), the registry serves %s (%s) for %s", pushed, indexType, m.Digest, m.MediaType, ref)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "image", "index.json"), index, 0o644); err != nil {
		return nil, err
	}
	res.Digest, res.IndexMediaType = pushed, indexType
	res.Image = "docker://" + o.Registry + "/" + o.Image + "@" + pushed
	o.Log("pushed the index %s; the registry serves that digest", res.Image)

	rewritten, err := RewriteImage(actionSrc, res.Image)
	if err != nil {
		return nil, err
	}
	tree := filepath.Join(out, "tree")
	if res.Files, err = ReleaseTree(src, tree, rewritten, binDir); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("Release v%s\n\nBuilt from %s by internal/release.\nImage: %s\nNative binaries: native/bin (see SHA256SUMS)\n",
		o.Version, res.MainCommit, res.Image)
	if res.Commit, err = git.CommitTree(ctx, tree, res.MainCommit, msg); err != nil {
		return nil, err
	}
	if res.TarballSize, err = git.TarballSize(ctx, res.Commit); err != nil {
		return nil, err
	}
	return res, writeResult(out, res)
}

// writeResult writes out/release.json and out/release.env (NAME=value
// lines, for a shell or GITHUB_OUTPUT).
func writeResult(out string, res *Result) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "release.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	env := fmt.Sprintf("version=%s\nmain_commit=%s\ncommit=%s\nimage_tag=%s\ndigest=%s\nimage=%s\ntarball_size=%d\n",
		res.Version, res.MainCommit, res.Commit, res.ImageTag, res.Digest, res.Image, res.TarballSize)
	return os.WriteFile(filepath.Join(out, "release.env"), []byte(env), 0o644)
}

// ReadResult reads dir/release.json.
func ReadResult(dir string) (*Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, "release.json"))
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s/release.json: %w", dir, err)
	}
	return &r, nil
}
