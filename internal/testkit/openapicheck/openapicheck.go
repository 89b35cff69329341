// Package openapicheck validates requests against GitHub's OpenAPI
// description of the deployment and environment endpoints (the copy in the
// repository's testdata/). Only tests use it, so the action's binary does
// not carry kin-openapi.
package openapicheck

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// gitHubServer is the server URL of the description's paths.
const gitHubServer = "https://api.github.com"

var (
	once    sync.Once
	router  routers.Router
	loadErr error
)

// descriptionPath is the path of the description in testdata/.
func descriptionPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "api.github.com.deployments.json")
}

func load() (routers.Router, error) {
	once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(descriptionPath())
		if err != nil {
			loadErr = fmt.Errorf("load %s: %w", descriptionPath(), err)
			return
		}
		router, loadErr = gorillamux.NewRouter(doc)
	})
	return router, loadErr
}

// ResponseValidator returns a check for the fake's ValidateResponse field:
// an answer whose status GitHub's description does not list, or whose JSON
// body does not match the schema for it, is an error.
func ResponseValidator(prefix string) (func(*http.Request, int, http.Header, []byte) error, error) {
	rt, err := load()
	if err != nil {
		return nil, err
	}
	return func(r *http.Request, code int, header http.Header, body []byte) error {
		req, err := githubRequest(r, prefix, nil)
		if err != nil {
			return err
		}
		route, params, err := rt.FindRoute(req)
		if err != nil {
			return fmt.Errorf("%s %s: no such endpoint: %w", r.Method, req.URL.RawPath, err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 code,
			Header:                 header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: code < 400},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			return fmt.Errorf("%s %s answered %d: %w", r.Method, req.URL.RawPath, code, err)
		}
		return nil
	}, nil
}

// githubRequest is r as sent to api.github.com, for the router.
func githubRequest(r *http.Request, prefix string, body []byte) (*http.Request, error) {
	u, err := url.Parse(gitHubServer)
	if err != nil {
		return nil, err
	}
	u.RawPath = strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = r.URL.RawQuery
	req := r.Clone(context.Background())
	req.URL = u
	req.Host = u.Host
	req.Body = io.NopCloser(bytes.NewReader(body))
	return req, nil
}

// Validator returns a check for the fake's Validate field: a request whose
// path (after prefix), parameters or body GitHub's description does not
// allow is an error.
func Validator(prefix string) (func(*http.Request, []byte) error, error) {
	rt, err := load()
	if err != nil {
		return nil, err
	}
	return func(r *http.Request, body []byte) error {
		req, err := githubRequest(r, prefix, body)
		if err != nil {
			return err
		}
		route, params, err := rt.FindRoute(req)
		if err != nil {
			return fmt.Errorf("%s %s: no such endpoint: %w", r.Method, req.URL.RawPath, err)
		}
		in := &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("%s %s: %w", r.Method, req.URL.RawPath, err)
		}
		return nil
	}, nil
}
