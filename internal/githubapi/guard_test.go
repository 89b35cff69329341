package githubapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
)

const token = "ghs_secretTokenThatMustStayWithGitHub0000"

// recorder is a server that records what reached it.
type recorder struct {
	mu   sync.Mutex
	hits []*http.Request
	auth []string
}

func (r *recorder) record(req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits = append(r.hits, req)
	r.auth = append(r.auth, req.Header.Get("Authorization"))
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.hits)
}

// quickPolicy retries without waiting.
func quickPolicy() *githubapi.Policy {
	p := githubapi.DefaultPolicy()
	clock := fakeclock.New()
	p.Sleep, p.Now = clock.Sleep, clock.Now
	return &p
}

func scoped(t *testing.T, apiURL string, o githubapi.Options) *github.Client {
	t.Helper()
	o.Scope = &githubapi.Scope{Owner: "octo-org", Repo: "hello-world"}
	if o.Policy == nil {
		o.Policy = quickPolicy()
	}
	gh, err := githubapi.New(token, apiURL, o)
	if err != nil {
		t.Fatal(err)
	}
	return gh
}

func TestARedirectToAnotherHostNeverCarriesTheToken(t *testing.T) {
	t.Parallel()
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, method := range []string{"GET", "POST"} {
			t.Run(fmt.Sprintf("%d %s", code, method), func(t *testing.T) {
				t.Parallel()
				evil := &recorder{}
				evilSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					evil.record(r)
					w.WriteHeader(200)
					_, _ = w.Write([]byte("[]"))
				}))
				defer evilSrv.Close()
				// The API is 127.0.0.1; the redirect goes to localhost, another host.
				evilURL := strings.Replace(evilSrv.URL, "127.0.0.1", "localhost", 1)
				api := &recorder{}
				apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					api.record(r)
					http.Redirect(w, r, evilURL+r.URL.Path, code)
				}))
				defer apiSrv.Close()
				gh := scoped(t, apiSrv.URL, githubapi.Options{})
				var err error
				if method == "GET" {
					_, _, err = gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil)
				} else {
					_, _, err = gh.Repositories.CreateDeployment(context.Background(), "octo-org", "hello-world", &github.DeploymentRequest{Ref: github.String("main")})
				}
				if err == nil {
					t.Fatal("the redirect to another host was followed")
				}
				if evil.count() != 0 {
					t.Fatalf("%d requests reached the other host, Authorization %q", evil.count(), evil.auth)
				}
				for _, w := range []string{"another host", "localhost"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q: it must name the other host", err, w)
					}
				}
				if api.count() != 1 {
					t.Errorf("%d requests to the API, want 1: a refused redirect is not retried", api.count())
				}
				if githubapi.MaybePerformed(err) {
					// A redirect answer means GitHub did not act on the write.
					t.Errorf("MaybePerformed(%v) = true", err)
				}
				if !githubapi.Permanent(err) {
					t.Errorf("Permanent(%v) = false", err)
				}
			})
		}
	}
}

func TestASameHostRedirectIsFollowedWithTheToken(t *testing.T) {
	t.Parallel()
	api := &recorder{}
	var logged []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.record(r)
		if strings.HasPrefix(r.URL.Path, "/repos/octo-org/hello-world/") {
			// A renamed repository: GitHub answers with /repositories/ID/.
			http.Redirect(w, r, "/repositories/42/"+strings.TrimPrefix(r.URL.Path, "/repos/octo-org/hello-world/"), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id":7}]`))
	}))
	defer srv.Close()
	gh := scoped(t, srv.URL, githubapi.Options{Log: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	list, _, err := gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, d := range list {
		ids = append(ids, d.GetID())
	}
	if d := cmp.Diff([]int64{7}, ids); d != "" {
		t.Errorf("deployment ids (-want +got):\n%s", d)
	}
	// Both requests carry the token: the redirect stays on the API host.
	if d := cmp.Diff([]string{"Bearer " + token, "Bearer " + token}, api.auth); d != "" {
		t.Errorf("Authorization of each request (-want +got):\n%s", d)
	}
	if len(logged) != 1 {
		t.Fatalf("log %q, want one line, the redirect", logged)
	}
	if !strings.Contains(logged[0], "/repositories/42/deployments") {
		t.Errorf("log %q does not name where the redirect went", logged[0])
	}
}

func TestRequestsStayOnTheRepositorysDeploymentsAndEnvironments(t *testing.T) {
	t.Parallel()
	api := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.record(r)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	ctx := context.Background()
	for _, prefix := range []string{"", "/api/v3"} {
		gh := scoped(t, srv.URL+prefix, githubapi.Options{})
		refused := map[string]func() error{
			"delete the repository": func() error { _, err := gh.Repositories.Delete(ctx, "octo-org", "hello-world"); return err },
			"environment ..": func() error {
				_, err := gh.Repositories.DeleteEnvironment(ctx, "octo-org", "hello-world", "..")
				return err
			},
			"environment a/../../..": func() error {
				_, err := gh.Repositories.DeleteEnvironment(ctx, "octo-org", "hello-world", "a/../../..")
				return err
			},
			"another repository": func() error {
				_, err := gh.Repositories.DeleteDeployment(ctx, "octo-org", "other", 1)
				return err
			},
			"repository ..": func() error {
				_, _, err := gh.Repositories.ListDeployments(ctx, "octo-org", "..", nil)
				return err
			},
			"a subpath of an environment": func() error {
				_, err := gh.Repositories.DeleteEnvironment(ctx, "octo-org", "hello-world", "x/secrets")
				return err
			},
			"escaped dots": func() error {
				_, err := gh.Repositories.DeleteEnvironment(ctx, "octo-org", "hello-world", "%2e%2e")
				return err
			},
		}
		for name, call := range refused {
			err := call()
			var off *githubapi.OffLimitsError
			if !errors.As(err, &off) {
				t.Errorf("%s%s: %v, want the guard's refusal", prefix, name, err)
			}
		}
		allowed := map[string]func() error{
			"an escaped environment": func() error {
				_, err := gh.Repositories.DeleteEnvironment(ctx, "octo-org", "hello-world", url.PathEscape("a/../b"))
				return err
			},
			"a deployment": func() error {
				_, err := gh.Repositories.DeleteDeployment(ctx, "octo-org", "hello-world", 5)
				return err
			},
		}
		for name, call := range allowed {
			if err := call(); err != nil {
				t.Errorf("%s%s: %v", prefix, name, err)
			}
		}
	}
	if n := api.count(); n != 4 {
		t.Errorf("%d requests reached the server, want only the 4 allowed", n)
	}
	for _, r := range api.hits {
		if !strings.Contains(r.URL.EscapedPath(), "/repos/octo-org/hello-world/") {
			t.Errorf("request to %s", r.URL.EscapedPath())
		}
	}
}

func TestACertificateThatDoesNotVerifyIsNotRetried(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request got through: %s", r.URL)
	}))
	defer srv.Close()
	tries := 0
	var mu sync.Mutex
	gh := scoped(t, srv.URL, githubapi.Options{Debug: func(string, ...any) { mu.Lock(); tries++; mu.Unlock() }})
	for _, method := range []string{"GET", "POST"} {
		tries = 0
		var err error
		if method == "GET" {
			_, _, err = gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil)
		} else {
			_, _, err = gh.Repositories.CreateDeployment(context.Background(), "octo-org", "hello-world", &github.DeploymentRequest{Ref: github.String("main")})
		}
		if err == nil {
			t.Fatalf("%s: no error, want a permanent certificate error", method)
		}
		if !githubapi.Permanent(err) {
			t.Errorf("%s: Permanent(%v) = false, want true: a certificate error is not retried", method, err)
		}
		if githubapi.MaybePerformed(err) {
			t.Errorf("%s: MaybePerformed = true for a request that never left", method)
		}
		if tries != 1 {
			t.Errorf("%s: %d tries, want 1", method, tries)
		}
		explained := githubapi.Explain(githubapi.Call{Op: "list deployments"}, err).Error()
		for _, w := range []string{"certificate", "retrying cannot help"} {
			if !strings.Contains(explained, w) {
				t.Errorf("%s: %q does not contain %q", method, explained, w)
			}
		}
	}
}

func TestAHugeAnswerIsAnErrorNotAnOutOfMemory(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("["))
		chunk := []byte(strings.Repeat(`{"id":1},`, 1<<14))
		for written := 0; written < githubapi.MaxAnswer+len(chunk); written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	gh := scoped(t, srv.URL, githubapi.Options{})
	_, _, err := gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil)
	if !errors.Is(err, githubapi.ErrAnswerTooLarge) {
		t.Fatalf("err = %v, want ErrAnswerTooLarge", err)
	}
}

func TestLimitsTrackTheRESTRateLimitOnly(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graphql" {
			w.Header().Set("X-RateLimit-Resource", "graphql")
			w.Header().Set("X-RateLimit-Remaining", "4999")
			_, _ = w.Write([]byte(`{"data":{}}`))
			return
		}
		w.Header().Set("X-RateLimit-Resource", "core")
		w.Header().Set("X-RateLimit-Remaining", "42")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	limits := &githubapi.Limits{}
	if limits.Remaining() != -1 {
		t.Errorf("before any answer: %d, want -1 (unknown)", limits.Remaining())
	}
	o := githubapi.Options{Limits: limits, Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}, Policy: quickPolicy()}
	gh, err := githubapi.New(token, srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil); err != nil {
		t.Fatal(err)
	}
	gql, _ := githubapi.NewGraphQL(gh, srv.URL+"/graphql")
	var out struct{}
	if err := gql.Query(context.Background(), "{ viewer { login } }", nil, &out); err != nil {
		t.Fatal(err)
	}
	if got := limits.Remaining(); got != 42 {
		t.Errorf("remaining %d, want the REST answer's 42", got)
	}
}
