package release

import (
	"fmt"
	"regexp"
	"strings"
)

// parseSums reads SHA256SUMS as formatSums writes it, and rejects anything
// else (the native launcher reads the same format).
func parseSums(data []byte) ([]Sum, error) {
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

var sumLine = regexp.MustCompile(`^([0-9a-f]{64})  ([^\s].*)$`)
