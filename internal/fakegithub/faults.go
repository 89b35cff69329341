package fakegithub

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected failure. It applies to requests whose method is
// Method (any when "") and whose path contains Path, Times times (every
// time when 0).
type Fault struct {
	Method string
	Path   string
	Times  int
	// Status, with Header and Body, is the answer given instead of the
	// real one (Body defaults to a GitHub-style message). Header without
	// Status is added to the real answer.
	Status int
	Header map[string]string
	Body   string
	// Drop closes the connection without an answer and without acting.
	Drop bool
	// DropAfter carries the request out, then closes the connection
	// without an answer: a write whose answer is lost.
	DropAfter bool
	// Delay holds the answer back (real time), e.g. past a client's
	// timeout.
	Delay time.Duration

	hits int
}

// Inject adds a fault; faults are matched in the order they were added.
func (f *Fake) Inject(ft *Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
}

func (f *Fake) matchFault(method, path string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range f.faults {
		if (ft.Method == "" || ft.Method == method) && strings.Contains(path, ft.Path) && (ft.Times == 0 || ft.hits < ft.Times) {
			ft.hits++
			return ft
		}
	}
	return nil
}

// before answers for the fault, when it replaces the answer; it reports
// whether it did.
func (ft *Fault) before(w http.ResponseWriter) bool {
	if ft.Delay > 0 {
		time.Sleep(ft.Delay)
	}
	if ft.Status == 0 {
		// Headers on the real answer, e.g. the last request of a rate limit.
		for k, v := range ft.Header {
			w.Header().Set(k, v)
		}
	}
	switch {
	case ft.Drop:
		hijackClose(w)
		return true
	case ft.Status != 0:
		for k, v := range ft.Header {
			w.Header().Set(k, v)
		}
		if ft.Body != "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(ft.Status)
			_, _ = w.Write([]byte(ft.Body))
			return true
		}
		writeError(w, ft.Status, http.StatusText(ft.Status))
		return true
	}
	return false
}

// WriteLimit is a secondary rate limit on writes: at most N writes in each
// Window; past that, 403 with Retry-After until the window ends.
type WriteLimit struct {
	N      int
	Window time.Duration
	// Status is the answer's code (403 when 0; GitHub also uses 429).
	Status int

	start    time.Time
	count    int
	Refusals int
}

// Limit adds a secondary rate limit on writes.
func (f *Fake) Limit(l *WriteLimit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits = append(f.limits, l)
}

func (f *Fake) limited(w http.ResponseWriter, method string) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return false
	}
	f.mu.Lock()
	now := f.now()
	var refuse *WriteLimit
	var wait time.Duration
	for _, l := range f.limits {
		if l.start.IsZero() || now.Sub(l.start) >= l.Window {
			l.start, l.count = now, 0
		}
		if l.count >= l.N {
			refuse, wait = l, l.Window-now.Sub(l.start)
			l.Refusals++
			break
		}
	}
	if refuse == nil {
		for _, l := range f.limits {
			l.count++
		}
	}
	f.mu.Unlock()
	if refuse == nil {
		return false
	}
	code := refuse.Status
	if code == 0 {
		code = http.StatusForbidden
	}
	w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
	writeError(w, code, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
	return true
}

// PrimaryLimit is GitHub's primary rate limit of the REST API (the "core"
// resource): at most N requests in each Window, counted from the first
// request of the window. Every REST answer carries the x-ratelimit-*
// headers GitHub sends; past N, GitHub answers 403 with
// x-ratelimit-remaining: 0 and the reset time, acting on nothing, until
// the window ends. (GITHUB_TOKEN's is 1,000 an hour per repository.)
type PrimaryLimit struct {
	N      int
	Window time.Duration

	start time.Time
	used  int
	// Refusals counts the requests refused.
	Refusals int
}

// SetPrimaryLimit puts a primary rate limit on the REST API.
func (f *Fake) SetPrimaryLimit(l *PrimaryLimit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.primary = l
}

// primaryLimited counts a REST request against the primary limit, sets the
// rate limit headers, and answers 403 when the limit is used up; it
// reports whether it answered.
func (f *Fake) primaryLimited(w http.ResponseWriter) bool {
	f.mu.Lock()
	l := f.primary
	if l == nil {
		f.mu.Unlock()
		return false
	}
	now := f.now()
	if l.start.IsZero() || now.Sub(l.start) >= l.Window {
		l.start, l.used = now, 0
	}
	refused := l.used >= l.N
	if refused {
		l.Refusals++
	} else {
		l.used++
	}
	used, reset := l.used, l.start.Add(l.Window)
	f.mu.Unlock()
	h := w.Header()
	h.Set("X-Ratelimit-Limit", fmt.Sprint(l.N))
	h.Set("X-Ratelimit-Remaining", fmt.Sprint(l.N-used))
	h.Set("X-Ratelimit-Used", fmt.Sprint(used))
	h.Set("X-Ratelimit-Reset", fmt.Sprint(reset.Unix()))
	h.Set("X-Ratelimit-Resource", "core")
	if refused {
		writeError(w, http.StatusForbidden, "API rate limit exceeded for installation ID 1. If you reach out to GitHub Support for help, please include the request ID.")
	}
	return refused
}

// PrimaryRefusals counts the requests the primary limit refused.
func (f *Fake) PrimaryRefusals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.primary == nil {
		return 0
	}
	return f.primary.Refusals
}
