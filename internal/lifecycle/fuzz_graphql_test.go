package lifecycle

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// FuzzTeardownAgainstAnyGraphQLAnswer lets "GitHub" answer every GraphQL
// query with the same arbitrary body (cursors that go round, nulls, errors
// arrays, wrong types, other environments' nodes) and accepts every
// write, then runs delete-env of pr-1 and a sweep of pr-*. Whatever the
// body: no panic, a bounded number of requests, and no write to a
// deployment or an environment the step was not asked to act on.
func FuzzTeardownAgainstAnyGraphQLAnswer(f *testing.F) {
	node := func(id int, env string) string {
		return `{"databaseId":` + strconv.Itoa(id) + `,"environment":"` + env + `","task":"deploy","createdAt":"2026-01-01T00:00:00Z","commitOid":"` + strings.Repeat("a", 40) + `","payload":"{}","ref":null,"latestStatus":{"state":"SUCCESS"}}`
	}
	for _, s := range []string{
		`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[` + node(1, "pr-1") + `,` + node(2, "production") + `,` + node(3, "PR-1") + `]}}}}`,
		`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":true,"endCursor":"A"},"nodes":[` + node(1, "pr-1") + `]},"environments":{"pageInfo":{"hasNextPage":true,"endCursor":"B"},"nodes":[{"name":"pr-1","protectionRules":{"totalCount":0,"nodes":[]}},{"name":"production","protectionRules":{"totalCount":0,"nodes":[]}}]}}}}`,
		`{"data":{"repository":{"defaultBranchRef":{"name":"main"},"environments":{"pageInfo":{"hasNextPage":false},"nodes":[{"name":"pr-1","protectionRules":{"totalCount":0,"nodes":[]}},{"name":"..","protectionRules":{"totalCount":0}},{"name":"pr-2\n::error::x","protectionRules":{"totalCount":0}}]},"deployments":{"pageInfo":{"hasNextPage":false},"nodes":[` + node(1, "pr-1") + `,` + node(4, "pr-2") + `,` + node(5, "..") + `]}}}}`,
		`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":false},"nodes":[{"databaseId":1,"environment":null,"createdAt":null}]}}}}`,
		`{"data":{"repository":[1,2]}}`,
		`{"data":{"repository":{"deployments":{"nodes":[{"databaseId":"1"}]}}}}`,
		`{"data":null,"errors":[{"type":"NOT_FOUND","path":["repository"],"message":"Could not resolve to a Repository"}]}`,
		`{"data":{"repository":null},"errors":[{"type":"NOT_FOUND","path":["repository"],"message":"x"}]}`,
		`{"errors":[{"type":"RATE_LIMITED","message":"API rate limit exceeded"}]}`,
		`{"errors":[{"message":"Something went wrong while executing your query."}]}`,
		`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":true,"endCursor":"` + strings.Repeat("c", 5000) + `"},"nodes":[]}}}}`,
		`[]`, `null`, `{}`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(fuzzGraphQLOne)
}

func fuzzGraphQLOne(t *testing.T, body []byte) {
	if len(body) > 1<<16 {
		t.Skip()
	}
	var (
		mu       sync.Mutex
		graphql  int
		writes   []string
		requests int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		if r.URL.Path == "/graphql" {
			graphql++
		} else if r.Method != http.MethodGet {
			writes = append(writes, r.Method+" "+r.URL.EscapedPath())
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/graphql":
			_, _ = w.Write(body)
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":9,"state":"inactive"}`))
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			_, _ = w.Write([]byte(`[]`))
		}
	}))
	defer srv.Close()
	clock := fakeclock.New()
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now, p.Rand = clock.Sleep, clock.Now, func() float64 { return 0.5 }
	gh, err := githubapi.New("tok", srv.URL, githubapi.Options{Policy: &p, Pacer: githubapi.NewPacer(clock.Sleep, clock.Now),
		Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
	if err != nil {
		t.Fatal(err)
	}
	gql, _ := githubapi.NewGraphQL(gh, githubapi.GraphQLURL(srv.URL))
	c := &Client{GH: gh, GQL: gql, Owner: "octo-org", Repo: "hello-world", Policy: p, Now: clock.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// What the body says, read as the action reads it.
	nodes := fuzzDeploymentNodes(body)
	bound := 4*MaxPages + 2*p.Tries + 3*len(nodes)*p.Tries + 10

	// delete-env pr-1 writes only to pr-1's deployments and pr-1.
	td := config.TeardownOptions{Environment: "pr-1", Delete: true, DeleteEnvironment: true}
	_, _ = Teardown(ctx, c, td)
	checkWrites(t, "delete-env", writes, nodes, func(env string) bool { return vocab.SameEnvironment(env, "pr-1") })
	if requests > bound {
		t.Errorf("delete-env sent %d requests, bound %d", requests, bound)
	}

	// A sweep of pr-* writes only to environments pr-* matches, and
	// never to production.
	mu.Lock()
	writes, requests = nil, 0
	mu.Unlock()
	sw := config.SweepOptions{Sweep: config.Sweep{Patterns: []string{"pr-*"}, PullRequestClosed: true, OlderThan: time.Hour, Delete: true},
		DeleteEnvironment: true}
	_, _ = Sweep(ctx, c, sw)
	checkWrites(t, "sweep", writes, nodes, func(env string) bool {
		return vocab.MatchPattern("pr-*", env) && !vocab.IsProduction(env) && vocab.CheckEnvironment(env) == nil
	})
	if requests > bound+MaxPages {
		t.Errorf("sweep sent %d requests, bound %d", requests, bound+MaxPages)
	}
	if ctx.Err() != nil {
		t.Error("took more than 20 s")
	}
	if slept := clock.Slept(); slept > 24*time.Hour {
		t.Errorf("waited %s on the fake clock", slept)
	}
}

// fuzzDeploymentNodes maps the deployment ids in a GraphQL body to their
// environments, decoded as the action decodes them.
func fuzzDeploymentNodes(body []byte) map[int64][]string {
	var answer struct {
		Data struct {
			Repository *struct {
				Deployments struct {
					Nodes []*deploymentNode `json:"nodes"`
				} `json:"deployments"`
			} `json:"repository"`
		} `json:"data"`
	}
	out := map[int64][]string{}
	if json.Unmarshal(body, &answer) != nil || answer.Data.Repository == nil {
		return out
	}
	for _, n := range answer.Data.Repository.Deployments.Nodes {
		if n != nil && n.Environment != nil {
			out[n.DatabaseID] = append(out[n.DatabaseID], *n.Environment)
		}
	}
	return out
}

// checkWrites fails the test for a write to a deployment none of whose
// listed environments is allowed, or to an environment not allowed.
func checkWrites(t *testing.T, step string, writes []string, nodes map[int64][]string, allowed func(string) bool) {
	t.Helper()
	for _, w := range writes {
		_, path, _ := strings.Cut(w, " ")
		rest, ok := strings.CutPrefix(path, "/repos/octo-org/hello-world/")
		if !ok {
			t.Errorf("%s: a write outside the repository: %s", step, w)
			continue
		}
		switch {
		case strings.HasPrefix(rest, "deployments/"):
			idText, _, _ := strings.Cut(strings.TrimPrefix(rest, "deployments/"), "/")
			id, _ := strconv.ParseInt(idText, 10, 64)
			ok := false
			for _, env := range nodes[id] {
				ok = ok || allowed(env)
			}
			if !ok {
				t.Errorf("%s: a write to deployment %d of %q: %s", step, id, nodes[id], w)
			}
		case strings.HasPrefix(rest, "environments/"):
			env, err := url.PathUnescape(strings.TrimPrefix(rest, "environments/"))
			if err != nil || !allowed(env) {
				t.Errorf("%s: a write to environment %q: %s", step, env, w)
			}
		default:
			t.Errorf("%s: an unexpected write: %s", step, w)
		}
	}
}
