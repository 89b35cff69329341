package lifecycle_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/app"
	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

const previewURL = "https://hello-world-git-login-octo.vercel.app"

// waitCfg is a step: wait for env's deployment of main's commit by
// creators, as Load makes it.
func waitCfg(env string, creators ...string) *config.Config {
	c := cfg()
	c.Step, c.Environment, c.Wait.Environment = config.StepWait, env, env
	c.Wait.Wait = config.Wait{Creators: creators, Timeout: config.DefaultWaitTimeout, For: config.WaitForSuccess}
	return c
}

// afterAnswer runs steps[n] as the fake gives its nth GraphQL answer
// (from 1), so that poll n+1 sees what it did: a deploy platform at work
// between polls.
func afterAnswer(e *env, steps map[int]func()) {
	var mu sync.Mutex
	n := 0
	e.fake.GraphQLAnswer = func(string, map[string]any, map[string]any) map[string]any {
		mu.Lock()
		n++
		step := steps[n]
		mu.Unlock()
		if step != nil {
			step()
		}
		return nil
	}
}

// vercel seeds a deployment of main's commit to env by vercel[bot], with
// no status yet, and returns its id.
func vercel(e *env, env string) int64 {
	return e.repo.Seed(fakegithub.Seed{Environment: env, Ref: fgtest.SHA, Creator: "vercel[bot]"})[0]
}

// sleptBefore is the clock time before poll n: the back-off's waits.
func sleptBefore(n int) time.Duration {
	var d time.Duration
	for i := 1; i < n; i++ {
		d += lifecycle.WaitInterval(i)
	}
	return d
}

// waitReads is how many polls a wait of timeout makes when nothing ends
// it early (and no request is retried): one at once, one after each wait,
// the last at the timeout.
func waitReads(timeout time.Duration) int {
	n := 1
	for t := time.Duration(0); t < timeout; n++ {
		t += min(lifecycle.WaitInterval(n), timeout-t)
	}
	return n
}

func TestWaitBackoff(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, lifecycle.WaitInterval(n))
	}
	want := []time.Duration{5 * time.Second, 7500 * time.Millisecond, 11250 * time.Millisecond, 16875 * time.Millisecond, 25312500 * time.Microsecond, 30 * time.Second, 30 * time.Second}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("intervals (-want +got):\n%s", d)
	}
	// The README's numbers.
	for timeout, want := range map[time.Duration]int{10 * time.Minute: 24, 15 * time.Minute: 34, time.Minute: 6, time.Second: 2} {
		if got := waitReads(timeout); got != want {
			t.Errorf("waitReads(%s) = %d, want %d", timeout, got, want)
		}
	}
}

// A preview that Vercel creates after the first poll, and that goes
// queued → in_progress → success: the wait returns on the poll after the
// success, with its URL, having only read.
func TestWaitForAPreviewThatSucceeds(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	var id int64
	afterAnswer(e, map[int]func(){
		1: func() { id = vercel(e, "Preview") },
		2: func() { e.repo.AddStatus(id, "queued") },
		3: func() { e.repo.AddStatus(id, "in_progress") },
		5: func() { e.repo.AddStatusWithURLs(id, "success", previewURL, "https://vercel.com/octo/hello-world/7") },
	})
	var logs []string
	e.c.Log = func(format string, args ...any) { logs = append(logs, format) }
	res, err := lifecycle.Wait(context.Background(), e.c, waitCfg("preview", "vercel[bot]").Wait)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{res.DeploymentID, res.Environment, res.EnvironmentURL, res.State, res.Wait.Creator, res.Wait.Reads, res.LogURL}
	want := []any{id, "Preview", previewURL, "success", "vercel[bot]", 6, "https://vercel.com/octo/hello-world/7"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if n := e.fake.Count("GRAPHQL"); n != 6 {
		t.Errorf("%d GraphQL queries, want 6 reads", n)
	}
	if n := e.fake.Count(""); n != 6 {
		t.Errorf("%d requests, want the 6 reads and nothing else", n)
	}
	wantSlept := sleptBefore(6)
	if got := e.clock.Slept(); got != wantSlept {
		t.Errorf("slept %s, want %s", got, wantSlept)
	}
	if got := res.Wait.Waited; got != wantSlept {
		t.Errorf("result waited %s, want %s", got, wantSlept)
	}
	if len(logs) < 4 {
		t.Errorf("logged %d lines, want one a change of state", len(logs))
	}
}

func TestWaitFailsWhenThePreviewFails(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	e.repo.AddStatus(id, "in_progress")
	afterAnswer(e, map[int]func(){2: func() { e.repo.AddStatusWithURLs(id, "failure", "", "https://vercel.com/octo/hello-world/8") }})
	res, err := lifecycle.Wait(context.Background(), e.c, waitCfg("Preview", "vercel[bot]").Wait)
	wantErrContaining(t, err, "deployment "+itoa(id)+" of Preview by vercel[bot] is failure at 12:00:12 UTC, not success", "its log: https://vercel.com/octo/hello-world/8")
	if res == nil {
		t.Fatal("no result")
	}
	got := []any{res.State, res.DeploymentID, res.Wait.Reads}
	want := []any{"failure", id, 3}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("result state, deployment id, reads (-want +got):\n%s", d)
	}
}

// With wait-for: final, a failure is an answer: the step returns it.
func TestWaitForFinalReturnsOnFailure(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	afterAnswer(e, map[int]func(){1: func() { e.repo.AddStatus(id, "failure") }})
	c := waitCfg("Preview", "vercel")
	c.Wait.For = config.WaitForFinal
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil {
		t.Fatalf("err = %v, want the failure as the answer", err)
	}
	got := []any{res.State, res.DeploymentID, res.Wait.Reads}
	want := []any{"failure", id, 2}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("result state, deployment id, reads (-want +got):\n%s", d)
	}
}

// Deployments by others (the workflow's own, another app's) are ignored,
// even when newer and successful; environments are matched in any case.
func TestWaitIgnoresOtherCreatorsAndMatchesPatternsInAnyCase(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview/PR-7")
	others := e.repo.Seed(
		fakegithub.Seed{Environment: "preview/pr-7", Ref: fgtest.SHA, States: []string{"success"}},                          // github-actions[bot]
		fakegithub.Seed{Environment: "Preview/PR-7", Ref: fgtest.SHA, Creator: "netlify[bot]", States: []string{"failure"}}, // another app
		fakegithub.Seed{Environment: "staging", Ref: fgtest.SHA, Creator: "vercel[bot]", States: []string{"success"}},       // another environment
		fakegithub.Seed{Environment: "preview/pr-8", Ref: "main", Creator: "vercel", States: []string{"success"}},           // a user named vercel
	)
	afterAnswer(e, map[int]func(){2: func() { e.repo.AddStatusWithURLs(id, "success", previewURL, "") }})
	res, err := lifecycle.Wait(context.Background(), e.c, waitCfg("PREVIEW/*", "Vercel[bot]").Wait)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{res.DeploymentID, res.Environment, res.EnvironmentURL, res.Wait.Reads}
	want := []any{id, "Preview/PR-7", previewURL, 3}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("deployment id, environment, url, reads (-want +got), not one of %v:\n%s", others, d)
	}
}

func TestWaitTimesOutSayingWhatItSawLast(t *testing.T) {
	t.Parallel()
	t.Run("in progress", func(t *testing.T) {
		t.Parallel()
		e := setup(t, fgtest.Token)
		id := vercel(e, "Preview")
		e.repo.AddStatus(id, "in_progress")
		res, err := lifecycle.Wait(context.Background(), e.c, waitCfg("preview", "vercel[bot]").Wait)
		wantErrContaining(t, err, "timed out after 10m0s waiting for a deployment of preview at 1f2e3d4 by vercel[bot] (24 reads): deployment "+itoa(id)+" of Preview by vercel[bot] was in_progress at 12:10:00 UTC")
		// The documented cost of a 10-minute wait, on the fake clock.
		n := e.fake.Count("GRAPHQL")
		if want := waitReads(10 * time.Minute); n != want {
			t.Errorf("%d GraphQL queries, waitReads(10m) says %d", n, want)
		}
		if n != 24 {
			t.Errorf("%d GraphQL queries, want 24", n)
		}
		if all := e.fake.Count(""); all != n {
			t.Errorf("%d requests, want only the %d GraphQL queries", all, n)
		}
		if got := e.clock.Slept(); got != 10*time.Minute {
			t.Errorf("slept %s, want 10m0s", got)
		}
		if res.State != "in_progress" {
			t.Errorf("state %q, want in_progress", res.State)
		}
	})
	t.Run("only another creator's", func(t *testing.T) {
		t.Parallel()
		e := setup(t, fgtest.Token)
		e.repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: fgtest.SHA, Creator: "netlify[bot]", States: []string{"success"}})
		c := waitCfg("Preview", "vercel[bot]")
		c.Wait.Timeout = time.Minute
		res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
		wantErrContaining(t, err, "(6 reads): GitHub had none at 12:01:00 UTC; there were some by netlify[bot], which the creator input leaves out")
		if res.DeploymentID != 0 {
			t.Errorf("result deployment id %d, want none", res.DeploymentID)
		}
		if res.Wait.Creator != "" {
			t.Errorf("result creator %q, want none", res.Wait.Creator)
		}
	})
}

// A cancelled job stops the wait at once: no poll after the cancellation.
func TestWaitStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	vercel(e, "Preview")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	afterAnswer(e, map[int]func(){3: cancel})
	_, err := lifecycle.Wait(ctx, e.c, waitCfg("Preview").Wait)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := e.fake.Count(""); n != 3 {
		t.Errorf("%d requests, want 3 (none after the cancellation)", n)
	}
	if got, limit := e.clock.Slept(), sleptBefore(3); got > limit {
		t.Errorf("slept %s, want at most %s (no sleep after the cancellation)", got, limit)
	}
}

// runWait runs step: wait through the app, as the runner starts it, on a
// fake clock, and returns its exit code and output.
func runWait(t *testing.T, e *env, inputs map[string]string) (int, string) {
	t.Helper()
	inputs["step"] = "wait"
	vars := fgtest.Stage(e.srv.URL, inputs)
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now, p.Rand = e.clock.Sleep, e.clock.Now, func() float64 { return 0.5 }
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"deployment-action"}, Getenv: func(k string) string { return vars[k] }, Stdout: &out, Policy: &p,
		Pacer: githubapi.NewPacer(e.clock.Sleep, e.clock.Now)})
	return code, out.String()
}

func TestWaitStepOutputs(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	e.repo.AddStatusWithURLs(id, "success", previewURL, "")
	code, out := runWait(t, e, map[string]string{"environment": "preview", "creator": "vercel[bot]", "timeout": "30s"})
	for _, want := range []string{"output creator=vercel[bot]", "output deployment-id=" + itoa(id), "output environment=Preview", "output environment-url=" + previewURL, "output state=success"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}
	if n := e.fake.Count(""); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// Every input is checked before the first request.
func TestWaitBadInputsSendNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"timeout", map[string]string{"environment": "preview", "timeout": "7h"}, []string{`input "timeout" has the value "7h": takes a duration such as 30s, 10m, 1h or 1h30m`}},
		{"timeout unit", map[string]string{"environment": "preview", "timeout": "10"}, []string{`input "timeout" has the value "10"`}},
		{"wait-for", map[string]string{"environment": "preview", "wait-for": "done"}, []string{`input "wait-for" has the value "done": takes one of success, final`}},
		{"creator", map[string]string{"environment": "preview", "creator": "vercel[bot], not a login"}, []string{`input "creator" has the value "not a login": takes GitHub logins`}},
		{"no environment", map[string]string{}, []string{`input "environment" is required: step: wait needs the environment to wait for`}},
		{"bad pattern", map[string]string{"environment": "preview/[a-"}, []string{`input "environment" has the value "preview/[a-"`}},
		{"all at once", map[string]string{"timeout": "0s", "wait-for": "x"}, []string{`"timeout"`, `"wait-for"`, `"environment"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			code, out := runWait(t, e, tt.inputs)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if n := e.fake.Count(""); n != 0 {
				t.Errorf("%d requests, want none", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
		})
	}
}

func TestParseWaitTimeout(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]time.Duration{"30s": 30 * time.Second, "10m": 10 * time.Minute, "1h": time.Hour, "1h30m": 90 * time.Minute, "6h": 6 * time.Hour, "90s": 90 * time.Second, "1m30s": 90 * time.Second} {
		if got, err := config.ParseWaitTimeout(v); err != nil || got != want {
			t.Errorf("ParseWaitTimeout(%q) = %s, %v; want %s", v, got, err, want)
		}
	}
	for _, v := range []string{"", "0s", "0m0s", "6h1s", "361m", "10", "1.5h", "-1m", "1d", "30s10m", "999999h", "1 m", "m"} {
		if got, err := config.ParseWaitTimeout(v); err == nil {
			t.Errorf("ParseWaitTimeout(%q) = %s, want an error", v, got)
		}
	}
}
