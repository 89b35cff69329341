//go:build release

package cli

import (
	"context"
	"fmt"
	"io"
)

// runDemo in a release build: the demo, its fake GitHub and the runner
// emulation (with actionlint's expression parser) are not in the binaries
// users download; a clone has them.
func runDemo(_ context.Context, stdout io.Writer, _ []byte) int {
	fmt.Fprintln(stdout, "This release build has no demo: from a clone of the repository, run `go run . demo`.")
	return 2
}
