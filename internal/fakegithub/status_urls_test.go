package fakegithub_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
)

// A deploy platform's status carries the preview's URL and its log: the
// latest status answers them, and a status without them answers null.
func TestGraphQLAnswersStatusURLs(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	repo := f.AddRepo("o/r").AddRef("main", shaM)
	ids := repo.Seed(fakegithub.Seed{Environment: "Preview", Ref: shaA, Creator: "vercel[bot]"}, fakegithub.Seed{Environment: "Preview", Ref: shaB})
	if !repo.AddStatusWithURLs(ids[0], "success", "https://pr-7.example.vercel.app", "https://vercel.com/log/7") || !repo.AddStatus(ids[1], "queued") {
		t.Fatal("no such deployment")
	}
	if repo.AddStatusWithURLs(99999, "success", "", "") {
		t.Error("a status for a deployment that does not exist")
	}
	ask, _ := serveGraphQL(t, f)
	got := ask(`{ repository(owner: "o", name: "r") { deployments(environments: ["preview"], first: 20, orderBy: {field: CREATED_AT, direction: DESC}) {
	  nodes { databaseId commitOid ref { name } latestStatus { state environmentUrl logUrl } creator { __typename login } } } } }`, nil)
	want := decode(t, `{"data": {"repository": {"deployments": {"nodes": [
	  {"databaseId": `+itoa(ids[1])+`, "commitOid": "`+shaB+`", "ref": null, "latestStatus": {"state": "QUEUED", "environmentUrl": null, "logUrl": null}, "creator": {"__typename": "Bot", "login": "github-actions"}},
	  {"databaseId": `+itoa(ids[0])+`, "commitOid": "`+shaA+`", "ref": null, "latestStatus": {"state": "SUCCESS", "environmentUrl": "https://pr-7.example.vercel.app", "logUrl": "https://vercel.com/log/7"}, "creator": {"__typename": "Bot", "login": "vercel"}}
	]}}}}`)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("answer (-want +got):\n%s", d)
	}
}
