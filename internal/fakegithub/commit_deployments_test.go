package fakegithub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
)

// Repository.object finds a commit by its full SHA (oid) or a rev-parse
// expression (a short SHA, a branch), and is null without an error for
// one GitHub does not have; Commit.deployments lists the deployments made
// of that commit by whatever ref, filtered by environment in any case, in
// the order asked.
func TestGraphQLAnswersACommitsDeployments(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	rp := f.AddRepo("o/r").AddRef("feature", shaA)
	ids := rp.Seed(
		fakegithub.Seed{Environment: "Preview", Ref: shaA},
		fakegithub.Seed{Environment: "preview", Ref: shaB},
		fakegithub.Seed{Environment: "staging", Ref: "feature"},
		fakegithub.Seed{Environment: "PREVIEW", Ref: shaA[:7]},
	)
	// A commit sharing shaA's first 7 digits, and a branch named like a
	// short SHA.
	rp.AddRef("twin", "aaaaaaa0"+shaA[8:]).AddRef("c0ffee42", shaB)
	ask, _ := serveGraphQL(t, f)
	const q = `query($arg: GitObjectID, $expr: String, $envs: [String!], $dir: OrderDirection!) { repository(owner: "o", name: "r") {
		object(oid: $arg, expression: $expr) { __typename ... on Commit { oid deployments(environments: $envs, first: 10, orderBy: {field: CREATED_AT, direction: $dir}) { totalCount nodes { databaseId } } } } } }`
	tests := []struct {
		name string
		vars map[string]any
		want []int64 // nil: object is null
	}{
		{"by oid, every environment, newest first", map[string]any{"arg": shaA, "dir": "DESC"}, []int64{ids[3], ids[2], ids[0]}},
		{"by oid, oldest first", map[string]any{"arg": shaA, "dir": "ASC"}, []int64{ids[0], ids[2], ids[3]}},
		{"one environment in any case", map[string]any{"arg": shaA, "envs": []string{"preview"}, "dir": "DESC"}, []int64{ids[3], ids[0]}},
		{"a short SHA", map[string]any{"expr": shaB[:8], "dir": "DESC"}, []int64{ids[1]}},
		{"a branch", map[string]any{"expr": "feature", "envs": []string{"staging"}, "dir": "DESC"}, []int64{ids[2]}},
		{"a commit GitHub does not have", map[string]any{"expr": "0123456", "dir": "DESC"}, nil},
		// git's rev-parse fails on a prefix more than one object has, and
		// GitHub answers null as for an object it does not have.
		{"an ambiguous short SHA", map[string]any{"expr": shaA[:7], "dir": "DESC"}, nil},
		{"a longer one that is not", map[string]any{"expr": shaA[:8], "dir": "DESC"}, []int64{ids[3], ids[2], ids[0]}},
		// A ref wins over a short SHA, as in git.
		{"a branch named like a short SHA", map[string]any{"expr": "c0ffee42", "dir": "DESC"}, []int64{ids[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans := ask(q, tt.vars)
			if ans["errors"] != nil {
				t.Fatalf("errors: %v", ans["errors"])
			}
			b, _ := json.Marshal(ans["data"])
			var data struct {
				Repository struct {
					Object *struct {
						Typename    string `json:"__typename"`
						Deployments struct {
							TotalCount int
							Nodes      []struct{ DatabaseID int64 }
						}
					}
				}
			}
			if err := json.Unmarshal(b, &data); err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if data.Repository.Object != nil {
					t.Errorf("object %s, want null", b)
				}
				return
			}
			o := data.Repository.Object
			if o == nil || o.Typename != "Commit" {
				t.Fatalf("object %s, want a Commit", b)
			}
			var got []int64
			for _, n := range o.Deployments.Nodes {
				got = append(got, n.DatabaseID)
			}
			if d := cmp.Diff(tt.want, got); d != "" || o.Deployments.TotalCount != len(tt.want) {
				t.Errorf("deployments (-want +got):\n%s\ntotalCount %d", d, o.Deployments.TotalCount)
			}
		})
	}
}

// GET /deployments filters as GitHub's OpenAPI description says: sha
// ("the SHA recorded at creation time"), ref ("the name of the ref":
// branch, tag or SHA, as recorded), task and environment, newest first;
// the creator is who made the deployment.
func TestFakeFiltersDeploymentsLikeGitHub(t *testing.T) {
	t.Parallel()
	f, c, _ := start(t)
	rp := f.AddRepo("o/r")
	rp.AddRef("feature", shaA).AddTag("v1", shaB)
	ids := rp.Seed(
		fakegithub.Seed{Environment: "Preview", Ref: "feature", Creator: "vercel[bot]"},
		fakegithub.Seed{Environment: "staging", Ref: shaA, Task: "deploy:migrations"},
		fakegithub.Seed{Environment: "preview", Ref: "v1"},
		fakegithub.Seed{Environment: "Preview", Ref: shaB, Creator: "octocat"},
	)
	tests := []struct {
		query string
		want  []int64
	}{
		{"sha=" + shaA, []int64{ids[1], ids[0]}},
		{"ref=feature", []int64{ids[0]}},
		{"ref=" + shaA, []int64{ids[1]}},
		{"ref=v1", []int64{ids[2]}},
		{"environment=PREVIEW", []int64{ids[3], ids[2], ids[0]}},
		{"environment=preview&sha=" + shaB, []int64{ids[3], ids[2]}},
		{"task=deploy:migrations", []int64{ids[1]}},
		{"task=deploy&sha=" + shaA, []int64{ids[0]}},
		{"ref=main", nil},
	}
	for _, tt := range tests {
		code, _, b := c.do("GET", "/repos/o/r/deployments?"+tt.query, "")
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.query, code, b)
		}
		var list []struct {
			ID      int64
			Creator struct{ Login, Type string }
		}
		if err := json.Unmarshal([]byte(b), &list); err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, d := range list {
			got = append(got, d.ID)
			want := map[int64]string{ids[0]: "vercel[bot]/Bot", ids[3]: "octocat/User"}[d.ID]
			if want == "" {
				want = "github-actions[bot]/Bot"
			}
			if who := d.Creator.Login + "/" + d.Creator.Type; who != want {
				t.Errorf("%s: deployment %d's creator %s, want %s", tt.query, d.ID, who, want)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
		}
	}
}

// A fragment on an interface (GitObject, Actor) applies to the types that
// implement it, as GitHub resolves it; one on another type does not.
func TestGraphQLFragmentsOnInterfaces(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	f.AddRepo("o/r").AddRef("main", shaA).Seed(fakegithub.Seed{Environment: "e", Ref: "main", Creator: "vercel[bot]"})
	ask, _ := serveGraphQL(t, f)
	got := ask(`query { repository(owner: "o", name: "r") {
		ref(qualifiedName: "refs/heads/main") { target { ...obj ... on Tag { name } } }
		deployments(first: 1) { nodes { creator { ... on Actor { login } ... on User { url } } } } } }
		fragment obj on GitObject { oid ... on Commit { deployments(first: 1) { totalCount } } }`, nil)
	want := decode(t, `{"data": {"repository": {
		"ref": {"target": {"oid": "`+shaA+`", "deployments": {"totalCount": 1}}},
		"deployments": {"nodes": [{"creator": {"login": "vercel"}}]}}}}`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("answer (-want +got):\n%s", d)
	}
}

// node(id:) finds a deployment by the node id REST gives it (node_id),
// and is null with GitHub's NOT_FOUND error for one that does not exist.
func TestGraphQLFindsADeploymentByItsNodeID(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	id := f.AddRepo("o/r").AddRef("main", shaA).Seed(fakegithub.Seed{Environment: "Preview", Ref: "main", Creator: "vercel[bot]"})[0]
	ask, _ := serveGraphQL(t, f)
	const q = `query($id: ID!) { node(id: $id) { __typename ... on Deployment { databaseId environment } } }`
	got := ask(q, map[string]any{"id": fmt.Sprintf("DE_%d", id)})
	want := decode(t, fmt.Sprintf(`{"data": {"node": {"__typename": "Deployment", "databaseId": %d, "environment": "Preview"}}}`, id))
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("answer (-want +got):\n%s", d)
	}
	gone := ask(q, map[string]any{"id": "DE_999999"})
	errs, _ := gone["errors"].([]any)
	data, _ := gone["data"].(map[string]any)
	if len(errs) != 1 || data == nil || data["node"] != nil || errs[0].(map[string]any)["type"] != "NOT_FOUND" {
		t.Errorf("answer for a deployment that does not exist: %v, want node null and one NOT_FOUND error", gone)
	}
}
