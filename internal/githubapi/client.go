// Package githubapi builds the go-github client the action talks to GitHub
// with: the token, the API root from GITHUB_API_URL, and one transport that
// retries, waits out rate limits and paces writes. It also turns GitHub's
// refusals into errors that say what the user must change.
package githubapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/oauth2"
)

// Options configure New. The zero value is what the action uses.
type Options struct {
	// Base is the transport under the retries; nil builds one with
	// timeouts (http.DefaultTransport is never touched).
	Base http.RoundTripper
	// Policy is the retry policy; the zero value is DefaultPolicy.
	Policy *Policy
	// Pacer spaces out writes; nil uses a pacer for GitHub's content
	// creation limit.
	Pacer *Pacer
	// Log receives a line for each wait and retry (nil: none).
	Log func(format string, args ...any)
	// Debug receives a line for every request (nil: none).
	Debug func(format string, args ...any)
	// UserAgent is sent with every request.
	UserAgent string
	// Limits, when set, is told the REST rate limit each answer reports.
	Limits *Limits
	// Scope, when set, is the only repository whose deployment and
	// environment endpoints requests may go to; any other path is refused
	// before it is sent.
	Scope *Scope
}

// New returns a client for the API root apiURL (GITHUB_API_URL: for example
// https://api.github.com or https://HOST/api/v3) authenticated with token.
func New(token, apiURL string, o Options) (*github.Client, error) {
	u, err := url.Parse(strings.TrimRight(apiURL, "/") + "/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL such as https://api.github.com", apiURL)
	}
	base := o.Base
	if base == nil {
		base = newBaseTransport()
	}
	p := DefaultPolicy()
	if o.Policy != nil {
		p = *o.Policy
	}
	pacer := o.Pacer
	if pacer == nil {
		pacer = NewPacer(p.Sleep, p.Now)
	}
	t := newTransport(base, p, pacer, o.Log)
	t.Debug = o.Debug
	t.Limits = o.Limits
	// The guard sits above the token: a request to another host, or a
	// redirect there, is refused before oauth2 adds the Authorization
	// header, and each redirect hop passes through it again.
	hc := &http.Client{
		Transport: &guard{api: u, scope: o.Scope,
			next: &oauth2.Transport{Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), Base: t}},
		CheckRedirect: checkRedirect(u, o.Log),
	}
	c := github.NewClient(hc)
	// GITHUB_API_URL is already the API root on github.com, GHE.com and GHES
	// (…/api/v3), so it is used as it is: WithEnterpriseURLs would append
	// api/v3/ to hosts that do not start with "api.".
	c.BaseURL = u
	c.UploadURL = u
	if o.UserAgent != "" {
		c.UserAgent = o.UserAgent
	}
	return c, nil
}

// newBaseTransport is an http.Transport with the timeouts a CI step wants.
func newBaseTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   MaxInFlight,
		MaxConnsPerHost:       MaxInFlight,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

// MaxInFlight bounds the requests the action has in flight at once.
const MaxInFlight = 8

// Sleep waits d or until ctx is done, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
