package githubapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

// GitHub counts GraphQL points and REST requests apart: a GraphQL answer
// that used the last point holds back no REST call, and the other way
// round.
func TestRateLimitsAreCountedByResource(t *testing.T) {
	t.Parallel()
	clock := newGQLClock()
	reset := strconv.FormatInt(clock.Now().Add(time.Hour).Unix(), 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/graphql" {
			w.Header().Set("X-Ratelimit-Resource", "graphql")
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.Header().Set("X-Ratelimit-Reset", reset)
			_, _ = w.Write([]byte(`{"data":{"viewer":{"login":"x"}}}`))
			return
		}
		w.Header().Set("X-Ratelimit-Resource", "core")
		w.Header().Set("X-Ratelimit-Remaining", "4000")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now = clock.Sleep, clock.Now
	gh, err := githubapi.New("tok", srv.URL, githubapi.Options{Policy: &p, Pacer: githubapi.NewPacer(clock.Sleep, clock.Now),
		Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
	if err != nil {
		t.Fatal(err)
	}
	gql, _ := githubapi.NewGraphQL(gh, srv.URL+"/graphql")
	var out map[string]any
	if err := gql.Query(context.Background(), "{ viewer { login } }", nil, &out); err != nil {
		t.Fatal(err)
	}
	// GraphQL's points are used up for an hour; REST is not.
	if _, _, err := gh.Repositories.ListDeployments(context.Background(), "octo-org", "hello-world", nil); err != nil {
		t.Fatalf("a REST call after GraphQL's limit ran out: %v", err)
	}
	if slept := clock.Slept(); slept != 0 {
		t.Errorf("waited %s", slept)
	}
	// The next GraphQL query is the one held back.
	if err := gql.Query(context.Background(), "{ viewer { login } }", nil, &out); err == nil {
		t.Error("a GraphQL query went out with GraphQL's limit used up for an hour")
	}
}

// A REST answer that does not decode is named in words, not in Go's.
func TestRESTAnswerThatDoesNotDecode(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"id":"five"}`, `{"id":5,"environment":[1]}`, `{"id":`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(body))
		}))
		p := githubapi.DefaultPolicy()
		gh, err := githubapi.New("tok", srv.URL, githubapi.Options{Policy: &p, Scope: &githubapi.Scope{Owner: "o", Repo: "r", GraphQLPath: "/graphql"}})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = gh.Repositories.GetDeployment(context.Background(), "o", "r", 5)
		err = githubapi.Explain(githubapi.Call{Op: "read deployment"}, err)
		srv.Close()
		if err == nil {
			t.Fatalf("%s: no error", body)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "read deployment: ") {
			t.Errorf("%s: %q does not start with the operation", body, msg)
		}
		// encoding/json's own words tell the user nothing.
		for _, leak := range []string{"Go struct", "int64", "json:"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: %q shows the decoder's %q", body, msg, leak)
			}
		}
	}
}
