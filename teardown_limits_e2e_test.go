package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// A delete-env bigger than what GITHUB_TOKEN allows in an hour (1,000
// REST requests a repository, 500 content-creating writes, 80 a minute)
// does what fits, never runs into a limit, says what is left, and the next
// run goes on until the environment is gone: on the fake's primary and
// secondary limits, on the fake clock, an hour between runs.
func TestDeleteEnvBiggerThanOneRunGoesOnInTheNextRuns(t *testing.T) {
	t.Parallel()
	n := 3000
	if testing.Short() {
		n = 1200
	}
	job, f, _ := newJob(t, "pull_request_closed", nil)
	var clock *fakeclock.Clock
	job.Launch, clock = inProcessOnAFakeClock(f)
	f.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
	f.SetPrimaryLimit(&fakegithub.PrimaryLimit{N: 1000, Window: time.Hour})
	// 900 points a minute, 5 a write: 180 writes a minute.
	secondary := &fakegithub.WriteLimit{N: 180, Window: time.Minute}
	f.Limit(secondary)
	repo := f.AddRepo(fgtest.Repo)
	seeds := make([]fakegithub.Seed, n)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: "pr-42", States: []string{"success"}}
	}
	repo.Seed(seeds...)
	deleted, runs := 0, 0
	for repo.HasEnvironment("pr-42") {
		if runs++; runs > 20 {
			t.Fatalf("the environment is still there after %d runs; %d deployments left", runs-1, len(repo.Deployments()))
		}
		r := run(t, job, runnersim.Step{ID: "teardown", With: map[string]string{"step": "delete-env", "environment": "pr-42"}})
		if r.ExitCode != 0 {
			t.Fatalf("run %d: exit %d\n%s", runs, r.ExitCode, r.Stdout)
		}
		t.Logf("run %d: deactivated %s, deleted %s, %d left", runs, r.Outputs["deactivated"], r.Outputs["deleted"], len(repo.Deployments()))
		d, _ := strconv.Atoi(r.Outputs["deleted"])
		deleted += d
		left := len(repo.Deployments())
		warned := strings.Contains(strings.Join(r.Annotations("warning"), "\n"), "run the step again")
		if left > 0 && !warned {
			t.Errorf("run %d left %d deployments without saying so: %v", runs, left, r.Annotations("warning"))
		}
		if left > 0 && r.Outputs["environment-deleted"] != "false" {
			t.Errorf("run %d: environment-deleted=%q with %d deployments left", runs, r.Outputs["environment-deleted"], left)
		}
		if err := clock.Sleep(context.Background(), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if deleted != n || len(repo.Deployments()) != 0 {
		t.Errorf("deleted %d of %d; %d left", deleted, n, len(repo.Deployments()))
	}
	// The pacer keeps every minute's writes under the secondary limit by
	// the time it lets each go. On the fake clock, the waits of requests
	// in flight at once all move the one clock on, so a request may reach
	// the fake in a later minute than it left in: a few refusals (each
	// waited out as GitHub's Retry-After says) are that, not pacing.
	if f.PrimaryRefusals() != 0 || secondary.Refusals > n/100 {
		t.Errorf("the runs ran into GitHub's limits: %d primary and %d secondary refusals", f.PrimaryRefusals(), secondary.Refusals)
	}
	// 500 inactive statuses an hour, and 2 requests a deployment (an
	// inactive status, a delete) of 1,000 an hour: the margins kept for
	// the steps after may take one run more.
	if most := max(n/500, 2*n/1000) + 2; runs > most {
		t.Errorf("%d runs for %d deployments, want at most %d", runs, n, most)
	}
	t.Logf("%d deployments deleted in %d runs", n, runs)
}
