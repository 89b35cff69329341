package githubapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Pacer spaces writes to stay within GitHub's content creation limits
// (80 a minute, 500 an hour). It keeps the times of the latest writes and
// lets a write go only when, for every limit, fewer than N writes went in
// the last Per: a sliding window, so no window of a minute ever holds more
// than 80 writes, nor one of an hour more than 500.
type Pacer struct {
	mu     sync.Mutex
	limits []Limit
	keep   int
	times  []time.Time // oldest first, at most keep of them
	// spent are the REST requests of the last minute, oldest first, with
	// the points each cost (pointsPerMinute).
	spent []spend
	sleep func(context.Context, time.Duration) error
	now   func() time.Time
}

// ContentLimits are GitHub's documented content creation limits.
var ContentLimits = []Limit{{80, time.Minute}, {500, time.Hour}}

// Limit is at most N writes in any Per.
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
	p := &Pacer{limits: limits, sleep: sleep, now: now}
	for _, l := range limits {
		p.keep = max(p.keep, l.N)
	}
	return p
}

// pointsPerMinute is 90% of GitHub's secondary rate limit on the REST API,
// 900 points a minute, a read (GET, HEAD) costing 1 and a write (POST,
// PATCH, PUT, DELETE) 5: the rest covers the time between a request's
// leaving and GitHub's counting it. A GraphQL query counts against
// GraphQL's own limits instead.
const pointsPerMinute = 810

type spend struct {
	at     time.Time
	points int
}

// Pace returns when req may go, and counts it: a request that creates
// content within the content creation limits (Wait), and every REST
// request within pointsPerMinute, so that a long teardown's deletes never
// run into the secondary rate limit either.
func (p *Pacer) Pace(ctx context.Context, req *http.Request) error {
	if isReadOnly(req) {
		return nil
	}
	if createsContent(req) {
		if err := p.Wait(ctx); err != nil {
			return err
		}
	}
	cost := 5
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		cost = 1
	}
	for {
		p.mu.Lock()
		now := p.now()
		used := 0
		for len(p.spent) > 0 && now.Sub(p.spent[0].at) >= time.Minute {
			p.spent = p.spent[1:]
		}
		for _, s := range p.spent {
			used += s.points
		}
		if used+cost <= pointsPerMinute {
			p.spent = append(p.spent, spend{at: now, points: cost})
			p.mu.Unlock()
			return nil
		}
		// Wait until enough of the oldest have left the minute.
		wait, freed := time.Duration(0), 0
		for _, s := range p.spent {
			freed += s.points
			wait = s.at.Add(time.Minute).Sub(now)
			if used-freed+cost <= pointsPerMinute {
				break
			}
		}
		p.mu.Unlock()
		if err := p.sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}

// Wait returns when a write may go, and counts it.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		now := p.now()
		var wait time.Duration
		for _, l := range p.limits {
			if len(p.times) >= l.N {
				wait = max(wait, p.times[len(p.times)-l.N].Add(l.Per).Sub(now))
			}
		}
		if wait <= 0 {
			p.times = append(p.times, now)
			if len(p.times) > p.keep {
				p.times = append(p.times[:0], p.times[len(p.times)-p.keep:]...)
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

// Room is how many writes the longest limit (500 an hour) still allows in
// its window from now: what a run may still write without waiting for the
// hour to roll on. The shorter limits only make writes wait.
func (p *Pacer) Room() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	longest := p.limits[0]
	for _, l := range p.limits {
		if l.Per > longest.Per {
			longest = l
		}
	}
	now := p.now()
	used := 0
	for _, t := range p.times {
		if now.Sub(t) < longest.Per {
			used++
		}
	}
	return max(longest.N-used, 0)
}

// Limits is what GitHub's answers said of the token's REST rate limit.
type Limits struct {
	mu        sync.Mutex
	remaining int
	known     bool
}

// Remaining is the REST requests left, from the latest answer that said
// (-1 before any did).
func (l *Limits) Remaining() int {
	if l == nil {
		return -1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.known {
		return -1
	}
	return l.remaining
}

func (l *Limits) note(get func(string) string) {
	if l == nil {
		return
	}
	// GraphQL has its own limit: only the REST ("core") one counts here.
	if r := get("X-Ratelimit-Resource"); r != "" && r != "core" {
		return
	}
	v := get("X-Ratelimit-Remaining")
	if v == "" {
		return
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n < 0 {
		return
	}
	l.mu.Lock()
	l.remaining, l.known = n, true
	l.mu.Unlock()
}
