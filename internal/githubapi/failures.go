package githubapi

// How a request and its failure are classified, in one place: whether a
// request may be sent again (idempotent), whether it counts against the
// content creation limits, whether a failure can be fixed by retrying
// (Permanent), whether a write never left the machine (notSent) or may
// have been carried out (MaybePerformed), and what a 200 answer to a
// GraphQL query says (graphQLFailure: rate limited, or GitHub's transient
// failure). transport.go acts on the class.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// ExhaustedError is a request that failed on every try.
type ExhaustedError struct {
	Method, Path string
	Tries        int
	Last         error
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("%s %s failed %d times, the last time: %v", e.Method, e.Path, e.Tries, e.Last)
}

func (e *ExhaustedError) Unwrap() error { return e.Last }

// MaybePerformed reports whether a failed write may still have been carried
// out by GitHub: the connection dropped or timed out after it was sent,
// GitHub answered 5xx, or answered 2xx with a body that is not an answer.
// Such a write is checked for before it is sent again. A request that never
// left the machine (refused by the guard, a failed dial, a certificate that
// does not verify) was not.
func MaybePerformed(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var rl *RateLimitError
	var ra *retryAfterError
	if errors.As(err, &rl) || errors.As(err, &ra) || notSent(err) {
		return false
	}
	if code := StatusCode(err); code != 0 {
		return code >= 500
	}
	return true
}

// describe is "502 Bad Gateway: <GitHub's message>" for an error answer,
// and consumes its body.
func describe(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		return resp.Status
	}
	return resp.Status + ": " + msg
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// Permanent reports whether err is a failure that retrying cannot fix: a
// certificate that does not verify, a host that does not exist, a request
// the guard refused, an answer too large to read.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		dns       *net.DNSError
		off       *OffLimitsError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostname),
		errors.As(err, &invalid), errors.As(err, &verify),
		errors.As(err, &record), errors.As(err, &off):
		return true
	case errors.As(err, &dns):
		return dns.IsNotFound
	case errors.Is(err, ErrAnswerTooLarge):
		return true
	}
	return false
}

// notSent reports whether err happened before the request left the
// machine (the connection could not be made), so GitHub cannot have acted
// on it: even a write may be sent again at once.
func notSent(err error) bool {
	if Permanent(err) && !errors.Is(err, ErrAnswerTooLarge) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// idempotent reports whether sending req again is safe: its method says
// so, or it reads though it is a POST (a GraphQL query, readOnly).
func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return isReadOnly(req)
}

// createsContent tells the requests GitHub counts against its content
// creation limits: those that create or change something (a DELETE
// creates nothing, and is left to the secondary rate limit handling; a
// GraphQL query reads).
func createsContent(req *http.Request) bool {
	m := req.Method
	return (m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch) && !isReadOnly(req)
}

type readOnlyKey struct{}

// readOnly marks a request that reads, though it is a POST (a GraphQL
// query): the transport retries it like a GET and does not pace it as a
// write. What GitHub answers (partial data, errors) does not change that.
func readOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

func isReadOnly(req *http.Request) bool {
	v, _ := req.Context().Value(readOnlyKey{}).(bool)
	return v
}

// somethingWentWrong starts GitHub's message for its transient
// server-side failure (a timeout, or a bug); the same query usually
// succeeds when sent again.
const somethingWentWrong = "something went wrong while executing your query"

func transient(e gqlError) bool {
	m := strings.TrimSpace(e.Message)
	return len(m) >= len(somethingWentWrong) && strings.EqualFold(m[:len(somethingWentWrong)], somethingWentWrong)
}

// gqlFailure is what a 2xx answer to a GraphQL query says when GitHub
// failed to run it: its rate limit is used up (limited), or it failed in a
// way that sending the query again may not (transient). The answer's
// errors are in cause, its data (which may tell the limit's reset) in data.
type gqlFailure struct {
	limited, transient bool
	cause              *GraphQLError
	data               json.RawMessage
}

// graphQLFailure reads a 2xx answer to a read-only request (a GraphQL
// query) and tells whether GitHub failed to run it; it puts the body back
// as it read it, with the read's error if any. Any other answer is not
// looked at (nil).
func graphQLFailure(req *http.Request, resp *http.Response) *gqlFailure {
	if !isReadOnly(req) || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body = replayBody{Reader: io.MultiReader(bytes.NewReader(body), errReader{err}), Closer: resp.Body}
	var ans gqlAnswer
	if err != nil || json.Unmarshal(body, &ans) != nil {
		return nil
	}
	f := &gqlFailure{data: ans.Data}
	for _, e := range ans.Errors {
		f.limited = f.limited || e.Type == "RATE_LIMITED"
		f.transient = f.transient || transient(e)
	}
	if !f.limited && !f.transient {
		return nil
	}
	f.cause = graphQLError(ans.Errors)
	return f
}

// fromGraphQLAnswer reports whether err is what the transport made of
// GraphQL's answers: its rate limit, or its transient failure on every try.
func fromGraphQLAnswer(err error) bool {
	var rl *GraphQLRateLimitError
	ex, isEx := err.(*ExhaustedError)
	var ge *GraphQLError
	return errors.As(err, &rl) || (isEx && errors.As(ex.Last, &ge))
}

type replayBody struct {
	io.Reader
	io.Closer
}

// errReader fails every read with err (io.EOF when nil).
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
