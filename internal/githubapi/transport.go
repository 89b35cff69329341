package githubapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// transport is the one place that retries and waits. It retries idempotent
// requests after 5xx answers, dropped connections and timeouts, and a
// GraphQL query after GitHub's transient failure; it waits out secondary
// rate limits for every request (GitHub did not act on a rate-limited
// request) and GraphQL's RATE_LIMITED; it never retries 401, 404, 409, 422
// or a 403 that is not a rate limit. A POST that may have reached GitHub
// is not retried here: the caller checks whether GitHub acted before it
// sends it again.
type transport struct {
	Base   http.RoundTripper
	Policy Policy
	Pacer  *Pacer
	// Limits, when set, is told the REST rate limit each answer reports.
	Limits *Limits
	Log    func(format string, args ...any)
	// Debug, when set, receives a line for every try: method, path,
	// answer and time. Never headers: the token stays out of the log.
	Debug func(format string, args ...any)
	slots chan struct{}

	mu sync.Mutex
	// exhausted is when each primary rate limit (by resource: core for
	// REST, graphql for GraphQL, which GitHub counts apart) resets, after
	// an answer that used its last request.
	exhausted map[string]time.Time
}

// retries is one request's way through RoundTrip: its tries that failed
// and counted, its rate-limit waits, when it began, and how long it waited
// for rate limits (not counted against the Budget, which bounds the time
// spent on failures).
type retries struct {
	tries, limitWaits int
	start             time.Time
	limited           time.Duration
}

// RoundTrip implements http.RoundTripper: it sends req until an answer
// or a failure that retrying cannot change, until the tries or the time
// budget are used up, or until req's context ends.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	r := &retries{start: t.Policy.Now()}
	for {
		if err := t.waitForReset(ctx, resourceOf(req), r); err != nil {
			return nil, err
		}
		r.tries++
		resp, err, stop := t.attempt(ctx, req)
		if stop != nil {
			return nil, stop
		}
		var gql *gqlFailure
		if err == nil {
			t.Limits.note(resp.Header.Get)
			t.noteLastRequest(req, resp)
			gql = graphQLFailure(req, resp)
			waited, lerr := t.waitOutLimit(ctx, req, resp, gql, r)
			if lerr != nil {
				return nil, lerr
			}
			if waited {
				r.tries-- // GitHub did not act on it: the try does not count
				continue
			}
		}
		last, retry := t.retryable(req, resp, err, gql)
		if !retry {
			return resp, err
		}
		if err := t.backOff(ctx, req, r, last); err != nil {
			return nil, err
		}
	}
}

// attempt sends req once: a write when the pacer lets it go, and only
// while it holds one of the MaxInFlight slots (a request waiting for the
// pacer or a back-off holds none). stop is an error that ends RoundTrip
// at once: ctx ended, or the wait for the pacer or a slot failed.
// Otherwise resp and err are the try's answer or its failure.
func (t *transport) attempt(ctx context.Context, req *http.Request) (resp *http.Response, err, stop error) {
	if t.Pacer != nil {
		if err := t.Pacer.Pace(ctx, req); err != nil {
			return nil, nil, err
		}
	}
	if err := t.acquire(ctx); err != nil {
		return nil, nil, err
	}
	began := t.Policy.Now()
	resp, err = t.try(req)
	t.release()
	t.debug(req, resp, err, t.Policy.Now().Sub(began))
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	return resp, err, nil
}

// waitOutLimit, when resp says the request was rate limited (a REST 403
// or 429, or GraphQL's RATE_LIMITED in gql), waits until it may be sent
// again, counting the wait in r. It reports whether it waited. It fails
// when the limit cannot be waited out, after more than MaxLimitWaits
// waits, or when ctx ends.
func (t *transport) waitOutLimit(ctx context.Context, req *http.Request, resp *http.Response, gql *gqlFailure, r *retries) (bool, error) {
	wait, limited, err := t.rateLimitWait(resp, gql)
	if err != nil || !limited {
		return false, err
	}
	r.limitWaits++
	graphQL := gql != nil && gql.limited
	which := "GitHub's rate limit"
	if graphQL {
		which = "GitHub's GraphQL rate limit"
	}
	if r.limitWaits > t.Policy.MaxLimitWaits {
		if graphQL {
			return false, &GraphQLRateLimitError{waits: t.Policy.MaxLimitWaits, Cause: gql.cause}
		}
		return false, fmt.Errorf("%s %s: still rate limited after %d waits", req.Method, req.URL.Path, t.Policy.MaxLimitWaits)
	}
	t.logf("%s: waiting %s before %s %s", which, wait.Round(time.Second), req.Method, req.URL.Path)
	return true, t.sleepLimited(ctx, wait, r)
}

// sleepLimited waits d for a rate limit, counted in r.
func (t *transport) sleepLimited(ctx context.Context, d time.Duration, r *retries) error {
	began := t.Policy.Now()
	err := t.Policy.Sleep(ctx, d)
	r.limited += t.Policy.Now().Sub(began)
	return err
}

// retryable reports whether req may be sent again after one try's answer
// resp or failure err, and what made the try fail (last). GitHub's
// transient failure of a GraphQL query (gql) is sent again. An answer
// below 500, or any answer to a request that is not idempotent, is the
// caller's; so is a failure that retrying cannot fix, and one of a write
// that may have reached GitHub: the caller checks whether GitHub acted.
func (t *transport) retryable(req *http.Request, resp *http.Response, err error, gql *gqlFailure) (last error, retry bool) {
	if err == nil {
		if gql != nil && gql.transient {
			drain(resp)
			return gql.cause, true
		}
		if resp.StatusCode < 500 || !idempotent(req) {
			return nil, false
		}
		return fmt.Errorf("GitHub answered %s", describe(resp)), true
	}
	// A refused request, a certificate that does not verify or a host
	// that does not exist fails the same way every time.
	if Permanent(err) || (!idempotent(req) && !notSent(err)) {
		return err, false
	}
	return err, true
}

// backOff waits before the try after r's tries, the last of which failed
// with last, or fails with an ExhaustedError when the tries, or the time
// budget (the time since r's start, less its rate-limit waits), do not
// allow another.
func (t *transport) backOff(ctx context.Context, req *http.Request, r *retries, last error) error {
	p := t.Policy
	wait := p.Backoff(r.tries)
	if r.tries >= p.Tries || p.Now().Sub(r.start)-r.limited+wait > p.Budget {
		return &ExhaustedError{Method: req.Method, Path: req.URL.Path, Tries: r.tries, Last: last}
	}
	t.logf("%s %s failed (%v); try %d of %d in %s", req.Method, req.URL.Path, last, r.tries+1, p.Tries, wait.Round(time.Millisecond))
	return p.Sleep(ctx, wait)
}

// try sends req once, bounded by the per-try timeout. The timeout stays in
// force until the body is closed.
func (t *transport) try(req *http.Request) (*http.Response, error) {
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

func (t *transport) acquire(ctx context.Context) error {
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

func (t *transport) release() {
	if t.slots != nil {
		<-t.slots
	}
}

func (t *transport) debug(req *http.Request, resp *http.Response, err error, took time.Duration) {
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

func (t *transport) logf(format string, args ...any) {
	if t.Log != nil {
		t.Log(format, args...)
	}
}

// newTransport returns a transport that lets at most MaxInFlight requests
// be in flight at once.
func newTransport(base http.RoundTripper, p Policy, pacer *Pacer, log func(string, ...any)) *transport {
	return &transport{Base: base, Policy: p, Pacer: pacer, Log: log, slots: make(chan struct{}, MaxInFlight)}
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
