// Package cli is the binary's front door: in a workflow it runs the stage
// its name says; from a terminal, `demo` runs the whole lifecycle against
// the embedded fake GitHub and `--help` lists the inputs.
package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
)

// Main runs the binary with its arguments and environment and returns the
// exit code. actionYAML is the action's action.yml, which the demo runs
// (a release build has no demo and passes nil); --help and local runs read
// actionInputs, generated from it.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, actionYAML []byte) int {
	if len(args) > 1 {
		switch args[1] {
		case "demo":
			return runDemo(ctx, stdout, actionYAML)
		case "-h", "--help", "help":
			return help(stdout)
		}
		if strings.HasPrefix(args[1], "-") {
			return local(ctx, args, getenv, stdout, stderr)
		}
		// The runner appends runs.args to every stage; this action
		// declares none, so any other argument is a mistake.
		fmt.Fprintf(stderr, "unknown argument %q; run with --help\n", args[1])
		return 2
	}
	return app.Run(ctx, app.Env{Args: args, Getenv: getenv, Stdout: stdout})
}

func help(w io.Writer) int {
	fmt.Fprintf(w, `deployment-action %s: the whole lifecycle of a GitHub deployment.

In a workflow, the runner starts this binary as the entrypoint (main stage)
and as %s (post stage); inputs arrive as INPUT_<NAME> variables.

  deployment-action demo     run start, a deploy and the post stage against an
                             embedded fake GitHub and show what happens
  deployment-action --help   this text
  deployment-action --step start --repository OWNER/NAME --environment staging --sha SHA
                             one step outside GitHub Actions: inputs as flags (or
                             INPUT_<NAME>), the token from --token, GITHUB_TOKEN or
                             GH_TOKEN; outputs are printed

Context flags, used where GitHub's variables are absent: --%s

Inputs (flags, or INPUT_<NAME> with the name upper-cased and hyphens kept):
`, app.Version, app.PostName, strings.Join(contextFlagNames(), ", --"))
	for _, in := range actionInputs {
		def := ""
		if in.Default != "" {
			def = " (default: " + in.Default + ")"
		}
		fmt.Fprintf(w, "  %-24s %s%s\n", in.Name, strings.TrimSpace(in.Description), def)
	}
	return 0
}
