package githubapi

// How a failed request is classified: exhausted retries, and whether a
// write may have been carried out.

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	var ra *RetryAfterError
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
