package lifecycle_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// callNames are the calls an error may name: every failure says which
// call it was.
var callNames = []string{"create deployment:", "set deployment ", "list deployments:", "read deployment status:", "delete deployment ", "delete environment:"}

// FuzzClientAgainstAnyAnswer lets "GitHub" answer every request with the
// same arbitrary status, headers and body, and runs start and a delete-env
// against it. Whatever the answer: no panic, a bounded number of requests
// and of (fake) time, and either a usable result or an error that names the
// call.
func FuzzClientAgainstAnyAnswer(f *testing.F) {
	seeds := []struct {
		code                                      int
		link, location, retryAfter, remain, reset string
		body                                      string
	}{
		{201, "", "", "", "", "", `{"id":5,"state":"in_progress","environment":"staging"}`},
		{200, `<https://x/?page=2000000000>; rel="last", <https://x/?page=2>; rel="next"`, "", "", "", "", `[{"id":1}]`},
		{200, `<https://x/?page=999999>; rel="next"`, "", "", "", "", `[{"id":1},{"id":2}]`},
		{302, "", "http://localhost:1/repos/octo-org/hello-world/deployments", "", "", "", ""},
		{307, "", "/repos/octo-org/hello-world/environments/x", "", "", "", ""},
		{301, "", "/repos/octo-org/hello-world/deployments", "", "", "", ""},
		{403, "", "", "999999999", "", "", `{"message":"secondary rate limit"}`},
		{429, "", "", "1", "", "", ""},
		{403, "", "", "", "0", "99999999999", ""},
		{403, "", "", "", "0", "-5", ""},
		{500, "", "", "", "", "", "oops"},
		{201, "", "", "", "", "", ""},
		{201, "", "", "", "", "", `{"id":5}`},
		{200, "", "", "", "", "", "null"},
		{204, "", "", "", "", "", ""},
		{422, "", "", "", "", "", `{"message":"x","errors":[{"field":"f","code":"c"}]}`},
		{200, "", "", "", "", "", `[{"id":-1},{"id":9223372036854775807}]`},
	}
	for _, s := range seeds {
		f.Add(s.code, s.link, s.location, s.retryAfter, s.remain, s.reset, []byte(s.body))
	}
	f.Fuzz(fuzzOne)
}

func fuzzOne(t *testing.T, code int, link, location, retryAfter, remain, reset string, body []byte) {
	{
		if code < 100 || code > 599 || len(body) > 1<<16 {
			t.Skip()
		}
		var requests atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			h := w.Header()
			for k, v := range map[string]string{"Link": link, "Location": location, "Retry-After": retryAfter,
				"X-Ratelimit-Remaining": remain, "X-Ratelimit-Reset": reset} {
				if v != "" && !strings.ContainsAny(v, "\r\n\x00") {
					h.Set(k, v)
				}
			}
			h.Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		clock := fakeclock.New()
		p := githubapi.DefaultPolicy()
		p.Sleep, p.Now, p.Rand = clock.Sleep, clock.Now, func() float64 { return 0.5 }
		p.PerTry = 2 * time.Second
		gh, err := githubapi.New("tok", srv.URL, githubapi.Options{Policy: &p, Pacer: githubapi.NewPacer(clock.Sleep, clock.Now),
			Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
		if err != nil {
			t.Fatal(err)
		}
		gql, _ := githubapi.NewGraphQL(gh, githubapi.GraphQLURL(srv.URL))
		c := &lifecycle.Client{GH: gh, GQL: gql, Owner: "octo-org", Repo: "hello-world", Policy: p}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()

		// The most requests any answer can cost: the pages, then for each
		// deployment the answer lists, a read and a write with its checks
		// and re-sends (5 tries), and a delete.
		var listed []json.RawMessage
		ids := 1
		if json.Unmarshal(body, &listed) == nil && len(listed) > 0 {
			ids = len(listed)
		}
		bound := int64(lifecycle.MaxPages + ids*(1+2*p.Tries+p.Tries) + 4*p.Tries*p.Tries)

		res, err := lifecycle.Start(ctx, c, cfg().Start)
		checkOutcome(t, "start", res, err, func(r *lifecycle.Result) bool { return r.DeploymentID > 0 && r.State == vocab.StateInProgress })
		if n := requests.Load(); n > 4*int64(p.Tries*p.Tries)+2 {
			t.Errorf("start sent %d requests", n)
		}
		requests.Store(0)
		res, err = lifecycle.Teardown(ctx, c, teardownCfg(config.StepDeleteEnv, "pr-1").Teardown)
		checkOutcome(t, "delete-env", res, err, func(r *lifecycle.Result) bool { return r.Teardown != nil })
		if n := requests.Load(); n > bound {
			t.Errorf("delete-env sent %d requests, bound %d", n, bound)
		}
		if ctx.Err() != nil {
			t.Errorf("took more than 20 s")
		}
		// Waits are GitHub's to ask for, within the policy's limits.
		if slept := clock.Slept(); slept > 24*time.Hour {
			t.Errorf("waited %s on the fake clock", slept)
		}
	}
}

func checkOutcome(t *testing.T, step string, res *lifecycle.Result, err error, usable func(*lifecycle.Result) bool) {
	t.Helper()
	if err != nil {
		for _, n := range callNames {
			if strings.HasPrefix(err.Error(), n) {
				return
			}
		}
		t.Errorf("%s: the error does not name the call: %v", step, err)
		return
	}
	if res == nil || !usable(res) {
		t.Errorf("%s succeeded with an unusable result %+v", step, res)
	}
}
