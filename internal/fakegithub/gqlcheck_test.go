package fakegithub_test

import (
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/testkit/gqlcheck"
)

func TestValidateRefusesWhatGitHubWould(t *testing.T) {
	t.Parallel()
	ok := `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { deployments(first: 1) { nodes { databaseId } } } }`
	if err := gqlcheck.Validate(ok, map[string]any{"owner": "o", "name": "r"}); err != nil {
		t.Fatalf("a valid query: %v", err)
	}
	for _, tt := range []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{"unknown field", `{ repository(owner: "o", name: "r") { deployments(first: 1) { nodes { productionEnvironment } } } }`, nil, "Cannot query field"},
		{"unknown argument", `{ repository(owner: "o", name: "r") { deployments(first: 1, ref: "main") { totalCount } } }`, nil, "Unknown argument"},
		{"missing variable", ok, map[string]any{"owner": "o"}, "name"},
		{"wrong variable type", ok, map[string]any{"owner": "o", "name": 5}, "name"},
		{"syntax", `{ repository(owner: "o" { id } }`, nil, ""},
	} {
		err := gqlcheck.Validate(tt.query, tt.vars)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}
