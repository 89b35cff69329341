package fakegithub_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
)

// TestGraphQLAnswersCommitHistories: Repository.object finds a commit the
// repository knows (null for another id, without an error); its history
// is git log's order (newest committer date first, every ancestor once,
// a merge's both sides), with committedDate; Deployment.statuses lists
// the statuses oldest first with their times.
func TestGraphQLAnswersCommitHistories(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	clock := fakeclock.New()
	f.Now = clock.Now
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	repo := f.AddRepo("octo-org/hello-world").
		AddCommit(shaA, t0).
		AddCommit(shaB, t0.Add(2*time.Hour), shaA).
		AddCommit("dddddddd44444444444444444444444444444444", t0.Add(time.Hour), shaA).
		AddCommit(shaM, t0.Add(3*time.Hour), shaB, "dddddddd44444444444444444444444444444444").
		AddRef("main", shaM)
	id := repo.Seed(fakegithub.Seed{Environment: "production", States: []string{"in_progress", "success"}})[0]
	ask, _ := serveGraphQL(t, f)
	got := ask(`query($o: GitObjectID!, $none: GitObjectID!) { repository(owner: "octo-org", name: "hello-world") {
	  c: object(oid: $o) { ... on Commit { committedDate history(first: 3) { nodes { oid committedDate } } } }
	  none: object(oid: $none) { ... on Commit { oid } }
	  deployments(first: 1) { nodes { databaseId statuses(first: 5) { totalCount nodes { state createdAt } } } }
	} }`, map[string]any{"o": shaM, "none": "eeeeeeee55555555555555555555555555555555"})
	at := clock.Now().UTC().Format(time.RFC3339)
	want := map[string]any{"data": map[string]any{"repository": map[string]any{
		"c": map[string]any{"committedDate": "2026-01-01T03:00:00Z", "history": map[string]any{"nodes": []any{
			map[string]any{"oid": shaM, "committedDate": "2026-01-01T03:00:00Z"},
			map[string]any{"oid": shaB, "committedDate": "2026-01-01T02:00:00Z"},
			map[string]any{"oid": "dddddddd44444444444444444444444444444444", "committedDate": "2026-01-01T01:00:00Z"},
		}}},
		"none": nil,
		"deployments": map[string]any{"nodes": []any{map[string]any{"databaseId": float64(id), "statuses": map[string]any{"totalCount": float64(2), "nodes": []any{
			map[string]any{"state": "IN_PROGRESS", "createdAt": at}, map[string]any{"state": "SUCCESS", "createdAt": at},
		}}}}},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
}
