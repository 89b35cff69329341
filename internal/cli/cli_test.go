package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
	"github.com/deploy-lifecycle/deployment-action/internal/cli"
	"github.com/deploy-lifecycle/deployment-action/internal/demo"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

func actionYAML(t *testing.T) []byte { return fgtest.ActionYAML(t) }

func TestDemoRunsTheWholeLifecycle(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	code := cli.Main(context.Background(), []string{"deployment-action", "demo"}, nil, &out, &out, actionYAML(t))
	if code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	for _, want := range []string{
		"Deployment 1001 of", "is in_progress", "is success", "Environment URL | [`https://staging.example.com`]",
		"is failure", "API calls in this run: 4", "success <- in_progress  https://staging.example.com", "failure <- in_progress",
		"pr-42     ref 4d3c2b1  success <- in_progress  https://pr-42.example.com", "step: delete-env", "deactivated=1", "deleted=1",
		"environment-deleted=false", "::warning::environment \"pr-42\" was not deleted", "administration: write",
		"step: report", "Deployment report of `octo-org/hello-world`", "```mermaid", "xychart-beta", "Change failure rate | 50 %", "report={\"repository\":\"octo-org/hello-world\"",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), demo.Token) {
		t.Error("the demo shows the token")
	}
}

// TestHelpListsEveryInput: --help lists every input of action.yml, a line
// each, with its description and default.
func TestHelpListsEveryInput(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := cli.Main(context.Background(), []string{"deployment-action", "--help"}, nil, &out, &out, nil); code != 0 {
		t.Fatalf("exit %d", code)
	}
	a, err := runnersim.ParseAction(actionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range a.Inputs {
		want := fmt.Sprintf("\n  %-24s %s", name, strings.TrimSpace(in.Description))
		if in.Default != "" {
			want += " (default: " + in.Default + ")"
		}
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("--help does not list %s as %q", name, want)
		}
	}
}

// TestLocalRunTakesEveryInputAsAFlag: a local run takes each input of
// action.yml as a flag, and refuses a flag that is
// neither an input nor a context flag, before any request.
func TestLocalRunTakesEveryInputAsAFlag(t *testing.T) {
	t.Parallel()
	getenv := func(string) string { return "" }
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"deployment-action", "--environmnet", "x"}, getenv, &out, &errOut, nil); code != 2 ||
		!strings.Contains(errOut.String(), "flag provided but not defined: -environmnet") || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, out.String(), errOut.String())
	}
	a, err := runnersim.ParseAction(actionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	for name := range a.Inputs {
		if !strings.Contains(errOut.String(), "\n  -"+name+" ") {
			t.Errorf("the flags' usage does not list %s", name)
		}
	}
	// Every input is a flag: given one each, the run gets past the flags
	// and stops at the inputs' validation (exit 1, no usage text).
	args := []string{"deployment-action"}
	for name := range a.Inputs {
		args = append(args, "--"+name+"=x")
	}
	errOut.Reset()
	if code := cli.Main(context.Background(), args, getenv, &out, &errOut, nil); code != 1 || errOut.Len() != 0 || !strings.Contains(out.String(), "::error::") {
		t.Errorf("every input as a flag: exit %d, stderr:\n%s\nstdout:\n%s", code, errOut.String(), out.String())
	}
}

// TestInputTableIsGenerated keeps inputs_gen.go, the table --help and local
// runs read, equal to what actionyml.CLIInputs makes of action.yml.
func TestInputTableIsGenerated(t *testing.T) {
	t.Parallel()
	want, err := actionyml.CLIInputs(actionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("inputs_gen.go")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("internal/cli/inputs_gen.go is not what action.yml generates (%v); run: go generate ./internal/actionyml", err)
	}
}

func TestUnknownArgument(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"deployment-action", "deploy"}, nil, &out, &errOut, nil); code != 2 || !strings.Contains(errOut.String(), "--help") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestOutsideGitHubActions(t *testing.T) {
	t.Parallel()
	f, srv := fgtest.New(t, "")
	env := map[string]string{"GITHUB_TOKEN": fgtest.Token}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	code := cli.Main(context.Background(), []string{"deployment-action", "--step", "start", "--repository", fgtest.Repo,
		"--environment", "staging", "--sha", fgtest.SHA, "--api-url", srv.URL}, getenv, &out, &out, actionYAML(t))
	if code != 0 || !strings.Contains(out.String(), "output deployment-id=1001") || !strings.Contains(out.String(), "output state=in_progress") {
		t.Fatalf("start: exit %d\n%s", code, out.String())
	}
	out.Reset()
	code = cli.Main(context.Background(), []string{"deployment-action", "--step=finish", "--deployment-id=1001", "--state=success",
		"--repository=" + fgtest.Repo, "--api-url=" + srv.URL, "--environment-url=https://x.example.com"}, getenv, &out, &out, actionYAML(t))
	if code != 0 || !strings.Contains(out.String(), "output state=success") {
		t.Fatalf("finish: exit %d\n%s", code, out.String())
	}
	if strings.Contains(out.String(), fgtest.Token) || strings.Contains(out.String(), "::add-mask::") {
		t.Errorf("a terminal run prints the token or a mask command:\n%s", out.String())
	}
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 || ds[0].State() != "success" || ds[0].EnvironmentURL != "https://x.example.com" {
		t.Errorf("deployments %+v", ds)
	}
	out.Reset()
	if code := cli.Main(context.Background(), []string{"deployment-action", "--step", "launch"}, getenv, &out, &out, actionYAML(t)); code != 1 ||
		!strings.Contains(out.String(), `input "step" has the value "launch"`) {
		t.Errorf("bad step: exit %d\n%s", code, out.String())
	}
}
