package release

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/andybalholm/brotli"
)

// Asset is one platform's binary as the release serves it beside the
// attestations: compressed where it pays, and named in the launcher's
// sums (launch.js's RELEASE) by both its own SHA-256 and the binary's.
type Asset struct {
	Target      string `json:"target"`   // linux-x64
	Binary      string `json:"binary"`   // the binary's file name: deployment-action[.exe]
	Name        string `json:"name"`     // the asset's: deployment-action-linux-x64.br
	Encoding    string `json:"encoding"` // "br", "gzip" or "" (as it is)
	Size        int64  `json:"size"`     // the binary's
	SHA256      string `json:"sha256"`   // the binary's
	AssetSize   int64  `json:"asset_size"`
	AssetSHA256 string `json:"asset_sha256"`
	// GzipSize and BrotliSize are both compressions' sizes, measured
	// to pick one (the smaller; as it is when neither saves 10 %).
	GzipSize   int64 `json:"gzip_size"`
	BrotliSize int64 `json:"brotli_size"`
	// Parts are the asset's pieces, in order: the binary cut into
	// AssetParts pieces, each compressed on its own, so that a launcher
	// decompresses them side by side as they arrive.
	Parts []Part `json:"parts"`
}

// Part is one piece of an asset: its own size and SHA-256, which the
// launcher checks before it decompresses it, and the size of the piece
// of the binary it decompresses to.
type Part struct {
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	BinarySize int64  `json:"binary_size"`
}

// AssetParts is how many pieces a compressed asset has. A brotli stream
// is decompressed on one core, after the last byte has come; in pieces,
// the first ones are decompressed while the rest arrive, side by side on
// the runner's cores. For linux-x64 (7,065,726 bytes), one piece is
// 2,219,439 bytes and four are 2,249,464 (1.4% more); from the launcher's
// start to the binary's, with an empty tool cache and the asset served on
// this machine (two cores), one piece takes 85–107 ms and four 60–67 ms
// (a cached binary: 29 ms).
const AssetParts = 4

// EncodeParts cuts data into n pieces of about equal size, encodes each
// as Encode does, and returns the pieces joined and described. Encoding
// "" is one piece, data as it is.
func EncodeParts(data []byte, encoding string, quality, n int) ([]byte, []Part, error) {
	if encoding == "" || n < 1 {
		n = 1
	}
	var body []byte
	var parts []Part
	for i := range n {
		piece := data[len(data)*i/n : len(data)*(i+1)/n]
		enc, err := Encode(piece, encoding, quality)
		if err != nil {
			return nil, nil, err
		}
		body = append(body, enc...)
		parts = append(parts, Part{Size: int64(len(enc)), SHA256: hexSum(enc), BinarySize: int64(len(piece))})
	}
	return body, parts, nil
}

// Encode compresses data with encoding "br" (brotli at quality, 0-11, and
// a 16 MiB window), "gzip" (level 9) or "" (a copy).
func Encode(data []byte, encoding string, quality int) ([]byte, error) {
	var b bytes.Buffer
	switch encoding {
	case "br":
		w := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: quality, LGWin: 24})
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case "gzip":
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(data)
		if err := w.Close(); err != nil {
			return nil, err
		}
	case "":
		b.Write(data)
	default:
		return nil, fmt.Errorf("encoding %q: want br, gzip or none", encoding)
	}
	return b.Bytes(), nil
}

// pickEncoding is the encoding of the smaller compression, or none when
// neither saves a tenth of the size.
func pickEncoding(raw, gz, br int64) string {
	best, size := "", raw
	if gz < size {
		best, size = "gzip", gz
	}
	if br < size {
		best, size = "br", br
	}
	if size*10 > raw*9 {
		return ""
	}
	return best
}

// assetName is the name of t's asset for encoding.
func assetName(t Target, encoding string) string {
	ext := map[string]string{"br": ".br", "gzip": ".gz", "": ""}[encoding]
	return binaryName + "-" + t.dir() + map[bool]string{true: ".exe", false: ""}[t.GOOS == "windows"] + ext
}

// MakeAsset compresses the binary at bin for t both ways (brotli at
// quality), writes the smaller (or the binary) into dir under its asset
// name, and describes it.
func MakeAsset(t Target, bin, dir string, quality int) (Asset, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return Asset{}, err
	}
	gz, gzParts, err := EncodeParts(data, "gzip", 0, AssetParts)
	if err != nil {
		return Asset{}, err
	}
	br, brParts, err := EncodeParts(data, "br", quality, AssetParts)
	if err != nil {
		return Asset{}, err
	}
	a := Asset{Target: t.dir(), Binary: t.binName(), Size: int64(len(data)), SHA256: hexSum(data),
		GzipSize: int64(len(gz)), BrotliSize: int64(len(br))}
	a.Encoding = pickEncoding(a.Size, a.GzipSize, a.BrotliSize)
	body := map[string][]byte{"br": br, "gzip": gz, "": data}[a.Encoding]
	a.Parts = map[string][]Part{"br": brParts, "gzip": gzParts, "": {{Size: a.Size, SHA256: a.SHA256, BinarySize: a.Size}}}[a.Encoding]
	a.Name, a.AssetSize, a.AssetSHA256 = assetName(t, a.Encoding), int64(len(body)), hexSum(body)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Asset{}, err
	}
	return a, os.WriteFile(filepath.Join(dir, a.Name), body, 0o644)
}

// makeAssets makes the assets of bins in dir, two at a time (brotli's
// best quality takes 20 s or more a binary), and writes dir/SHA256SUMS of
// the assets, which the release workflow attests.
func makeAssets(bins []binary, dir string, log func(string, ...any)) ([]Asset, error) {
	assets := make([]Asset, len(bins))
	errs := make([]error, len(bins))
	var wg sync.WaitGroup
	slots := make(chan struct{}, 2)
	for i, b := range bins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			assets[i], errs[i] = MakeAsset(b.Target, b.Path, dir, 11)
		}()
	}
	wg.Wait()
	var sums []Sum
	for i, a := range assets {
		if errs[i] != nil {
			return nil, errs[i]
		}
		log("asset %-36s %9d bytes (%s; binary %d, gzip %d, brotli %d)", a.Name, a.AssetSize, encodingName(a.Encoding), a.Size, a.GzipSize, a.BrotliSize)
		sums = append(sums, Sum{SHA256: a.AssetSHA256, Path: a.Name})
	}
	data, err := formatSums(sums)
	if err != nil {
		return nil, err
	}
	return assets, os.WriteFile(filepath.Join(dir, "SHA256SUMS"), data, 0o644)
}

func encodingName(e string) string {
	if e == "" {
		return "uncompressed"
	}
	return e
}

func hexSum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Launcher is what the release writes into native/launch.js as RELEASE:
// the version, the assets' URL, and each platform's binary and asset.
type Launcher struct {
	Version  string                    `json:"version"`
	URL      string                    `json:"url"`
	Binaries map[string]LauncherBinary `json:"binaries"`
}

// LauncherBinary is one platform's entry in Launcher.
type LauncherBinary struct {
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Asset       string `json:"asset"`
	Encoding    string `json:"encoding"`
	AssetSize   int64  `json:"asset_size"`
	AssetSHA256 string `json:"asset_sha256"`
	Parts       []Part `json:"parts"`
}

// NewLauncher is the Launcher of version's assets at url.
func NewLauncher(version, url string, assets []Asset) Launcher {
	l := Launcher{Version: version, URL: url, Binaries: map[string]LauncherBinary{}}
	for _, a := range assets {
		l.Binaries[a.Target] = LauncherBinary{Size: a.Size, SHA256: a.SHA256, Asset: a.Name, Encoding: a.Encoding,
			AssetSize: a.AssetSize, AssetSHA256: a.AssetSHA256, Parts: a.Parts}
	}
	return l
}

// checkParts checks that b's parts are the asset, in pieces that add up
// to both its size and the binary's.
func checkParts(b LauncherBinary) error {
	if len(b.Parts) == 0 {
		return fmt.Errorf("the asset has no parts")
	}
	var size, binSize int64
	for i, p := range b.Parts {
		if !hexSHA256.MatchString(p.SHA256) || p.Size <= 0 || p.BinarySize <= 0 {
			return fmt.Errorf("part %d: sizes and SHA-256 are required", i+1)
		}
		size, binSize = size+p.Size, binSize+p.BinarySize
	}
	if size != b.AssetSize || binSize != b.Size {
		return fmt.Errorf("the parts add up to %d bytes of asset and %d of binary, not %d and %d", size, binSize, b.AssetSize, b.Size)
	}
	return nil
}

// releaseLine is launch.js's RELEASE on main: the one line EmbedLauncher
// replaces.
var releaseLine = regexp.MustCompile(`(?m)^const RELEASE = null;\r?$`)

// EmbedLauncher returns launch.js with its `const RELEASE = null;` line
// (exactly one) replaced by l, as JSON on one line.
func EmbedLauncher(launchJS []byte, l Launcher) ([]byte, error) {
	if n := len(releaseLine.FindAllIndex(launchJS, -1)); n != 1 {
		return nil, fmt.Errorf("native/launch.js has %d lines `const RELEASE = null;`, want exactly one", n)
	}
	if err := validVersion(l.Version); err != nil {
		return nil, err
	}
	if !regexp.MustCompile(`^https?://[^\s'"\\]+$`).MatchString(l.URL) {
		return nil, fmt.Errorf("assets URL %q: want an http(s) URL", l.URL)
	}
	for k, b := range l.Binaries {
		if !hexSHA256.MatchString(b.SHA256) || !hexSHA256.MatchString(b.AssetSHA256) || b.Size <= 0 || b.AssetSize <= 0 {
			return nil, fmt.Errorf("launcher entry %s: sizes and SHA-256s are required", k)
		}
		if err := checkParts(b); err != nil {
			return nil, fmt.Errorf("launcher entry %s: %w", k, err)
		}
	}
	js, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	line := append(append([]byte("const RELEASE = "), js...), ';')
	return releaseLine.ReplaceAllLiteral(launchJS, line), nil
}
