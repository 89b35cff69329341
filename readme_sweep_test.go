package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// recipe is the first workflow of the recipe titled title (a "## " or
// "### " heading) in the one document of README.md and docs/*.md that has
// it.
func recipe(t *testing.T, title string) map[string]any {
	t.Helper()
	heading := regexp.MustCompile("(?m)^###? " + regexp.QuoteMeta(title) + "$")
	var found []string
	var s string
	for _, p := range documents(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if loc := heading.FindStringIndex(string(b)); loc != nil {
			found, s = append(found, p), string(b)[loc[1]:]
		}
	}
	if len(found) != 1 {
		t.Fatalf("recipe %q is in %q: want it in exactly one of README.md and docs/*.md", title, found)
	}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(s)
	if block == nil {
		t.Fatalf("recipe %q has no workflow", title)
	}
	var wf map[string]any
	if err := yaml.Unmarshal([]byte(block[1]), &wf); err != nil {
		t.Fatalf("recipe %q: %v", title, err)
	}
	return wf
}

// actionSteps are the `with:` of the workflow's steps that use this action.
func actionSteps(wf map[string]any) []map[string]any {
	var out []map[string]any
	jobs, _ := wf["jobs"].(map[string]any)
	for _, j := range jobs {
		steps, _ := j.(map[string]any)["steps"].([]any)
		for _, s := range steps {
			step, _ := s.(map[string]any)
			if uses, _ := step["uses"].(string); strings.HasPrefix(uses, "deploy-lifecycle/deployment-action") {
				with, _ := step["with"].(map[string]any)
				out = append(out, with)
			}
		}
	}
	return out
}

// TestReadmeSweepRecipeFindsEveryPreviewRecipesEnvironment runs the
// preview recipes (a pull request's in the README, a branch's in
// docs/recipes.md) against the README's nightly sweep recipe: every
// environment they make, for pull request numbers and branch names with
// slashes, matches one of the sweep's patterns, so no preview escapes the
// sweep the documentation says finds it.
func TestReadmeSweepRecipeFindsEveryPreviewRecipesEnvironment(t *testing.T) {
	t.Parallel()
	var patterns []string
	for _, with := range actionSteps(recipe(t, "A nightly sweep of stale previews")) {
		if with["step"] == "sweep" {
			for _, p := range strings.FieldsFunc(with["environments"].(string), func(r rune) bool { return r == '\n' || r == ',' }) {
				patterns = append(patterns, strings.TrimSpace(p))
			}
		}
	}
	if len(patterns) == 0 {
		t.Fatal("the sweep recipe has no environments")
	}
	values := map[string][]string{
		"${{ github.event.number }}": {"1", "42", "123456"},
		"${{ github.ref_name }}":     {"login", "feature/login", "dependabot/npm_and_yarn/lodash-4.17.21", "release/2026/12"},
		"${{ github.event.ref }}":    {"feature/login", "dependabot/github_actions/x"},
	}
	found := 0
	for _, title := range []string{"A preview environment per pull request, torn down when it closes", "A branch preview, torn down when the branch is deleted"} {
		for _, with := range actionSteps(recipe(t, title)) {
			tmpl, _ := with["environment"].(string)
			if tmpl == "" || with["step"] != nil {
				continue // a teardown names what the deploy made
			}
			for expr, vals := range values {
				if !strings.Contains(tmpl, expr) {
					continue
				}
				for _, v := range vals {
					env := strings.ReplaceAll(tmpl, expr, v)
					found++
					if !slices.ContainsFunc(patterns, func(p string) bool { return vocab.MatchPattern(p, env) }) {
						t.Errorf("recipe %q makes environment %q, which the sweep recipe's %q never sweeps", title, env, patterns)
					}
				}
			}
		}
	}
	if found < 5 {
		t.Errorf("only %d preview environments made from the recipes: the test found no recipe to check", found)
	}
	// The check can fail: * does not cross a /.
	if vocab.MatchPattern("preview/*", "preview/feature/login") {
		t.Error("preview/* matches across a /")
	}
}
