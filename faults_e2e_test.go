package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/demo"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// inProcessOnAFakeClock is a Launcher that runs the stages in this process
// with every wait (back-off, rate limits, pacing) on clock, which the fake
// GitHub shares; the binary's own waits are the same code.
func inProcessOnAFakeClock(f *fakegithub.Fake) (runnersim.Launcher, *fakeclock.Clock) {
	clock := fakeclock.New()
	f.Now = clock.Now
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now = clock.Sleep, clock.Now
	return demo.InProcess(app.Env{Policy: &p, Pacer: githubapi.NewPacer(clock.Sleep, clock.Now)}), clock
}

// TestFaultClasses runs one fault of each class through both stages of a
// job, in process and on a fake clock: the waits are asserted, not slept.
func TestFaultClasses(t *testing.T) {
	t.Parallel()
	const create = "/repos/octo-org/hello-world/deployments"
	tests := []struct {
		name string
		// inPost injects the fault after the main stage.
		inPost   bool
		fault    *fakegithub.Fault
		token    *fakegithub.Token
		wantExit int
		wantErr  []string
		minWait  time.Duration
		maxWait  time.Duration
	}{
		{name: "5xx on create", fault: &fakegithub.Fault{Method: "POST", Path: create, Times: 1, Status: 502}, maxWait: 20 * time.Second},
		{name: "secondary rate limit", fault: &fakegithub.Fault{Method: "POST", Path: create, Times: 1, Status: 403, Header: map[string]string{"Retry-After": "2"}}, minWait: 2 * time.Second, maxWait: 3 * time.Second},
		{name: "answer lost after create", fault: &fakegithub.Fault{Method: "POST", Path: create, Times: 1, DropAfter: true}, maxWait: time.Second},
		{name: "persistent 500 on the final status", inPost: true, fault: &fakegithub.Fault{Method: "POST", Path: "/statuses", Status: 500},
			wantExit: 1, wantErr: []string{"5 tries", "may be left in_progress", "step: finish", "deployment-id: 1001"}, maxWait: 30 * time.Second},
		{name: "primary rate limit for an hour", fault: &fakegithub.Fault{Method: "POST", Path: create, Status: 403, Header: map[string]string{
			"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": fmt.Sprint(fakeclock.New().Now().Add(time.Hour).Unix())}},
			wantExit: 1, wantErr: []string{"exhausted until"}, maxWait: 5 * time.Second},
		{name: "revoked token", token: &fakegithub.Token{Revoked: true}, wantExit: 1, wantErr: []string{"401", "token"}},
		{name: "read-only token", token: &fakegithub.Token{}, wantExit: 1, wantErr: []string{"403", "permissions: deployments: write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job, f, _ := newJob(t, "push", nil)
			var clock *fakeclock.Clock
			job.Launch, clock = inProcessOnAFakeClock(f)
			if tt.token != nil {
				f.Tokens[fgtest.Token] = *tt.token
			}
			if tt.fault != nil && !tt.inPost {
				f.Inject(tt.fault)
			}
			main := run(t, job, startStep)
			if tt.fault != nil && tt.inPost {
				f.Inject(tt.fault)
			}
			posts := post(t, job)
			took := clock.Slept()
			last := main
			if tt.inPost || main.ExitCode == 0 {
				last = posts[0]
			}
			if last.ExitCode != tt.wantExit {
				t.Fatalf("%s stage exited %d, want %d\n%s", last.Stage, last.ExitCode, tt.wantExit, last.Stdout)
			}
			errs := strings.Join(last.Annotations("error"), "\n")
			for _, w := range tt.wantErr {
				if !strings.Contains(errs, w) {
					t.Errorf("errors %q do not contain %q; log:\n%s", errs, w, last.Stdout)
				}
			}
			if took < tt.minWait || (tt.maxWait > 0 && took > tt.maxWait) {
				t.Errorf("waited %s, want between %s and %s", took, tt.minWait, tt.maxWait)
			}
			ds := f.AddRepo(fgtest.Repo).Deployments()
			if tt.wantExit == 0 {
				if len(ds) != 1 {
					t.Errorf("%d deployments, want exactly one: %+v", len(ds), ds)
				} else if got := ds[0].State(); got != "success" {
					t.Errorf("deployment state %q, want success", got)
				}
			}
		})
	}
}

// TestPostFinishesADeploymentWhoseStartFailedHalfway: the deployment was
// created but its in_progress status never got through; main fails, and the
// post stage still gives the deployment its final state.
func TestPostFinishesADeploymentWhoseStartFailedHalfway(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", nil)
	job.Launch, _ = inProcessOnAFakeClock(f)
	f.Inject(&fakegithub.Fault{Method: "POST", Path: "/statuses", Times: 5, Status: 500})
	main := run(t, job, startStep)
	if main.ExitCode != 1 {
		t.Fatalf("main: exit %d, want 1\n%s", main.ExitCode, main.Stdout)
	}
	if got := main.State["deployment_id"]; got != "1001" {
		t.Fatalf("main: state deployment_id %q, want 1001: %v", got, main.State)
	}
	posts := post(t, job)
	if posts[0].ExitCode != 0 {
		t.Fatalf("post: %s", posts[0].Stdout)
	}
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want one: %+v", len(ds), ds)
	}
	if got := ds[0].State(); got != "failure" {
		t.Errorf("deployment state %q, want failure", got)
	}
}

// TestTheRealBinaryRecoversALostCreate: the built binary, with its real
// waits, finds the deployment whose creation's answer was lost.
func TestTheRealBinaryRecoversALostCreate(t *testing.T) {
	t.Parallel()
	job, f, _ := newJob(t, "push", binary)
	f.Inject(&fakegithub.Fault{Method: "POST", Path: "/repos/octo-org/hello-world/deployments", Times: 1, DropAfter: true})
	main := run(t, job, startStep)
	posts := post(t, job)
	ds := f.AddRepo(fgtest.Repo).Deployments()
	if main.ExitCode != 0 {
		t.Errorf("main exit %d, want 0\n%s", main.ExitCode, main.Stdout)
	}
	if posts[0].ExitCode != 0 {
		t.Errorf("post exit %d, want 0\n%s", posts[0].ExitCode, posts[0].Stdout)
	}
	if len(ds) != 1 {
		t.Fatalf("%d deployments, want 1: %+v", len(ds), ds)
	}
	if got := ds[0].State(); got != "success" {
		t.Errorf("deployment state %q, want success", got)
	}
}

// TestTheRealBinaryKeepsTheTokenOffOtherHosts: GitHub (the fake, on
// 127.0.0.1) redirects the create to localhost, another host that records
// what reaches it. Nothing does; the step fails naming the host.
func TestTheRealBinaryKeepsTheTokenOffOtherHosts(t *testing.T) {
	t.Parallel()
	var reached atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		t.Errorf("a request reached the other host, Authorization %q", r.Header.Get("Authorization"))
	}))
	defer evil.Close()
	other := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	job, f, _ := newJob(t, "push", binary)
	f.Inject(&fakegithub.Fault{Method: "POST", Path: "/repos/octo-org/hello-world/deployments", Status: 307,
		Header: map[string]string{"Location": other + "/repos/octo-org/hello-world/deployments"}})
	main := run(t, job, startStep)
	errs := strings.Join(main.Annotations("error"), "\n")
	if main.ExitCode != 1 {
		t.Errorf("exit %d, want 1", main.ExitCode)
	}
	if !strings.Contains(errs, "another host, "+other) {
		t.Errorf("errors %q, want one naming another host, %s", errs, other)
	}
	if n := f.Count("POST"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("%d requests to the other host, want none", n)
	}
	if strings.Count(main.Stdout, fgtest.Token) > 1 {
		t.Errorf("the token is printed:\n%s", main.Stdout)
	}
}
