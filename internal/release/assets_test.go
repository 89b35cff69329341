package release

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/quick"

	"github.com/andybalholm/brotli"
)

// TestEncodeRoundTrips: each encoding decodes to the bytes it was given.
func TestEncodeRoundTrips(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("deployment-action\x00\x01"), 5000)
	decode := map[string]func(io.Reader) io.Reader{
		"br":   func(r io.Reader) io.Reader { return brotli.NewReader(r) },
		"gzip": func(r io.Reader) io.Reader { z, err := gzip.NewReader(r); must(t, err); return z },
		"":     func(r io.Reader) io.Reader { return r },
	}
	for enc, dec := range decode {
		out, err := Encode(data, enc, 5)
		if err != nil {
			t.Fatal(err)
		}
		back, err := io.ReadAll(dec(bytes.NewReader(out)))
		if err != nil || !bytes.Equal(back, data) {
			t.Errorf("encoding %q: does not round-trip (%v)", enc, err)
		}
	}
	if _, err := Encode(data, "zstd", 0); err == nil {
		t.Error("encoding zstd: no error")
	}
}

// TestEncodePartsJoinsPiecesThatEachRoundTrip: the pieces are the body
// in order, each decodes on its own to its piece of the data, and the
// pieces of the data are the data.
func TestEncodePartsJoinsPiecesThatEachRoundTrip(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("deployment-action\x00\x01"), 5001)
	for _, enc := range []string{"br", "gzip", ""} {
		for _, n := range []int{1, 2, 3} {
			body, parts, err := EncodeParts(data, enc, 5, n)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: n}[enc == ""]; len(parts) != want {
				t.Errorf("encoding %q in %d: %d parts, want %d", enc, n, len(parts), want)
			}
			var joined []byte
			off := int64(0)
			for i, p := range parts {
				piece := body[off : off+p.Size]
				off += p.Size
				if hexSum(piece) != p.SHA256 {
					t.Errorf("encoding %q in %d: part %d's SHA-256 is not its bytes'", enc, n, i)
				}
				var r io.Reader = bytes.NewReader(piece)
				switch enc {
				case "br":
					r = brotli.NewReader(r)
				case "gzip":
					z, err := gzip.NewReader(r)
					must(t, err)
					r = z
				}
				out, err := io.ReadAll(r)
				if err != nil || int64(len(out)) != p.BinarySize {
					t.Errorf("encoding %q in %d: part %d decodes to %d bytes (%v), want %d", enc, n, i, len(out), err, p.BinarySize)
				}
				joined = append(joined, out...)
			}
			if off != int64(len(body)) || !bytes.Equal(joined, data) {
				t.Errorf("encoding %q in %d: the parts are not the body, or do not decode to the data", enc, n)
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPickEncodingPicksTheSmallestThatPays: over any sizes, the pick is
// the smallest of the three, and compressed only when that saves a tenth.
func TestPickEncodingPicksTheSmallestThatPays(t *testing.T) {
	t.Parallel()
	f := func(raw, gz, br uint32) bool {
		r, g, b := int64(raw)+1, int64(gz)+1, int64(br)+1
		size := map[string]int64{"": r, "gzip": g, "br": b}
		got := pickEncoding(r, g, b)
		smallest := min(r, g, b)
		if smallest*10 > r*9 {
			return got == ""
		}
		return size[got] == smallest
	}
	if err := quick.Check(f, &quick.Config{Rand: rand.New(rand.NewSource(23))}); err != nil {
		t.Error(err)
	}
}

// TestMakeAsset writes the picked encoding under its name and describes
// the binary and the asset by size and SHA-256.
func TestMakeAsset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	data := bytes.Repeat([]byte("a compressible binary "), 10000)
	must(t, os.WriteFile(bin, data, 0o755))
	a, err := MakeAsset(Target{"windows", "arm64"}, bin, filepath.Join(dir, "assets"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if a.Encoding != "br" || a.Name != "deployment-action-windows-arm64.exe.br" || a.Binary != "deployment-action.exe" || a.Target != "windows-arm64" {
		t.Errorf("asset %+v", a)
	}
	body, err := os.ReadFile(filepath.Join(dir, "assets", a.Name))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(body)) != a.AssetSize || hexSum(body) != a.AssetSHA256 || a.Size != int64(len(data)) || a.SHA256 != hexSum(data) {
		t.Errorf("asset %+v does not describe its files", a)
	}
	if err := checkParts(LauncherBinary{Size: a.Size, AssetSize: a.AssetSize, Parts: a.Parts}); err != nil || len(a.Parts) != AssetParts {
		t.Errorf("asset parts %+v: %v, want %d that add up", a.Parts, err, AssetParts)
	}
}

// TestEmbedLauncher replaces launch.js's one RELEASE line with the sums
// as JSON, and refuses a launcher without exactly one such line.
func TestEmbedLauncher(t *testing.T) {
	t.Parallel()
	main, err := os.ReadFile(filepath.Join("..", "..", "native", "launch.js"))
	if err != nil {
		t.Fatal(err)
	}
	l := Launcher{Version: "1.2.3", URL: "https://github.com/o/r/releases/download/v1.2.3", Binaries: map[string]LauncherBinary{
		"linux-x64": {Size: 10, SHA256: strings.Repeat("a", 64), Asset: "deployment-action-linux-x64.br", Encoding: "br", AssetSize: 5, AssetSHA256: strings.Repeat("b", 64),
			Parts: []Part{{Size: 2, SHA256: strings.Repeat("c", 64), BinarySize: 4}, {Size: 3, SHA256: strings.Repeat("d", 64), BinarySize: 6}}},
	}}
	out, err := EmbedLauncher(main, l)
	if err != nil {
		t.Fatalf("main's launch.js: %v", err)
	}
	line := ""
	for _, ln := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(ln, "const RELEASE = ") {
			line = ln
		}
	}
	var back Launcher
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(line, "const RELEASE = "), ";")), &back); err != nil || !reflect.DeepEqual(back.Binaries["linux-x64"], l.Binaries["linux-x64"]) {
		t.Errorf("embedded %q: %v", line, err)
	}
	if strings.Count(string(out), "\n") != strings.Count(string(main), "\n") {
		t.Error("embedding changed the number of lines")
	}
	for name, js := range map[string]string{
		"no line":   "const RELEASE = {};\n",
		"two lines": "const RELEASE = null;\nconst RELEASE = null;\n",
	} {
		if _, err := EmbedLauncher([]byte(js), l); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	bad := l
	bad.URL = "https://x/'; process.exit(0); '"
	if _, err := EmbedLauncher(main, bad); err == nil {
		t.Error("a URL with quotes: no error")
	}
	for name, parts := range map[string][]Part{
		"no parts":               nil,
		"parts short of asset":   {{Size: 4, SHA256: strings.Repeat("c", 64), BinarySize: 10}},
		"parts short of binary":  {{Size: 5, SHA256: strings.Repeat("c", 64), BinarySize: 9}},
		"a part without its sum": {{Size: 5, SHA256: "c", BinarySize: 10}},
	} {
		bad := Launcher{Version: l.Version, URL: l.URL, Binaries: map[string]LauncherBinary{"linux-x64": l.Binaries["linux-x64"]}}
		b := bad.Binaries["linux-x64"]
		b.Parts = parts
		bad.Binaries["linux-x64"] = b
		if _, err := EmbedLauncher(main, bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
