package githubapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/oauth2"
)

// GraphQL sends queries to GitHub's GraphQL API over the same client as
// the REST calls: the same guard, token, retries and rate-limit waits. The
// action reads through it (one query returns 100 deployments with their
// state) and writes through REST.
//
// Under it, the transport retries 5xx answers and dropped connections and
// waits out rate limits GitHub answers with 403 or 429. GraphQL has two
// failures of its own that come as 200 answers, and Query handles them with
// the same Policy: a RATE_LIMITED error is waited out, and GitHub's
// "Something went wrong while executing your query" is sent again.
type GraphQL struct {
	hc  *http.Client
	url string
	// Policy bounds the retries and rate-limit waits of GraphQL's own
	// failures; the zero value is DefaultPolicy().
	Policy Policy
}

// GraphQLURL is the GraphQL endpoint for the REST API root apiURL:
// https://api.github.com/graphql, https://api.SUB.ghe.com/graphql, and
// https://HOST/api/graphql on GHES (whose API root is https://HOST/api/v3).
func GraphQLURL(apiURL string) string {
	u := strings.TrimRight(apiURL, "/")
	if strings.HasSuffix(u, "/api/v3") {
		return strings.TrimSuffix(u, "/v3") + "/graphql"
	}
	return u + "/graphql"
}

// PathOf is the escaped path of URL u ("" when it does not parse).
func PathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.EscapedPath()
}

// NewGraphQL returns a GraphQL client on gh's HTTP client for endpoint
// (GITHUB_GRAPHQL_URL, or GraphQLURL of the API root).
func NewGraphQL(gh *github.Client, endpoint string) (*GraphQL, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_GRAPHQL_URL %q is not an http(s) URL such as https://api.github.com/graphql", endpoint)
	}
	return &GraphQL{hc: gh.Client(), url: u.String()}, nil
}

// How much of GitHub's error messages an error carries: a hostile answer
// cannot blow up a log line.
const (
	maxGraphQLMessages   = 5
	maxGraphQLMessageLen = 200
)

// GraphQLError is a query GitHub answered with errors.
type GraphQLError struct {
	// Messages are GitHub's messages, at most a few, each cut to about
	// 200 characters, control characters replaced by spaces.
	Messages []string
	// More counts the errors left out of Messages.
	More int
	// Type is GitHub's error type of the first error (e.g. NOT_FOUND,
	// RATE_LIMITED, FORBIDDEN), or its extensions.code when it has no type
	// (a query GitHub could not parse or validate).
	Type string
}

func (e *GraphQLError) Error() string {
	s := "GitHub's GraphQL API answered: " + strings.Join(e.Messages, "; ")
	if e.More > 0 {
		s += fmt.Sprintf("; and %d more errors", e.More)
	}
	return s
}

// GraphQLRateLimitError is GitHub's GraphQL rate limit, used up for longer
// than the action waits, or still used up after MaxLimitWaits waits. It
// wraps GitHub's RATE_LIMITED error.
type GraphQLRateLimitError struct {
	// Reset is when the limit resets (zero when GitHub did not say).
	Reset time.Time
	// RetryAfter is GitHub's retry-after, when that is what was too long.
	RetryAfter time.Duration
	// Waits is set when the action gave up after that many waits.
	waits int
	Cause *GraphQLError
}

func (e *GraphQLRateLimitError) Error() string {
	const points = "GraphQL points are counted apart from the REST rate limit (GITHUB_TOKEN has 1,000 GraphQL points an hour per repository)"
	var s string
	switch {
	case e.waits > 0:
		s = fmt.Sprintf("GitHub's GraphQL rate limit for this token is still used up after %d waits", e.waits)
	case e.RetryAfter > 0:
		s = fmt.Sprintf("GitHub's GraphQL rate limit asks to wait %s before trying again, longer than the action waits", e.RetryAfter)
	default:
		s = "GitHub's GraphQL rate limit for this token is used up"
	}
	if !e.Reset.IsZero() {
		s += fmt.Sprintf("; it resets at %s UTC", e.Reset.UTC().Format("15:04:05"))
	}
	return s + "; " + points + ": re-run the job after the reset, or use a token with its own limit"
}

func (e *GraphQLRateLimitError) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}

type idempotentKey struct{}

// readOnly marks a request that reads, though it is a POST (a GraphQL
// query): the transport retries it like a GET and does not pace it as a
// write. What GitHub answers (partial data, errors) does not change that.
func readOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func isReadOnly(req *http.Request) bool {
	v, _ := req.Context().Value(idempotentKey{}).(bool)
	return v
}

// Query runs query with variables and decodes its data into out. Any error
// in GitHub's answer fails it, a field GitHub could not resolve included
// (a *GraphQLError of Type NOT_FOUND).
func (g *GraphQL) Query(ctx context.Context, query string, variables map[string]any, out any) error {
	notFound, nf, err := g.query(ctx, query, variables, out)
	if err != nil {
		return err
	}
	if len(notFound) > 0 {
		return nf
	}
	return nil
}

// QueryPartial runs query with variables and decodes its data into out,
// allowing fields GitHub could not resolve: GitHub answers such a field
// with null in data and a NOT_FOUND error with the field's path. When
// every error in the answer is such a NOT_FOUND, QueryPartial returns
// their paths joined with "." ("repository.pr5"; list indices as numbers)
// and the rest of data is good. Any other error fails the call with a
// *GraphQLError.
func (g *GraphQL) QueryPartial(ctx context.Context, query string, variables map[string]any, out any) (notFound []string, err error) {
	notFound, _, err = g.query(ctx, query, variables, out)
	if err != nil {
		return nil, err
	}
	return notFound, nil
}

// gqlError is one entry of an answer's errors.
type gqlError struct {
	Message    string            `json:"message"`
	Type       string            `json:"type"`
	Path       []json.RawMessage `json:"path"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// somethingWentWrong starts GitHub's message for its transient
// server-side failure (a timeout, or a bug); the same query usually
// succeeds when sent again.
const somethingWentWrong = "something went wrong while executing your query"

func (g *GraphQL) policy() Policy {
	p := g.Policy
	if reflect.ValueOf(p).IsZero() {
		return DefaultPolicy()
	}
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	p.Tries = max(p.Tries, 1)
	return p
}

// query sends the query, waiting out GraphQL rate limits and sending it
// again after GitHub's transient failures, and decodes the answer. It
// returns the NOT_FOUND paths and, when there are some, the error Query
// fails with.
func (g *GraphQL) query(ctx context.Context, query string, variables map[string]any, out any) ([]string, *GraphQLError, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		return nil, nil, err
	}
	p := g.policy()
	path := PathOf(g.url)
	start := p.Now()
	var limited time.Duration // time spent on rate-limit waits, outside the budget
	tries, limitWaits := 0, 0
	for {
		tries++
		ans, header, err := g.post(ctx, body)
		if err != nil {
			return nil, nil, err
		}
		if rl := firstOf(ans.Errors, func(e gqlError) bool { return e.Type == "RATE_LIMITED" }); rl != nil {
			cause := graphQLError(ans.Errors)
			wait, lerr := g.limitWait(p, header, ans.Data, cause)
			if lerr != nil {
				return nil, nil, lerr
			}
			limitWaits++
			if limitWaits > p.MaxLimitWaits {
				return nil, nil, &GraphQLRateLimitError{waits: p.MaxLimitWaits, Cause: cause}
			}
			tries--
			g.logf("GitHub's GraphQL rate limit: waiting %s before POST %s", wait.Round(time.Second), path)
			began := p.Now()
			if err := p.Sleep(ctx, wait); err != nil {
				return nil, nil, err
			}
			limited += p.Now().Sub(began)
			continue
		}
		if firstOf(ans.Errors, transient) != nil {
			last := graphQLError(ans.Errors)
			wait := p.Backoff(tries)
			if tries >= p.Tries || p.Now().Sub(start)-limited+wait > p.Budget {
				return nil, nil, &ExhaustedError{Method: http.MethodPost, Path: path, Tries: tries, Last: last}
			}
			g.logf("POST %s failed (%v); try %d of %d in %s", path, last, tries+1, p.Tries, wait.Round(time.Millisecond))
			if err := p.Sleep(ctx, wait); err != nil {
				return nil, nil, err
			}
			continue
		}
		return decodeAnswer(ans, out)
	}
}

// post sends the query once (the transport under it may try it several
// times) and reads GitHub's answer.
func (g *GraphQL) post(ctx context.Context, body []byte) (*gqlAnswer, http.Header, error) {
	req, err := http.NewRequestWithContext(readOnly(ctx), http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if err := github.CheckResponse(resp); err != nil {
		return nil, nil, err
	}
	// The transport already cuts the body at MaxAnswer; this holds for a
	// client without it too.
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxAnswer {
		return nil, nil, ErrAnswerTooLarge
	}
	var ans gqlAnswer
	if err := json.Unmarshal(data, &ans); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid(data) {
			return nil, nil, &BadAnswerError{What: "the GraphQL answer is not JSON"}
		}
		return nil, nil, &BadAnswerError{What: "the GraphQL answer is not in GraphQL's form (an object with data and a list of errors)"}
	}
	return &ans, resp.Header, nil
}

// decodeAnswer decodes an answer without rate-limit or transient errors.
func decodeAnswer(ans *gqlAnswer, out any) ([]string, *GraphQLError, error) {
	noData := len(ans.Data) == 0 || string(ans.Data) == "null"
	var notFound []string
	var nf []gqlError
	for _, e := range ans.Errors {
		if e.Type != "NOT_FOUND" || len(e.Path) == 0 || noData {
			return nil, nil, graphQLError(ans.Errors)
		}
		notFound = append(notFound, joinPath(e.Path))
		nf = append(nf, e)
	}
	if noData {
		return nil, nil, &BadAnswerError{What: "the GraphQL answer has no data"}
	}
	if err := decodeData(ans.Data, out); err != nil {
		return nil, nil, err
	}
	if len(nf) == 0 {
		return nil, nil, nil
	}
	return notFound, graphQLError(nf), nil
}

func firstOf(errs []gqlError, f func(gqlError) bool) *gqlError {
	for i := range errs {
		if f(errs[i]) {
			return &errs[i]
		}
	}
	return nil
}

// graphQLError is GitHub's errors, bounded.
func graphQLError(errs []gqlError) *GraphQLError {
	e := &GraphQLError{}
	if len(errs) > 0 {
		e.Type = errs[0].Type
		if e.Type == "" {
			e.Type = errs[0].Extensions.Code
		}
		e.Type = bound(e.Type, 64)
	}
	for i, x := range errs {
		if i == maxGraphQLMessages {
			e.More = len(errs) - i
			break
		}
		m := bound(x.Message, maxGraphQLMessageLen)
		if m == "" {
			m = "(an error without a message)"
		}
		e.Messages = append(e.Messages, m)
	}
	return e
}

// bound cuts s to about n characters on a rune boundary and replaces
// control characters (a newline could start a workflow command in the
// log) with spaces.
func bound(s string, n int) string {
	s = strings.TrimSpace(s)
	cut := false
	if len(s) > n {
		i := n
		for i > 0 && !utf8RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], true
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if cut {
		s += "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// joinPath is a GraphQL error's path joined with ".": names as they are,
// list indices as numbers.
func joinPath(path []json.RawMessage) string {
	parts := make([]string, 0, len(path))
	for _, raw := range path {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			parts = append(parts, s)
			continue
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err == nil {
			parts = append(parts, n.String())
			continue
		}
		parts = append(parts, "?")
	}
	return bound(strings.Join(parts, "."), maxGraphQLMessageLen)
}

// limitWait is how long to wait out a RATE_LIMITED answer, by GitHub's
// rules: retry-after when it is there; else until x-ratelimit-reset (unix
// seconds), or data's rateLimit.resetAt when the query asked for it; else
// secondaryDefault. A reset later than maxResetWait, or a retry-after
// longer than maxRetryAfter, is an error at once: waiting would hang the
// job.
func (g *GraphQL) limitWait(p Policy, h http.Header, data json.RawMessage, cause *GraphQLError) (time.Duration, error) {
	now := p.Now()
	reset, known := g.resetOf(p, h, data)
	var wait time.Duration
	if known {
		wait = reset.Sub(now) + time.Second
		if wait > p.maxResetWait {
			return 0, &GraphQLRateLimitError{Reset: reset, Cause: cause}
		}
		// A reset already past (a clock behind GitHub's) still waits a
		// moment: GitHub said the limit is used up.
		wait = max(wait, time.Second)
	}
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			d := time.Duration(s) * time.Second
			if s > int(p.maxRetryAfter/time.Second) {
				e := &GraphQLRateLimitError{RetryAfter: d, Cause: cause}
				if known {
					e.Reset = reset
				}
				return 0, e
			}
			return max(wait, d), nil
		}
	}
	if !known {
		return p.secondaryDefault, nil
	}
	return wait, nil
}

// resetOf is when GraphQL's rate limit resets, as far as the answer says.
func (g *GraphQL) resetOf(p Policy, h http.Header, data json.RawMessage) (time.Time, bool) {
	if r := strings.TrimSpace(h.Get("X-Ratelimit-Reset")); r != "" {
		if s, err := strconv.ParseInt(r, 10, 64); err == nil && s > 0 {
			return time.Unix(s, 0).UTC(), true
		}
	}
	// The transport keeps, and takes off the answer, the reset of an
	// answer that used the last request (noteLastRequest).
	if t := transportOf(g.hc.Transport); t != nil {
		if until := t.exhaustedFor("graphql"); until.After(p.Now()) {
			return until, true
		}
	}
	var d struct {
		RateLimit *struct {
			ResetAt string `json:"resetAt"`
		} `json:"rateLimit"`
	}
	if len(data) > 0 && json.Unmarshal(data, &d) == nil && d.RateLimit != nil {
		if t, err := time.Parse(time.RFC3339, d.RateLimit.ResetAt); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// transportOf finds the action's transport under the guard and the token,
// or nil.
func transportOf(rt http.RoundTripper) *transport {
	for range 8 {
		switch t := rt.(type) {
		case *transport:
			return t
		case *guard:
			rt = t.next
		case *oauth2.Transport:
			rt = t.Base
		default:
			return nil
		}
	}
	return nil
}

func (g *GraphQL) logf(format string, args ...any) {
	if t := transportOf(g.hc.Transport); t != nil {
		t.logf(format, args...)
	}
}

// decodeData decodes data into out. When it does not fit, the error names
// the field's path in data and the problem in words, never in Go's.
func decodeData(data json.RawMessage, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("githubapi: a GraphQL answer is decoded into a non-nil pointer, not %T", out)
	}
	err := json.Unmarshal(data, out)
	if err == nil {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		var ute *json.UnmarshalTypeError
		want := ""
		if errors.As(err, &ute) {
			want = strings.ToLower(ute.Field)
		}
		var first *misfit
		walkFit(v, rv.Type().Elem(), nil, nil, func(m misfit) bool {
			if first == nil {
				first = &m
			}
			if want == "" || strings.ToLower(strings.Join(m.names, ".")) == want {
				first = &m
				return false
			}
			return true
		})
		if first != nil {
			return &BadAnswerError{What: first.String()}
		}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return &BadAnswerError{What: fmt.Sprintf("field %s holds %s where %s belongs", bound(ute.Field, maxGraphQLMessageLen), valueWords(ute.Value), kindWords(ute.Type))}
	}
	return &BadAnswerError{What: "the GraphQL answer's data does not have the form the action reads"}
}

// misfit is a value in data that does not fit where it is.
type misfit struct {
	// path is the value's path in data, names and list indices; names is
	// the path without the indices, as the JSON decoder reports it.
	path, names []string
	problem     string
}

func (m misfit) String() string {
	if len(m.path) == 0 {
		return "the data " + m.problem
	}
	return "field " + bound(strings.Join(m.path, "."), maxGraphQLMessageLen) + " " + m.problem
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
	jsonNumber      = reflect.TypeFor[json.Number]()
)

// walkFit calls found for each place where v (decoded with UseNumber)
// does not fit type t as encoding/json decodes it, until found returns
// false. It reports whether to go on.
func walkFit(v any, t reflect.Type, path, names []string, found func(misfit) bool) bool {
	if v == nil {
		return true // null fits everywhere
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w := fitWalk{path: path, names: names, found: found}
	if t == jsonNumber {
		return true
	}
	pt := reflect.PointerTo(t)
	if pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return w.unmarshaler(v, t, pt)
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Struct:
		return w.object(v, t)
	case reflect.Map:
		return w.mapOf(v, t)
	case reflect.Slice, reflect.Array:
		return w.list(v, t)
	case reflect.String:
		if _, ok := v.(string); !ok {
			return w.miss("holds " + words(v) + " where a string belongs")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return w.miss("holds " + words(v) + " where true or false belongs")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return w.number(v, t)
	}
	return true
}

// fitWalk is where walkFit is in data: the path to the value it looks at
// (names and list indices), the names alone, and whom to tell of a misfit.
type fitWalk struct {
	path, names []string
	found       func(misfit) bool
}

// miss tells found of a misfit at w's place, and reports whether to go on.
func (w fitWalk) miss(problem string) bool {
	return w.found(misfit{path: slices.Clone(w.path), names: slices.Clone(w.names), problem: problem})
}

// unmarshaler checks v against t, whose pointer pt decodes itself: a
// text unmarshaler wants a string, and either must take v.
func (w fitWalk) unmarshaler(v any, t, pt reflect.Type) bool {
	if !pt.Implements(jsonUnmarshaler) {
		if _, ok := v.(string); !ok {
			return w.miss("holds " + words(v) + " where a string belongs")
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return true
	}
	if json.Unmarshal(raw, reflect.New(t).Interface()) != nil {
		return w.miss("holds " + words(v) + " that does not read as " + typeWords(t))
	}
	return true
}

// object checks v against struct type t: an object whose keys that name
// a field of t fit that field (other keys the decoder ignores).
func (w fitWalk) object(v any, t reflect.Type) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		return w.miss("holds " + words(v) + " where an object belongs")
	}
	fields := structFields(t)
	for _, k := range sortedKeys(obj) {
		f, ok := fieldFor(fields, k)
		if !ok {
			continue
		}
		if !walkFit(obj[k], f.typ, append(w.path, k), append(w.names, k), w.found) {
			return false
		}
	}
	return true
}

// mapOf checks v against map type t: an object whose every value fits
// t's element type.
func (w fitWalk) mapOf(v any, t reflect.Type) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		return w.miss("holds " + words(v) + " where an object belongs")
	}
	for _, k := range sortedKeys(obj) {
		if !walkFit(obj[k], t.Elem(), append(w.path, k), w.names, w.found) {
			return false
		}
	}
	return true
}

// list checks v against slice or array type t: an array whose elements
// fit t's element type (those past an array's length the decoder drops),
// or a string for a []byte.
func (w fitWalk) list(v any, t reflect.Type) bool {
	if _, ok := v.(string); ok && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return true // []byte reads base64, left to the decoder
	}
	arr, ok := v.([]any)
	if !ok {
		return w.miss("holds " + words(v) + " where an array belongs")
	}
	for i, x := range arr {
		if t.Kind() == reflect.Array && i >= t.Len() {
			break
		}
		if !walkFit(x, t.Elem(), append(w.path, strconv.Itoa(i)), w.names, w.found) {
			return false
		}
	}
	return true
}

// number checks v against numeric type t: a number that t can hold.
func (w fitWalk) number(v any, t reflect.Type) bool {
	n, ok := v.(json.Number)
	if !ok {
		return w.miss("holds " + words(v) + " where a number belongs")
	}
	var err error
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		_, err = strconv.ParseFloat(string(n), t.Bits())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err = strconv.ParseInt(string(n), 10, t.Bits())
	default:
		_, err = strconv.ParseUint(string(n), 10, t.Bits())
	}
	if err != nil {
		if strings.ContainsAny(string(n), ".eE") && t.Kind() != reflect.Float32 && t.Kind() != reflect.Float64 {
			return w.miss("holds the number " + bound(string(n), 40) + " where a whole number belongs")
		}
		return w.miss("holds the number " + bound(string(n), 40) + ", out of range there")
	}
	return true
}

type field struct {
	name string
	typ  reflect.Type
}

// structFields are the JSON names and types of t's fields, with those of
// embedded structs, as encoding/json sees them (near enough to find where
// data does not fit).
func structFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			continue // a number in a string: left to the decoder
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = append(out, structFields(et)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name: name, typ: ft})
	}
	return out
}

// fieldFor is the field the JSON key k decodes into: an exact name first,
// then one that matches case-insensitively.
func fieldFor(fields []field, k string) (field, bool) {
	for _, f := range fields {
		if f.name == k {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, k) {
			return f, true
		}
	}
	return field{}, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// A stable order, so the same answer gives the same message.
	slices.Sort(keys)
	return keys
}

// words names a JSON value's kind: "a string", "an array", "the number 7".
func words(v any) string {
	switch x := v.(type) {
	case string:
		return "a string"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return "the number " + bound(string(x), 40)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

// valueWords names the JSON value kind a json.UnmarshalTypeError reports.
func valueWords(v string) string {
	switch v {
	case "string":
		return "a string"
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return "the number " + bound(n, 40)
	}
	return "a value"
}

// kindWords names what belongs where a value of type t is read.
func kindWords(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another kind of value"
}

// typeWords names what a type that reads itself expects, in words.
func typeWords(t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "a date and time"
	}
	return "what belongs there"
}
