package fakegithub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/gqlcheck"
)

func TestGraphQLRefusesQueriesGitHubWouldRefuse(t *testing.T) {
	t.Parallel()
	f := fakegithub.New()
	f.AddRepo("o/r").Seed(fakegithub.Seed{Environment: "pr-1", States: []string{"success"}})
	f.ValidateGraphQL = gqlcheck.Validate
	var invalid atomic.Int64
	f.OnInvalid = func(*http.Request, error) { invalid.Add(1) }
	srv := f.Start()
	defer srv.Close()
	ask := func(query string) map[string]any {
		body, _ := json.Marshal(map[string]any{"query": query})
		req, _ := http.NewRequest("POST", srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	good := ask(`{ repository(owner: "o", name: "r") { deployments(first: 10, environments: ["pr-1"]) { totalCount nodes { databaseId latestStatus { state } } } } }`)
	b, _ := json.Marshal(good)
	if !strings.Contains(string(b), `"state":"SUCCESS"`) || good["errors"] != nil {
		t.Errorf("valid query: %s", b)
	}
	bad := ask(`{ repository(owner: "o", name: "r") { deployments(first: 10) { nodes { productionEnvironment } } } }`)
	if bad["errors"] == nil || invalid.Load() != 1 {
		t.Errorf("invalid query answered %v, OnInvalid called %d times", bad, invalid.Load())
	}
}
