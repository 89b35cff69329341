package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

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

func TestHelpListsEveryInput(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := cli.Main(context.Background(), []string{"deployment-action", "--help"}, nil, &out, &out, actionYAML(t)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	a, err := runnersim.ParseAction(actionYAML(t))
	if err != nil {
		t.Fatal(err)
	}
	for name := range a.Inputs {
		if !strings.Contains(out.String(), "  "+name+" ") {
			t.Errorf("--help does not list %s", name)
		}
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
