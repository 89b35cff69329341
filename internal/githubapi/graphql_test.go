package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
)

// gqlClock is the tests' fake clock: Sleep advances it at once and
// counts.
type gqlClock = fakeclock.Clock

func newGQLClock() *gqlClock { return fakeclock.New() }

// gqlAnswer is what the test server answers to its nth request (from 1).
type gqlAnswer func(n int, clock *gqlClock) (status int, header map[string]string, body string)

type gqlServer struct {
	gql   *githubapi.GraphQL
	clock *gqlClock
	mu    sync.Mutex
	n     int
	logs  []string
}

func (s *gqlServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// newGQL is a GraphQL client built as the app builds it (guard, token,
// transport), on a server at 127.0.0.1 that answers with answer, and a
// policy on a fake clock.
func newGQL(t *testing.T, answer gqlAnswer, tweak func(*githubapi.Policy)) *gqlServer {
	t.Helper()
	s := &gqlServer{clock: newGQLClock()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Method + " " + r.URL.Path; got != "POST /graphql" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
			return
		}
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
	p.Sleep, p.Now = s.clock.Sleep, s.clock.Now
	p.Rand = func() float64 { return 0 }
	if tweak != nil {
		tweak(&p)
	}
	log := func(format string, args ...any) {
		s.mu.Lock()
		s.logs = append(s.logs, fmt.Sprintf(format, args...))
		s.mu.Unlock()
	}
	gh, err := githubapi.New(token, srv.URL, githubapi.Options{Policy: &p, Log: log,
		Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
	if err != nil {
		t.Fatal(err)
	}
	s.gql, err = githubapi.NewGraphQL(gh, srv.URL+"/graphql")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func always(status int, header map[string]string, body string) gqlAnswer {
	return func(int, *gqlClock) (int, map[string]string, string) { return status, header, body }
}

// then answers first for the first k requests and second after.
func then(k int, first, second gqlAnswer) gqlAnswer {
	return func(n int, c *gqlClock) (int, map[string]string, string) {
		if n <= k {
			return first(n, c)
		}
		return second(n, c)
	}
}

type prs struct {
	Repository struct {
		PR4 *struct {
			Number int `json:"number"`
		} `json:"pr4"`
		PR5 *struct {
			Number int `json:"number"`
		} `json:"pr5"`
	} `json:"repository"`
}

// prNumbers are the numbers out decoded for pr4 and pr5, 0 for null.
func prNumbers(out prs) [2]int {
	var n [2]int
	if pr := out.Repository.PR4; pr != nil {
		n[0] = pr.Number
	}
	if pr := out.Repository.PR5; pr != nil {
		n[1] = pr.Number
	}
	return n
}

// gqlErrorType is the Type of the *GraphQLError in err's chain, or
// "(no *GraphQLError)".
func gqlErrorType(err error) string {
	var ge *githubapi.GraphQLError
	if !errors.As(err, &ge) {
		return "(no *GraphQLError)"
	}
	return ge.Type
}

const (
	okPRs       = `{"data":{"repository":{"pr4":{"number":4},"pr5":{"number":5}}}}`
	partialPRs  = `{"data":{"repository":{"pr4":{"number":4},"pr5":null}},"errors":[{"type":"NOT_FOUND","path":["repository","pr5"],"locations":[{"line":1,"column":2}],"message":"Could not resolve to a PullRequest with the number of 5."}]}`
	rateLimited = `{"data":null,"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded for installation ID 1."}]}`
	wentWrong   = `{"data":null,"errors":[{"message":"Something went wrong while executing your query. Please include ` + "`ABCD:1234:5678`" + ` when reporting this issue."}]}`
)

func TestQueryPartialAndNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		body         string
		wantNotFound []string
		wantPR4      int
		// wantErr is what QueryPartial's error says (empty: none).
		wantErr  []string
		wantType string
		// queryErr is what Query's error says.
		queryErr []string
	}{
		{name: "all there", body: okPRs, wantPR4: 4},
		{name: "one not found", body: partialPRs, wantNotFound: []string{"repository.pr5"}, wantPR4: 4,
			queryErr: []string{"Could not resolve to a PullRequest with the number of 5."}},
		{name: "numeric path elements", body: `{"data":{"repository":{"pr4":{"number":4}}},"errors":[{"type":"NOT_FOUND","path":["repository","nodes",3,"pr"],"message":"Could not resolve"}]}`,
			wantNotFound: []string{"repository.nodes.3.pr"}, wantPR4: 4, queryErr: []string{"Could not resolve"}},
		{name: "the repository at the root", body: `{"data":{"repository":null},"errors":[{"type":"NOT_FOUND","path":["repository"],"message":"Could not resolve to a Repository with the name 'octo-org/nope'."}]}`,
			wantNotFound: []string{"repository"}, queryErr: []string{"Could not resolve to a Repository"}},
		{name: "not found and forbidden", body: `{"data":{"repository":{"pr4":null,"pr5":null}},"errors":[` +
			`{"type":"NOT_FOUND","path":["repository","pr5"],"message":"Could not resolve to a PullRequest with the number of 5."},` +
			`{"type":"FORBIDDEN","path":["repository","pr4"],"message":"Resource not accessible by integration"}]}`,
			wantErr: []string{"Could not resolve to a PullRequest with the number of 5.", "Resource not accessible by integration"}, wantType: "NOT_FOUND"},
		{name: "not found without a path", body: `{"data":{"repository":null},"errors":[{"type":"NOT_FOUND","message":"Could not resolve to a node"}]}`,
			wantErr: []string{"Could not resolve to a node"}, wantType: "NOT_FOUND"},
		{name: "insufficient scopes", body: `{"data":null,"errors":[{"type":"INSUFFICIENT_SCOPES","message":"Your token has not been granted the required scopes."}]}`,
			wantErr: []string{"required scopes"}, wantType: "INSUFFICIENT_SCOPES"},
		{name: "no data, no errors", body: `{"data":null}`, wantErr: []string{"not usable", "no data"}},
		{name: "not JSON", body: `<html>unicorn</html>`, wantErr: []string{"not usable", "not JSON"}},
		{name: "errors not a list", body: `{"data":{},"errors":"boom"}`, wantErr: []string{"not usable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newGQL(t, always(200, nil, tt.body), nil)
			var out prs
			notFound, err := s.gql.QueryPartial(context.Background(), "query{...}", nil, &out)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("QueryPartial: %v", err)
				}
				if fmt.Sprint(notFound) != fmt.Sprint(tt.wantNotFound) {
					t.Errorf("notFound = %q, want %q", notFound, tt.wantNotFound)
				}
				if got := 0; out.Repository.PR4 != nil {
					got = out.Repository.PR4.Number
					if got != tt.wantPR4 {
						t.Errorf("pr4 = %d, want %d", got, tt.wantPR4)
					}
				} else if tt.wantPR4 != 0 {
					t.Errorf("pr4 not decoded, want %d", tt.wantPR4)
				}
				if out.Repository.PR5 != nil && len(tt.wantNotFound) > 0 {
					t.Errorf("pr5 decoded as %+v though it was not found", out.Repository.PR5)
				}
			} else {
				if err == nil {
					t.Fatalf("QueryPartial succeeded (notFound %q), want an error", notFound)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if got := gqlErrorType(err); tt.wantType != "" && got != tt.wantType {
					t.Errorf("GraphQL error type %s, want %s (error %#v)", got, tt.wantType, err)
				}
			}
			// Query fails on any error, NOT_FOUND included.
			err = s.gql.Query(context.Background(), "query{...}", nil, &out)
			switch {
			case len(tt.queryErr) > 0:
				if got := gqlErrorType(err); got != "NOT_FOUND" {
					t.Fatalf("Query = %v: GraphQL error type %s, want NOT_FOUND", err, got)
				}
				for _, w := range tt.queryErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Query's error %q does not contain %q", err, w)
					}
				}
			case len(tt.wantErr) > 0:
				if err == nil {
					t.Error("Query succeeded, want an error")
				}
			default:
				if err != nil {
					t.Errorf("Query: %v", err)
				}
			}
			// None of these is sent twice.
			if n := s.requests(); n != 2 {
				t.Errorf("%d requests for one QueryPartial and one Query, want 2", n)
			}
		})
	}
}

func TestGraphQLErrorsAreBounded(t *testing.T) {
	t.Parallel()
	var entries []string
	for i := range 50 {
		entries = append(entries, fmt.Sprintf(`{"type":"FORBIDDEN","message":"no %d %s\n::error::injected"}`, i, strings.Repeat("x", 10000)))
	}
	s := newGQL(t, always(200, nil, `{"data":null,"errors":[`+strings.Join(entries, ",")+`]}`), nil)
	var out prs
	_, err := s.gql.QueryPartial(context.Background(), "query{...}", nil, &out)
	var ge *githubapi.GraphQLError
	if !errors.As(err, &ge) {
		t.Fatalf("QueryPartial = %v, want a *GraphQLError", err)
	}
	if ge.Type != "FORBIDDEN" {
		t.Errorf("type %s, want FORBIDDEN", ge.Type)
	}
	if len(ge.Messages) > 5 {
		t.Errorf("%d messages, want at most 5", len(ge.Messages))
	}
	if ge.More != 50-len(ge.Messages) {
		t.Errorf("%d more, want the other %d of the 50 counted", ge.More, 50-len(ge.Messages))
	}
	for _, m := range ge.Messages {
		if len(m) > 210 {
			t.Errorf("a message of %d bytes, want about 200 at most", len(m))
		}
	}
	msg := err.Error()
	if len(msg) > 2000 {
		t.Errorf("error of %d bytes, want at most 2000: %.300q", len(msg), msg)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error has a line break: %.300q", msg)
	}
	for _, w := range []string{"no 0 ", "45 more"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not contain %q: %.300q", w, msg)
		}
	}
}
