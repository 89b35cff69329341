package release

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// imageLine is a `image:` key with its value and an optional comment.
var (
	imageLine = regexp.MustCompile(`^(\s+)image:(\s*)(.*?)(\s+#.*)?$`)
	topKey    = regexp.MustCompile(`^[^\s#][^:]*:`)
)

// rewriteImage returns action.yml with runs.image set to image (e.g.
// docker://ghcr.io/o/r@sha256:…), quoted; every other byte, comments and
// line ends included, stays as it was. There must be exactly one image:
// key under runs:, and image must be pinned by digest.
func rewriteImage(actionYML []byte, image string) ([]byte, error) {
	if !digestRef.MatchString(image) {
		return nil, fmt.Errorf("image %q: want docker://REGISTRY/NAME@sha256:<64 hex>", image)
	}
	lines := bytes.SplitAfter(actionYML, []byte("\n"))
	inRuns, found := false, -1
	for i, l := range lines {
		text := strings.TrimRight(string(l), "\r\n")
		if topKey.MatchString(text) {
			inRuns = strings.HasPrefix(text, "runs:")
			continue
		}
		if !inRuns {
			continue
		}
		m := imageLine.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		if found >= 0 {
			return nil, fmt.Errorf("action.yml: runs has two image: lines (%d and %d)", found+1, i+1)
		}
		found = i
		end := string(l[len(text):])
		lines[i] = []byte(m[1] + "image:" + " '" + image + "'" + m[4] + end)
	}
	if found < 0 {
		return nil, errors.New("action.yml: runs has no image: line")
	}
	return bytes.Join(lines, nil), nil
}

var digestRef = regexp.MustCompile(`^docker://[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$`)
