package githubapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// ExplainedError is an API call's failure explained for the user (what
// Explain returns). It keeps the cause, so StatusCode and errors.As still
// see GitHub's answer.
type ExplainedError struct {
	Msg   string
	Cause error
}

func (e *ExplainedError) Error() string { return e.Msg }

func (e *ExplainedError) Unwrap() error { return e.Cause }

// Explain turns an error from call c into one that says what went wrong
// and what to change. It is the one place that knows GitHub's refusals.
// The cause stays reachable through errors.As and StatusCode.
func Explain(c Call, err error) error {
	if err == nil {
		return nil
	}
	var already *ExplainedError
	if errors.As(err, &already) && already == err {
		return err
	}
	wrap := func(format string, args ...any) error {
		return &ExplainedError{Msg: fmt.Sprintf(format, args...), Cause: err}
	}
	var rle *RateLimitError
	if errors.As(err, &rle) {
		return wrap("%s: %s", c.Op, rle)
	}
	msg := githubMessage(err)
	switch StatusCode(err) {
	case http.StatusAccepted:
		return wrap("%s: GitHub merged the default branch into the ref instead of deploying it (202, auto-merge is on); set auto-merge: false to deploy the ref as it is, or update the branch and run again", c.Op)
	case http.StatusUnauthorized:
		return wrap("%s: GitHub refused the token (401 %s): it is invalid, expired or revoked; pass a valid token in the token input (the default is ${{ github.token }})", c.Op, msg)
	case http.StatusForbidden:
		if c.Write {
			perm := c.Permission
			if perm == "" {
				perm = "deployments: write"
			}
			return wrap("%s: the token may not do this (403 %s); give the job `permissions: %s` (pull requests from forks get a read-only GITHUB_TOKEN, so run deployments from pull_request_target or a workflow_run)", c.Op, msg, perm)
		}
		return wrap("%s: the token may not read %s (403 %s); give the job `permissions: deployments: read` or a token with access to the repository", c.Op, c.Target, msg)
	case http.StatusNotFound:
		return wrap("%s: %s was not found (404), or the token cannot see it; check the repository and id inputs, and that the token has access to the repository", c.Op, c.Target)
	case http.StatusConflict:
		return wrap("%s: GitHub refused to deploy (409 %s): a required commit status check is not success, or the default branch could not be merged; set required-contexts to the checks that must pass (empty: none block it), or auto-merge: false", c.Op, msg)
	case http.StatusUnprocessableEntity:
		return wrap("%s: GitHub refused the request as invalid (422 %s)", c.Op, msg)
	}
	var ex *ExhaustedError
	if errors.As(err, &ex) {
		return wrap("%s: GitHub did not answer successfully after %d tries, the last time: %s; GitHub may be having an outage (https://www.githubstatus.com): re-run the job later", c.Op, ex.Tries, Describe(ex.Last))
	}
	var off *OffLimitsError
	if errors.As(err, &off) {
		return wrap("%s: %s", c.Op, off)
	}
	if Permanent(err) {
		return wrap("%s: %s; retrying cannot help: check GITHUB_API_URL, the runner's network and its certificates", c.Op, Describe(err))
	}
	var bad *BadAnswerError
	if errors.As(err, &bad) {
		return wrap("%s: %s", c.Op, bad)
	}
	// An answer go-github could not decode: say what was wrong with it,
	// not in Go's words.
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return wrap("%s: %s", c.Op, &BadAnswerError{What: fmt.Sprintf("field %s of the answer holds %s where %s belongs", bound(ute.Field, maxGraphQLMessageLen), valueWords(ute.Value), kindWords(ute.Type))})
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return wrap("%s: %s", c.Op, &BadAnswerError{What: fmt.Sprintf("the answer is not JSON (at byte %d)", se.Offset)})
	}
	return wrap("%s: %s", c.Op, Describe(err))
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
