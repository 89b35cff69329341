package githubapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

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

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p := t.Policy
	if err := t.waitForReset(ctx, resourceOf(req)); err != nil {
		return nil, err
	}
	start := p.Now()
	tries, limitWaits := 0, 0
	var last error
	for {
		if createsContent(req) && t.Pacer != nil {
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
			t.Limits.note(resp.Header.Get)
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
			if resp.StatusCode < 500 || !idempotent(req) {
				t.noteLastRequest(req, resp)
				return resp, nil
			}
			last = fmt.Errorf("GitHub answered %s", describe(resp))
		} else {
			// A refused request, a certificate that does not verify or a
			// host that does not exist fails the same way every time; a
			// write that may have reached GitHub is the caller's to check.
			if Permanent(err) || (!idempotent(req) && !notSent(err)) {
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

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
