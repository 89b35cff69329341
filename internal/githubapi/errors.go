package githubapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Call names an API call for error messages: what was done, and what the
// user knows it by.
type Call struct {
	// Op is the call, lower case: "create deployment".
	Op string
	// Target is what the call acts on: "deployment 42 of octo/app".
	Target string
	// Write is true for calls that change something (a 403 then means a
	// missing permission).
	Write bool
	// Permission is what the token needs for a write, e.g.
	// "deployments: write".
	Permission string
}

// StatusCode is the HTTP status of GitHub's answer carried by err, or 0.
func StatusCode(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var ae *github.AcceptedError
	if errors.As(err, &ae) {
		return http.StatusAccepted
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response.StatusCode
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) && ab.Response != nil {
		return ab.Response.StatusCode
	}
	return 0
}

// explainedError is an API call's failure explained for the user (what
// Explain returns). It keeps the cause, so StatusCode and errors.As still
// see GitHub's answer.
type explainedError struct {
	Msg   string
	Cause error
}

func (e *explainedError) Error() string { return e.Msg }

func (e *explainedError) Unwrap() error { return e.Cause }

// Explain turns an error from call c into one that says what went wrong
// and what to change. It is the one place that knows GitHub's refusals.
// The cause stays reachable through errors.As and StatusCode.
func Explain(c Call, err error) error {
	if err == nil {
		return nil
	}
	var already *explainedError
	if errors.As(err, &already) && already == err {
		return err
	}
	why := refusal(c, err)
	if why == "" {
		why = failure(err)
	}
	return &explainedError{Msg: c.Op + ": " + why, Cause: err}
}

// refusal says what GitHub's answer in err means for call c, and what to
// change, for a rate limit and the statuses the action knows; it is ""
// for the others. One switch over the statuses.
func refusal(c Call, err error) string {
	var rle *RateLimitError
	if errors.As(err, &rle) {
		return fmt.Sprint(rle) // fmt, as before the split: a typed nil prints <nil>
	}
	msg := githubMessage(err)
	switch StatusCode(err) {
	case http.StatusAccepted:
		return "GitHub merged the default branch into the ref instead of deploying it (202, auto-merge is on); set auto-merge: false to deploy the ref as it is, or update the branch and run again"
	case http.StatusUnauthorized:
		return fmt.Sprintf("GitHub refused the token (401 %s): it is invalid, expired or revoked; pass a valid token in the token input (the default is ${{ github.token }})", msg)
	case http.StatusForbidden:
		if c.Write {
			perm := c.Permission
			if perm == "" {
				perm = "deployments: write"
			}
			return fmt.Sprintf("the token may not do this (403 %s); give the job `permissions: %s` (pull requests from forks get a read-only GITHUB_TOKEN, so run deployments from pull_request_target or a workflow_run)", msg, perm)
		}
		return fmt.Sprintf("the token may not read %s (403 %s); give the job `permissions: deployments: read` or a token with access to the repository", c.Target, msg)
	case http.StatusNotFound:
		return fmt.Sprintf("%s was not found (404), or the token cannot see it; check the repository and id inputs, and that the token has access to the repository", c.Target)
	case http.StatusConflict:
		return fmt.Sprintf("GitHub refused to deploy (409 %s): a required commit status check is not success, or the default branch could not be merged; set required-contexts to the checks that must pass (empty: none block it), or auto-merge: false", msg)
	case http.StatusUnprocessableEntity:
		return fmt.Sprintf("GitHub refused the request as invalid (422 %s)", msg)
	}
	return ""
}

// failure says what went wrong in err, which is not one of GitHub's
// refusals: tries used up, a request the guard refused, a failure that
// retrying cannot fix, an answer that is not one, or else Describe's
// account.
func failure(err error) string {
	var ex *ExhaustedError
	if errors.As(err, &ex) {
		return fmt.Sprintf("GitHub did not answer successfully after %d tries, the last time: %s; GitHub may be having an outage (https://www.githubstatus.com): re-run the job later", ex.Tries, Describe(ex.Last))
	}
	var off *OffLimitsError
	if errors.As(err, &off) {
		return fmt.Sprint(off)
	}
	if Permanent(err) {
		return Describe(err) + "; retrying cannot help: check GITHUB_API_URL, the runner's network and its certificates"
	}
	var bad *BadAnswerError
	if errors.As(err, &bad) {
		return fmt.Sprint(bad)
	}
	// An answer go-github could not decode: say what was wrong with it,
	// not in Go's words.
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return (&BadAnswerError{What: misfit(bound(ute.Field, maxGraphQLMessageLen)+" of the answer", valueWords(ute.Value), kindWords(ute.Type))}).Error()
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return (&BadAnswerError{What: fmt.Sprintf("the answer is not JSON (at byte %d)", se.Offset)}).Error()
	}
	return Describe(err)
}

// Describe is a short account of a failed request: GitHub's status and
// message, or the connection error, without the request's URL.
func Describe(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		if m := githubMessage(err); m != "" {
			return er.Response.Status + " " + m
		}
		return er.Response.Status
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// githubMessage is GitHub's own message in err, with its validation errors.
func githubMessage(err error) string {
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		return ""
	}
	parts := []string{}
	if er.Message != "" {
		parts = append(parts, er.Message)
	}
	for _, e := range er.Errors {
		switch {
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Field != "":
			parts = append(parts, e.Field+" "+e.Code)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "\"" + strings.Join(parts, "; ") + "\""
}

// misfit is the one wording of an answer's value that does not fit where
// the action reads it: "field F holds V where W belongs" (REST's answers
// and GraphQL's data alike).
func misfit(field, value, want string) string {
	return fieldProblem(field, "holds "+value+" where "+want+" belongs")
}

// fieldProblem is "field F <problem>", or "the data <problem>" for the
// whole of it (field "").
func fieldProblem(field, problem string) string {
	if field == "" {
		return "the data " + problem
	}
	return "field " + field + " " + problem
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

func isNumeric(t reflect.Type) bool {
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// tokenWords names a JSON value by its first token: "a string", "an
// array", "the number 7", "true".
func tokenWords(tok json.Token) string {
	switch x := tok.(type) {
	case string:
		return "a string"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return "the number " + bound(string(x), 40)
	case json.Delim:
		if x == '[' {
			return "an array"
		}
		return "an object"
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
	switch {
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		return "an object"
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		return "an array"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case isNumeric(t):
		return "a number"
	}
	return "another kind of value"
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
