package githubapi

import (
	"context"
	"sync"
	"time"
)

// Pacer spaces writes to stay within GitHub's content creation limits
// (80 a minute, 500 an hour): token buckets that allow a burst up to each
// limit and then one write each time a token comes back.
type Pacer struct {
	mu      sync.Mutex
	buckets []*bucket
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
}

type bucket struct {
	capacity float64
	per      time.Duration // time to refill the whole bucket
	tokens   float64
	at       time.Time
}

// ContentLimits are GitHub's documented content creation limits.
var ContentLimits = []Limit{{80, time.Minute}, {500, time.Hour}}

// Limit is at most N writes in Per.
type Limit struct {
	N   int
	Per time.Duration
}

// NewPacer paces writes for GitHub's content creation limits; limits, when
// given, replace them.
func NewPacer(sleep func(context.Context, time.Duration) error, now func() time.Time, limits ...Limit) *Pacer {
	if len(limits) == 0 {
		limits = ContentLimits
	}
	if sleep == nil {
		sleep = Sleep
	}
	if now == nil {
		now = time.Now
	}
	p := &Pacer{sleep: sleep, now: now}
	t := now()
	for _, l := range limits {
		p.buckets = append(p.buckets, &bucket{capacity: float64(l.N), per: l.Per, tokens: float64(l.N), at: t})
	}
	return p
}

// Wait takes one write token, waiting for one to come back if need be.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := p.now()
		var wait time.Duration
		for _, b := range p.buckets {
			b.refill(now)
			if b.tokens < 1 {
				wait = max(wait, time.Duration((1-b.tokens)*float64(b.per)/b.capacity))
			}
		}
		if wait == 0 {
			for _, b := range p.buckets {
				b.tokens--
			}
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.at) {
		b.tokens = min(b.capacity, b.tokens+float64(now.Sub(b.at))*b.capacity/float64(b.per))
		b.at = now
	}
}
