package githubapi_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

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
