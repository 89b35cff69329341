// Command release builds a release of the action (internal/release):
// the six native binaries and their compressed release assets, the
// linux/amd64 and linux/arm64 images FROM scratch, and with -push the
// images and their index in the registry and the release commit
// (action.yml pins the index's digest, native/launch.js the assets' and
// binaries' SHA-256; -mirror adds a commit with the binaries). RELEASE.md
// describes it.
//
//	go run ./internal/release/cmd/release -version 1.2.3 -registry ghcr.io \
//	    -image owner/repo -out /tmp/release -push
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/deploy-lifecycle/deployment-action/internal/release"
)

func main() {
	var o release.Options
	flag.StringVar(&o.Version, "version", "", "version to release, X.Y.Z (required)")
	flag.StringVar(&o.Registry, "registry", "ghcr.io", "registry host[:port] to push the image to")
	flag.StringVar(&o.Image, "image", "", "image name in the registry, lower case, e.g. owner/repo (required)")
	flag.StringVar(&o.Out, "out", "", "new or empty directory for the build (required)")
	flag.StringVar(&o.Repo, "repo", ".", "the repository")
	flag.StringVar(&o.Ref, "ref", "HEAD", "main's commit to release")
	flag.BoolVar(&o.Push, "push", false, "push the image and make the release commit")
	insecure := flag.String("insecure", "auto", "http to the registry: true, false or auto (true for 127.0.0.1 and localhost)")
	flag.StringVar(&o.RegistryUser, "registry-user", os.Getenv("REGISTRY_USER"), "user for reading the manifest back ($REGISTRY_USER)")
	flag.StringVar(&o.CABundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "CA bundle the image carries")
	flag.StringVar(&o.SourceURL, "source-url", "", "the image's org.opencontainers.image.source label")
	flag.StringVar(&o.AssetsURL, "assets-url", "", "where launch.js downloads the assets (default SOURCE-URL/releases/download/vVERSION)")
	flag.BoolVar(&o.Mirror, "mirror", false, "with -push, also a commit with the binaries in native/bin, for mirrors")
	flag.Parse()
	o.RegistryPassword = os.Getenv("REGISTRY_PASSWORD")
	switch *insecure {
	case "true", "false":
		v := *insecure == "true"
		o.Insecure = &v
	case "auto":
	default:
		fmt.Fprintln(os.Stderr, "release: -insecure is true, false or auto")
		os.Exit(2)
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "release: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	o.Log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := release.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
	report(o, res)
}

// report prints what the release made.
func report(o release.Options, res *release.Result) {
	for _, b := range res.Binaries {
		fmt.Printf("binary %-34s %9d bytes  sha256 %s\n", b.Path, b.Size, b.SHA256)
	}
	fmt.Printf("build time  %.1f s for %d targets\n", res.BuildSeconds, len(res.Binaries))
	for _, a := range res.Assets {
		fmt.Printf("asset  %-38s %9d bytes  (binary %d, gzip %d, brotli %d)  sha256 %s\n", a.Name, a.AssetSize, a.Size, a.GzipSize, a.BrotliSize, a.AssetSHA256)
	}
	fmt.Printf("assets      %s/assets, for %s\n", o.Out, res.AssetsURL)
	fmt.Printf("main commit %s\n", res.MainCommit)
	for _, p := range res.Platforms {
		fmt.Printf("image       %-12s %s %s\n", p.Platform, p.Tag, p.Digest)
	}
	fmt.Printf("index tag   %s\n", res.ImageTag)
	if o.Push {
		fmt.Printf("digest      %s (the index, %s)\n", res.Digest, res.IndexMediaType)
		fmt.Printf("image       %s\n", res.Image)
		fmt.Printf("commit      %s\n", res.Commit)
		fmt.Printf("tarball     %d bytes (git archive --format=tar.gz %.12s)\n", res.TarballSize, res.Commit)
		if res.MirrorCommit != "" {
			fmt.Printf("mirror      %s with binaries, tarball %d bytes\n", res.MirrorCommit, res.MirrorTarballSize)
		}
	}
	fmt.Printf("details     %s/release.json\n", o.Out)
}
