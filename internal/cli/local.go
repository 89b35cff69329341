package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
)

// contextFlags are the workflow context a run outside GitHub Actions can
// give as flags, by the GitHub variable each stands for.
var contextFlags = map[string]string{
	"sha":        "GITHUB_SHA",
	"api-url":    "GITHUB_API_URL",
	"server-url": "GITHUB_SERVER_URL",
	"event-name": "GITHUB_EVENT_NAME",
	"run-id":     "GITHUB_RUN_ID",
}

// local runs one step from a terminal or another CI: inputs from flags
// (--environment staging) or INPUT_ variables, the context from flags where
// GitHub's variables are absent, the token from --token, INPUT_TOKEN,
// GITHUB_TOKEN or GH_TOKEN. Outputs are printed.
func local(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("deployment-action", flag.ContinueOnError)
	fs.SetOutput(stderr)
	inputs := map[string]*string{}
	for _, in := range actionInputs {
		inputs[in.Name] = fs.String(in.Name, "", in.Description)
	}
	ctxVals := map[string]*string{}
	for name, v := range contextFlags {
		ctxVals[v] = fs.String(name, "", "the workflow context's "+v)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected argument %q; inputs are flags such as --environment staging\n", fs.Arg(0))
		return 2
	}
	env := map[string]string{}
	for name, v := range inputs {
		if *v != "" {
			env["INPUT_"+strings.ToUpper(name)] = *v
		}
	}
	for k, v := range ctxVals {
		if *v != "" && getenv(k) == "" {
			env[k] = *v
		}
	}
	if env["INPUT_TOKEN"] == "" && getenv("INPUT_TOKEN") == "" {
		for _, k := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
			if t := getenv(k); t != "" {
				env["INPUT_TOKEN"] = t
				break
			}
		}
	}
	if r := env["INPUT_REPOSITORY"]; r != "" && getenv("GITHUB_REPOSITORY") == "" {
		env["GITHUB_REPOSITORY"] = r
	}
	return app.Run(ctx, app.Env{Args: args[:1], Stdout: stdout, Getenv: func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return getenv(k)
	}})
}

// contextFlagNames lists the context flags for --help.
func contextFlagNames() []string {
	return slices.Sorted(maps.Keys(contextFlags))
}
