package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/runnersim"
)

// DemoRepo, DemoSHA and DemoToken are the demo's repository, commit and
// token on the embedded fake GitHub.
const (
	DemoRepo  = "octo-org/hello-world"
	DemoSHA   = "4d3c2b1a0f9e8d7c6b5a4d3c2b1a0f9e8d7c6b5a"
	DemoToken = "ghs_demoTokenNeverShown0123456789"
)

// InProcess is a runnersim.Launcher that runs the stage in this process.
func InProcess(opts app.Env) runnersim.Launcher {
	return func(ctx context.Context, argv0 string, env map[string]string, stdout io.Writer) int {
		e := opts
		e.Args = []string{argv0}
		e.Getenv = func(k string) string { return env[k] }
		e.Stdout = stdout
		return app.Run(ctx, e)
	}
}

// Demo runs two jobs on the simulated runner against an embedded fake
// GitHub: one whose deploy succeeds and one whose deploy fails, and shows
// each stage's log, outputs and what GitHub holds afterwards.
func Demo(ctx context.Context, w io.Writer, actionYAML []byte) int {
	a, err := runnersim.ParseAction(actionYAML)
	if err != nil {
		fmt.Fprintln(w, err)
		return 1
	}
	fake := fakegithub.New()
	fake.Tokens = map[string]fakegithub.Token{DemoToken: {Write: true}}
	repo := fake.AddRepo(DemoRepo).AddRef("main", DemoSHA)
	srv := fake.Start()
	defer srv.Close()
	dir, err := os.MkdirTemp("", "deployment-action-demo-")
	if err != nil {
		fmt.Fprintln(w, err)
		return 1
	}
	defer os.RemoveAll(dir)

	fmt.Fprintf(w, "Local demo: the deployment lifecycle against an embedded fake GitHub at %s\n", srv.URL)
	fmt.Fprintf(w, "Workflow (push to main of %s):\n\n", DemoRepo)
	fmt.Fprint(w, "  steps:\n    - uses: ./\n      with:\n        environment: staging\n        environment-url: ${{ steps.deploy.outputs.url }}\n    - id: deploy\n      run: ./deploy.sh\n\n")
	for i, outcome := range []string{"success", "failure"} {
		ctxVars := map[string]string{
			"GITHUB_REPOSITORY": DemoRepo, "GITHUB_SHA": DemoSHA, "GITHUB_REF": "refs/heads/main",
			"GITHUB_EVENT_NAME": "push", "GITHUB_API_URL": srv.URL, "GITHUB_SERVER_URL": "https://github.com",
			"GITHUB_RUN_ID": fmt.Sprint(7000 + i), "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "deploy",
			"GITHUB_WORKFLOW": "deploy", "GITHUB_ACTOR": "octocat",
		}
		job := runnersim.NewJob(dir, a, InProcess(app.Env{}), ctxVars, map[string]any{"ref": "refs/heads/main", "after": DemoSHA}, DemoToken)
		fmt.Fprintf(w, "=== Run %d: ./deploy.sh ends in %s ===\n", i+1, outcome)
		fake.ResetRequests()
		main, err := job.Run(ctx, runnersim.Step{ID: "start", With: map[string]string{
			"environment": "staging", "environment-url": "${{ steps.deploy.outputs.url }}",
		}})
		if err != nil {
			fmt.Fprintln(w, err)
			return 1
		}
		show(w, "main stage (step: start)", main)
		if outcome == "success" {
			job.SetOutput("deploy", "url", "https://staging.example.com")
			fmt.Fprintln(w, "\n--- ./deploy.sh: deployed, sets the output url=https://staging.example.com")
		} else {
			job.Fail()
			fmt.Fprintln(w, "\n--- ./deploy.sh: exits 1, the job fails")
		}
		posts, err := job.Post(ctx)
		if err != nil {
			fmt.Fprintln(w, err)
			return 1
		}
		for _, p := range posts {
			show(w, fmt.Sprintf("post stage (job.status is %s)", job.Status), p)
		}
		fmt.Fprintf(w, "\n--- API calls in this run: %d\n\n", fake.Count(""))
		if main.ExitCode != 0 {
			return main.ExitCode
		}
	}
	fmt.Fprintln(w, "=== What the fake GitHub holds now (statuses newest first) ===")
	for _, d := range repo.Deployments() {
		fmt.Fprintf(w, "  deployment %d  %s  ref %.7s  %s", d.ID, d.Environment, d.SHA, strings.Join(d.States, " <- "))
		if d.EnvironmentURL != "" {
			fmt.Fprintf(w, "  %s", d.EnvironmentURL)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nThe token never appears above: it is masked before anything is printed.")
	return 0
}

func show(w io.Writer, title string, r *runnersim.StepRun) {
	fmt.Fprintf(w, "\n--- %s: exit %d\n", title, r.ExitCode)
	for _, line := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(line, "::add-mask::") {
			fmt.Fprintf(w, "  | %s\n", line)
		}
	}
	if len(r.Outputs) > 0 {
		keys := make([]string, 0, len(r.Outputs))
		for k := range r.Outputs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintln(w, "  outputs:")
		for _, k := range keys {
			fmt.Fprintf(w, "    %s=%s\n", k, r.Outputs[k])
		}
	}
	if r.Summary != "" {
		fmt.Fprintln(w, "  job summary:")
		for _, line := range strings.Split(strings.TrimRight(r.Summary, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
}
