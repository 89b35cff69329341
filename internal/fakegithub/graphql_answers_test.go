package fakegithub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/gqlcheck"
)

// Commits of the tests below.
const (
	shaA = "aaaaaaaa11111111111111111111111111111111"
	shaB = "bbbbbbbb22222222222222222222222222222222"
	shaM = "cccccccc33333333333333333333333333333333"
)

// serveGraphQL serves f, validating every query against GitHub's schema
// (a query it refuses fails the test), and returns a function that asks a
// query and decodes the answer.
func serveGraphQL(t *testing.T, f *fakegithub.Fake) (ask func(query string, vars map[string]any) map[string]any, base string) {
	t.Helper()
	f.ValidateGraphQL = gqlcheck.Validate
	f.OnInvalid = func(_ *http.Request, err error) { t.Errorf("refused: %v", err) }
	srv := f.Start()
	t.Cleanup(srv.Close)
	return func(query string, vars map[string]any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest("POST", srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GraphQL answered %d", resp.StatusCode)
		}
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}, srv.URL
}

// decode is a JSON text as a test compares it.
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return m
}

func TestGraphQLAnswersPartlyLikeGitHub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		want        string
	}{
		{
			name: "a missing pull request under an alias",
			query: `query {
  repository(owner: "o", name: "r") {
    nameWithOwner
    pr5: pullRequest(number: 5) { number }
    pr7: pullRequest(number: 7) { number state }
  }
}`,
			want: `{"data": {"repository": {"nameWithOwner": "o/r", "pr5": null, "pr7": {"number": 7, "state": "MERGED"}}},
"errors": [{"type": "NOT_FOUND", "path": ["repository", "pr5"], "locations": [{"line": 4, "column": 5}],
  "message": "Could not resolve to a PullRequest with the number of 5."}]}`,
		},
		{
			name:  "a missing pull request without an alias",
			query: `{ repository(owner: "o", name: "r") { pullRequest(number: 12) { number } } }`,
			want: `{"data": {"repository": {"pullRequest": null}},
"errors": [{"type": "NOT_FOUND", "path": ["repository", "pullRequest"], "locations": [{"line": 1, "column": 39}],
  "message": "Could not resolve to a PullRequest with the number of 12."}]}`,
		},
		{
			name:  "two missing pull requests",
			query: `{ repository(owner: "o", name: "r") { a: pullRequest(number: 1) { number } b: pullRequest(number: 2) { number } } }`,
			want: `{"data": {"repository": {"a": null, "b": null}},
"errors": [{"type": "NOT_FOUND", "path": ["repository", "a"], "locations": [{"line": 1, "column": 39}],
  "message": "Could not resolve to a PullRequest with the number of 1."},
 {"type": "NOT_FOUND", "path": ["repository", "b"], "locations": [{"line": 1, "column": 76}],
  "message": "Could not resolve to a PullRequest with the number of 2."}]}`,
		},
		{
			name:  "an unknown repository",
			query: `{ repository(owner: "o", name: "gone") { nameWithOwner } }`,
			want: `{"data": {"repository": null},
"errors": [{"type": "NOT_FOUND", "path": ["repository"], "locations": [{"line": 1, "column": 3}],
  "message": "Could not resolve to a Repository with the name 'o/gone'."}]}`,
		},
		{
			name:  "a field the fake does not resolve fails the answer",
			query: `{ repository(owner: "o", name: "r") { pr5: pullRequest(number: 5) { number } description } }`,
			want:  `{"data": null, "errors": [{"message": "the fake GitHub does not resolve Repository.description"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fakegithub.New()
			f.AddRepo("o/r").AddPullRequest(7, shaA, "MERGED")
			ask, _ := serveGraphQL(t, f)
			if d := cmp.Diff(decode(t, tt.want), ask(tt.query, nil)); d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
		})
	}
}

func TestGraphQLEnvironmentsAreNotCaseSensitive(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	repo := f.AddRepo("o/r")
	repo.AddEnvironment("PR-5")
	ids := repo.Seed(fakegithub.Seed{Environment: "PR-5"}, fakegithub.Seed{Environment: "pr-5"}, fakegithub.Seed{Environment: "pr-6"})
	ask, _ := serveGraphQL(t, f)
	q := `query($envs: [String!]) { repository(owner: "o", name: "r") {
  deployments(first: 10, environments: $envs) { totalCount nodes { databaseId environment } }
  environments(first: 10) { nodes { name } }
  environment(name: "pr-5") { name } } }`
	want := decode(t, `{"data": {"repository": {
  "deployments": {"totalCount": 2, "nodes": [{"databaseId": `+itoa(ids[0])+`, "environment": "PR-5"}, {"databaseId": `+itoa(ids[1])+`, "environment": "pr-5"}]},
  "environments": {"nodes": [{"name": "PR-5"}, {"name": "pr-6"}]},
  "environment": {"name": "PR-5"}}}}`)
	if d := cmp.Diff(want, ask(q, map[string]any{"envs": []string{"Pr-5"}})); d != "" {
		t.Errorf("answer (-want +got):\n%s", d)
	}
	if !repo.HasEnvironment("pr-5") || !repo.HasEnvironment("PR-6") || repo.HasEnvironment("pr-7") {
		t.Error("HasEnvironment is case sensitive")
	}
}

func TestGraphQLAnswersRefsLikeGitHub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ref string
		want      string // the deployment's ref, as JSON
		sha       string
	}{
		{"a branch by its full name", "refs/heads/feature-x", `{"name": "feature-x", "prefix": "refs/heads/"}`, shaA},
		{"a branch", "feature-x", `{"name": "feature-x", "prefix": "refs/heads/"}`, shaA},
		{"a tag", "v1.0", `{"name": "v1.0", "prefix": "refs/tags/"}`, shaB},
		{"a tag by its full name", "refs/tags/v1.0", `{"name": "v1.0", "prefix": "refs/tags/"}`, shaB},
		{"a full SHA", shaM, `null`, shaM},
		{"a short SHA", shaB[:7], `null`, shaB},
		{"a longer short SHA", shaB[:12], `null`, shaB},
		{"a branch named like a short SHA", "deadbeef", `{"name": "deadbeef", "prefix": "refs/heads/"}`, shaM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fakegithub.New()
			f.AddRepo("o/r").AddRef("feature-x", shaA).AddTag("v1.0", shaB).AddRef("deadbeef", shaM)
			ask, base := serveGraphQL(t, f)
			c := client{t, base}
			code, _, b := c.do("POST", "/repos/o/r/deployments", `{"ref":"`+tt.ref+`","environment":"e","required_contexts":[]}`)
			if code != http.StatusCreated {
				t.Fatalf("create: %d %s", code, b)
			}
			// GitHub's REST answer echoes the ref as asked.
			if rest := decode(t, b); rest["ref"] != tt.ref || rest["sha"] != tt.sha {
				t.Errorf("REST ref %v sha %v, want %s %s", rest["ref"], rest["sha"], tt.ref, tt.sha)
			}
			got := ask(`{ repository(owner: "o", name: "r") { deployments(first: 1) { nodes { ref { name prefix } commitOid commit { oid } } } } }`, nil)
			want := decode(t, `{"data": {"repository": {"deployments": {"nodes": [{"ref": `+tt.want+`, "commitOid": "`+tt.sha+`", "commit": {"oid": "`+tt.sha+`"}}]}}}}`)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
		})
	}
	// A short SHA of no known commit names nothing.
	f := fakegithub.New()
	f.AddRepo("o/r").AddRef("main", shaA)
	_, base := serveGraphQL(t, f)
	if code, _, b := (client{t, base}).do("POST", "/repos/o/r/deployments", `{"ref":"1234567","environment":"e"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("an unknown short SHA: %d %s, want 422", code, b)
	}
}

func TestGraphQLAnswersTheDefaultBranch(t *testing.T) {
	t.Parallel()
	q := `{ repository(owner: "o", name: "r") { defaultBranchRef { name prefix target { oid } } pullRequest(number: 1) { baseRefName } } }`
	for _, tt := range []struct {
		name, branch, want string
	}{
		{"main by default", "", `{"name": "main", "prefix": "refs/heads/", "target": {"oid": "` + shaA + `"}}`},
		{"one set", "trunk", `{"name": "trunk", "prefix": "refs/heads/", "target": null}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fakegithub.New()
			repo := f.AddRepo("o/r").AddRef("main", shaA).AddPullRequest(1, shaB, "OPEN")
			if tt.branch != "" {
				repo.SetDefaultBranch(tt.branch)
			}
			ask, _ := serveGraphQL(t, f)
			base := tt.branch
			if base == "" {
				base = "main"
			}
			want := decode(t, `{"data": {"repository": {"defaultBranchRef": `+tt.want+`, "pullRequest": {"baseRefName": "`+base+`"}}}}`)
			if d := cmp.Diff(want, ask(q, nil)); d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
		})
	}
}

func TestGraphQLAnswersPullRequests(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	repo := f.AddRepo("o/r").AddRef("main", shaM).AddRef("feature-x", shaA)
	// Pull request 3 was merged into main as shaM; 4 is open with shaM as
	// its head; 5, from a fork since deleted, was closed.
	repo.AddPull(fakegithub.Pull{Number: 3, HeadRef: "feature-x", HeadSHA: shaA, MergeSHA: shaM, State: "MERGED", HeadRepository: "fork/r"})
	repo.AddPull(fakegithub.Pull{Number: 4, HeadRef: "follow-up", HeadSHA: shaM, State: "OPEN"})
	repo.AddPull(fakegithub.Pull{Number: 5, HeadRef: "gone", HeadSHA: shaB, State: "CLOSED", HeadRepositoryDeleted: true})
	ids := repo.Seed(fakegithub.Seed{Environment: "production", Ref: "main"}, fakegithub.Seed{Environment: "pr-3", Ref: "feature-x"})
	ask, _ := serveGraphQL(t, f)
	const fields = `number state merged closed headRefName headRefOid baseRefName mergeCommit { oid } baseRepository { nameWithOwner } headRepository { nameWithOwner }`
	pr3 := `{"number": 3, "state": "MERGED", "merged": true, "closed": true, "headRefName": "feature-x", "headRefOid": "` + shaA + `", "baseRefName": "main",
  "mergeCommit": {"oid": "` + shaM + `"}, "baseRepository": {"nameWithOwner": "o/r"}, "headRepository": {"nameWithOwner": "fork/r"}}`
	pr4 := `{"number": 4, "state": "OPEN", "merged": false, "closed": false, "headRefName": "follow-up", "headRefOid": "` + shaM + `", "baseRefName": "main",
  "mergeCommit": null, "baseRepository": {"nameWithOwner": "o/r"}, "headRepository": {"nameWithOwner": "o/r"}}`
	pr5 := `{"number": 5, "state": "CLOSED", "merged": false, "closed": true, "headRefName": "gone", "headRefOid": "` + shaB + `", "baseRefName": "main",
  "mergeCommit": null, "baseRepository": {"nameWithOwner": "o/r"}, "headRepository": null}`

	q := `query($after: String) { repository(owner: "o", name: "r") { deployments(first: 10) { nodes { databaseId
  commit { associatedPullRequests(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ` + fields + ` } } } } } } }`
	// The default branch's commit lists the pull request merged as it and
	// the one whose head it is, a page at a time; the feature branch's
	// lists the pull request it is the head of.
	got := ask(q, nil)
	var page struct {
		Data struct {
			Repository struct {
				Deployments struct {
					Nodes []struct {
						Commit struct {
							AssociatedPullRequests struct {
								PageInfo struct{ EndCursor string }
							}
						}
					}
				}
			}
		}
	}
	b, _ := json.Marshal(got)
	_ = json.Unmarshal(b, &page)
	cursor := page.Data.Repository.Deployments.Nodes[0].Commit.AssociatedPullRequests.PageInfo.EndCursor
	want := decode(t, `{"data": {"repository": {"deployments": {"nodes": [
  {"databaseId": `+itoa(ids[0])+`, "commit": {"associatedPullRequests": {"totalCount": 2, "pageInfo": {"hasNextPage": true, "endCursor": "`+cursor+`"}, "nodes": [`+pr3+`]}}},
  {"databaseId": `+itoa(ids[1])+`, "commit": {"associatedPullRequests": {"totalCount": 1, "pageInfo": {"hasNextPage": false, "endCursor": "`+cursor+`"}, "nodes": [`+pr3+`]}}}]}}}}`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("first page (-want +got):\n%s", d)
	}
	got = ask(`query($after: String) { repository(owner: "o", name: "r") { deployments(first: 1) { nodes {
  commit { associatedPullRequests(first: 1, after: $after) { pageInfo { hasNextPage } nodes { number } } } } } } }`, map[string]any{"after": cursor})
	want = decode(t, `{"data": {"repository": {"deployments": {"nodes": [{"commit": {"associatedPullRequests": {"pageInfo": {"hasNextPage": false}, "nodes": [{"number": 4}]}}}]}}}}`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("second page (-want +got):\n%s", d)
	}
	got = ask(`{ repository(owner: "o", name: "r") { p4: pullRequest(number: 4) { `+fields+` } p5: pullRequest(number: 5) { `+fields+` } } }`, nil)
	want = decode(t, `{"data": {"repository": {"p4": `+pr4+`, "p5": `+pr5+`}}}`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pull requests (-want +got):\n%s", d)
	}
}

func TestGraphQLAnswersProtectionRules(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	repo := f.AddRepo("o/r").AddEnvironment("preview")
	repo.Protect("Production", "REQUIRED_REVIEWERS", "BRANCH_POLICY")
	repo.AddProtectionRules("production", fakegithub.ProtectionRule{Type: "WAIT_TIMER", Timeout: 30})
	ask, base := serveGraphQL(t, f)
	got := ask(`{ repository(owner: "o", name: "r") { environments(first: 10) { nodes { name
  protectionRules(first: 2) { totalCount pageInfo { hasNextPage } nodes { type timeout preventSelfReview } } } } } }`, nil)
	want := decode(t, `{"data": {"repository": {"environments": {"nodes": [
  {"name": "Production", "protectionRules": {"totalCount": 3, "pageInfo": {"hasNextPage": true}, "nodes": [
    {"type": "REQUIRED_REVIEWERS", "timeout": 0, "preventSelfReview": false}, {"type": "BRANCH_POLICY", "timeout": 0, "preventSelfReview": null}]}},
  {"name": "preview", "protectionRules": {"totalCount": 0, "pageInfo": {"hasNextPage": false}, "nodes": []}}]}}}}`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("answer (-want +got):\n%s", d)
	}
	// The environment's ids, and the wait timer on the next page.
	got = ask(`{ repository(owner: "o", name: "r") { environment(name: "PRODUCTION") { id databaseId
  protectionRules(first: 1, after: "cursor:1") { nodes { type timeout databaseId } } } } }`, nil)
	env, _ := got["data"].(map[string]any)["repository"].(map[string]any)["environment"].(map[string]any)
	rules, _ := env["protectionRules"].(map[string]any)["nodes"].([]any)
	if env["id"] == nil || env["databaseId"] == nil || len(rules) != 1 {
		t.Fatalf("environment %v", got)
	}
	if r := rules[0].(map[string]any); r["type"] != "WAIT_TIMER" || r["timeout"] != 30.0 || r["databaseId"] == nil {
		t.Errorf("wait timer %v", r)
	}
	// The REST answer lists them as GitHub does, in its lower-case types.
	_, _, b := (client{t, base}).do("GET", "/repos/o/r/environments/production", "")
	var rest struct {
		ID              int64
		ProtectionRules []struct {
			Type      string
			WaitTimer *int `json:"wait_timer"`
		} `json:"protection_rules"`
	}
	_ = json.Unmarshal([]byte(b), &rest)
	if len(rest.ProtectionRules) != 3 || rest.ProtectionRules[2].Type != "wait_timer" || *rest.ProtectionRules[2].WaitTimer != 30 ||
		rest.ID != int64(env["databaseId"].(float64)) {
		t.Errorf("REST environment %s", b)
	}
}

func TestGraphQLAnswerHookChangesAnswers(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	f.AddRepo("o/r")
	var mu sync.Mutex
	var queries []string
	f.GraphQLAnswer = func(query string, _ map[string]any, answer map[string]any) map[string]any {
		mu.Lock()
		queries = append(queries, query)
		mu.Unlock()
		if strings.Contains(query, "keep") {
			return nil
		}
		answer["data"].(map[string]any)["repository"].(map[string]any)["nameWithOwner"] = "x/y"
		answer["errors"] = []any{map[string]any{"message": "injected"}}
		return answer
	}
	ask, _ := serveGraphQL(t, f)
	want := decode(t, `{"data": {"repository": {"nameWithOwner": "x/y"}}, "errors": [{"message": "injected"}]}`)
	if d := cmp.Diff(want, ask(`{ repository(owner: "o", name: "r") { nameWithOwner } }`, nil)); d != "" {
		t.Errorf("changed answer (-want +got):\n%s", d)
	}
	want = decode(t, `{"data": {"repository": {"keep": "o/r"}}}`)
	if d := cmp.Diff(want, ask(`{ repository(owner: "o", name: "r") { keep: nameWithOwner } }`, nil)); d != "" {
		t.Errorf("kept answer (-want +got):\n%s", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(queries) != 2 {
		t.Errorf("the hook saw %d queries, want 2", len(queries))
	}
}
