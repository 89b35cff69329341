package githubapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Policy says how often and how long requests are retried. Waits go through
// Sleep and time through Now, so tests run without sleeping.
type Policy struct {
	// Tries bounds the tries of one request after 5xx answers, dropped
	// connections and timeouts.
	Tries int
	// BaseDelay is the first back-off; it doubles each try, up to MaxDelay,
	// with full jitter.
	BaseDelay, MaxDelay time.Duration
	// Budget bounds the time spent on one request's retries.
	Budget time.Duration
	// PerTry bounds one try.
	PerTry time.Duration
	// MaxResetWait is the longest the action waits for an exhausted primary
	// rate limit to reset; a later reset fails the request at once.
	MaxResetWait time.Duration
	// MaxLimitWaits bounds how many rate-limit waits one request may do.
	MaxLimitWaits int
	// SecondaryDefault is the wait after a secondary rate limit answer
	// without Retry-After (GitHub: "at least one minute").
	SecondaryDefault time.Duration
	// MaxRetryAfter is the longest Retry-After the action waits; a longer
	// one fails the request at once.
	MaxRetryAfter time.Duration
	Sleep         func(context.Context, time.Duration) error
	Now           func() time.Time
	Rand          func() float64
}

// DefaultPolicy is the policy the action runs with: 5 tries and 30 s for
// errors, rate limits waited out as GitHub says.
func DefaultPolicy() Policy {
	return Policy{
		Tries: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second,
		Budget: 30 * time.Second, PerTry: 30 * time.Second,
		MaxResetWait: time.Minute, MaxLimitWaits: 20, SecondaryDefault: time.Minute, MaxRetryAfter: 5 * time.Minute,
		Sleep: Sleep, Now: time.Now, Rand: rand.Float64,
	}
}

// Cancelled is the policy for a post stage after the job was cancelled:
// the runner gives post steps only the job's cancel window (5 minutes by
// default, and it ends the worker 15 s before), shared by every post step,
// so tries, back-off and rate-limit waits are cut well inside it.
func (p Policy) Cancelled() Policy {
	p.Tries = min(p.Tries, 3)
	p.MaxDelay = min(p.MaxDelay, 4*time.Second)
	p.Budget = min(p.Budget, 15*time.Second)
	p.PerTry = min(p.PerTry, 15*time.Second)
	p.MaxResetWait = min(p.MaxResetWait, 20*time.Second)
	p.MaxRetryAfter = min(p.MaxRetryAfter, 20*time.Second)
	p.SecondaryDefault = min(p.SecondaryDefault, 20*time.Second)
	p.MaxLimitWaits = min(p.MaxLimitWaits, 2)
	return p
}

// Backoff is the wait before try n+1 (n counts from 1), with full jitter.
func (p Policy) Backoff(n int) time.Duration {
	d := p.BaseDelay << (n - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	return d/2 + time.Duration(p.Rand()*float64(d/2))
}

// Transport is the one place that retries and waits. It retries idempotent
// requests after 5xx answers, dropped connections and timeouts; it waits
// out secondary rate limits for every request (GitHub did not act on a
// rate-limited request); it never retries 401, 404, 409, 422 or a 403 that
// is not a rate limit. A POST that may have reached GitHub is not retried
// here: the caller checks whether GitHub acted before it sends it again.
type Transport struct {
	Base   http.RoundTripper
	Policy Policy
	Pacer  *Pacer
	Log    func(format string, args ...any)
	// Debug, when set, receives a line for every try: method, path,
	// answer and time. Never headers: the token stays out of the log.
	Debug func(format string, args ...any)
	slots chan struct{}

	mu sync.Mutex
	// exhausted is when the primary rate limit resets, after an answer
	// that used its last request.
	exhausted time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p := t.Policy
	if err := t.waitForReset(ctx); err != nil {
		return nil, err
	}
	start := p.Now()
	tries, limitWaits := 0, 0
	var last error
	for {
		if createsContent(req.Method) && t.Pacer != nil {
			if err := t.Pacer.Wait(ctx); err != nil {
				return nil, err
			}
		}
		tries++
		// Only a request on the wire holds one of the MaxInFlight slots:
		// one waiting for the pacer or a back-off does not.
		if err := t.acquire(ctx); err != nil {
			return nil, err
		}
		began := p.Now()
		resp, err := t.try(req)
		t.release()
		t.debug(req, resp, err, p.Now().Sub(began))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil {
			wait, limited, lerr := t.rateLimitWait(resp)
			if lerr != nil {
				return nil, lerr
			}
			if limited {
				limitWaits++
				if limitWaits > p.MaxLimitWaits {
					return nil, fmt.Errorf("%s %s: still rate limited after %d waits", req.Method, req.URL.Path, p.MaxLimitWaits)
				}
				tries--
				t.logf("GitHub's rate limit: waiting %s before %s %s", wait.Round(time.Second), req.Method, req.URL.Path)
				if err := p.Sleep(ctx, wait); err != nil {
					return nil, err
				}
				continue
			}
			if resp.StatusCode < 500 || !idempotent(req.Method) {
				t.noteLastRequest(resp)
				return resp, nil
			}
			last = fmt.Errorf("GitHub answered %s", describe(resp))
		} else {
			// A refused request, a certificate that does not verify or a
			// host that does not exist fails the same way every time; a
			// write that may have reached GitHub is the caller's to check.
			if Permanent(err) || (!idempotent(req.Method) && !notSent(err)) {
				return nil, err
			}
			last = err
		}
		wait := p.Backoff(tries)
		if tries >= p.Tries || p.Now().Sub(start)+wait > p.Budget {
			return nil, &ExhaustedError{Method: req.Method, Path: req.URL.Path, Tries: tries, Last: last}
		}
		t.logf("%s %s failed (%v); try %d of %d in %s", req.Method, req.URL.Path, last, tries+1, p.Tries, wait.Round(time.Millisecond))
		if err := p.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// try sends req once, bounded by the per-try timeout. The timeout stays in
// force until the body is closed.
func (t *Transport) try(req *http.Request) (*http.Response, error) {
	r := req
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r = req.Clone(req.Context())
		r.Body = body
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.Policy.PerTry)
	resp, err := t.Base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: &limitedBody{ReadCloser: resp.Body, left: MaxAnswer}, cancel: cancel}
	return resp, nil
}

// rateLimitWait tells whether resp is a rate limit answer and how long to
// wait before trying again. An exhausted primary limit that resets later
// than MaxResetWait is an error: waiting would hang the job.
func (t *Transport) rateLimitWait(resp *http.Response) (time.Duration, bool, error) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false, nil
	}
	p := t.Policy
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && s >= 0 {
			drain(resp)
			wait := time.Duration(s) * time.Second
			if s > int(p.MaxRetryAfter/time.Second) {
				return 0, false, &RetryAfterError{Wait: wait}
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
		return p.SecondaryDefault, true, nil
	}
	return 0, false, nil
}

// noteLastRequest remembers a successful answer that used the primary
// rate limit's last request, and hides that from go-github, which would
// otherwise refuse every later request itself until the reset: waiting,
// or failing fast, is the transport's to decide (waitForReset).
func (t *Transport) noteLastRequest(resp *http.Response) {
	until, ok := exhaustedUntil(resp.Header)
	if resp.StatusCode >= 400 || !ok {
		return
	}
	t.mu.Lock()
	t.exhausted = until
	t.mu.Unlock()
	resp.Header.Del("X-Ratelimit-Remaining")
	resp.Header.Del("X-Ratelimit-Reset")
}

// waitForReset waits for an exhausted primary rate limit to reset when it
// resets within MaxResetWait, and fails fast otherwise.
func (t *Transport) waitForReset(ctx context.Context) error {
	t.mu.Lock()
	until := t.exhausted
	t.mu.Unlock()
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

func (t *Transport) acquire(ctx context.Context) error {
	if t.slots == nil {
		return nil
	}
	select {
	case t.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Transport) release() {
	if t.slots != nil {
		<-t.slots
	}
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
// until (0 when it has): an error when that is longer than MaxResetWait,
// since waiting would hang the job.
func (t *Transport) resetWait(until time.Time) (time.Duration, error) {
	wait := until.Sub(t.Policy.Now()) + time.Second
	if wait > t.Policy.MaxResetWait {
		return 0, &RateLimitError{Reset: until}
	}
	return max(wait, 0), nil
}

func (t *Transport) debug(req *http.Request, resp *http.Response, err error, took time.Duration) {
	if t.Debug == nil {
		return
	}
	answer := ""
	switch {
	case err != nil:
		answer = err.Error()
	default:
		answer = resp.Status
		if rem := resp.Header.Get("X-Ratelimit-Remaining"); rem != "" {
			answer += ", rate limit remaining " + rem
		}
	}
	t.Debug("%s %s?%s: %s in %s", req.Method, req.URL.Path, req.URL.RawQuery, answer, took.Round(time.Millisecond))
}

func (t *Transport) logf(format string, args ...any) {
	if t.Log != nil {
		t.Log(format, args...)
	}
}

// NewTransport returns a Transport that lets at most MaxInFlight requests
// be in flight at once.
func NewTransport(base http.RoundTripper, p Policy, pacer *Pacer, log func(string, ...any)) *Transport {
	return &Transport{Base: base, Policy: p, Pacer: pacer, Log: log, slots: make(chan struct{}, MaxInFlight)}
}

// ExhaustedError is a request that failed on every try.
type ExhaustedError struct {
	Method, Path string
	Tries        int
	Last         error
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("%s %s failed %d times, the last time: %v", e.Method, e.Path, e.Tries, e.Last)
}

func (e *ExhaustedError) Unwrap() error { return e.Last }

// RetryAfterError is a rate limit answer whose Retry-After is longer than
// the action waits.
type RetryAfterError struct{ Wait time.Duration }

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("GitHub's rate limit asks to wait %s before trying again, longer than the action waits; re-run the job later", e.Wait)
}

// RateLimitError is GitHub's primary rate limit, exhausted until Reset.
type RateLimitError struct{ Reset time.Time }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("GitHub's API rate limit for this token is exhausted until %s UTC; re-run the job after that, or use a token with its own limit", e.Reset.Format("15:04"))
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// createsContent tells the requests GitHub counts against its content
// creation limits: those that create or change something (a DELETE
// creates nothing, and is left to the secondary rate limit handling).
func createsContent(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// describe is "502 Bad Gateway: <GitHub's message>" for an error answer,
// and consumes its body.
func describe(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		return resp.Status
	}
	return resp.Status + ": " + msg
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// MaybePerformed reports whether a failed write may still have been carried
// out by GitHub: the connection dropped or timed out after it was sent,
// GitHub answered 5xx, or answered 2xx with a body that is not an answer.
// Such a write is checked for before it is sent again. A request that never
// left the machine (refused by the guard, a failed dial, a certificate that
// does not verify) was not.
func MaybePerformed(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var rl *RateLimitError
	var ra *RetryAfterError
	if errors.As(err, &rl) || errors.As(err, &ra) || notSent(err) {
		return false
	}
	if code := StatusCode(err); code != 0 {
		return code >= 500
	}
	return true
}
