package lifecycle_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// TestPagingIsBoundedWhateverGitHubSays: GitHub's GraphQL answers say
// there is always a next page (with a new cursor each time); the listing
// stops at MaxPages and says so.
func TestPagingIsBoundedWhateverGitHubSays(t *testing.T) {
	t.Parallel()
	var queries atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/graphql" {
			w.WriteHeader(201)
			_, _ = w.Write([]byte(`{"id":1,"state":"inactive"}`))
			return
		}
		n := queries.Add(1)
		fmt.Fprintf(w, `{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":true,"endCursor":"c%d"},"nodes":[{"databaseId":%d,"environment":"pr-1","commitOid":"x","createdAt":"2026-11-01T00:00:00Z","latestStatus":{"state":"INACTIVE"}}]}}}}`, n, n)
	}))
	defer srv.Close()
	e := setup(t, fgtest.Token)
	e.srv = srv
	e.c = rebuild(t, e, e.c.Policy)
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1").Teardown)
	if err != nil {
		t.Fatal(err)
	}
	if n := queries.Load(); n != lifecycle.MaxPages {
		t.Errorf("%d queries, want %d", n, lifecycle.MaxPages)
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "only the newest 10000") {
		t.Errorf("warnings %q, want one saying only the newest 10000 were read", res.Warnings)
	}
	if res.Teardown.Seen != lifecycle.MaxPages {
		t.Errorf("seen %d, want %d", res.Teardown.Seen, lifecycle.MaxPages)
	}
}

func TestAnswersThatAreNotAnswers(t *testing.T) {
	t.Parallel()
	gql := func(body string) *fakegithub.Fault {
		return &fakegithub.Fault{Method: "POST", Path: "/graphql", Status: 200, Body: body}
	}
	tests := []struct {
		name    string
		fault   *fakegithub.Fault
		wantErr []string
	}{
		{"200 with an empty body", gql(" "), []string{"list deployments", "not JSON"}},
		{"200 with HTML", gql("<html>"), []string{"list deployments", "not JSON"}},
		{"data null", gql(`{"data":null}`), []string{"list deployments", "no data"}},
		{"no repository", gql(`{"data":{"repository":null}}`), []string{"list deployments", "no list of deployments"}},
		{"no nodes", gql(`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":false}}}}}`), []string{"list deployments", "no list of deployments"}},
		{"a deployment without an id", gql(`{"data":{"repository":{"deployments":{"pageInfo":{"hasNextPage":false},"nodes":[{"environment":"pr-1"}]}}}}`),
			[]string{"list deployments", "no id"}},
		{"GraphQL errors", gql(`{"errors":[{"type":"NOT_FOUND","message":"Could not resolve to a Repository"}]}`),
			[]string{"list deployments", "Could not resolve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
			e.fake.Inject(tt.fault)
			res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1").Teardown)
			if err == nil {
				t.Fatalf("teardown succeeded: %+v", res.Teardown)
			}
			wantErrContaining(t, err, tt.wantErr...)
			if n := e.fake.Count("POST"); n != 0 {
				t.Errorf("%d writes after an answer that was not one", n)
			}
		})
	}
}

func TestADeploymentDeletedDuringDeactivateIsSkipped(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	ids := e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}}, fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
	// Someone deletes the newer one between our read and our write.
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: "/deployments/" + itoa(ids[1]) + "/statuses", Times: 1, Status: 404})
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1").Teardown)
	if err != nil {
		t.Fatalf("teardown failed: %v", err)
	}
	if d := cmp.Diff([]int64{ids[0]}, res.Teardown.Deactivated); d != "" {
		t.Errorf("deactivated (-want +got):\n%s", d)
	}
}

func TestHostileEnvironmentNamesStayOneSegment(t *testing.T) {
	t.Parallel()
	names := []string{"a/../b", "%2e%2e", "%2E%2E/..", "?", "#", "a?b#c", "ünï/cödé", "x y", "./.", "../x", "..%2f"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := vocab.CheckEnvironment(name); err != nil {
				t.Fatalf("config refuses %q: %v; this test is for the names it lets through", name, err)
			}
			e := setup(t, fgtest.Token)
			e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
			e.repo.Seed(fakegithub.Seed{Environment: name, States: []string{"success"}})
			e.repo.AddEnvironment(name)
			e.fake.ResetRequests()
			for _, step := range []config.Step{config.StepDeactivateEnv, config.StepDeleteEnv} {
				if _, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(step, name).Teardown); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			envPath := "/repos/octo-org/hello-world/environments/" + url.PathEscape(name)
			for _, r := range e.fake.Requests() {
				if !strings.HasPrefix(r.Path, "/repos/octo-org/hello-world/deployments") && r.Path != envPath && r.Path != "/graphql" {
					t.Errorf("%s %s is outside the deployments and %s", r.Method, r.Path, envPath)
				}
			}
			if e.fake.Count("DELETE") != 2 {
				t.Errorf("%d deletes, want the deployment and the environment", e.fake.Count("DELETE"))
			}
		})
	}
	// Dot segments never reach GitHub, even past the input checks.
	for _, name := range []string{".", ".."} {
		e := setup(t, fgtest.Token)
		e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
		e.fake.ResetRequests()
		c := teardownCfg(config.StepDeleteEnv, name)
		_, err := lifecycle.Teardown(context.Background(), e.c, c.Teardown)
		var off *githubapi.OffLimitsError
		if err == nil || !errorsAs(err, &off) {
			t.Errorf("delete-env of %q: %v, want the guard's refusal", name, err)
		}
		if e.fake.Count("DELETE") != 0 {
			t.Errorf("delete-env of %q sent a DELETE", name)
		}
	}
}
