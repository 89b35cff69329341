package githubapi

// GitHub's rate limits: primary (x-ratelimit-remaining, reset) and
// secondary (Retry-After, or a minute), waited out or failed fast.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rateLimitWait tells whether resp is a rate limit answer and how long to
// wait before trying again. An exhausted primary limit that resets later
// than maxResetWait is an error: waiting would hang the job.
func (t *transport) rateLimitWait(resp *http.Response) (time.Duration, bool, error) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false, nil
	}
	p := t.Policy
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && s >= 0 {
			drain(resp)
			wait := time.Duration(s) * time.Second
			if s > int(p.maxRetryAfter/time.Second) {
				return 0, false, &retryAfterError{Wait: wait}
			}
			return wait, true, nil
		}
	}
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		until, ok := exhaustedUntil(resp.Header)
		if !ok {
			return 0, false, nil
		}
		drain(resp)
		wait, err := t.resetWait(until)
		return wait, err == nil, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if strings.Contains(strings.ToLower(string(body)), "secondary rate limit") {
		return p.secondaryDefault, true, nil
	}
	return 0, false, nil
}

// noteLastRequest remembers a successful answer that used the primary
// rate limit's last request, and hides that from go-github, which would
// otherwise refuse every later request itself until the reset: waiting,
// or failing fast, is the transport's to decide (waitForReset).
// The limit is the one of the answer's X-Ratelimit-Resource (core, graphql),
// else of the request: a used-up GraphQL limit holds back no REST call.
func (t *transport) noteLastRequest(req *http.Request, resp *http.Response) {
	until, ok := exhaustedUntil(resp.Header)
	if resp.StatusCode >= 400 || !ok {
		return
	}
	resource := strings.ToLower(strings.TrimSpace(resp.Header.Get("X-Ratelimit-Resource")))
	if resource == "" {
		resource = resourceOf(req)
	}
	t.mu.Lock()
	if t.exhausted == nil {
		t.exhausted = map[string]time.Time{}
	}
	t.exhausted[resource] = until
	t.mu.Unlock()
	resp.Header.Del("X-Ratelimit-Remaining")
	resp.Header.Del("X-Ratelimit-Reset")
}

// resourceOf is the rate limit a request counts against: graphql for a
// GraphQL query, core for REST.
func resourceOf(req *http.Request) string {
	if isReadOnly(req) {
		return "graphql"
	}
	return "core"
}

// exhaustedFor is when the rate limit of resource resets, after an answer
// that used its last request (zero when none did).
func (t *transport) exhaustedFor(resource string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exhausted[resource]
}

// waitForReset waits for the exhausted primary rate limit of resource to
// reset when it resets within maxResetWait, and fails fast otherwise.
func (t *transport) waitForReset(ctx context.Context, resource string) error {
	until := t.exhaustedFor(resource)
	if until.IsZero() {
		return nil
	}
	wait, err := t.resetWait(until)
	if err != nil || wait == 0 {
		return err
	}
	t.logf("GitHub's rate limit is used up until %s UTC: waiting %s", until.Format("15:04:05"), wait.Round(time.Second))
	return t.Policy.Sleep(ctx, wait)
}

// exhaustedUntil is when the primary rate limit resets, for an answer
// whose headers say it has no request left.
func exhaustedUntil(h http.Header) (time.Time, bool) {
	if h.Get("X-Ratelimit-Remaining") != "0" {
		return time.Time{}, false
	}
	reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(reset, 0).UTC(), true
}

// resetWait is how long to wait for the primary rate limit to reset at
// until (0 when it has): an error when that is longer than maxResetWait,
// since waiting would hang the job.
func (t *transport) resetWait(until time.Time) (time.Duration, error) {
	wait := until.Sub(t.Policy.Now()) + time.Second
	if wait > t.Policy.maxResetWait {
		return 0, &RateLimitError{Reset: until}
	}
	return max(wait, 0), nil
}

// retryAfterError is a rate limit answer whose Retry-After is longer than
// the action waits.
type retryAfterError struct{ Wait time.Duration }

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("GitHub's rate limit asks to wait %s before trying again, longer than the action waits; re-run the job later", e.Wait)
}

// RateLimitError is GitHub's primary rate limit, exhausted until Reset.
type RateLimitError struct{ Reset time.Time }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("GitHub's API rate limit for this token is exhausted until %s UTC; re-run the job after that, or use a token with its own limit", e.Reset.Format("15:04"))
}
