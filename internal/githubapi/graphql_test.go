package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// gqlClock is the fake GitHub's clock: Sleep advances it at once and
// counts.
type gqlClock = fakegithub.Clock

func newGQLClock() *gqlClock { return fakegithub.NewClock() }

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
	s.gql.Policy = p
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

func TestGraphQLRateLimits(t *testing.T) {
	t.Parallel()
	resetIn := func(d time.Duration) gqlAnswer {
		return func(_ int, c *gqlClock) (int, map[string]string, string) {
			return 200, map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Resource": "graphql",
				"X-Ratelimit-Reset": strconv.FormatInt(c.Now().Add(d).Unix(), 10)}, rateLimited
		}
	}
	tests := []struct {
		name     string
		answer   gqlAnswer
		tweak    func(*githubapi.Policy)
		requests int
		// minSlept and maxSlept bound the time slept on the fake clock.
		minSlept, maxSlept time.Duration
		wantErr            []string
	}{
		{name: "reset header 30 s ahead", answer: then(1, resetIn(30*time.Second), always(200, nil, okPRs)),
			requests: 2, minSlept: 30 * time.Second, maxSlept: 31 * time.Second},
		{name: "reset header without remaining", answer: then(1, func(_ int, c *gqlClock) (int, map[string]string, string) {
			return 200, map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(c.Now().Add(30*time.Second).Unix(), 10)}, rateLimited
		}, always(200, nil, okPRs)), requests: 2, minSlept: 30 * time.Second, maxSlept: 31 * time.Second},
		{name: "resetAt in data", answer: then(1, func(_ int, c *gqlClock) (int, map[string]string, string) {
			return 200, nil, `{"data":{"rateLimit":{"remaining":0,"resetAt":"` + c.Now().Add(40*time.Second).Format(time.RFC3339) + `"}},"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded"}]}`
		}, always(200, nil, okPRs)), requests: 2, minSlept: 40 * time.Second, maxSlept: 41 * time.Second},
		{name: "nothing said: the secondary default", answer: then(1, always(200, nil, rateLimited), always(200, nil, okPRs)),
			requests: 2, minSlept: time.Minute, maxSlept: time.Minute},
		{name: "retry-after", answer: then(1, always(200, map[string]string{"Retry-After": "17"}, rateLimited), always(200, nil, okPRs)),
			requests: 2, minSlept: 17 * time.Second, maxSlept: 17 * time.Second},
		{name: "reset beyond MaxResetWait", answer: resetIn(45 * time.Minute), requests: 1,
			wantErr: []string{"GraphQL rate limit", "resets at 12:45:00 UTC", "apart from the REST rate limit", "1,000 GraphQL points an hour per repository"}},
		{name: "reset beyond MaxResetWait, without remaining", answer: func(_ int, c *gqlClock) (int, map[string]string, string) {
			return 200, map[string]string{"X-Ratelimit-Reset": strconv.FormatInt(c.Now().Add(45*time.Minute).Unix(), 10)}, rateLimited
		}, requests: 1, wantErr: []string{"resets at 12:45:00 UTC", "1,000 GraphQL points"}},
		{name: "rate limited forever", answer: always(200, nil, rateLimited), tweak: func(p *githubapi.Policy) { p.MaxLimitWaits = 3 },
			requests: 4, minSlept: 3 * time.Minute, maxSlept: 3 * time.Minute, wantErr: []string{"still used up after 3 waits", "GraphQL points"}},
		{name: "rate limited forever, cancelled policy", answer: always(200, nil, rateLimited), tweak: func(p *githubapi.Policy) { *p = p.Cancelled() },
			requests: 3, minSlept: 40 * time.Second, maxSlept: 40 * time.Second, wantErr: []string{"after 2 waits"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newGQL(t, tt.answer, tt.tweak)
			var out prs
			err := s.gql.Query(context.Background(), "query{...}", nil, &out)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				if got := prNumbers(out); got[0] != 4 {
					t.Errorf("pr4 decoded after the wait as %d, want 4 (pr4, pr5: %v)", got[0], got)
				}
			} else {
				if err == nil {
					t.Fatal("Query succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				var rl *githubapi.GraphQLRateLimitError
				if !errors.As(err, &rl) {
					t.Errorf("error %#v is not a *GraphQLRateLimitError", err)
				}
				if got := gqlErrorType(err); got != "RATE_LIMITED" {
					t.Errorf("GraphQL error type %s, want RATE_LIMITED", got)
				}
			}
			if n := s.requests(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if slept := s.clock.Slept(); slept < tt.minSlept || slept > tt.maxSlept {
				t.Errorf("slept %s, want between %s and %s", slept, tt.minSlept, tt.maxSlept)
			}
		})
	}
}

func TestGraphQLTransientFailures(t *testing.T) {
	t.Parallel()
	lower := `{"data":null,"errors":[{"message":"something went wrong while executing your query. This may be the result of a timeout."}]}`
	tests := []struct {
		name     string
		answer   gqlAnswer
		tweak    func(*githubapi.Policy)
		requests int
		wantErr  []string
		// sleeps is how many back-offs the fake clock saw (-1: any).
		sleeps int
	}{
		{name: "twice, then success", answer: then(2, always(200, nil, wentWrong), always(200, nil, okPRs)), requests: 3, sleeps: 2},
		{name: "lower case, no trailer", answer: then(1, always(200, nil, lower), always(200, nil, okPRs)), requests: 2, sleeps: 1},
		{name: "as a 502, twice", answer: then(2, always(502, nil, wentWrong), always(200, nil, okPRs)), requests: 3, sleeps: 2},
		{name: "forever", answer: always(200, nil, wentWrong), requests: 5, sleeps: 4,
			wantErr: []string{"failed 5 times", "Something went wrong while executing your query"}},
		{name: "forever, 3 tries", answer: always(200, nil, wentWrong), tweak: func(p *githubapi.Policy) { p.Tries = 3 }, requests: 3, sleeps: 2,
			wantErr: []string{"failed 3 times"}},
		{name: "forever as a 502", answer: always(502, nil, wentWrong), requests: 5, sleeps: 4,
			wantErr: []string{"failed 5 times", "502", "Something went wrong"}},
		{name: "a validation error", answer: always(200, nil, `{"errors":[{"path":["query","repository","nope"],"extensions":{"code":"undefinedField","typeName":"Repository","fieldName":"nope"},"locations":[{"line":1,"column":30}],"message":"Field 'nope' doesn't exist on type 'Repository'"}]}`),
			requests: 1, sleeps: 0, wantErr: []string{"Field 'nope' doesn't exist on type 'Repository'"}},
		{name: "a parse error", answer: always(200, nil, `{"errors":[{"message":"Parse error on \"}\" (RCURLY) at [1, 10]","locations":[{"line":1,"column":10}]}]}`),
			requests: 1, sleeps: 0, wantErr: []string{"Parse error"}},
		{name: "forbidden", answer: always(200, nil, `{"data":{"repository":null},"errors":[{"type":"FORBIDDEN","path":["repository"],"message":"Resource not accessible by integration"}]}`),
			requests: 1, sleeps: 0, wantErr: []string{"Resource not accessible by integration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newGQL(t, tt.answer, tt.tweak)
			var out prs
			err := s.gql.Query(context.Background(), "query{...}", nil, &out)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Query: %v", err)
				}
				if d := cmp.Diff([2]int{4, 5}, prNumbers(out)); d != "" {
					t.Errorf("pr4, pr5 numbers (-want +got; 0: null):\n%s", d)
				}
			} else {
				if err == nil {
					t.Fatal("Query succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
			}
			if n := s.requests(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if sleeps := s.clock.Sleeps(); tt.sleeps >= 0 && sleeps != tt.sleeps {
				t.Errorf("%d waits, want %d", sleeps, tt.sleeps)
			}
		})
	}
}

func TestGraphQLDecodeErrorsInWords(t *testing.T) {
	t.Parallel()
	type deployments struct {
		Repository struct {
			Deployments struct {
				Nodes []struct {
					DatabaseID int64     `json:"databaseId"`
					CreatedAt  time.Time `json:"createdAt"`
					Latest     *struct {
						State string `json:"state"`
					} `json:"latestStatus"`
				} `json:"nodes"`
			} `json:"deployments"`
		} `json:"repository"`
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"an array for an object", `{"repository":[]}`, "field repository holds an array where an object belongs"},
		{"an array for an object, deeper", `{"repository":{"deployments":{"nodes":{"a":1}}}}`, "field repository.deployments.nodes holds an object where an array belongs"},
		{"a string for a number", `{"repository":{"deployments":{"nodes":[{"databaseId":1},{"databaseId":"2"}]}}}`, "field repository.deployments.nodes.1.databaseId holds a string where a number belongs"},
		{"a fraction for a whole number", `{"repository":{"deployments":{"nodes":[{"databaseId":1.5}]}}}`, "field repository.deployments.nodes.0.databaseId holds the number 1.5 where a whole number belongs"},
		{"a number for a string", `{"repository":{"deployments":{"nodes":[{"latestStatus":{"state":7}}]}}}`, "field repository.deployments.nodes.0.latestStatus.state holds the number 7 where a string belongs"},
		{"not a time", `{"repository":{"deployments":{"nodes":[{"createdAt":"yesterday"}]}}}`, "field repository.deployments.nodes.0.createdAt holds a string that does not read as a date and time"},
		{"data is an array", `[1]`, "the data holds an array where an object belongs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newGQL(t, always(200, nil, `{"data":`+tt.data+`}`), nil)
			var out deployments
			_, err := s.gql.QueryPartial(context.Background(), "query{...}", nil, &out)
			var bad *githubapi.BadAnswerError
			if !errors.As(err, &bad) {
				t.Fatalf("QueryPartial = %v, want a *BadAnswerError", err)
			}
			if bad.What != tt.want {
				t.Errorf("What = %q\nwant   %q", bad.What, tt.want)
			}
			for _, never := range []string{"struct", "Go ", "int64", "time.Time", "unmarshal", "2006"} {
				if strings.Contains(err.Error(), never) {
					t.Errorf("error %q says %q", err, never)
				}
			}
			if n := s.requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestGraphQLWaitStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	for _, body := range []string{rateLimited, wentWrong} {
		t.Run(body[:60], func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			waiting := make(chan struct{}, 1)
			s := newGQL(t, always(200, nil, body), func(p *githubapi.Policy) {
				p.BaseDelay, p.MaxDelay = time.Hour, time.Hour
				p.Budget = 10 * time.Hour
				// A real wait, as long as an hour, that ends when ctx does.
				p.Sleep = func(ctx context.Context, d time.Duration) error {
					select {
					case waiting <- struct{}{}:
					default:
					}
					return githubapi.Sleep(ctx, d)
				}
			})
			go func() {
				<-waiting
				cancel()
			}()
			done := make(chan error, 1)
			go func() {
				var out prs
				done <- s.gql.Query(ctx, "query{...}", nil, &out)
			}()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Query = %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Query still waiting 10 s after its context was cancelled")
			}
			if n := s.requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
