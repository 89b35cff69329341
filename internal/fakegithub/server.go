// Package fakegithub is an in-process GitHub REST API for deployments,
// deployment statuses and environments, and the part of GitHub's GraphQL
// API that reads them. It keeps state as GitHub does (statuses newest
// first, auto_inactive with its transient and production exceptions, 202
// for auto-merge, 409 for failed status checks, pagination with Link
// headers, environment names with a slash and not case sensitive,
// protection rules, pull requests with their head and merge commits, a
// default branch), answers GraphQL as GitHub does (a Ref's name without
// refs/heads/ or refs/tags/, a null ref for a deployment of a commit, a
// null field and a NOT_FOUND error for a missing repository or pull
// request while the rest of the answer stands, opaque cursors), checks
// tokens and permissions, lets a test validate every request (against
// GitHub's OpenAPI description and GraphQL schema) and rewrite GraphQL
// answers (GraphQLAnswer), and injects faults: error answers, rate
// limits, dropped connections and latency. The tests and the README's
// local demo share it.
package fakegithub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Token is what a token may do.
type Token struct {
	// Write allows deployment and status writes (deployments: write).
	Write bool
	// Admin allows deleting environments (administration: write).
	Admin bool
	// Revoked tokens get 401.
	Revoked bool
}

// Request is a request the fake received, for counting and assertions.
type Request struct {
	Method string
	Path   string // escaped path, without the prefix
	Query  string
	Body   string
}

// Fake is the fake GitHub. Create it with New, configure its fields before
// the first request, and serve it with Start or as an http.Handler.
type Fake struct {
	// Prefix is the API root's path ("" on github.com, "/api/v3" on GHES).
	Prefix string
	// Tokens are the known tokens; when empty, any bearer token may write
	// but not delete environments.
	Tokens map[string]Token
	// Validate, when set, checks every request; a request it refuses gets
	// 400 and is passed to OnInvalid.
	Validate  func(r *http.Request, body []byte) error
	OnInvalid func(r *http.Request, err error)
	// ValidateResponse, when set, checks every answer the fake gives
	// (injected faults aside); one it refuses goes to OnInvalid.
	ValidateResponse func(r *http.Request, code int, header http.Header, body []byte) error
	// ValidateGraphQL, when set, checks every GraphQL query and its
	// variables; a query it refuses gets GitHub's errors answer and is
	// passed to OnInvalid.
	ValidateGraphQL func(query string, variables map[string]any) error
	// GraphQLAnswer, when set, is given every GraphQL answer the fake
	// writes (injected faults aside), decoded from its JSON ({"data": …,
	// "errors": …}), with the query and its variables; what it returns is
	// written instead (nil keeps the answer). A test injects a node from
	// another environment, other cursors, nulls or errors with it while
	// the rest stays real. It is called without the fake's lock held.
	GraphQLAnswer func(query string, variables map[string]any, answer map[string]any) map[string]any
	// OnUnrouted, when set, is told of a request no endpoint of the fake
	// serves (it gets 404): a test fails on it.
	OnUnrouted func(r *http.Request)
	// Latency delays every answer; WriteLatency, when set, delays the
	// answers to writes (REST POST, PATCH, PUT, DELETE) instead, as
	// GitHub's writes take longer than its reads.
	Latency, WriteLatency time.Duration
	// Now is the fake's clock (time.Now when nil): rate limit windows and
	// reset times use it.
	Now func() time.Time
	// Sleep waits out Latency (time.Sleep when nil).
	Sleep func(time.Duration)

	muxOnce     sync.Once
	mux         *http.ServeMux
	mu          sync.Mutex
	inflight    int
	maxInflight int
	repos       map[string]*repo
	requests    []Request
	faults      []*Fault
	limits      []*WriteLimit
	primary     *PrimaryLimit
	nextID      int64
	// nextOtherID numbers environments and protection rules apart from
	// deployments and statuses, whose ids tests know.
	nextOtherID int64
}

// New returns an empty fake GitHub.
func New() *Fake {
	return &Fake{repos: map[string]*repo{}, nextID: 1000, nextOtherID: 100}
}

// Start serves the fake on a loopback port; Close the server when done.
func (f *Fake) Start() *httptest.Server { return httptest.NewServer(f) }

// Requests returns the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Count counts the requests received with method (any method when "").
//
// A GraphQL query counts as the method "GRAPHQL", not as a POST: "POST"
// counts REST writes only.
func (f *Fake) Count(method string) int {
	n := 0
	for _, r := range f.Requests() {
		if method == "" || r.Method == method {
			n++
		}
	}
	return n
}

// Reads counts the requests that read: REST GETs and GraphQL queries.
func (f *Fake) Reads() int { return f.Count("GET") + f.Count("GRAPHQL") }

// MaxInFlight is the most requests the fake was serving at once.
func (f *Fake) MaxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxInflight
}

// ResetRequests forgets the requests received so far.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

func (f *Fake) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// ServeHTTP implements http.Handler: it records the request, waits out
// the latency, and serves it as GraphQL or REST.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	path := strings.TrimPrefix(r.URL.EscapedPath(), f.Prefix)
	method := f.record(r, path, body)
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	f.delay(method)
	if r.URL.Path == f.graphQLPath() {
		if !f.authorize(w, r) {
			return
		}
		if fault := f.matchFault(r.Method, path); fault != nil && fault.before(w) {
			return
		}
		f.serveGraphQL(w, r, body)
		return
	}
	f.serveREST(w, r, path, body)
}

// record adds the request to Requests and counts it in flight (the
// caller counts it out). Its method is GRAPHQL for a GraphQL POST.
func (f *Fake) record(r *http.Request, path string, body []byte) (method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	method = r.Method
	if r.URL.Path == f.graphQLPath() && method == http.MethodPost {
		method = "GRAPHQL"
	}
	f.requests = append(f.requests, Request{Method: method, Path: path, Query: r.URL.RawQuery, Body: string(body)})
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	return method
}

// delay waits Latency, or WriteLatency for a write when that is set.
func (f *Fake) delay(method string) {
	latency := f.Latency
	if f.WriteLatency > 0 && method != "GRAPHQL" && method != http.MethodGet && method != http.MethodHead {
		latency = f.WriteLatency
	}
	if latency > 0 {
		if f.Sleep != nil {
			f.Sleep(latency)
		} else {
			time.Sleep(latency)
		}
	}
}

// serveREST validates, authorizes and rate limits a REST request, applies
// its fault, and serves it.
func (f *Fake) serveREST(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	if f.Validate != nil {
		if err := f.Validate(r, body); err != nil {
			if f.OnInvalid != nil {
				f.OnInvalid(r, err)
			}
			writeError(w, http.StatusBadRequest, "request does not validate against GitHub's OpenAPI description: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if !f.authorize(w, r) || f.primaryLimited(w) {
		return
	}
	fault := f.matchFault(r.Method, path)
	if fault != nil && fault.before(w) {
		return
	}
	if f.limited(w, r.Method) {
		return
	}
	if fault != nil && fault.DropAfter {
		f.serve(httptest.NewRecorder(), r, path, body, nil)
		hijackClose(w)
		return
	}
	f.serve(w, r, path, body, fault)
}

// serve routes the request, and checks the answer when asked to. A
// fault's headers (one without a status of its own) win over the answer's.
func (f *Fake) serve(w http.ResponseWriter, r *http.Request, path string, body []byte, fault *Fault) {
	rec := httptest.NewRecorder()
	f.route(rec, r, path, body)
	if f.ValidateResponse != nil {
		if err := f.ValidateResponse(r, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil && f.OnInvalid != nil {
			f.OnInvalid(r, fmt.Errorf("the fake's own answer %d: %w", rec.Code, err))
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	if fault != nil && fault.Status == 0 {
		for k, v := range fault.Header {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(auth, "token ")
	}
	if !ok || tok == "" {
		writeError(w, http.StatusUnauthorized, "Requires authentication")
		return false
	}
	t := Token{Write: true}
	f.mu.Lock()
	if len(f.Tokens) > 0 {
		var known bool
		t, known = f.Tokens[tok]
		if !known {
			t.Revoked = true
		}
	}
	f.mu.Unlock()
	if t.Revoked {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return false
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead && r.URL.Path != f.graphQLPath()
	admin := r.Method == http.MethodDelete && strings.Contains(r.URL.EscapedPath(), "/environments/")
	switch {
	case admin && !t.Admin:
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return false
	case write && !admin && !t.Write:
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// Not hijackable (a recorder): answer nothing useful.
	w.WriteHeader(http.StatusBadGateway)
}

func (f *Fake) url(r *http.Request, format string, args ...any) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s%s", scheme, r.Host, f.Prefix) + fmt.Sprintf(format, args...)
}
