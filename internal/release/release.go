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
	// AssetsURL is where the launcher downloads the assets from; default
	// SourceURL/releases/download/v<version>, else the project's on github.com.
	AssetsURL string
	// Mirror also makes a commit with the binaries in native/bin (its
	// parent the release commit), for mirrors of air-gapped runners.
	Mirror  bool
	Targets []Target
	Docker  Docker
	Log     func(format string, args ...any)
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
	// MirrorCommit is the commit with binaries (with Mirror), and its tarball's size.
	MirrorCommit      string  `json:"mirror_commit,omitempty"`
	MirrorTarballSize int64   `json:"mirror_tarball_size,omitempty"`
	AssetsURL         string  `json:"assets_url"`
	Assets            []Asset `json:"assets"` // in Out/assets, with their SHA256SUMS
	Binaries          []struct {
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
// binaries into Out/bin, an image for each of imageTargets from
// Out/image/<os>-<arch>, and with Push pushes them, pushes the index of
// the two (Out/image/index.json), checks the digests the registry serves,
// lays out Out/tree (action.yml pinning the index) and commits it.
func Run(ctx context.Context, o Options) (*Result, error) {
	r, err := newRun(o)
	if err != nil {
		return nil, err
	}
	if err := r.exportMain(ctx); err != nil {
		return nil, err
	}
	if err := r.buildBinaries(ctx); err != nil {
		return nil, err
	}
	if r.res.Assets, err = makeAssets(r.bins, filepath.Join(r.out, "assets"), r.o.Log); err != nil {
		return nil, err
	}
	if err := r.buildImages(ctx); err != nil {
		return nil, err
	}
	if !r.o.Push {
		return r.res, writeResult(r.out, r.res)
	}
	reg := Registry{Host: r.o.Registry, Insecure: r.res.Insecure, User: r.o.RegistryUser, Password: r.o.RegistryPassword}
	manifests, err := r.pushImages(ctx, reg)
	if err != nil {
		return nil, err
	}
	if err := r.pushIndex(ctx, reg, manifests); err != nil {
		return nil, err
	}
	if err := r.commit(ctx); err != nil {
		return nil, err
	}
	return r.res, writeResult(r.out, r.res)
}

// run is one Run: its options, with defaults, and what each step made for
// the next.
type run struct {
	o         Options
	out       string // Out, absolute
	git       Git
	res       *Result
	src       string            // out/src: main's commit
	actionSrc []byte            // main's action.yml
	action    *actionyml.Action // actionSrc, parsed
	binDir    string            // out/bin
	binaries  map[Target]string // the binaries' paths
	bins      []binary
}

// newRun checks o, fills in its defaults and checks that Out is new or
// empty.
func newRun(o Options) (*run, error) {
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if err := validVersion(o.Version); err != nil {
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
	if o.AssetsURL == "" {
		o.AssetsURL = "https://github.com/deploy-lifecycle/deployment-action"
		if o.SourceURL != "" {
			o.AssetsURL = strings.TrimSuffix(o.SourceURL, "/")
		}
		o.AssetsURL += "/releases/download/v" + o.Version
	}
	res := &Result{Version: o.Version, Registry: o.Registry, Insecure: insecure,
		ImageTag: o.Registry + "/" + o.Image + ":" + o.Version, AssetsURL: o.AssetsURL}
	return &run{o: o, out: out, git: Git{Dir: o.Repo}, res: res}, nil
}

// exportMain resolves Ref to main's commit, exports it into out/src and
// reads its action.yml (a docker action); it fails, before anything is
// built, when the commit lacks the native entry.
func (r *run) exportMain(ctx context.Context) error {
	var err error
	if r.res.MainCommit, err = r.git.revParse(ctx, r.o.Ref); err != nil {
		return err
	}
	r.src = filepath.Join(r.out, "src")
	if err := r.git.Export(ctx, r.res.MainCommit, r.src); err != nil {
		return err
	}
	if r.actionSrc, err = os.ReadFile(filepath.Join(r.src, "action.yml")); err != nil {
		return err
	}
	if r.action, err = actionyml.Parse(r.actionSrc); err != nil {
		return err
	}
	if r.action.Runs.Using != "docker" {
		return fmt.Errorf("action.yml: runs.using %q, want docker", r.action.Runs.Using)
	}
	for _, p := range NativeEntry {
		if _, err := os.Stat(filepath.Join(r.src, filepath.FromSlash(p))); err != nil {
			return fmt.Errorf("main's commit %.12s has no %s: a release carries the native entry (%s)", r.res.MainCommit, p, strings.Join(NativeEntry, ", "))
		}
	}
	return nil
}

// buildBinaries builds the targets' binaries into out/bin, records them in
// the result, and checks that the images' targets are among them.
func (r *run) buildBinaries(ctx context.Context) error {
	start := time.Now()
	r.binDir = filepath.Join(r.out, "bin")
	bins, err := build(ctx, r.src, r.o.Version, r.binDir, r.o.Targets, r.o.Log)
	if err != nil {
		return err
	}
	r.res.BuildSeconds = time.Since(start).Seconds()
	r.o.Log("built %d targets in %.1fs", len(bins), r.res.BuildSeconds)
	r.binaries, r.bins = map[Target]string{}, bins
	for _, b := range bins {
		r.res.Binaries = append(r.res.Binaries, struct {
			Path   string `json:"path"`
			Size   int64  `json:"size"`
			SHA256 string `json:"sha256"`
		}{b.Target.Rel(), b.Size, b.SHA256})
		r.binaries[b.Target] = b.Path
	}
	for _, tg := range imageTargets {
		if r.binaries[tg] == "" {
			return fmt.Errorf("the targets have no %s, which the image needs", tg)
		}
	}
	return nil
}

// buildImages builds an image for each of imageTargets from
// out/image/<os>-<arch>, each tagged <version>-<arch>.
func (r *run) buildImages(ctx context.Context) error {
	layout := imageLayout{Entrypoint: r.action.Runs.Entrypoint, PostEntrypoint: r.action.Runs.PostEntrypoint}
	labels := map[string]string{"org.opencontainers.image.version": r.o.Version, "org.opencontainers.image.revision": r.res.MainCommit}
	if r.o.SourceURL != "" {
		labels["org.opencontainers.image.source"] = r.o.SourceURL
	}
	for _, tg := range imageTargets {
		imgDir := filepath.Join(r.out, "image", tg.dir())
		if err := layout.writeContext(imgDir, r.binaries[tg], r.o.CABundle, labels); err != nil {
			return err
		}
		p := PlatformImage{Platform: tg.String(), Tag: r.res.ImageTag + "-" + tg.GOARCH}
		if err := r.o.Docker.build(ctx, imgDir, p.Tag, p.Platform); err != nil {
			return err
		}
		r.o.Log("image %s built for %s", p.Tag, p.Platform)
		r.res.Platforms = append(r.res.Platforms, p)
	}
	return nil
}

// pushImages pushes the images buildImages made, checks that the registry
// serves, by tag and by digest, the manifest docker pushed, and returns
// the descriptors of the images' manifests, for the index.
func (r *run) pushImages(ctx context.Context, reg Registry) ([]Descriptor, error) {
	var manifests []Descriptor
	for i, tg := range imageTargets {
		p := &r.res.Platforms[i]
		pushed, err := r.o.Docker.push(ctx, p.Tag)
		if err != nil {
			return nil, err
		}
		_, tag := splitTag(p.Tag)
		var m *Manifest
		for _, ref := range []string{tag, pushed} {
			if m, err = reg.Manifest(ctx, r.o.Image, ref); err != nil {
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
		r.o.Log("pushed %s: %s", p.Tag, d.Digest)
	}
	return manifests, nil
}

// pushIndex pushes the index of manifests tagged <version>, checks that
// the registry serves its bytes by tag and by digest, writes it to
// out/image/index.json and records its digest and the image reference
// action.yml will pin.
func (r *run) pushIndex(ctx context.Context, reg Registry, manifests []Descriptor) error {
	indexType, index, err := buildIndex(manifests)
	if err != nil {
		return err
	}
	pushed, err := reg.putManifest(ctx, r.o.Image, r.o.Version, indexType, index)
	if err != nil {
		return fmt.Errorf("pushing the index: %w", err)
	}
	for _, ref := range []string{r.o.Version, pushed} {
		m, err := reg.Manifest(ctx, r.o.Image, ref)
		if err != nil {
			return fmt.Errorf("reading the pushed index back: %w", err)
		}
		if m.Digest != pushed || m.MediaType != indexType || !bytes.Equal(m.Body, index) {
			return fmt.Errorf("pushed the index %s (%s), the registry serves %s (%s) for %s", pushed, indexType, m.Digest, m.MediaType, ref)
		}
	}
	if err := os.WriteFile(filepath.Join(r.out, "image", "index.json"), index, 0o644); err != nil {
		return err
	}
	r.res.Digest, r.res.IndexMediaType = pushed, indexType
	r.res.Image = "docker://" + r.o.Registry + "/" + r.o.Image + "@" + pushed
	r.o.Log("pushed the index %s; the registry serves that digest", r.res.Image)
	return nil
}

// commit lays out the release commit's tree in out/tree (action.yml
// pinning the pushed index, launch.js naming the assets by SHA-256, no
// binaries), commits it on main's commit and measures its tarball; with
// Mirror, also out/mirror (the same and native/bin), committed on it.
func (r *run) commit(ctx context.Context) error {
	rewritten, err := rewriteImage(r.actionSrc, r.res.Image)
	if err != nil {
		return err
	}
	launchJS, err := os.ReadFile(filepath.Join(r.src, "native", "launch.js"))
	if err != nil {
		return err
	}
	if launchJS, err = EmbedLauncher(launchJS, NewLauncher(r.o.Version, r.o.AssetsURL, r.res.Assets)); err != nil {
		return err
	}
	written := map[string][]byte{"action.yml": rewritten, "native/launch.js": launchJS}
	if r.res.Files, err = releaseTree(r.src, filepath.Join(r.out, "tree"), written, ""); err != nil {
		return err
	}
	msg := fmt.Sprintf("Release v%s\n\nBuilt from %s by internal/release.\nImage: %s\nNative binaries: release assets at %s (SHA-256 in native/launch.js)\n",
		r.o.Version, r.res.MainCommit, r.res.Image, r.o.AssetsURL)
	if r.res.Commit, err = r.git.commitTree(ctx, filepath.Join(r.out, "tree"), r.res.MainCommit, msg); err != nil {
		return err
	}
	if r.res.TarballSize, err = r.git.tarballSize(ctx, r.res.Commit); err != nil || !r.o.Mirror {
		return err
	}
	if _, err = releaseTree(r.src, filepath.Join(r.out, "mirror"), written, r.binDir); err != nil {
		return err
	}
	msg = fmt.Sprintf("Release v%s with binaries, for mirrors\n\nThe release commit %s and native/bin (see SHA256SUMS).\n", r.o.Version, r.res.Commit)
	if r.res.MirrorCommit, err = r.git.commitTree(ctx, filepath.Join(r.out, "mirror"), r.res.Commit, msg); err != nil {
		return err
	}
	r.res.MirrorTarballSize, err = r.git.tarballSize(ctx, r.res.MirrorCommit)
	return err
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
	env := fmt.Sprintf("version=%s\nmain_commit=%s\ncommit=%s\nmirror_commit=%s\nimage_tag=%s\ndigest=%s\nimage=%s\ntarball_size=%d\n",
		res.Version, res.MainCommit, res.Commit, res.MirrorCommit, res.ImageTag, res.Digest, res.Image, res.TarballSize)
	return os.WriteFile(filepath.Join(out, "release.env"), []byte(env), 0o644)
}
