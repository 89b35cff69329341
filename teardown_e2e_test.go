package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

func TestPullRequestPushedThreeTimesLeavesOnePreviewActive(t *testing.T) {
	t.Parallel()
	_, f, srv := newJob(t, "pull_request", inProcess)
	var last string
	for push := 1; push <= 3; push++ {
		job, _, _ := newJob(t, "pull_request", inProcess)
		job.Context["GITHUB_API_URL"] = srv.URL
		job.Context["GITHUB_RUN_ID"] = fmt.Sprint(500 + push)
		head := job.Event["pull_request"].(map[string]any)["head"].(map[string]any)
		head["sha"] = strings.Repeat(fmt.Sprint(push), 40)
		main := run(t, job, runnersim.Step{ID: "preview", With: map[string]string{"environment": "pr-${{ github.event.number }}"}})
		if main.ExitCode != 0 {
			t.Fatalf("push %d: %s", push, main.Stdout)
		}
		last = main.Outputs["deployment-id"]
		if p := post(t, job); p[0].ExitCode != 0 {
			t.Fatalf("post %d: %s", push, p[0].Stdout)
		}
	}
	active := 0
	for _, d := range f.AddRepo(fgtest.Repo).Deployments() {
		if d.State() != "inactive" {
			active++
			if fmt.Sprint(d.ID) != last {
				t.Errorf("deployment %d is %s; only the last, %s, should be active", d.ID, d.State(), last)
			}
			if d.State() != "success" {
				t.Errorf("active deployment %d is %s, want success", d.ID, d.State())
			}
		}
	}
	if active != 1 {
		t.Errorf("%d active previews, want 1", active)
	}
}

func TestDeleteEnvOnPullRequestClosed(t *testing.T) {
	t.Parallel()
	for _, admin := range []bool{false, true} {
		t.Run(fmt.Sprintf("admin=%v", admin), func(t *testing.T) {
			t.Parallel()
			job, f, _ := newJob(t, "pull_request_closed", inProcess)
			f.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: admin}
			repo := f.AddRepo(fgtest.Repo)
			repo.Seed(fakegithub.Seed{Environment: "pr-42", Transient: true, States: []string{"success"}},
				fakegithub.Seed{Environment: "pr-42", Transient: true, States: []string{"success", "inactive"}},
				fakegithub.Seed{Environment: "staging", States: []string{"success"}})
			r := run(t, job, runnersim.Step{ID: "teardown", With: map[string]string{"step": "delete-env", "environment": "pr-${{ github.event.number }}"}})
			if r.ExitCode != 0 {
				t.Fatalf("exit %d\n%s", r.ExitCode, r.Stdout)
			}
			want := map[string]string{"deactivated": "1", "deleted": "2", "environment-deleted": fmt.Sprint(admin)}
			for k, v := range want {
				if r.Outputs[k] != v {
					t.Errorf("output %s=%q, want %q", k, r.Outputs[k], v)
				}
			}
			ds := repo.Deployments()
			if len(ds) != 1 {
				t.Errorf("%d deployments left, want 1: %+v", len(ds), ds)
			} else if ds[0].Environment != "staging" {
				t.Errorf("left a deployment of %q, want staging's", ds[0].Environment)
			}
			warns := r.Annotations("warning")
			switch {
			case admin && len(warns) != 0:
				t.Errorf("warnings %q, want none with administration: write", warns)
			case !admin && len(warns) == 0:
				t.Error("no warning, want one naming administration: write")
			case !admin && !strings.Contains(warns[0], "administration: write"):
				t.Errorf("warnings %q, want the first to name administration: write", warns)
			}
			if !strings.Contains(r.Summary, "Teardown of `pr-42`") {
				t.Errorf("summary:\n%s", r.Summary)
			}
			// post-if: no start ran in this job, so no post container.
			if p := post(t, job); !p[0].Skipped {
				t.Errorf("post of a teardown step ran: %+v", p[0])
			}
		})
	}
}

// TestNightlySweep runs the README's nightly sweep with the real binary:
// outputs, the JSON report and the summary table.
func TestNightlySweep(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	f.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	repo := f.AddRepo(fgtest.Repo)
	repo.AddPullRequest(7, "7777777777777777777777777777777777777777", "MERGED").AddPullRequest(8, "8888888888888888888888888888888888888888", "OPEN")
	repo.Seed(fakegithub.Seed{Environment: "pr-7", Ref: "7777777777777777777777777777777777777777", States: []string{"success"}, Creator: "vercel[bot]"},
		fakegithub.Seed{Environment: "pr-8", Ref: "8888888888888888888888888888888888888888", States: []string{"success"}},
		fakegithub.Seed{Environment: "staging", States: []string{"success"}})
	r := run(t, job, runnersim.Step{ID: "sweep", With: map[string]string{"step": "sweep", "environments": "pr-*"}})
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", r.ExitCode, r.Stdout)
	}
	want := map[string]string{"environments-seen": "2", "environments-stale": "1", "environments-swept": "1", "environments-skipped": "1", "environments-left": "0",
		"swept": `[{"environment":"pr-7","decision":"swept","reason":"pull request #7 merged","deployer":"vercel[bot]","deactivated":1,"deleted":1,"environment_deleted":true}]`}
	for k, v := range want {
		if r.Outputs[k] != v {
			t.Errorf("output %s=%q, want %q", k, r.Outputs[k], v)
		}
	}
	exists := map[string]bool{}
	for _, env := range []string{"pr-7", "pr-8", "staging"} {
		exists[env] = repo.HasEnvironment(env)
	}
	if d := cmp.Diff(map[string]bool{"pr-7": false, "pr-8": true, "staging": true}, exists); d != "" {
		t.Errorf("the wrong environments were swept: exists (-want +got):\n%s", d)
	}
	for _, w := range []string{"| `pr-7` | swept | `pull request #7 merged` |", "| `pr-8` | kept | `pull request #8 is open` |", "| `@vercel[bot]` |"} {
		if !strings.Contains(r.Summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, r.Summary)
		}
	}
}

// A dry-run sweep's JSON report says what it would do: how many
// deployments it would deactivate and delete, and whether the environment
// would go; nothing is written.
func TestNightlySweepDryRun(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", inProcess)
	f.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	repo := f.AddRepo(fgtest.Repo)
	repo.AddPullRequest(7, "7777777777777777777777777777777777777777", "MERGED")
	repo.Seed(fakegithub.Seed{Environment: "pr-7", Ref: "7777777777777777777777777777777777777777", States: []string{"success"}},
		fakegithub.Seed{Environment: "pr-7", Ref: "7777777777777777777777777777777777777777", States: []string{"inactive"}})
	r := run(t, job, runnersim.Step{ID: "sweep", With: map[string]string{"step": "sweep", "environments": "pr-*", "dry-run": "true"}})
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", r.ExitCode, r.Stdout)
	}
	want := `[{"environment":"pr-7","decision":"would sweep","reason":"pull request #7 merged","deployer":"github-actions[bot]","would_deactivate":1,"would_delete":2,"would_delete_environment":true}]`
	if r.Outputs["swept"] != want {
		t.Errorf("swept=%s, want %s", r.Outputs["swept"], want)
	}
	if n := f.Count("POST") + f.Count("DELETE"); n != 0 {
		t.Errorf("a dry run wrote %d times", n)
	}
	if !repo.HasEnvironment("pr-7") {
		t.Error("a dry run deleted pr-7")
	}
	if !strings.Contains(r.Summary, "environment would be deleted") {
		t.Errorf("summary:\n%s", r.Summary)
	}
}

// Issue #21's first case, as a user meets it: pull requests #1 and #2
// deploy to one preview/shared with auto-inactive: pull-request (the
// README's recipe for previews that share an environment); #2 is merged,
// #1 stays open. The README's nightly sweep retires #2's deployment only,
// keeps #1's live preview and the environment, and says so in its swept
// output.
func TestNightlySweepKeepsAnOpenPullRequestsPreviewInASharedEnvironment(t *testing.T) {
	t.Parallel()
	_, f, srv := newJob(t, "pull_request", inProcess)
	f.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	repo := f.AddRepo(fgtest.Repo)
	ids := map[int]string{}
	for pr := 1; pr <= 2; pr++ {
		job, _, _ := newJob(t, "pull_request", inProcess)
		job.Context["GITHUB_API_URL"] = srv.URL
		job.Context["GITHUB_RUN_ID"] = fmt.Sprint(700 + pr)
		head := strings.Repeat(fmt.Sprint(pr), 40)
		job.Event["number"] = pr
		p := job.Event["pull_request"].(map[string]any)
		p["number"] = pr
		p["head"].(map[string]any)["sha"] = head
		repo.AddPullRequest(pr, head, "OPEN")
		main := run(t, job, runnersim.Step{ID: "preview", With: map[string]string{"environment": "preview/shared", "auto-inactive": "pull-request"}})
		if main.ExitCode != 0 {
			t.Fatalf("pull request %d: %s", pr, main.Stdout)
		}
		ids[pr] = main.Outputs["deployment-id"]
		if posts := post(t, job); posts[0].ExitCode != 0 {
			t.Fatalf("post %d: %s", pr, posts[0].Stdout)
		}
	}
	repo.AddPullRequest(2, strings.Repeat("2", 40), "MERGED")
	job, _, _ := newJob(t, "push", inProcess)
	job.Context["GITHUB_API_URL"] = srv.URL
	r := run(t, job, runnersim.Step{ID: "sweep", With: map[string]string{"step": "sweep", "environments": "pr-*\npreview/**"}})
	if r.ExitCode != 0 {
		t.Fatalf("exit %d\n%s", r.ExitCode, r.Stdout)
	}
	want := `[{"environment":"preview/shared","decision":"swept","reason":"pull request #2 merged: its deployment is retired; the environment is kept: pull request #1 is open","deployer":"octocat","deactivated":1,"deleted":1,"environment_deleted":false,"kept_deployments":[{"id":` + ids[1] + `,"reason":"pull request #1 is open"}]}]`
	if r.Outputs["swept"] != want {
		t.Errorf("swept=%s\nwant   %s", r.Outputs["swept"], want)
	}
	left := map[string]string{}
	for _, d := range repo.Deployments() {
		left[fmt.Sprint(d.ID)] = d.State()
	}
	if d := cmp.Diff(map[string]string{ids[1]: "success"}, left); d != "" {
		t.Errorf("deployments left (-want +got):\n%s", d)
	}
	if !repo.HasEnvironment("preview/shared") {
		t.Error("preview/shared is gone with pull request #1's live preview")
	}
	if !strings.Contains(r.Summary, "| `preview/shared` | "+ids[1]+" | `pull request #1 is open` |") {
		t.Errorf("the summary does not list the kept deployment:\n%s", r.Summary)
	}
}
