package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// runMain runs one main stage with inputs (INPUT_ names) against a fresh
// validating fake, and returns its exit code, its log and the requests sent.
func runMain(t *testing.T, inputs map[string]string) (int, string, int) {
	t.Helper()
	f, srv := fgtest.New(t, "")
	env := fgtest.Stage(srv.URL, map[string]string{"step": "start", "task": "deploy", "environment": "qa"}, "GITHUB_ACTIONS", "true")
	for k, v := range inputs {
		env[k] = v
	}
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"deployment-action"}, Getenv: func(k string) string { return env[k] }, Stdout: &out})
	return code, out.String(), f.Count("")
}

func TestBadInputsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	big := `{"a":"` + strings.Repeat("x", 100<<10) + `"`
	tests := []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"repository climbs out", map[string]string{"INPUT_REPOSITORY": "octo-org/.."}, []string{`input "repository"`, "owner/name"}},
		{"repository ../..", map[string]string{"INPUT_REPOSITORY": "../.."}, []string{`input "repository"`}},
		{"repository with a query", map[string]string{"INPUT_REPOSITORY": "octo-org/web-app?x="}, []string{`input "repository"`}},
		{"repository with a fragment", map[string]string{"INPUT_REPOSITORY": "octo-org/web#x"}, []string{`input "repository"`}},
		{"repository percent", map[string]string{"INPUT_REPOSITORY": "octo-org/%2e%2e"}, []string{`input "repository"`}},
		{"repository with a space", map[string]string{"INPUT_REPOSITORY": "octo org/x"}, []string{`input "repository"`}},
		{"repository three parts", map[string]string{"INPUT_REPOSITORY": "a/b/c"}, []string{`input "repository"`}},
		{"workflow repository is checked too", map[string]string{"GITHUB_REPOSITORY": "octo-org/.."}, []string{`input "repository"`}},
		{"environment ..", map[string]string{"INPUT_ENVIRONMENT": ".."}, []string{`input "environment"`, "not . or .."}},
		{"environment .", map[string]string{"INPUT_STEP": "delete-env", "INPUT_ENVIRONMENT": "."}, []string{`input "environment"`, "not . or .."}},
		{"environment with a line break", map[string]string{"INPUT_ENVIRONMENT": "a\nb"}, []string{`input "environment"`, "control characters"}},
		{"environment too long", map[string]string{"INPUT_ENVIRONMENT": strings.Repeat("e", 256)}, []string{`input "environment"`, "at most 255"}},
		{"payload with a stray }", map[string]string{"INPUT_PAYLOAD": `{"a":1}}`}, []string{`input "payload"`, "text follows"}},
		{"payload with a stray ]", map[string]string{"INPUT_PAYLOAD": `{"a":1}]`}, []string{`input "payload"`, "text follows"}},
		{"payload with the action's key", map[string]string{"INPUT_PAYLOAD": `{"deployment_action":{"run_id":1}}`}, []string{`input "payload"`, "the action's own"}},
		{"a 100 KB payload is quoted short", map[string]string{"INPUT_PAYLOAD": big}, []string{`input "payload"`, "characters in all"}},
		{"job-index", map[string]string{"INPUT_JOB-INDEX": "x"}, []string{`input "job-index"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, calls := runMain(t, tt.inputs)
			if code != 1 || calls != 0 {
				t.Errorf("exit %d after %d requests, want 1 after none", code, calls)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("log lacks %q:\n%.2000s", w, out)
				}
			}
			if len(out) > 4096 {
				t.Errorf("log of %d bytes for one bad input", len(out))
			}
			cmds := runnersim.ParseCommands(out)
			if len(cmds) < 2 || cmds[0].Name != "add-mask" || cmds[1].Name != "error" {
				t.Errorf("commands %+v, want the mask then ::error::", cmds)
			}
			for _, c := range cmds {
				if c.Legacy {
					t.Errorf("a ##[ command: %+v", c)
				}
			}
		})
	}
}

func TestHostileValuesInjectNoCommand(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"x##[error]INJECTED", "::error::x", "x ##[add-mask]y", "  ::warning::z"} {
		for _, input := range []string{"INPUT_ENVIRONMENT", "INPUT_REF", "INPUT_DESCRIPTION", "INPUT_ENVIRONMENT-URL", "INPUT_CANCELLED-STATE"} {
			code, out, _ := runMain(t, map[string]string{input: v})
			for _, c := range runnersim.ParseCommands(out) {
				if c.Legacy || (c.Name != "add-mask" && c.Name != "error" && c.Name != "warning") ||
					(c.Name == "warning" && !strings.Contains(c.Data, "description")) {
					t.Errorf("%s=%q (exit %d) printed the command %+v:\n%s", input, v, code, c, out)
				}
			}
		}
	}
}

func TestAPostWithBadInputsNamesTheDeploymentItLeaves(t *testing.T) {
	t.Parallel()
	_, srv := fgtest.New(t, "")
	env := fgtest.Stage(srv.URL, map[string]string{"cancelled-state": "bogus", "job-status": "cancelled"}, "STATE_deployment_id", "1001")
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{app.PostName}, Getenv: func(k string) string { return env[k] }, Stdout: &out})
	for _, want := range []string{`input "cancelled-state"`, "Deployment 1001 may be left in_progress", "deployment-id: 1001"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}
}

func TestSupersedeInADryRunSaysWhatItWouldDo(t *testing.T) {
	t.Parallel()
	f, srv := fgtest.New(t, "")
	f.AddRepo(fgtest.Repo).Seed(fakegithub.Seed{Environment: "qa", Ref: fgtest.SHA, States: []string{"in_progress"}})
	env := fgtest.Stage(srv.URL, map[string]string{"environment": "qa", "supersede": "true", "dry-run": "true", "task": "deploy"})
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"deployment-action"}, Getenv: func(k string) string { return env[k] }, Stdout: &out})
	if code != 0 || !strings.Contains(out.String(), "Dry run: would mark 1 deployments") || strings.Contains(out.String(), "Marked") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
	for _, d := range f.AddRepo(fgtest.Repo).Deployments() {
		if d.ID != 1001 && d.States[0] != "in_progress" {
			t.Errorf("the dry run wrote: deployment %d is %v", d.ID, d.States)
		}
	}
}

func TestAFileCommandThatCannotBeWrittenNamesTheDeployment(t *testing.T) {
	t.Parallel()
	_, srv := fgtest.New(t, "")
	dir := t.TempDir()
	env := fgtest.Stage(srv.URL, map[string]string{"environment": "qa", "task": "deploy"},
		// A directory where the output file should be: writing it fails.
		"GITHUB_OUTPUT", dir, "GITHUB_STATE", filepath.Join(dir, "state"), "GITHUB_ENV", filepath.Join(dir, "env"))
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"deployment-action"}, Getenv: func(k string) string { return env[k] }, Stdout: &out})
	if code != 1 || !strings.Contains(out.String(), "deployment 1001 exists on GitHub") || !strings.Contains(out.String(), "deployment-id: 1001") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}

// TestACancelledJobsPostStaysInsideTheCancelWindow: after a cancellation
// the runner gives post steps only the cancel window, so the post stage
// tries less and waits less (on a fake clock here).
func TestACancelledJobsPostStaysInsideTheCancelWindow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		fault    *fakegithub.Fault
		maxPosts int
	}{
		{"persistent 500", &fakegithub.Fault{Method: "POST", Path: "/statuses", Status: 500}, 3},
		{"Retry-After: 120", &fakegithub.Fault{Method: "POST", Path: "/statuses", Status: 403, Header: map[string]string{"Retry-After": "120"}}, 1},
	} {
		for _, status := range []string{"cancelled", "success"} {
			f, srv := fgtest.New(t, "")
			ids := f.AddRepo(fgtest.Repo).Seed(fakegithub.Seed{Environment: "qa", States: []string{"in_progress"}})
			f.Inject(tt.fault)
			clock := fakeclock.New()
			p := githubapi.DefaultPolicy()
			p.Sleep, p.Now = clock.Sleep, clock.Now
			env := fgtest.Stage(srv.URL, map[string]string{"job-status": status, "cancelled-state": "inactive"},
				"STATE_deployment_id", strconv.FormatInt(ids[0], 10))
			var out bytes.Buffer
			code := app.Run(context.Background(), app.Env{Args: []string{app.PostName}, Getenv: func(k string) string { return env[k] }, Stdout: &out, Policy: &p})
			posts, slept := f.Count("POST"), clock.Slept()
			if code != 1 {
				t.Errorf("%s, %s: exit %d", tt.name, status, code)
			}
			if status == "cancelled" && (posts > tt.maxPosts || slept > 30*time.Second) {
				t.Errorf("%s after a cancellation: %d writes and %s of waiting, want at most %d and 30 s", tt.name, posts, slept, tt.maxPosts)
			}
			if status == "success" && posts <= tt.maxPosts && slept <= 30*time.Second {
				t.Errorf("%s, control: %d writes, %s: the normal policy should try longer", tt.name, posts, slept)
			}
		}
	}
}

// TestOnAPIErrorWarn: with on-api-error: warn, GitHub failing after the
// retries does not fail the deploy job; the step warns, and the summary
// says what was left undone and how to finish it.
func TestOnAPIErrorWarn(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"warn", "fail"} {
		f, srv := fgtest.New(t, "")
		ids := f.AddRepo(fgtest.Repo).Seed(fakegithub.Seed{Environment: "qa", States: []string{"in_progress"}})
		f.Inject(&fakegithub.Fault{Method: "POST", Path: "/statuses", Status: 500})
		clock := fakeclock.New()
		p := githubapi.DefaultPolicy()
		p.Sleep, p.Now = clock.Sleep, clock.Now
		dir := t.TempDir()
		summary := filepath.Join(dir, "summary")
		env := fgtest.Stage(srv.URL, map[string]string{"on-api-error": mode, "job-status": "success"},
			"STATE_deployment_id", strconv.FormatInt(ids[0], 10), "GITHUB_STEP_SUMMARY", summary)
		var out bytes.Buffer
		code := app.Run(context.Background(), app.Env{Args: []string{app.PostName}, Getenv: func(k string) string { return env[k] }, Stdout: &out, Policy: &p})
		cmds := runnersim.ParseCommands(out.String())
		kinds := map[string]int{}
		for _, c := range cmds {
			kinds[c.Name]++
		}
		got, _ := os.ReadFile(summary)
		switch mode {
		case "warn":
			if code != 0 || kinds["error"] != 0 || kinds["warning"] != 1 {
				t.Errorf("warn: exit %d, commands %v\n%s", code, kinds, out.String())
			}
			want := fmt.Sprintf("gh api -X POST repos/octo-org/hello-world/deployments/%d/statuses -f state=success", ids[0])
			if !strings.Contains(string(got), "left undone") || !strings.Contains(string(got), want) {
				t.Errorf("warn: summary:\n%s", got)
			}
		case "fail":
			if code != 1 || kinds["error"] != 1 {
				t.Errorf("fail: exit %d, commands %v", code, kinds)
			}
		}
	}
}
