package fgtest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// root is the repository's root directory.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// ActionYAML is the repository's action.yml.
func ActionYAML(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// EventPath is the path of testdata/events/NAME.json.
func EventPath(name string) string {
	return filepath.Join(root(), "testdata", "events", name+".json")
}

// Context is the GITHUB_* context of a run of workflow "Deploy", job
// deploy, in Repo at SHA on a push, against the API at apiURL; extra
// pairs ("NAME", "value", …) are added or replace.
func Context(apiURL string, extra ...string) map[string]string {
	m := map[string]string{
		"GITHUB_REPOSITORY": Repo, "GITHUB_REPOSITORY_OWNER": strings.Split(Repo, "/")[0], "GITHUB_SHA": SHA,
		"GITHUB_REF": "refs/heads/main", "GITHUB_EVENT_NAME": "push", "GITHUB_API_URL": apiURL,
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "314", "GITHUB_RUN_ATTEMPT": "1",
		"GITHUB_JOB": "deploy", "GITHUB_WORKFLOW": "Deploy", "GITHUB_ACTOR": "octocat",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// Stage is the environment of one stage as the runner gives it: Context,
// the token input, and inputs (by name, as in `with:`), then extra pairs.
func Stage(apiURL string, inputs map[string]string, extra ...string) map[string]string {
	m := Context(apiURL, extra...)
	m["INPUT_TOKEN"] = Token
	for k, v := range inputs {
		m["INPUT_"+strings.ToUpper(k)] = v
	}
	return m
}
