package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Sum is one line of SHA256SUMS: a file's SHA-256 and its path relative
// to the SHA256SUMS file, with slashes.
type Sum struct {
	SHA256 string // 64 lowercase hex digits
	Path   string
}

// formatSums renders sums in sha256sum's format (`<hex>  <path>`, two
// spaces: text mode), sorted by path, so `sha256sum -c SHA256SUMS` checks
// them in native/bin.
func formatSums(sums []Sum) ([]byte, error) {
	sorted := slices.Clone(sums)
	slices.SortFunc(sorted, func(a, b Sum) int { return strings.Compare(a.Path, b.Path) })
	var b strings.Builder
	for i, s := range sorted {
		if !hexSHA256.MatchString(s.SHA256) {
			return nil, fmt.Errorf("SHA256SUMS: %q is not 64 lowercase hex digits", s.SHA256)
		}
		if s.Path == "" || strings.ContainsAny(s.Path, "\n\r\\") || strings.HasPrefix(s.Path, "/") {
			return nil, fmt.Errorf("SHA256SUMS: path %q must be relative, with slashes, on one line", s.Path)
		}
		if i > 0 && sorted[i-1].Path == s.Path {
			return nil, fmt.Errorf("SHA256SUMS: %s twice", s.Path)
		}
		fmt.Fprintf(&b, "%s  %s\n", s.SHA256, s.Path)
	}
	return []byte(b.String()), nil
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FileSHA256 is the SHA-256 of the file at path, in lowercase hex, and its size.
func FileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
