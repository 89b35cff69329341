package lifecycle_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// spoil changes every list of deployments in a GraphQL answer with change.
func spoil(v any, change func(conn map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["nodes"]; ok {
			change(x)
			return
		}
		for _, c := range x {
			spoil(c, change)
		}
	case []any:
		for _, c := range x {
			spoil(c, change)
		}
	}
}

// unusableAnswers are the answers a poll cannot use, each made the
// first n answers of e's fake.
var unusableAnswers = []struct {
	name string
	make func(e *env, n int)
	// says is what the step's error names.
	says string
}{
	{"an HTML body", func(e *env, n int) {
		e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/graphql", Times: n, Status: 200, Body: "<!DOCTYPE html><html><body>Unicorn!</body></html>"})
	}, "the GraphQL answer is not JSON"},
	{"databaseId as a string", func(e *env, n int) {
		spoilFirst(e, n, func(conn map[string]any) {
			for _, node := range conn["nodes"].([]any) {
				node.(map[string]any)["databaseId"] = "1001"
			}
		})
	}, "databaseId holds a string where a number belongs"},
	{"nodes: null", func(e *env, n int) {
		spoilFirst(e, n, func(conn map[string]any) { conn["nodes"] = nil })
	}, "the answer holds no list of deployments"},
	{"an answer over the size bound", func(e *env, n int) {
		e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/graphql", Times: n, Status: 200, Body: `{"data":{"x":"` + strings.Repeat("x", githubapi.MaxAnswer) + `"}}`})
	}, "larger than 8 MiB"},
}

// spoilFirst spoils the first n GraphQL answers of e's fake.
func spoilFirst(e *env, n int, change func(map[string]any)) {
	var mu sync.Mutex
	seen := 0
	e.fake.GraphQLAnswer = func(_ string, _ map[string]any, answer map[string]any) map[string]any {
		mu.Lock()
		defer mu.Unlock()
		if seen++; seen > n {
			return nil
		}
		spoil(answer["data"], change)
		return answer
	}
}

// An unusable answer is polled again on the wait's schedule, as a 5xx is
// sent again: two in a row, then a good one, and the wait returns the
// deployment.
func TestWaitPollsAgainAfterAnUnusableAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range unusableAnswers {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			id := vercel(e, "Preview")
			e.repo.AddStatusWithURLs(id, "success", previewURL, "")
			tt.make(e, 2)
			var logs []string
			e.c.Log = func(format string, args ...any) { logs = append(logs, format) }
			res, err := lifecycle.Wait(context.Background(), e.c, waitCfg("Preview", "vercel[bot]").Wait)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{res.DeploymentID, res.EnvironmentURL, res.Wait.Reads, e.fake.Reads(), e.clock.Slept()}
			want := []any{id, previewURL, 3, 3, sleptBefore(3)}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("deployment, url, reads, reads the fake saw, slept (-want +got):\n%s", d)
			}
			if !strings.Contains(strings.Join(logs, "\n"), "polling again") {
				t.Errorf("the log does not say it polls again:\n%s", strings.Join(logs, "\n"))
			}
		})
	}
}

// Three unusable answers in a row end the wait, naming what the last
// one was and the time really waited (5 s, then 7.5 s: 13 s).
func TestWaitEndsAfterThreeUnusableAnswersInARow(t *testing.T) {
	t.Parallel()
	for _, tt := range unusableAnswers {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			vercel(e, "Preview")
			tt.make(e, 3)
			_, err := lifecycle.Wait(context.Background(), e.c, waitCfg("Preview", "vercel[bot]").Wait)
			wantErrContaining(t, err, "stopped after 13s (3 reads): 3 answers in a row were not usable, the last: ", tt.says)
			if n := e.fake.Reads(); n != 3 {
				t.Errorf("%d reads, want 3", n)
			}
		})
	}
}

// An unusable answer is not a refusal: a 404 (the token cannot see the
// repository) still ends the wait at once.
func TestWaitEndsAtOnceOnARefusal(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	e.c.Repo = "gone"
	_, err := lifecycle.Wait(context.Background(), e.c, waitCfg("Preview").Wait)
	wantErrContaining(t, err, "stopped after 0s (1 reads)", "Could not resolve to a Repository")
	if n := e.fake.Reads(); n != 1 {
		t.Errorf("%d reads, want 1", n)
	}
}

// A wait the job's cancellation stops says how long it really waited,
// not the time of its last poll.
func TestWaitCancelledSaysTheTimeReallyWaited(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	vercel(e, "Preview")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The job is cancelled 3 s into the wait after the first poll.
	e.c.Policy.Sleep = func(ctx context.Context, d time.Duration) error {
		_ = e.clock.Sleep(ctx, 3*time.Second)
		cancel()
		return ctx.Err()
	}
	res, err := lifecycle.Wait(ctx, e.c, waitCfg("Preview").Wait)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	wantErrContaining(t, err, "stopped after 3s (1 reads)")
	if res.Wait.Waited != 3*time.Second {
		t.Errorf("result waited %s, want 3s", res.Wait.Waited)
	}
}

// The read of a retired deployment's statuses is a poll's too: an
// unusable answer to it is polled again, and the URL still comes.
func TestWaitPollsAgainWhenTheStatusesAnswerIsUnusable(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	id := vercel(e, "Preview")
	e.repo.AddStatusWithURLs(id, "success", previewURL, "")
	e.repo.AddStatus(id, "inactive")
	e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/statuses", Times: 1, Status: 200, Body: "<html>Unicorn!</html>"})
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.For = "final"
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{res.DeploymentID, res.State, res.EnvironmentURL, res.Wait.Reads, e.fake.Reads()}
	want := []any{id, "inactive", previewURL, 4, 4}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("deployment, state, url, reads, reads the fake saw (-want +got):\n%s", d)
	}
}

// A timeout that passes while the answers are unusable says so, and does
// not claim GitHub had no deployment when it said nothing usable.
func TestWaitTimedOutOnUnusableAnswersSaysSo(t *testing.T) {
	t.Parallel()
	html := &fakegithub.Fault{Method: "POST", Path: "/graphql", Status: 200, Body: "<html>Unicorn!</html>"}
	tests := []struct {
		name        string
		timeout     time.Duration
		usableFirst bool
		want        string
	}{
		{"none usable", 4 * time.Second, false, "timed out after 4s waiting for a deployment of Preview at 1f2e3d4 (2 reads): the last 2 answers were not usable, the last: GitHub's answer was not usable: the GraphQL answer is not JSON"},
		{"one usable, then two not", 8 * time.Second, true, "timed out after 8s waiting for a deployment of Preview at 1f2e3d4 (3 reads): the last 2 answers were not usable, the last: GitHub's answer was not usable: the GraphQL answer is not JSON; before them, GitHub had none at 12:00:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			fault := *html
			if tt.usableFirst {
				afterAnswer(e, map[int]func(){1: func() { e.fake.Inject(&fault) }})
			} else {
				e.fake.Inject(&fault)
			}
			c := waitCfg("Preview")
			c.Wait.Timeout = tt.timeout
			_, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
			wantErrContaining(t, err, tt.want)
			if !tt.usableFirst && strings.Contains(err.Error(), "had none") {
				t.Errorf("error %q says GitHub had none, though no answer was usable", err)
			}
		})
	}
}

// FuzzWaitAgainstAnyAnswer lets "GitHub" answer every poll (GraphQL and
// REST) with the same arbitrary 200 body. Whatever it is: no panic, at
// most two reads a poll (each sent at most Tries times), a wait within its
// timeout, and either a final deployment or an error of bounded length.
func FuzzWaitAgainstAnyAnswer(f *testing.F) {
	for _, body := range []string{
		`<!DOCTYPE html><html>Unicorn!</html>`,
		`{"data":{"repository":{"object":{"__typename":"Commit","deployments":{"nodes":null}}}}}`,
		`{"data":{"repository":{"object":{"__typename":"Commit","deployments":{"nodes":[{"databaseId":"7","environment":"Preview"}]}}}}}`,
		`{"data":{"repository":{"object":{"__typename":"Commit","deployments":{"nodes":[{"databaseId":7,"environment":"Preview","commitOid":"` + fgtest.SHA + `","latestStatus":{"state":"INACTIVE"}}]}}}}}`,
		`{"data":{"repository":{"object":{"__typename":"Tag","target":{"__typename":"Tag","target":{"deployments":{"nodes":[]}}}}}}}`,
		`{"data":{"repository":{"object":{"deployments":{"nodes":[{"databaseId":7,"environment":"Preview","commitOid":"` + fgtest.SHA + `","latestStatus":{"state":"SUCCESS","environmentUrl":"::error::x\n##[set-output]"}}]}}}}}`,
		`{"data":null,"errors":[{"type":"NOT_FOUND","message":"nope"}]}`,
		`[{"id":1,"state":"success","environment_url":"https://x"}]`,
		`{"data":{"repository":null}}`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<16 {
			t.Skip()
		}
		var requests atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		clock := fakeclock.New()
		p := githubapi.DefaultPolicy()
		p.Sleep, p.Now, p.Rand = clock.Sleep, clock.Now, func() float64 { return 0.5 }
		gh, err := githubapi.New("tok", srv.URL, githubapi.Options{Policy: &p, Pacer: githubapi.NewPacer(clock.Sleep, clock.Now),
			Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
		if err != nil {
			t.Fatal(err)
		}
		gql, _ := githubapi.NewGraphQL(gh, githubapi.GraphQLURL(srv.URL))
		c := &lifecycle.Client{GH: gh, GQL: gql, Owner: "octo-org", Repo: "hello-world", Policy: p}
		opts := waitCfg("Preview").Wait
		opts.Timeout = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		res, err := lifecycle.Wait(ctx, c, opts)
		if n, bound := requests.Load(), int64(2*waitReads(time.Minute)*p.Tries); n > bound {
			t.Errorf("%d requests, bound %d", n, bound)
		}
		if err == nil && (res.DeploymentID <= 0 || !vocab.IsFinal(res.State)) {
			t.Errorf("no error, and no final deployment: %+v", res)
		}
		if err != nil && len(err.Error()) > 4096 {
			t.Errorf("error of %d bytes", len(err.Error()))
		}
		if res.Wait.Waited > time.Minute+time.Minute {
			t.Errorf("waited %s for a 1m timeout", res.Wait.Waited)
		}
	})
}

// A poll's answer that lists an older success before a newer deployment
// still in progress (deployments made in the same second share
// createdAt, GitHub's only order key; or a hostile answer): wait must not
// return the older deployment's URL as the answer.
func TestWaitTakesTheNewestNotTheFirstListed(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	now := e.clock.Now()
	ids := e.repo.Seed(
		fakegithub.Seed{Environment: "Preview", Ref: fgtest.SHA, Creator: "vercel[bot]", Created: now, States: []string{"success"}},
		fakegithub.Seed{Environment: "Preview", Ref: fgtest.SHA, Creator: "vercel[bot]", Created: now, States: []string{"in_progress"}},
	)
	older, newer := ids[0], ids[1]
	e.fake.GraphQLAnswer = func(q string, _ map[string]any, a map[string]any) map[string]any {
		data, _ := a["data"].(map[string]any)
		repo, _ := data["repository"].(map[string]any)
		deps, _ := repo["deployments"].(map[string]any)
		nodes, _ := deps["nodes"].([]any)
		// older first, as a tie on createdAt may list them
		for i, j := 0, len(nodes)-1; i < j; i, j = i+1, j-1 {
			nodes[i], nodes[j] = nodes[j], nodes[i]
		}
		if len(nodes) > 0 {
			if n, _ := nodes[0].(map[string]any); n != nil && n["databaseId"] != float64(older) {
				nodes[0], nodes[1] = nodes[1], nodes[0]
			}
		}
		return a
	}
	c := waitCfg("Preview", "vercel[bot]")
	c.Wait.Timeout = time.Minute
	res, err := lifecycle.Wait(context.Background(), e.c, c.Wait)
	if err == nil && res.DeploymentID == older {
		t.Errorf("wait returned deployment %d (success) while the newer %d is in progress", older, newer)
	}
}
