package lifecycle_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

const (
	createPath = "/repos/octo-org/hello-world/deployments"
	statusPath = "/statuses"
)

// TestFaults injects what GitHub really does into start and finish and
// checks what the action does about it: the state GitHub is left in, the
// calls made, the time waited (on the fake clock) and the error.
func TestFaults(t *testing.T) {
	t.Parallel()
	hourReset := fakeclock.New().Now().Add(time.Hour)
	tests := []struct {
		name   string
		faults []*fakegithub.Fault
		// finish runs a finish of a seeded deployment instead of a start.
		finish bool
		// wantErr is empty when the step must succeed.
		wantErr     []string
		wantCalls   int
		wantMinWait time.Duration
		wantMaxWait time.Duration
		// wantDeployments is how many deployments exist afterwards.
		wantDeployments int
		// wantStatuses is how many statuses the (last) deployment has.
		wantStatuses int
	}{
		{name: "502 on create: checked, then created once, then checked for a late duplicate",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Status: 502}},
			wantCalls: 5, wantDeployments: 1, wantStatuses: 1},
		{name: "create carried out late, after the check found nothing: the duplicate is retired",
			faults: []*fakegithub.Fault{
				{Method: "POST", Path: createPath, Times: 1, DropAfter: true},
				{Method: "GET", Path: createPath, Times: 1, Status: 200, Body: "[]"}},
			// create (lost), check (not visible yet), create, in_progress,
			// look for duplicates, inactive on the duplicate, delete it
			wantCalls: 7, wantDeployments: 1, wantStatuses: 1},
		{name: "create answered 201 without an id: checked, never /deployments/0",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Status: 201, Body: "{}"}},
			wantCalls: 5, wantDeployments: 1, wantStatuses: 1},
		{name: "create answered 201 with an empty body: checked, never /deployments/0",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Status: 201, Body: " "}},
			wantCalls: 5, wantDeployments: 1, wantStatuses: 1},
		{name: "status answered {\"id\":5} does not count as written",
			faults: []*fakegithub.Fault{{Method: "POST", Path: statusPath, Times: 1, Status: 201, Body: `{"id":5}`}},
			finish: true, wantCalls: 3, wantDeployments: 1, wantStatuses: 2},
		{name: "create performed but its answer lost: adopted, not created twice",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, DropAfter: true}},
			wantCalls: 3, wantDeployments: 1, wantStatuses: 1},
		{name: "connection dropped before create: checked, then created",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Drop: true}},
			wantCalls: 5, wantDeployments: 1, wantStatuses: 1},
		{name: "two 503s on a status",
			faults: []*fakegithub.Fault{{Method: "POST", Path: statusPath, Times: 2, Status: 503}},
			finish: true, wantCalls: 5, wantDeployments: 1, wantStatuses: 2},
		{name: "final status written but its answer lost: not written twice",
			faults: []*fakegithub.Fault{{Method: "POST", Path: statusPath, Times: 1, DropAfter: true}},
			finish: true, wantCalls: 2, wantDeployments: 1, wantStatuses: 2},
		{name: "secondary rate limit with Retry-After: 2",
			faults: []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Status: 403,
				Header: map[string]string{"Retry-After": "2"}, Body: `{"message":"You have exceeded a secondary rate limit."}`}},
			wantCalls: 3, wantMinWait: 2 * time.Second, wantMaxWait: 3 * time.Second, wantDeployments: 1, wantStatuses: 1},
		{name: "429 with Retry-After",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: statusPath, Times: 1, Status: 429, Header: map[string]string{"Retry-After": "5"}}},
			wantCalls: 3, wantMinWait: 5 * time.Second, wantDeployments: 1, wantStatuses: 1},
		{name: "secondary rate limit without Retry-After waits a minute",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Status: 403, Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`}},
			wantCalls: 3, wantMinWait: time.Minute, wantDeployments: 1, wantStatuses: 1},
		{name: "primary rate limit resetting in 30 s is waited for",
			faults: []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Status: 403, Header: map[string]string{
				"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": fmt.Sprint(fakeclock.New().Now().Add(30 * time.Second).Unix())}}},
			wantCalls: 3, wantMinWait: 30 * time.Second, wantDeployments: 1, wantStatuses: 1},
		{name: "primary rate limit exhausted for an hour fails fast",
			faults: []*fakegithub.Fault{{Method: "POST", Path: createPath, Status: 403, Header: map[string]string{
				"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": fmt.Sprint(hourReset.Unix())}}},
			wantErr:   []string{"rate limit", "exhausted until " + hourReset.Format("15:04") + " UTC"},
			wantCalls: 1, wantMaxWait: time.Second},
		{name: "the create used the rate limit's last request, resetting in 20 s: the status waits",
			faults: []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Header: map[string]string{
				"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": fmt.Sprint(fakeclock.New().Now().Add(20 * time.Second).Unix())}}},
			wantCalls: 2, wantMinWait: 20 * time.Second, wantMaxWait: 22 * time.Second, wantDeployments: 1, wantStatuses: 1},
		{name: "the create used the rate limit's last request for an hour: the status fails fast",
			faults: []*fakegithub.Fault{{Method: "POST", Path: createPath, Times: 1, Header: map[string]string{
				"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": fmt.Sprint(hourReset.Unix())}}},
			wantErr:   []string{"exhausted until " + hourReset.Format("15:04") + " UTC"},
			wantCalls: 1, wantDeployments: 1, wantStatuses: 0},
		{name: "persistent 500 on create: bounded tries, clear error",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Status: 500}},
			wantErr:   []string{"create deployment", "5 tries", "500"},
			wantCalls: 9, wantMaxWait: 30 * time.Second},
		{name: "persistent 500 on a status: bounded, says how to finish by hand",
			faults:  []*fakegithub.Fault{{Method: "POST", Path: statusPath, Status: 500}},
			finish:  true,
			wantErr: []string{"set deployment", "5 tries", "500"}, wantCalls: 9, wantMaxWait: 30 * time.Second, wantDeployments: 1, wantStatuses: 1},
		{name: "422 is not retried",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Status: 422, Body: `{"message":"Validation Failed"}`}},
			wantErr:   []string{"422", "Validation Failed"},
			wantCalls: 1},
		{name: "a 403 that is not a rate limit is not retried",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: createPath, Status: 403, Body: `{"message":"Resource not accessible by integration"}`}},
			wantErr:   []string{"403", "deployments: write"},
			wantCalls: 1},
		{name: "404 is not retried",
			faults:    []*fakegithub.Fault{{Method: "POST", Path: statusPath, Status: 404}},
			finish:    true,
			wantErr:   []string{"404", "not found"},
			wantCalls: 1, wantDeployments: 1, wantStatuses: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			c := cfg()
			if tt.finish {
				ids := e.repo.Seed(fakegithub.Seed{Environment: "staging", Ref: fgtest.SHA, States: []string{"in_progress"}})
				c.Step, c.Finish.DeploymentID = config.StepFinish, ids[0]
			}
			for _, f := range tt.faults {
				e.fake.Inject(f)
			}
			var err error
			if tt.finish {
				_, err = lifecycle.Finish(context.Background(), e.c, c.Finish)
			} else {
				_, err = lifecycle.Start(context.Background(), e.c, c.Start)
			}
			switch {
			case len(tt.wantErr) == 0 && err != nil:
				t.Fatalf("step failed: %v", err)
			case len(tt.wantErr) > 0 && err == nil:
				t.Fatalf("step succeeded, want an error with %q", tt.wantErr)
			}
			wantErrContaining(t, err, tt.wantErr...)
			for _, r := range e.fake.Requests() {
				if strings.Contains(r.Path, "/deployments/0") {
					t.Errorf("%s %s: a request for deployment 0", r.Method, r.Path)
				}
			}
			if n := e.fake.Count(""); n != tt.wantCalls {
				for _, r := range e.fake.Requests() {
					t.Logf("%s %s?%s", r.Method, r.Path, r.Query)
				}
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
			slept := e.clock.Slept()
			if slept < tt.wantMinWait || (tt.wantMaxWait > 0 && slept > tt.wantMaxWait) {
				t.Errorf("waited %s, want between %s and %s", slept, tt.wantMinWait, tt.wantMaxWait)
			}
			ds := e.repo.Deployments()
			if len(ds) != tt.wantDeployments {
				t.Fatalf("%d deployments, want %d", len(ds), tt.wantDeployments)
			}
			if len(ds) > 0 && len(ds[len(ds)-1].States) != tt.wantStatuses {
				t.Errorf("statuses %v, want %d", ds[len(ds)-1].States, tt.wantStatuses)
			}
		})
	}
}

func TestIdempotentReadsAreRetriedAfterFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault *fakegithub.Fault
		calls int
	}{
		{"503 twice", &fakegithub.Fault{Method: "POST", Path: "/graphql", Times: 2, Status: 503}, 3},
		{"dropped connection", &fakegithub.Fault{Method: "POST", Path: "/graphql", Times: 1, Drop: true}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
			e.fake.Inject(tt.fault)
			res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1").Teardown)
			if err != nil {
				t.Fatal(err)
			}
			// the GraphQL listing (retried: a query is a read) + one write
			if n := e.fake.Count(""); n != tt.calls+1 {
				t.Errorf("%d calls, want %d", n, tt.calls+1)
			}
			if got := res.Teardown.Deactivated; len(got) != 1 {
				t.Errorf("deactivated %v, want one", got)
			}
		})
	}
}

func TestATryThatHangsIsTimedOutAndRetried(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	p := e.c.Policy
	p.PerTry = 150 * time.Millisecond
	e.c = rebuild(t, e, p)
	e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
	// The first GraphQL try hangs past the per-try bound: it is cut off
	// and sent again, and the teardown completes. Counted, never timed
	// (a slow machine may cut off a try more, never fewer).
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/graphql", Times: 1, Delay: 600 * time.Millisecond})
	e.fake.ResetRequests()
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1").Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("GRAPHQL"); n < 2 {
		t.Errorf("%d GraphQL tries, want the hung one and its retry", n)
	}
	if len(res.Teardown.Deactivated) != 1 {
		t.Errorf("deactivated %v, want the one deployment", res.Teardown.Deactivated)
	}
}
