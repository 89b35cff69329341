package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

func TestNewUsesTheAPIRootAsItIs(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://api.github.com", "https://api.github.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/"},
		{"https://api.octo.ghe.com/", "https://api.octo.ghe.com/"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/"},
	}
	for _, tt := range tests {
		c, err := githubapi.New("t", tt.in, githubapi.Options{})
		if err != nil {
			t.Errorf("New(%q): %v", tt.in, err)
			continue
		}
		if got := c.BaseURL.String(); got != tt.want {
			t.Errorf("New(%q): base %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "api.github.com", "ftp://x"} {
		_, err := githubapi.New("t", bad, githubapi.Options{})
		if err == nil {
			t.Errorf("New(%q) accepted it, want an error naming GITHUB_API_URL", bad)
		} else if !strings.Contains(err.Error(), "GITHUB_API_URL") {
			t.Errorf("New(%q) = %v, want an error naming GITHUB_API_URL", bad, err)
		}
	}
}

func TestPacerKeepsEveryWindowWithinGitHubsLimits(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New()
	start := clock.Now()
	p := githubapi.NewPacer(clock.Sleep, clock.Now)
	var at []time.Duration
	for i := 0; i < 600; i++ {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		at = append(at, clock.Now().Sub(start))
	}
	if at[79] != 0 {
		t.Errorf("the first 80 writes waited %s", at[79])
	}
	if at[80] < time.Minute {
		t.Errorf("write 81 went at %s, want a minute after the first", at[80])
	}
	if at[500] < time.Hour {
		t.Errorf("write 501 went at %s, want an hour after the first", at[500])
	}
	for i := range at {
		for _, l := range githubapi.ContentLimits {
			if j := i + l.N; j < len(at) && at[j]-at[i] < l.Per {
				t.Fatalf("writes %d to %d went within %s: more than %d in %s", i, j, at[j]-at[i], l.N, l.Per)
			}
		}
	}
}

func TestBackoffIsBoundedWithJitter(t *testing.T) {
	t.Parallel()
	p := githubapi.DefaultPolicy()
	for _, r := range []float64{0, 0.5, 0.999} {
		p.Rand = func() float64 { return r }
		for n := 1; n < 70; n++ {
			d := p.Backoff(n)
			if d <= 0 || d > p.MaxDelay {
				t.Fatalf("Backoff(%d) with rand %v = %s", n, r, d)
			}
		}
	}
}

func TestNoMoreThanEightRequestsInFlight(t *testing.T) {
	t.Parallel()
	f, srv := fgtest.New(t, "")
	f.Latency = 20 * time.Millisecond
	gh, err := githubapi.New(fgtest.Token, srv.URL, githubapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _ = gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil)
		}()
	}
	wg.Wait()
	m := f.MaxInFlight()
	if m > githubapi.MaxInFlight {
		t.Errorf("%d requests in flight at once, want at most %d", m, githubapi.MaxInFlight)
	}
	if m < 2 {
		t.Errorf("%d request in flight at once: the test did not send them concurrently", m)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	resp := func(code int) *http.Response {
		r, _ := http.NewRequest("POST", "https://api.github.com/repos/o/r/deployments", nil)
		return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Request: r}
	}
	apiErr := func(code int, msg string) error {
		return &github.ErrorResponse{Response: resp(code), Message: msg}
	}
	write := githubapi.Call{Op: "create deployment", Target: "ref main of o/r", Write: true}
	tests := []struct {
		name string
		call githubapi.Call
		err  error
		want []string
	}{
		{"202", write, &github.AcceptedError{}, []string{"create deployment:", "202", "auto-merge: false"}},
		{"401", write, apiErr(401, "Bad credentials"), []string{"401", "Bad credentials", "invalid, expired or revoked", "token input"}},
		{"403 write", write, apiErr(403, "Resource not accessible by integration"), []string{"403", "permissions: deployments: write", "forks"}},
		{"403 environment delete", githubapi.Call{Op: "delete environment", Write: true, Permission: "administration: write"}, apiErr(403, "x"), []string{"administration: write"}},
		{"403 read", githubapi.Call{Op: "list deployments", Target: "environment \"x\""}, apiErr(403, "x"), []string{"may not read environment \"x\"", "deployments: read"}},
		{"404", write, apiErr(404, "Not Found"), []string{"ref main of o/r was not found (404)", "token"}},
		{"409", write, apiErr(409, "Conflict: Commit status checks failed for main"), []string{"409", "checks failed", "required-contexts"}},
		{"422", write, apiErr(422, "Validation Failed"), []string{"422", "Validation Failed"}},
		{"exhausted", write, &githubapi.ExhaustedError{Tries: 5, Last: apiErr(502, "")}, []string{"after 5 tries", "502 Bad Gateway", "githubstatus"}},
		{"rate limit", write, fmt.Errorf("wrapped: %w", &githubapi.RateLimitError{Reset: time.Date(2026, 1, 1, 13, 5, 0, 0, time.UTC)}), []string{"exhausted until 13:05 UTC"}},
		{"other", write, errors.New("boom"), []string{"create deployment: boom"}},
	}
	for _, tt := range tests {
		explained := githubapi.Explain(tt.call, tt.err)
		got := explained.Error()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q does not contain %q", tt.name, got, w)
			}
		}
		// The cause stays: a caller can still tell a 404 from a 403.
		if got, want := githubapi.StatusCode(explained), githubapi.StatusCode(tt.err); got != want {
			t.Errorf("%s: the explained error has status %d, want its cause's %d", tt.name, got, want)
		}
		if !errors.Is(explained, tt.err) {
			t.Errorf("%s: the explained error %v does not wrap its cause", tt.name, explained)
		}
	}
	if githubapi.Explain(write, nil) != nil {
		t.Error("Explain(nil) is not nil")
	}
}

// TestExplainSurvivesATypedNilCause: a nil *RateLimitError,
// *OffLimitsError or *BadAnswerError in the chain is explained as "<nil>",
// not a panic.
func TestExplainSurvivesATypedNilCause(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{(*githubapi.RateLimitError)(nil), (*githubapi.OffLimitsError)(nil), (*githubapi.BadAnswerError)(nil)} {
		if got, want := githubapi.Explain(githubapi.Call{Op: "op"}, fmt.Errorf("w: %w", cause)).Error(), "op: <nil>"; got != want {
			t.Errorf("%T: %q, want %q", cause, got, want)
		}
	}
}
