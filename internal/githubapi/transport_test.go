package githubapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// hanging is a GitHub that never answers the first hang tries: each hangs
// until its request's context ends, as a stalled connection does. Later
// tries answer 200 with answer.
type hanging struct {
	hang   int
	answer string

	mu    sync.Mutex
	tries []string // "METHOD path" of each try
	ended []error  // why each hung try ended: context.Cause of its request
}

// errGaveUp ends a test's calls should the per-try timeout not: a hung try
// then fails the test with this cause instead of hanging it.
var errGaveUp = errors.New("the test gave up: no per-try timeout ended the hung try")

// testContext is a caller's context that gives up after a while, with
// errGaveUp as its cause.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeoutCause(context.Background(), 10*time.Second, errGaveUp)
	t.Cleanup(cancel)
	return ctx
}

func (h *hanging) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.tries = append(h.tries, req.Method+" "+req.URL.Path)
	n := len(h.tries)
	h.mu.Unlock()
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	if n <= h.hang {
		<-req.Context().Done()
		h.mu.Lock()
		h.ended = append(h.ended, context.Cause(req.Context()))
		h.mu.Unlock()
		return nil, req.Context().Err()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Request: req,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(h.answer))}, nil
}

func (h *hanging) seen() ([]string, []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.tries...), append([]error(nil), h.ended...)
}

// hangingClient is a client over h whose tries each last at most a
// millisecond. The per-try bound is a real deadline by design (a context
// on the request, as the HTTP client needs it), so it is made tiny; the
// back-off between tries is on a fake clock. The tests assert tries and
// errors, never wall time.
func hangingClient(t *testing.T, h *hanging) *github.Client {
	t.Helper()
	p := quickPolicy()
	p.PerTry = time.Millisecond
	gh, err := githubapi.New(token, "https://api.github.com", githubapi.Options{Base: h, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	return gh
}

func TestATryThatHangsIsTimedOutAndRetried(t *testing.T) {
	t.Parallel()
	const list = "GET /repos/octo-org/hello-world/deployments"
	const query = "POST /graphql"
	tests := []struct {
		name   string
		answer string
		call   func(ctx context.Context, gh *github.Client) error
		want   []string
	}{
		{"a REST read", `[{"id":7}]`, func(ctx context.Context, gh *github.Client) error {
			_, _, err := gh.Repositories.ListDeployments(ctx, "octo-org", "hello-world", nil)
			return err
		}, []string{list, list}},
		{"a GraphQL query", `{"data":{"viewer":{"login":"octocat"}}}`, func(ctx context.Context, gh *github.Client) error {
			gql, err := githubapi.NewGraphQL(gh, "https://api.github.com/graphql")
			if err != nil {
				return err
			}
			var out struct{}
			return gql.Query(ctx, "query { viewer { login } }", nil, &out)
		}, []string{query, query}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &hanging{hang: 1, answer: tt.answer}
			if err := tt.call(testContext(t), hangingClient(t, h)); err != nil {
				t.Fatalf("the retry after the hung try failed: %v", err)
			}
			tries, ended := h.seen()
			if d := cmp.Diff(tt.want, tries); d != "" {
				t.Errorf("tries (-want +got):\n%s", d)
			}
			// The hung try was abandoned at its own deadline, not by the
			// caller's context.
			if d := cmp.Diff([]error{context.DeadlineExceeded}, ended, cmp.Comparer(errors.Is)); d != "" {
				t.Errorf("why the hung try ended (-want +got):\n%s", d)
			}
		})
	}
}

func TestAReadThatAlwaysHangsStopsAfterTheTries(t *testing.T) {
	t.Parallel()
	h := &hanging{hang: 1 << 20}
	_, _, err := hangingClient(t, h).Repositories.ListDeployments(testContext(t), "octo-org", "hello-world", nil)
	var ex *githubapi.ExhaustedError
	if !errors.As(err, &ex) {
		t.Fatalf("err = %v, want an ExhaustedError", err)
	}
	want := githubapi.DefaultPolicy().Tries
	if ex.Tries != want {
		t.Errorf("ExhaustedError.Tries = %d, want %d", ex.Tries, want)
	}
	if tries, _ := h.seen(); len(tries) != want {
		t.Errorf("%d tries reached GitHub, want %d: %q", len(tries), want, tries)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the last try's timeout as its cause", err)
	}
}

func TestAWriteThatHangsIsNotSentAgain(t *testing.T) {
	t.Parallel()
	h := &hanging{hang: 1, answer: `{"id":1}`}
	_, _, err := hangingClient(t, h).Repositories.CreateDeployment(testContext(t), "octo-org", "hello-world",
		&github.DeploymentRequest{Ref: github.String("main")})
	if err == nil {
		t.Fatal("a hung write succeeded")
	}
	// It may have reached GitHub: the caller looks for it before sending
	// it again, the transport does not send it blind.
	if !githubapi.MaybePerformed(err) {
		t.Errorf("MaybePerformed(%v) = false", err)
	}
	tries, _ := h.seen()
	if d := cmp.Diff([]string{"POST /repos/octo-org/hello-world/deployments"}, tries); d != "" {
		t.Errorf("tries (-want +got):\n%s", d)
	}
}
