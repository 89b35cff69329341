package lifecycle_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// countList counts the list-deployments requests the fake received.
func countList(e *env) int {
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Method == "GET" && strings.HasSuffix(r.Path, "/deployments") {
			n++
		}
	}
	return n
}

func TestPagingIsBoundedWhateverTheLinkHeaderSays(t *testing.T) {
	t.Parallel()
	base := "https://api.github.com/repos/octo-org/hello-world/deployments?per_page=100&page="
	tests := []struct {
		name          string
		link          string
		wantTruncated bool
	}{
		{"rel=last claims 2,000,000,000 pages", "<" + base + "2>; rel=\"next\", <" + base + "2000000000>; rel=\"last\"", false},
		{"rel=next never ends", "<" + base + "999999>; rel=\"next\"", true},
		{"rel=next points backwards", "<" + base + "1>; rel=\"next\"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
			e.fake.Inject(&fakegithub.Fault{Method: "GET", Path: "/deployments", Header: map[string]string{"Link": tt.link}})
			e.fake.ResetRequests()
			res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeleteEnv, "pr-1"))
			if err != nil {
				t.Fatal(err)
			}
			if n := countList(e); n > lifecycle.MaxPages {
				t.Errorf("%d list requests, want at most %d", n, lifecycle.MaxPages)
			}
			if len(res.Teardown.Deactivated) != 1 {
				t.Errorf("deactivated %v, want the one deployment", res.Teardown.Deactivated)
			}
			warned := strings.Contains(strings.Join(res.Warnings, "\n"), "only the newest 10000")
			if warned != tt.wantTruncated {
				t.Errorf("warnings %q, want a truncation warning: %t", res.Warnings, tt.wantTruncated)
			}
			if tt.wantTruncated && res.Teardown.EnvironmentDeleted {
				t.Error("the environment was deleted although not all its deployments were read")
			}
		})
	}
}

func TestAnswersThatAreNotAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   *fakegithub.Fault
		wantErr []string
	}{
		{"200 with an empty body on the list", &fakegithub.Fault{Method: "GET", Path: "/deployments", Status: 200, Body: " "},
			[]string{"list deployments", "not a JSON list"}},
		{"200 with null on the list", &fakegithub.Fault{Method: "GET", Path: "/deployments", Status: 200, Body: "null"},
			[]string{"list deployments", "not a JSON list"}},
		{"200 with HTML on the list", &fakegithub.Fault{Method: "GET", Path: "/deployments", Status: 200, Body: "<html>"},
			[]string{"list deployments"}},
		{"a deployment without an id", &fakegithub.Fault{Method: "GET", Path: "/deployments", Status: 200, Body: `[{"ref":"main"}]`},
			[]string{"list deployments", "no id"}},
		{"200 with an empty body on a status read", &fakegithub.Fault{Method: "GET", Path: "/statuses", Status: 200, Body: " "},
			[]string{"read deployment status", "not a JSON list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, fgtest.Token)
			e.repo.Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
			e.fake.Inject(tt.fault)
			res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1"))
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
	res, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "pr-1"))
	if err != nil {
		t.Fatalf("teardown failed: %v", err)
	}
	if got := res.Teardown.Deactivated; len(got) != 1 || got[0] != ids[0] {
		t.Errorf("deactivated %v, want only %d", got, ids[0])
	}
}

func TestHostileEnvironmentNamesStayOneSegment(t *testing.T) {
	t.Parallel()
	names := []string{"a/../b", "%2e%2e", "%2E%2E/..", "?", "#", "a?b#c", "ünï/cödé", "x y", "./.", "../x", "..%2f"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := config.CheckEnvironment(name); err != nil {
				t.Fatalf("config refuses %q: %v; this test is for the names it lets through", name, err)
			}
			e := setup(t, fgtest.Token)
			e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: true}
			e.repo.Seed(fakegithub.Seed{Environment: name, States: []string{"success"}})
			e.repo.AddEnvironment(name)
			e.fake.ResetRequests()
			for _, step := range []config.Step{config.StepDeactivateEnv, config.StepDeleteEnv} {
				if _, err := lifecycle.Teardown(context.Background(), e.c, teardownCfg(step, name)); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			envPath := "/repos/octo-org/hello-world/environments/" + url.PathEscape(name)
			for _, r := range e.fake.Requests() {
				if !strings.HasPrefix(r.Path, "/repos/octo-org/hello-world/deployments") && r.Path != envPath {
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
		_, err := lifecycle.Teardown(context.Background(), e.c, c)
		var off *githubapi.OffLimitsError
		if err == nil || !errorsAs(err, &off) {
			t.Errorf("delete-env of %q: %v, want the guard's refusal", name, err)
		}
		if e.fake.Count("DELETE") != 0 {
			t.Errorf("delete-env of %q sent a DELETE", name)
		}
	}
}
