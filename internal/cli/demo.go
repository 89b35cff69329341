//go:build !release

package cli

import (
	"context"
	"io"

	"github.com/deploy-lifecycle/deployment-action/internal/demo"
)

// runDemo runs the demo: the whole lifecycle against the embedded fake
// GitHub. Release builds (-tags release) leave it out, with the fake and
// the runner emulation it needs: see demo_release.go.
func runDemo(ctx context.Context, stdout io.Writer, actionYAML []byte) int {
	return demo.Run(ctx, stdout, actionYAML)
}
