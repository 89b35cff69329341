package lifecycle

// GitHub's limits, as a teardown meets them: what one run may still send,
// admitted a request at a time.

import (
	"cmp"
	"fmt"
	"sync"
)

// Room is what GitHub's limits leave this run: content-creating writes
// (80 a minute, 500 an hour) and REST requests (GITHUB_TOKEN: 1,000 an
// hour per repository); a negative value is unknown.
type Room struct{ Writes, Requests int }

// budgetMargin is left unused for the steps after a teardown or sweep.
const budgetMargin = 10

// roomGuard admits a teardown's requests one at a time within what
// GitHub's limits leave this run, and remembers why it first refused.
// What the limits leave is the smaller of what room says now and what it
// said when first known less what the guard has admitted since: the
// first holds what others spent, the second what is in flight and not
// counted yet, so nothing is counted twice.
type roomGuard struct {
	mu   sync.Mutex
	room func() Room // nil: no limit known
	// snap is room's first known answer (negative: not known yet), and
	// admitted what was admitted since.
	snap, admitted Room
	stopped        string
}

// newRoomGuard is a guard of the limits room tells (none when nil).
func newRoomGuard(room func() Room) *roomGuard {
	return &roomGuard{room: room, snap: Room{Writes: -1, Requests: -1}}
}

// admit tells whether a request that needs need may go, and counts it. A
// refusal is remembered (stopped, the first): what is left goes to the
// next run. A request that needs no write may still go when the writes
// have run out.
func (g *roomGuard) admit(need Room) bool {
	if g == nil || g.room == nil {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.room()
	if why := g.over(need, b); why != "" {
		g.stopped = cmp.Or(g.stopped, why)
		return false
	}
	g.admitted.Writes += need.Writes
	g.admitted.Requests += need.Requests
	return true
}

// stoppedWhy is why the guard first refused ("" while it has not).
func (g *roomGuard) stoppedWhy() string {
	if g == nil {
		return ""
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stopped
}

// over says why need would run past a limit, room saying b now ("" when
// it would not).
func (g *roomGuard) over(need, b Room) string {
	if g.snap.Writes < 0 && b.Writes >= 0 {
		g.snap.Writes, g.admitted.Writes = b.Writes, 0
	}
	if g.snap.Requests < 0 && b.Requests >= 0 {
		g.snap.Requests, g.admitted.Requests = b.Requests, 0
	}
	writes := min(b.Writes, g.snap.Writes-g.admitted.Writes)
	requests := min(b.Requests, g.snap.Requests-g.admitted.Requests)
	switch {
	case need.Writes > 0 && b.Writes >= 0 && need.Writes > writes:
		return fmt.Sprintf("GitHub's content creation limit leaves %d writes this hour", max(writes, 0))
	case need.Requests > 0 && b.Requests >= 0 && need.Requests+budgetMargin > requests:
		return fmt.Sprintf("the token's REST rate limit leaves %d requests (%d kept in reserve)", max(requests, 0), budgetMargin)
	}
	return ""
}
