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

// ParseSums reads SHA256SUMS as formatSums writes it, and rejects anything
// else (the native launcher reads the same format).
func ParseSums(data []byte) ([]Sum, error) {
	var sums []Sum
	text := string(data)
	if text != "" && !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("SHA256SUMS: no newline at the end")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if text == "" {
			break
		}
		m := sumLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("SHA256SUMS line %d: %q is not `<64 hex>  <path>`", i+1, line)
		}
		sums = append(sums, Sum{SHA256: m[1], Path: m[2]})
	}
	out, err := formatSums(sums)
	if err != nil {
		return nil, err
	}
	if string(out) != text {
		return nil, fmt.Errorf("SHA256SUMS is not sorted")
	}
	return sums, nil
}

var (
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	sumLine   = regexp.MustCompile(`^([0-9a-f]{64})  ([^\s].*)$`)
)

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
