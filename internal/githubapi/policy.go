package githubapi

// The retry policy: how often, how long, and which requests may be sent
// again.

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy says how often and how long requests are retried. Waits go through
// Sleep and time through Now, so tests run without sleeping. Start from
// DefaultPolicy and change its exported fields: the rate-limit bounds are
// its own, and a Policy literal would leave them zero (no Retry-After
// waited out, no wait after a secondary rate limit).
type Policy struct {
	// Tries bounds the tries of one request after 5xx answers, dropped
	// connections, timeouts and GraphQL's transient failures, counted
	// together.
	Tries int
	// BaseDelay is the first back-off; it doubles each try, up to MaxDelay,
	// with full jitter.
	BaseDelay, MaxDelay time.Duration
	// Budget bounds the time spent on one request's retries; its
	// rate-limit waits, bounded by MaxLimitWaits, are not counted.
	Budget time.Duration
	// PerTry bounds one try.
	PerTry time.Duration
	// maxResetWait is the longest the action waits for an exhausted primary
	// rate limit to reset; a later reset fails the request at once.
	maxResetWait time.Duration
	// MaxLimitWaits bounds how many rate-limit waits one request may do
	// (REST's 403 and 429, GraphQL's RATE_LIMITED, counted together).
	MaxLimitWaits int
	// secondaryDefault is the wait after a secondary rate limit answer
	// without Retry-After (GitHub: "at least one minute").
	secondaryDefault time.Duration
	// maxRetryAfter is the longest Retry-After the action waits; a longer
	// one fails the request at once.
	maxRetryAfter time.Duration
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
		maxResetWait: time.Minute, MaxLimitWaits: 20, secondaryDefault: time.Minute, maxRetryAfter: 5 * time.Minute,
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
	p.maxResetWait = min(p.maxResetWait, 20*time.Second)
	p.maxRetryAfter = min(p.maxRetryAfter, 20*time.Second)
	p.secondaryDefault = min(p.secondaryDefault, 20*time.Second)
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
