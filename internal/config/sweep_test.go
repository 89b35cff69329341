package config_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

func TestParseAge(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"", 0, false},
		{"14d", 14 * day, false},
		{"36h", 36 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"0d12h", 12 * time.Hour, false},
		{"36500d", config.MaxAge, false},
		{"36499d24h", config.MaxAge, false},
		{"36499d23h60m", config.MaxAge, false},
		{"36501d", 0, true},
		{"36500d1m", 0, true},
		{"36500d0m", config.MaxAge, false},
		// Summed in an int64 of nanoseconds, this wraps around to 25m.
		{"100000d100000d13504d", 0, true},
		{"52560001m", 0, true},
		{"876001h", 0, true},
		{"99999999999999999999d", 0, true},
		{"9223372036854775807m", 0, true},
		{"106751d106751d", 0, true},
		{"0d", 0, true},
		{"0h0m", 0, true},
		{"5x", 0, true},
		{"d", 0, true},
		{"14", 0, true},
		{"-1d", 0, true},
		{"+1d", 0, true},
		{"1d 12h", 0, true},
		{"1D", 0, true},
		{"١d", 0, true}, // an Arabic-Indic digit one
	}
	for _, tt := range tests {
		got, err := config.ParseAge(tt.in)
		if got != tt.want {
			t.Errorf("ParseAge(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseAge(%q): error %v, want an error: %v", tt.in, err, tt.wantErr)
		}
		if got < 0 || got > config.MaxAge {
			t.Errorf("ParseAge(%q) = %v, outside 0 to MaxAge", tt.in, got)
		}
	}
}

// inputsOf are the inputs errs name, in order.
func inputsOf(errs []*config.InputError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Input)
	}
	return out
}

// prEvent is what Load tells of the event's pull request.
type prEvent struct {
	PullRequest        int
	IsPullRequestEvent bool
}

func prEventOf(c *config.Config) prEvent { return prEvent{c.PullRequest, c.IsPullRequestEvent} }

// inputErrors are the errors Load returned, each an *InputError.
func inputErrors(t *testing.T, err error) []*config.InputError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*config.InputError
	for _, e := range unwrapAll(err) {
		var ie *config.InputError
		if !errors.As(e, &ie) {
			t.Fatalf("error %v is not an input error", e)
		}
		out = append(out, ie)
	}
	return out
}

func TestSweepOlderThan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, olderThan, prClosed string
		want                      time.Duration
		wantErr                   string // the one error's text, "" for none
	}{
		{"wraps around", "100000d100000d13504d", "false", 0, `input "older-than" has the value "100000d100000d13504d"`},
		{"too old", "36501d", "false", 0, "at most 36500d"},
		{"zero", "0d", "false", 0, `input "older-than" has the value "0d"`},
		{"not an age", "5x", "true", 0, `input "older-than" has the value "5x"`},
		{"huge digits", "99999999999999999999999d", "false", 0, "at most 36500d"},
		{"at the bound", "36500d", "false", config.MaxAge, ""},
		{"ordinary", "1d12h", "false", 36 * time.Hour, ""},
		{"off with pull-request-closed", "", "true", 0, ""},
		{"missing without pull-request-closed", "", "false", 0, `input "older-than" is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := load(t, config.StageMain, env("schedule", map[string]string{"step": "sweep", "environments": "pr-*",
				"older-than": tt.olderThan, "pull-request-closed": tt.prClosed}, "GITHUB_EVENT_PATH", ""))
			errs := inputErrors(t, err)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Sweep.OlderThan != tt.want {
					t.Errorf("OlderThan = %v, want %v", c.Sweep.OlderThan, tt.want)
				}
				return
			}
			if d := cmp.Diff([]string{"older-than"}, inputsOf(errs)); d != "" {
				t.Fatalf("inputs the errors name (-want +got):\n%s\nerrors: %v", d, err)
			}
			checkErr(t, "Load", err, tt.wantErr)
		})
	}
}

func TestSweepMax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int // 0: refused
	}{
		{"", vocab.DefaultSweepMax},
		{"1", 1},
		{"50", 50},
		{" 200 ", 200},
		{"10000", config.SweepMaxLimit},
		{"0", 0},
		{"10001", 0},
		{"-1", 0},
		{"+5", 0},
		{"5.0", 0},
		{"1e3", 0},
		{"0x10", 0},
		{"fifty", 0},
		{"99999999999999999999", 0},
	}
	if d := cmp.Diff([2]int{50, 10000}, [2]int{vocab.DefaultSweepMax, config.SweepMaxLimit}); d != "" {
		t.Fatalf("DefaultSweepMax and SweepMaxLimit (-want +got):\n%s", d)
	}
	for _, tt := range tests {
		c, err := load(t, config.StageMain, env("push", map[string]string{"step": "sweep", "environments": "pr-*", "max-environments": tt.in}))
		if tt.want != 0 {
			if err != nil {
				t.Errorf("max-environments %q refused: %v", tt.in, err)
			} else if c.Sweep.Max != tt.want {
				t.Errorf("max-environments %q: Max %d, want %d", tt.in, c.Sweep.Max, tt.want)
			}
			continue
		}
		errs := inputErrors(t, err)
		if d := cmp.Diff([]string{"max-environments"}, inputsOf(errs)); d != "" {
			t.Errorf("max-environments %q: inputs the errors name (-want +got):\n%s", tt.in, d)
		}
		checkErr(t, "max-environments "+strconv.Quote(tt.in), err, "takes a whole number from 1 to 10000, the most environments one sweep deletes or deactivates; default 50")
	}
}

// writeEvent writes ev as an event payload and returns its path.
func writeEvent(t *testing.T, ev any) string {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWorkflowRunRecordsThisRepositorysPullRequest(t *testing.T) {
	t.Parallel()
	const ourID, forkID, upstreamID = 1296269, 5550001, 7770001
	// repo is a pull request's base.repo as workflow_run lists it: id, url
	// and name, and no owner.
	repo := func(id int, fullName string) map[string]any {
		r := map[string]any{"url": "https://api.github.com/repos/" + fullName, "name": strings.Split(fullName, "/")[1]}
		if id != 0 {
			r["id"] = id
		}
		return r
	}
	pr := func(number int, base map[string]any) map[string]any {
		p := map[string]any{"number": number, "head": map[string]any{"ref": "feature", "sha": "cccccccccccccccccccccccccccccccccccccc03", "repo": repo(forkID, "fork-owner/hello-world")}}
		if base != nil {
			p["base"] = map[string]any{"ref": "main", "sha": "dddddddddddddddddddddddddddddddddddddd04", "repo": base}
		}
		return p
	}
	ours := repo(ourID, "octo-org/hello-world")
	fork := repo(forkID, "fork-owner/hello-world")
	upstream := repo(upstreamID, "upstream-org/hello-world")
	tests := []struct {
		name   string
		prs    []any
		repoID any // the event's repository.id; nil for none
		want   int
	}{
		{"ours first", []any{pr(7, ours), pr(3, fork)}, ourID, 7},
		{"another repository's first, then ours", []any{pr(3, upstream), pr(7, ours)}, ourID, 7},
		{"only a fork's", []any{pr(3, fork)}, ourID, 0},
		{"only the upstream's", []any{pr(3, upstream), pr(4, upstream)}, ourID, 0},
		{"none", []any{}, ourID, 0},
		{"missing base", []any{pr(3, nil)}, ourID, 0},
		{"base without repo", []any{map[string]any{"number": 3, "base": map[string]any{"ref": "main"}}}, ourID, 0},
		{"not an object", []any{"7", 7}, ourID, 0},
		{"no number", []any{map[string]any{"base": map[string]any{"repo": ours}}, pr(8, ours)}, ourID, 8},
		// The ids decide when both are there, whatever the names say.
		{"same name, another id", []any{pr(3, repo(forkID, "octo-org/hello-world"))}, ourID, 0},
		{"another name, our id", []any{pr(9, repo(ourID, "renamed-org/renamed"))}, ourID, 9},
		// Else owner and name, ignoring case.
		{"no event id: url", []any{pr(3, fork), pr(7, repo(ourID, "Octo-Org/Hello-World"))}, nil, 7},
		{"no base id: url", []any{pr(3, repo(0, "fork-owner/hello-world")), pr(7, repo(0, "octo-org/hello-world"))}, ourID, 7},
		{"ghes url", []any{pr(7, map[string]any{"url": "https://ghe.example.com/api/v3/repos/octo-org/hello-world", "name": "hello-world"})}, nil, 7},
		{"url and name disagree", []any{pr(7, map[string]any{"url": "https://api.github.com/repos/octo-org/hello-world", "name": "other"})}, nil, 0},
		{"full_name", []any{pr(7, map[string]any{"full_name": "OCTO-ORG/hello-world"})}, nil, 7},
		{"owner and name", []any{pr(3, map[string]any{"name": "hello-world", "owner": map[string]any{"login": "fork-owner"}}),
			pr(7, map[string]any{"name": "Hello-World", "owner": map[string]any{"login": "octo-org"}})}, nil, 7},
		{"a name alone tells nothing", []any{pr(3, map[string]any{"name": "hello-world"})}, nil, 0},
		{"a string id is no id", []any{pr(7, map[string]any{"id": "1296269", "url": "https://api.github.com/repos/octo-org/hello-world"})}, "1296269", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := map[string]any{
				"action": "completed",
				"workflow_run": map[string]any{"id": 9001, "event": "pull_request", "head_sha": "cccccccccccccccccccccccccccccccccccccc03",
					"pull_requests": tt.prs},
				"repository": map[string]any{"full_name": "octo-org/hello-world"},
			}
			if tt.repoID != nil {
				ev["repository"].(map[string]any)["id"] = tt.repoID
			}
			c, err := load(t, config.StageMain, env("workflow_run", map[string]string{"environment": "e"}, "GITHUB_EVENT_PATH", writeEvent(t, ev)))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(prEvent{tt.want, true}, prEventOf(c)); d != "" {
				t.Errorf("pull request (-want +got):\n%s", d)
			}
			if c.Ref != "cccccccccccccccccccccccccccccccccccccc03" {
				t.Errorf("ref %q, want the run's head_sha", c.Ref)
			}
		})
	}
}

func TestWorkflowRunOfAPush(t *testing.T) {
	t.Parallel()
	c, err := load(t, config.StageMain, env("workflow_run", map[string]string{"environment": "e"}))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prEvent{}, prEventOf(c)); d != "" {
		t.Errorf("pull request (-want +got):\n%s", d)
	}
	if c.Ref != "cccccccccccccccccccccccccccccccccccccc03" {
		t.Errorf("ref %q, want the run's head_sha", c.Ref)
	}
}

func TestPullRequestEventKeepsItsNumber(t *testing.T) {
	t.Parallel()
	for _, event := range []string{"pull_request", "pull_request_target"} {
		ev := map[string]any{"number": 42, "pull_request": map[string]any{"number": 42, "head": map[string]any{"sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
			"repo": map[string]any{"id": 5550001, "full_name": "fork-owner/hello-world"}}}, "repository": map[string]any{"id": 1296269, "full_name": "octo-org/hello-world"}}
		c, err := load(t, config.StageMain, env(event, map[string]string{"environment": "e"}, "GITHUB_EVENT_NAME", event, "GITHUB_EVENT_PATH", writeEvent(t, ev)))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(prEvent{42, true}, prEventOf(c)); d != "" {
			t.Errorf("%s: pull request (-want +got):\n%s", event, d)
		}
	}
}

func TestEnvironmentNamesIgnoreCase(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  string
		want bool
	}{{"production", true}, {"Production", true}, {" PRODUCTION ", true}, {"production\n", true}, {"prod", false}, {"production-eu", false}, {"", false}, {"pre-production", false}} {
		if got := vocab.IsProduction(tt.env); got != tt.want {
			t.Errorf("IsProduction(%q) = %v", tt.env, got)
		}
	}
	for _, tt := range []struct {
		a, b string
		want bool
	}{{"staging", "Staging", true}, {"PR-7", "pr-7", true}, {"pr-7", "pr-7 ", false}, {"pr-7", "pr-8", false}, {"", "", true}} {
		if got := vocab.SameEnvironment(tt.a, tt.b); got != tt.want {
			t.Errorf("SameEnvironment(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, env string
		want         bool
	}{
		{"pr-*", "PR-7", true},
		{"PR-*", "pr-7", true},
		{"pr-*", "pr-", true},
		{"pr-*", "preview-7", false},
		{"Preview/*", "preview/x", true},
		{"Preview/*", "preview/x/y", false},
		{"preview/*", "preview", false},
		{"staging", "Staging", true},
		{"STAGING", "staging", true},
		{"staging", "staging-2", false},
		{"pr-?", "PR-7", true},
		{"pr-?", "pr-42", false},
		{"[A-Z]*", "abc", true},   // the class is lower-cased too
		{"[a-z]*", "ABC", true},   // and so is the name
		{"[^a-z]*", "ABC", false}, // so this leaves out upper case too
		{"[", "[", false},         // malformed: matches nothing
		{"*", "anything", true},
		{"*", "a/b", false},
	}
	for _, tt := range tests {
		if got := vocab.MatchPattern(tt.pattern, tt.env); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tt.pattern, tt.env, got, tt.want)
		}
	}
	for _, tt := range []struct {
		p    string
		want bool
	}{{"pr-*", true}, {"pr-?", true}, {"[ab]", true}, {"production", false}, {"preview/x", false}, {"", false}} {
		if got := vocab.IsWildcard(tt.p); got != tt.want {
			t.Errorf("IsWildcard(%q) = %v", tt.p, got)
		}
	}
}

// hex16 is a nonce: 16 lower-case hex characters.
var hex16 = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestRunNonce(t *testing.T) {
	t.Parallel()
	inputs := map[string]string{"environment": "staging"}
	a, err := load(t, config.StageMain, env("push", inputs))
	if err != nil {
		t.Fatal(err)
	}
	b, err := load(t, config.StageMain, env("push", inputs))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{a.Run.Nonce, b.Run.Nonce} {
		if !hex16.MatchString(n) {
			t.Errorf("nonce %q, want 16 hex characters", n)
		}
	}
	if a.Run.Nonce == b.Run.Nonce {
		t.Errorf("two main stages share the nonce %q", a.Run.Nonce)
	}
	post, err := load(t, config.StagePost, env("push", inputs, "STATE_deployment_id", "5"))
	if err != nil {
		t.Fatal(err)
	}
	if post.Run.Nonce != "" {
		t.Errorf("post stage nonce %q, want none", post.Run.Nonce)
	}
}
