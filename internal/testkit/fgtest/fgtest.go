// Package fgtest starts the fake GitHub for a test: every request the
// action sends, and every answer the fake gives, is validated against
// GitHub's OpenAPI description, and one that does not validate fails the
// test.
package fgtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/gqlcheck"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/openapicheck"
)

// Repo is the repository the tests deploy.
const Repo = "octo-org/hello-world"

// SHA is the commit of main in Repo.
const SHA = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c"

// Token is a token with deployments: write.
const Token = "ghs_testTokenWithDeploymentsWrite000000"

// New starts a fake GitHub serving Repo (main at SHA) under prefix, with
// Token known, the OpenAPI check on, and a cleanup that stops it.
func New(t testing.TB, prefix string) (*fakegithub.Fake, *httptest.Server) {
	t.Helper()
	f := NewFake(t, prefix)
	srv := f.Start()
	t.Cleanup(srv.Close)
	return f, srv
}

// NewFake is the fake New serves, not yet served: for a test that serves it
// its own way.
func NewFake(t testing.TB, prefix string) *fakegithub.Fake {
	f := fakegithub.New()
	f.Prefix = prefix
	f.Tokens = map[string]fakegithub.Token{Token: {Write: true}}
	v, err := openapicheck.Validator(prefix)
	if err != nil {
		t.Fatal(err)
	}
	f.Validate = v
	if f.ValidateResponse, err = openapicheck.ResponseValidator(prefix); err != nil {
		t.Fatal(err)
	}
	f.OnInvalid = func(r *http.Request, err error) {
		t.Errorf("GitHub's OpenAPI description does not allow this: %v", err)
	}
	f.ValidateGraphQL = gqlcheck.Validate
	f.OnUnrouted = func(r *http.Request) {
		t.Errorf("the fake GitHub has no endpoint for %s %s", r.Method, r.URL.EscapedPath())
	}
	f.AddRepo(Repo).AddRef("main", SHA)
	return f
}
