package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
)

// scripted is a GitHub that answers its nth request (from 1) for any path
// with answer, on a fake clock.
type scripted struct {
	clock *fakeclock.Clock
	gh    *http.Client
	gql   *githubapi.GraphQL
	api   string
	mu    sync.Mutex
	n     int
}

func newScripted(t *testing.T, answer gqlAnswer, tweak func(*githubapi.Policy)) *scripted {
	t.Helper()
	s := &scripted{clock: fakeclock.New()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.n++
		n := s.n
		s.mu.Unlock()
		status, header, body := answer(n, s.clock)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now, p.Rand = s.clock.Sleep, s.clock.Now, func() float64 { return 0 }
	if tweak != nil {
		tweak(&p)
	}
	gh, err := githubapi.New(token, srv.URL, githubapi.Options{Policy: &p,
		Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
	if err != nil {
		t.Fatal(err)
	}
	s.gql, err = githubapi.NewGraphQL(gh, srv.URL+"/graphql")
	if err != nil {
		t.Fatal(err)
	}
	s.gh, s.api = gh.Client(), srv.URL
	return s
}

func (s *scripted) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// get is a REST read of a deployment through the same client.
func (s *scripted) get() error {
	resp, err := s.gh.Get(s.api + "/repos/octo-org/hello-world/deployments/5")
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// Only a GraphQL query's 200 answer is read for GraphQL's failures: a REST
// answer that happens to look like one is the caller's, sent once.
func TestOnlyAGraphQLQuerysAnswerIsReadForGraphQLFailures(t *testing.T) {
	t.Parallel()
	for _, body := range []string{rateLimited, wentWrong} {
		t.Run(body[:40], func(t *testing.T) {
			t.Parallel()
			rest := newScripted(t, always(200, nil, body), nil)
			if err := rest.get(); err != nil {
				t.Fatalf("REST read: %v", err)
			}
			if n, slept := rest.requests(), rest.clock.Slept(); n != 1 || slept != 0 {
				t.Errorf("REST read: %d requests and %s waited, want 1 and none", n, slept)
			}
			gql := newScripted(t, then(1, always(200, nil, body), always(200, nil, okPRs)), nil)
			var out prs
			if err := gql.gql.Query(context.Background(), "query{...}", nil, &out); err != nil {
				t.Fatalf("GraphQL query: %v", err)
			}
			if n := gql.requests(); n != 2 {
				t.Errorf("GraphQL query: %d requests, want 2 (the failure, then the answer)", n)
			}
		})
	}
}

// The Budget bounds the time spent on failures; a rate-limit wait, bounded
// by MaxLimitWaits and GitHub's reset, is not counted in it: a 5xx after a
// minute's wait is still retried.
func TestRateLimitWaitsAreNotCountedInTheBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		limited gqlAnswer
		failed  gqlAnswer
		query   bool
	}{
		{name: "REST 403, then 502", limited: always(403, map[string]string{"Retry-After": "60"}, `{"message":"You have exceeded a secondary rate limit"}`),
			failed: always(502, nil, ""), query: false},
		{name: "GraphQL RATE_LIMITED, then something went wrong", limited: always(200, map[string]string{"Retry-After": "60"}, rateLimited),
			failed: always(200, nil, wentWrong), query: true},
		{name: "GraphQL 429, then 502", limited: always(429, map[string]string{"Retry-After": "60"}, `{"message":"slow down"}`),
			failed: always(502, nil, ""), query: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok := always(200, nil, okPRs)
			s := newScripted(t, then(1, tt.limited, then(2, tt.failed, ok)), nil)
			var err error
			if tt.query {
				var out prs
				err = s.gql.Query(context.Background(), "query{...}", nil, &out)
			} else {
				err = s.get()
			}
			if err != nil {
				t.Fatalf("after a 60 s rate-limit wait and one failure: %v", err)
			}
			if n := s.requests(); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			if slept := s.clock.Slept(); slept < time.Minute {
				t.Errorf("waited %s, want the minute GitHub asked for", slept)
			}
		})
	}
}

// One query has one count of tries and one of rate-limit waits, whatever
// failed: GitHub's 5xx and its GraphQL failures, its 429 and its
// RATE_LIMITED, add up.
func TestAQueryHasOneCountOfTriesAndOfWaits(t *testing.T) {
	t.Parallel()
	alternate := func(odd, even gqlAnswer) gqlAnswer {
		return func(n int, c *gqlClock) (int, map[string]string, string) {
			if n%2 == 1 {
				return odd(n, c)
			}
			return even(n, c)
		}
	}
	ra := map[string]string{"Retry-After": "1"}
	tests := []struct {
		name     string
		answer   gqlAnswer
		requests int
		wantErr  string
	}{
		{name: "502 and something went wrong", answer: alternate(always(502, nil, ""), always(200, nil, wentWrong)),
			requests: 5, wantErr: "failed 5 times"},
		{name: "429 and RATE_LIMITED", answer: alternate(always(429, ra, `{"message":"slow down"}`), always(200, ra, rateLimited)),
			requests: 4, wantErr: "after 3 waits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newScripted(t, tt.answer, func(p *githubapi.Policy) { p.MaxLimitWaits = 3 })
			var out prs
			err := s.gql.Query(context.Background(), "query{...}", nil, &out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Query = %v, want an error that says %q", err, tt.wantErr)
			}
			if n := s.requests(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

// A GraphQLError tells which paths GitHub could not resolve, as go-gh's
// Match does: a path, or every path under one ending in ".".
func TestGraphQLErrorTellsWhichPathsWereNotFound(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(24, 1))
	names := []string{"repository", "pr4", "pr5", "nodes", "0", "3", "ref"}
	var body string
	s := newScripted(t, func(int, *gqlClock) (int, map[string]string, string) { return 200, nil, body }, nil)
	for range 200 {
		var entries, found, forbidden []string
		for range 1 + r.IntN(4) {
			var path []string
			for range 1 + r.IntN(3) {
				path = append(path, names[r.IntN(len(names))])
			}
			typ := []string{"NOT_FOUND", "FORBIDDEN"}[r.IntN(2)]
			quoted := make([]string, len(path))
			for i, p := range path {
				quoted[i] = fmt.Sprintf("%q", p)
			}
			entries = append(entries, fmt.Sprintf(`{"type":%q,"path":[%s],"message":"m"}`, typ, strings.Join(quoted, ",")))
			if typ == "NOT_FOUND" {
				found = append(found, strings.Join(path, "."))
			} else {
				forbidden = append(forbidden, strings.Join(path, "."))
			}
		}
		body = `{"data":null,"errors":[` + strings.Join(entries, ",") + `]}`
		var out prs
		err := s.gql.Query(context.Background(), "query{...}", nil, &out)
		var ge *githubapi.GraphQLError
		if !errors.As(err, &ge) {
			t.Fatalf("Query = %v, want a *GraphQLError", err)
		}
		for _, p := range found {
			if !ge.NotFound(p) {
				t.Errorf("%s: NotFound(%q) = false", entries, p)
			}
			if head, _, _ := strings.Cut(p, "."); !ge.Match("NOT_FOUND", head+".") && head != p {
				t.Errorf("%s: Match(NOT_FOUND, %q) = false", entries, head+".")
			}
		}
		for _, p := range append(forbidden, "repository.nowhere", "elsewhere") {
			if ge.NotFound(p) && !slices.Contains(found, p) {
				t.Errorf("%s: NotFound(%q) = true", entries, p)
			}
		}
	}
}
