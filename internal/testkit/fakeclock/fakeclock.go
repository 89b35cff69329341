// Package fakeclock is the tests' clock: Sleep advances it at once. Only
// tests import it.
package fakeclock

import (
	"context"
	"sync"
	"time"
)

// Clock is a fake clock: Sleep advances it instead of waiting, so tests of
// retries and rate limits run at once. The fake GitHub (its Now) and the
// action's retry policy share one Clock.
type Clock struct {
	mu     sync.Mutex
	t      time.Time
	slept  time.Duration
	sleeps int
}

// New returns a clock at a fixed time.
func New() *Clock {
	return &Clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep advances the clock by d at once.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sleeps++
	c.mu.Unlock()
	c.advance(d)
	return nil
}

// Sleeps counts the Sleep calls, those of no time included.
func (c *Clock) Sleeps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps
}

// advance moves the clock forward by d.
func (c *Clock) advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept += d
}

// Slept is the time all Sleep and advance calls added up.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
