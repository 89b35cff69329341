package githubapi

// GitHub's rate limits: primary (x-ratelimit-remaining, reset) and
// secondary (Retry-After, or a minute), waited out or failed fast.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// rateLimitWait tells whether resp is a rate limit answer and how long to
// wait before trying again: a REST 403 or 429, or a GraphQL answer whose
// errors say RATE_LIMITED (gql, from graphQLFailure). An exhausted primary
// limit that resets later than maxResetWait is an error: waiting would
// hang the job.
func (t *transport) rateLimitWait(resp *http.Response, gql *gqlFailure) (time.Duration, bool, error) {
	if gql != nil && gql.limited {
		drain(resp)
		wait, err := t.graphQLLimitWait(resp.Header, gql)
		return wait, err == nil, err
	}
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false, nil
	}
	p := t.Policy
	if wait, ok := retryAfter(resp.Header); ok {
		drain(resp)
		if wait > p.maxRetryAfter.Truncate(time.Second) {
			return 0, false, &retryAfterError{Wait: wait}
		}
		return wait, true, nil
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

// graphQLLimitWait is how long to wait out a RATE_LIMITED answer, by
// GitHub's rules: retry-after when it is there; else until the limit's
// reset (resetOf); else secondaryDefault. A reset later than maxResetWait,
// or a retry-after longer than maxRetryAfter, is an error at once: waiting
// would hang the job.
func (t *transport) graphQLLimitWait(h http.Header, gql *gqlFailure) (time.Duration, error) {
	p := t.Policy
	reset, known := t.resetOf(h, gql.data)
	var wait time.Duration
	if known {
		wait = reset.Sub(p.Now()) + time.Second
		if wait > p.maxResetWait {
			return 0, &GraphQLRateLimitError{Reset: reset, Cause: gql.cause}
		}
		// A reset already past (a clock behind GitHub's) still waits a
		// moment: GitHub said the limit is used up.
		wait = max(wait, time.Second)
	}
	if d, ok := retryAfter(h); ok {
		if d > p.maxRetryAfter.Truncate(time.Second) {
			e := &GraphQLRateLimitError{RetryAfter: d, Cause: gql.cause}
			if known {
				e.Reset = reset
			}
			return 0, e
		}
		return max(wait, d), nil
	}
	if !known {
		return p.secondaryDefault, nil
	}
	return wait, nil
}

// resetOf is when GraphQL's rate limit resets, as far as the answer says:
// its X-Ratelimit-Reset, or the reset the transport took off an answer
// that used the last point (noteLastRequest), or data's rateLimit.resetAt
// when the query asked for it.
func (t *transport) resetOf(h http.Header, data json.RawMessage) (time.Time, bool) {
	if reset, ok := resetHeader(h); ok && reset.Unix() > 0 {
		return reset, true
	}
	if until := t.exhaustedFor("graphql"); until.After(t.Policy.Now()) {
		return until, true
	}
	var d struct {
		RateLimit *struct {
			ResetAt string `json:"resetAt"`
		} `json:"rateLimit"`
	}
	if len(data) > 0 && json.Unmarshal(data, &d) == nil && d.RateLimit != nil {
		if t, err := time.Parse(time.RFC3339, d.RateLimit.ResetAt); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// retryAfter is the answer's Retry-After in whole seconds, when it has one.
func retryAfter(h http.Header) (time.Duration, bool) {
	s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil || s < 0 {
		return 0, false
	}
	return time.Duration(s) * time.Second, true
}

// resetHeader is the answer's X-Ratelimit-Reset (unix seconds), when it
// has one.
func resetHeader(h http.Header) (time.Time, bool) {
	reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(reset, 0).UTC(), true
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
func (t *transport) waitForReset(ctx context.Context, resource string, r *retries) error {
	until := t.exhaustedFor(resource)
	if until.IsZero() {
		return nil
	}
	wait, err := t.resetWait(until)
	if err != nil || wait == 0 {
		return err
	}
	t.logf("GitHub's rate limit is used up until %s UTC: waiting %s", until.Format("15:04:05"), wait.Round(time.Second))
	return t.sleepLimited(ctx, wait, r)
}

// exhaustedUntil is when the primary rate limit resets, for an answer
// whose headers say it has no request left.
func exhaustedUntil(h http.Header) (time.Time, bool) {
	if h.Get("X-Ratelimit-Remaining") != "0" {
		return time.Time{}, false
	}
	return resetHeader(h)
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

// GraphQLRateLimitError is GitHub's GraphQL rate limit, used up for longer
// than the action waits, or still used up after MaxLimitWaits waits. It
// wraps GitHub's RATE_LIMITED error.
type GraphQLRateLimitError struct {
	// Reset is when the limit resets (zero when GitHub did not say).
	Reset time.Time
	// RetryAfter is GitHub's retry-after, when that is what was too long.
	RetryAfter time.Duration
	// Waits is set when the action gave up after that many waits.
	waits int
	Cause *GraphQLError
}

func (e *GraphQLRateLimitError) Error() string {
	const points = "GraphQL points are counted apart from the REST rate limit (GITHUB_TOKEN has 1,000 GraphQL points an hour per repository)"
	var s string
	switch {
	case e.waits > 0:
		s = fmt.Sprintf("GitHub's GraphQL rate limit for this token is still used up after %d waits", e.waits)
	case e.RetryAfter > 0:
		s = fmt.Sprintf("GitHub's GraphQL rate limit asks to wait %s before trying again, longer than the action waits", e.RetryAfter)
	default:
		s = "GitHub's GraphQL rate limit for this token is used up"
	}
	if !e.Reset.IsZero() {
		s += fmt.Sprintf("; it resets at %s UTC", e.Reset.UTC().Format("15:04:05"))
	}
	return s + "; " + points + ": re-run the job after the reset, or use a token with its own limit"
}

func (e *GraphQLRateLimitError) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}
