// Command deployment-action runs one stage of the deployment lifecycle
// action. The runner starts it as the entrypoint (main stage) and, under a
// second name ending in -post, as the post-entrypoint.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/deploy-lifecycle/deployment-action/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr, actionYAML)
	stop()
	os.Exit(code)
}
