// Package demo runs the action's whole lifecycle on this machine: the
// runner emulation (runnersim) starts its stages in this process against
// the embedded fake GitHub (fakegithub). It is the only package of the
// binary that uses either; `deployment-action demo` and the README's quick
// start run it.
package demo

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
)

// Repo, SHA and Token are the demo's repository, commit and
// token on the embedded fake GitHub.
const (
	Repo  = "octo-org/hello-world"
	SHA   = "4d3c2b1a0f9e8d7c6b5a4d3c2b1a0f9e8d7c6b5a"
	Token = "ghs_demoTokenNeverShown0123456789"
)

// InProcess is a runnersim.Launcher that runs the stage in this process.
func InProcess(opts app.Env) runnersim.Launcher {
	return func(ctx context.Context, l runnersim.Launch) int {
		e := opts
		e.Args = []string{l.Argv0}
		e.Getenv = func(k string) string { return l.Env[k] }
		e.Stdout = l.Stdout
		return app.Run(ctx, e)
	}
}

// demo is one run of the demo: its fake GitHub, runner and output.
type demo struct {
	w      io.Writer
	action *runnersim.Action
	fake   *fakegithub.Fake
	url    string
	dir    string
	runs   int
}

// Run runs workflow jobs on the simulated runner against an embedded fake
// GitHub: a push whose deploy succeeds, one whose deploy fails, a pull
// request's preview, and its teardown when the pull request closes. It
// shows each stage's log, outputs and summary, and what GitHub holds.
func Run(ctx context.Context, w io.Writer, actionYAML []byte) int {
	a, err := runnersim.ParseAction(actionYAML)
	if err != nil {
		fmt.Fprintln(w, err)
		return 1
	}
	fake := fakegithub.New()
	fake.Tokens = map[string]fakegithub.Token{Token: {Write: true}} // a GITHUB_TOKEN: no administration: write
	repo := fake.AddRepo(Repo).AddRef("main", SHA)
	// The commit was made two hours ago: the report's lead time starts there.
	repo.AddCommit(SHA, time.Now().Add(-2*time.Hour))
	srv := fake.Start()
	defer srv.Close()
	dir, err := os.MkdirTemp("", "deployment-action-demo-")
	if err != nil {
		fmt.Fprintln(w, err)
		return 1
	}
	defer os.RemoveAll(dir)
	d := &demo{w: w, action: a, fake: fake, url: srv.URL, dir: dir}

	fmt.Fprintf(w, "Local demo: the deployment lifecycle against an embedded fake GitHub at %s\n", srv.URL)
	fmt.Fprint(w, "The workflow's steps:\n\n    - uses: ./\n      with:\n        environment: staging\n        environment-url: ${{ env.DEPLOY_URL }}\n    - run: ./deploy.sh   # echo \"DEPLOY_URL=https://…\" >> \"$GITHUB_ENV\"\n\n")
	for _, outcome := range []string{"success", "failure"} {
		if code := d.deploy(ctx, "push", "staging", outcome); code != 0 {
			return code
		}
	}
	if code := d.deploy(ctx, "pull_request", "pr-42", "success"); code != 0 {
		return code
	}
	d.show("the pull request's preview exists", "", nil, repo)
	if code := d.teardown(ctx); code != 0 {
		return code
	}
	d.show("what the fake GitHub holds at the end (statuses newest first)", "", nil, repo)
	if code := d.report(ctx); code != 0 {
		return code
	}
	fmt.Fprintln(w, "\nThe token never appears above: it is masked before anything is printed.")
	return 0
}

func (d *demo) job(event string, payload map[string]any) *runnersim.Job {
	d.runs++
	ctxVars := map[string]string{
		"GITHUB_REPOSITORY": Repo, "GITHUB_SHA": SHA, "GITHUB_REF": "refs/heads/main",
		"GITHUB_EVENT_NAME": event, "GITHUB_API_URL": d.url, "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID": fmt.Sprint(7000 + d.runs), "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "deploy",
		"GITHUB_WORKFLOW": "deploy", "GITHUB_ACTOR": "octocat",
	}
	d.fake.ResetRequests()
	return runnersim.NewJob(filepath.Join(d.dir, fmt.Sprint(d.runs)), d.action, InProcess(app.Env{}), ctxVars, payload, Token)
}

func prEvent(action string) map[string]any {
	return map[string]any{"action": action, "number": 42.0, "pull_request": map[string]any{
		"number": 42.0, "head": map[string]any{"ref": "feature/login", "sha": SHA}}}
}

// deploy runs one job: start, ./deploy.sh ending in outcome, post.
func (d *demo) deploy(ctx context.Context, event, env, outcome string) int {
	payload := map[string]any{"ref": "refs/heads/main", "after": SHA}
	if event == "pull_request" {
		payload = prEvent("synchronize")
	}
	job := d.job(event, payload)
	fmt.Fprintf(d.w, "=== Run %d, on %s: deploy to %s; ./deploy.sh ends in %s ===\n", d.runs, event, env, outcome)
	main, err := job.Run(ctx, runnersim.Step{ID: "start", With: map[string]string{
		"environment": env, "environment-url": "${{ env.DEPLOY_URL }}",
	}})
	if err != nil {
		fmt.Fprintln(d.w, err)
		return 1
	}
	d.show("main stage (step: start)", main.Stdout, main.Outputs, nil)
	if outcome == "success" {
		url := "https://" + env + ".example.com"
		if err := job.RunScript("deploy", nil, map[string]string{"DEPLOY_URL": url}); err != nil {
			fmt.Fprintln(d.w, err)
			return 1
		}
		fmt.Fprintf(d.w, "\n--- ./deploy.sh: deployed; echo \"DEPLOY_URL=%s\" >> \"$GITHUB_ENV\"\n", url)
	} else {
		job.Fail()
		fmt.Fprintln(d.w, "\n--- ./deploy.sh: exits 1, the job fails")
	}
	posts, err := job.Post(ctx)
	if err != nil {
		fmt.Fprintln(d.w, err)
		return 1
	}
	d.show(fmt.Sprintf("post stage (job.status is %s)", job.Status), posts[0].Stdout, posts[0].Outputs, nil)
	d.summary(posts[0].Summary)
	fmt.Fprintf(d.w, "\n--- API calls in this run: %d\n\n", d.fake.Count(""))
	if main.ExitCode != 0 || posts[0].ExitCode != 0 {
		return 1
	}
	return 0
}

// teardown runs the pull request's closing job: step delete-env.
func (d *demo) teardown(ctx context.Context) int {
	job := d.job("pull_request", prEvent("closed"))
	fmt.Fprintf(d.w, "\n=== Run %d, on pull_request closed: step: delete-env, environment: pr-${{ github.event.number }} ===\n", d.runs)
	r, err := job.Run(ctx, runnersim.Step{ID: "teardown", With: map[string]string{"step": "delete-env", "environment": "pr-${{ github.event.number }}"}})
	if err != nil {
		fmt.Fprintln(d.w, err)
		return 1
	}
	d.show("main stage (step: delete-env)", r.Stdout, r.Outputs, nil)
	d.summary(r.Summary)
	fmt.Fprintf(d.w, "\n--- API calls in this run: %d\n", d.fake.Count(""))
	return r.ExitCode
}

// report runs a scheduled job with step: report over every environment:
// what is live, and the keys of the deployments above.
func (d *demo) report(ctx context.Context) int {
	job := d.job("schedule", map[string]any{"schedule": "0 7 * * 1"})
	fmt.Fprintf(d.w, "\n=== Run %d, on schedule: step: report, environments: \"*\", since: 7d ===\n", d.runs)
	r, err := job.Run(ctx, runnersim.Step{ID: "report", With: map[string]string{"step": "report", "environments": "*", "since": "7d"}})
	if err != nil {
		fmt.Fprintln(d.w, err)
		return 1
	}
	d.show("main stage (step: report); the report output is one JSON value", r.Stdout, r.Outputs, nil)
	d.summary(r.Summary)
	fmt.Fprintf(d.w, "\n--- API calls in this run: %d (reads only)\n", d.fake.Count(""))
	return r.ExitCode
}

func (d *demo) show(title, log string, outputs map[string]string, repo *fakegithub.Repo) {
	fmt.Fprintf(d.w, "\n--- %s\n", title)
	for _, line := range strings.Split(strings.TrimRight(log, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(line, "::add-mask::") {
			fmt.Fprintf(d.w, "  | %s\n", line)
		}
	}
	if len(outputs) > 0 {
		keys := slices.Sorted(maps.Keys(outputs))
		fmt.Fprintln(d.w, "  outputs:")
		for _, k := range keys {
			fmt.Fprintf(d.w, "    %s=%s\n", k, outputs[k])
		}
	}
	if repo != nil {
		for _, dep := range repo.Deployments() {
			fmt.Fprintf(d.w, "  deployment %d  %-8s  ref %.7s  %s", dep.ID, dep.Environment, dep.SHA, strings.Join(dep.States, " <- "))
			if dep.EnvironmentURL != "" {
				fmt.Fprintf(d.w, "  %s", dep.EnvironmentURL)
			}
			fmt.Fprintln(d.w)
		}
		fmt.Fprintf(d.w, "  environment pr-42 exists: %t\n", repo.HasEnvironment("pr-42"))
	}
}

func (d *demo) summary(s string) {
	if s == "" {
		return
	}
	fmt.Fprintln(d.w, "  job summary:")
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(d.w, "    %s\n", line)
	}
}
