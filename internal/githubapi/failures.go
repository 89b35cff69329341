package githubapi

// How a request and its failure are classified, in one place: whether a
// request may be sent again (idempotent), whether it counts against the
// content creation limits, whether a failure can be fixed by retrying
// (Permanent), whether a write never left the machine (notSent) or may
// have been carried out (MaybePerformed), and which GraphQL errors are
// GitHub's transient ones. transport.go and graphql.go act on the class.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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

func transient(e gqlError) bool {
	m := strings.TrimSpace(e.Message)
	return len(m) >= len(somethingWentWrong) && strings.EqualFold(m[:len(somethingWentWrong)], somethingWentWrong)
}
