package lifecycle

// The stale rule, row by row: what the sweep decides about one environment
// from its newest deployment, the pull requests, its protection rules and
// its name. The end-to-end tests against the fake GitHub are in
// sweep_test.go and sweep_keeps_test.go.

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

const (
	thisRepo = "octo-org/hello-world"
	headSHA  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	mergeSHA = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	// defaultHead is the default branch's head commit.
	defaultHead = "cccccccccccccccccccccccccccccccccccccccc"
)

// fork is p opened from a fork.
func fork(p pullRequest) pullRequest {
	p.HeadRepository = &struct {
		NameWithOwner string `json:"nameWithOwner"`
	}{"mallory/hello-world"}
	return p
}

// headedAt is p with head branch ref.
func headedAt(p pullRequest, ref string) pullRequest {
	p.HeadRefName = ref
	return p
}

func payloadOf(t *testing.T, m any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{vocab.MarkerKey: m})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func pr(n int, state, base string) pullRequest {
	p := pullRequest{Number: n, State: state, HeadRefName: "feature-x", HeadRefOid: headSHA}
	p.BaseRepository = &struct {
		NameWithOwner string `json:"nameWithOwner"`
	}{base}
	p.HeadRepository = &struct {
		NameWithOwner string `json:"nameWithOwner"`
	}{base}
	p.MergeCommit = &struct {
		Oid string `json:"oid"`
	}{mergeSHA}
	return p
}

func TestStaleRule(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	ours, other := thisRepo, "someone/fork"
	type row struct {
		name string
		// The environment.
		env       string
		rules     []string
		rulesGone bool // GitHub did not say
		patterns  []string
		// Its newest deployment.
		payload  any    // the run marker (nil: none; a string: raw payload)
		refName  string // GraphQL's Ref.name ("" for a SHA)
		sha      string
		prs      []pullRequest
		age      time.Duration // 0: createdAt null
		states   map[int]string
		olderAge time.Duration // older-than (0: off)
		tag      bool          // the ref is a tag
		// What the sweep decides, and a word of why.
		want, why string
	}
	marker := func(pr int) map[string]any { return map[string]any{"run_id": 7, "run_attempt": 1, "pull_request": pr} }
	rows := []row{
		// This action's marker is authoritative.
		{name: "marker for a merged pull request", env: "pr-5", payload: marker(5), sha: headSHA, states: map[int]string{5: "MERGED"}, age: day, want: DecisionSwept, why: "#5 merged"},
		{name: "marker for a closed pull request", env: "pr-5", payload: marker(5), sha: headSHA, states: map[int]string{5: "CLOSED"}, age: day, want: DecisionSwept, why: "#5 closed"},
		{name: "marker for an open pull request", env: "pr-5", payload: marker(5), sha: headSHA, states: map[int]string{5: "OPEN"}, age: day, want: DecisionKept, why: "#5 is open"},
		{name: "marker for a pull request GitHub cannot resolve", env: "pr-5", payload: marker(5), sha: headSHA, states: map[int]string{}, age: day, want: DecisionKept, why: "could not be found"},
		{name: "marker for a number beyond GraphQL's Int", env: "pr-5", payload: marker(1 << 40), sha: headSHA, states: map[int]string{1 << 40: "CLOSED"}, age: day, want: DecisionKept, why: "could not be found"},
		{name: "marker without a pull request, commit in a merged one", env: "staging", payload: marker(0), refName: "main", sha: mergeSHA, prs: []pullRequest{pr(9, "MERGED", ours)}, age: day, want: DecisionKept, why: "made for no pull request"},
		{name: "marker without a pull request, ref is a merged one's head", env: "qa", payload: marker(0), refName: "feature-x", sha: headSHA, prs: []pullRequest{pr(9, "MERGED", ours)}, age: day, want: DecisionKept, why: "made for no pull request"},
		{name: "a marker that cannot be read", env: "pr-5", payload: `{"deployment_action":{"run_id":"x","pull_request":5}}`, sha: headSHA, prs: []pullRequest{pr(5, "CLOSED", ours)}, age: day, want: DecisionKept, why: "production"},
		{name: "a marker that cannot be read, named exactly", env: "pr-5", patterns: []string{"pr-5"}, payload: `{"deployment_action":[1]}`, sha: headSHA, prs: []pullRequest{pr(5, "CLOSED", ours)}, age: day, want: DecisionKept, why: "cannot be read"},
		// Another tool's deployments.
		{name: "default branch, commit merged by a pull request", env: "staging", refName: "main", sha: mergeSHA, prs: []pullRequest{pr(9, "MERGED", ours)}, age: day, want: DecisionKept, why: "default branch"},
		{name: "default branch even when it is a pull request's head", env: "staging", refName: "main", sha: headSHA, prs: []pullRequest{{Number: 9, State: "CLOSED", HeadRefName: "main", HeadRefOid: headSHA, BaseRepository: pr(0, "", ours).BaseRepository}}, age: day, want: DecisionKept, why: "default branch"},
		{name: "the pull request's head branch, merged", env: "preview-x", refName: "feature-x", sha: headSHA, prs: []pullRequest{pr(9, "MERGED", ours)}, age: day, want: DecisionSwept, why: "#9 merged"},
		{name: "the pull request's head branch, open", env: "preview-x", refName: "feature-x", sha: headSHA, prs: []pullRequest{pr(9, "OPEN", ours)}, age: day, want: DecisionKept, why: "#9 is open"},
		{name: "the pull request's head branch in another repository", env: "preview-x", refName: "feature-x", sha: headSHA, prs: []pullRequest{pr(9, "CLOSED", other)}, age: day, want: DecisionKept, why: "belongs to no pull request"},
		{name: "the pull request's head commit, closed", env: "preview-x", sha: headSHA, prs: []pullRequest{pr(9, "CLOSED", ours)}, age: day, want: DecisionSwept, why: "#9 closed"},
		{name: "a fork's head branch named like ours", env: "preview-x", refName: "feature-x", sha: headSHA, prs: []pullRequest{fork(pr(9, "CLOSED", ours))}, age: day, want: DecisionKept, why: "not deployed from its head"},
		{name: "a fork's head commit, by SHA", env: "preview-x", sha: headSHA, prs: []pullRequest{fork(pr(9, "CLOSED", ours))}, age: day, want: DecisionKept, why: "cannot be told"},
		{name: "a tag named like the head branch", env: "preview-x", refName: "feature-x", tag: true, sha: headSHA, prs: []pullRequest{pr(9, "CLOSED", ours)}, age: day, want: DecisionKept, why: "cannot be told"},
		{name: "a SHA of a pull request whose head is the default branch", env: "staging", sha: headSHA, prs: []pullRequest{headedAt(pr(9, "MERGED", ours), "main")}, age: day, want: DecisionKept, why: "cannot be told"},
		{name: "the default branch's head commit", env: "staging", sha: defaultHead, prs: []pullRequest{{Number: 9, State: "CLOSED", HeadRefName: "x", HeadRefOid: defaultHead, BaseRepository: pr(0, "", ours).BaseRepository, HeadRepository: pr(0, "", ours).HeadRepository}}, age: day, want: DecisionKept, why: "default branch's head commit"},
		{name: "the pull request's merge commit, by SHA", env: "preview-x", sha: mergeSHA, prs: []pullRequest{pr(9, "MERGED", ours)}, age: day, want: DecisionKept, why: "not deployed from its head"},
		{name: "a fast-forward merge: head commit is the merge commit", env: "preview-x", sha: headSHA, prs: []pullRequest{{Number: 9, State: "MERGED", HeadRefName: "feature-x", HeadRefOid: headSHA, BaseRepository: pr(0, "", ours).BaseRepository, HeadRepository: pr(0, "", ours).HeadRepository, MergeCommit: pr(0, "", ours).MergeCommit}}, age: day, want: DecisionSwept, why: "#9 merged"},
		{name: "another branch whose commit is in a pull request", env: "preview-y", refName: "release", sha: headSHA, prs: []pullRequest{pr(9, "MERGED", ours)}, age: day, want: DecisionKept, why: "not deployed from its head"},
		{name: "two pull requests from the head, one open", env: "preview-x", refName: "feature-x", sha: headSHA, prs: []pullRequest{pr(9, "CLOSED", ours), pr(10, "OPEN", ours)}, age: day, want: DecisionKept, why: "#10 is open"},
		{name: "a pull request in an unknown state", env: "preview-x", refName: "feature-x", sha: headSHA, prs: []pullRequest{pr(9, "", ours)}, age: day, want: DecisionKept, why: "unknown"},
		{name: "no pull request", env: "pr-4", sha: headSHA, age: day, want: DecisionKept, why: "belongs to no pull request"},
		// Protected and production environments.
		{name: "protected, by a wildcard", env: "pr-5", rules: []string{"REQUIRED_REVIEWERS"}, payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionKept, why: "protected (required reviewers)"},
		{name: "protected, named exactly", env: "pr-5", patterns: []string{"PR-5"}, rules: []string{"WAIT_TIMER"}, payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionSwept, why: "#5 merged"},
		{name: "protection rules unknown", env: "pr-5", rulesGone: true, payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionKept, why: "protection rules"},
		{name: "branch policy", env: "pr-5", rules: []string{"BRANCH_POLICY"}, payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionKept, why: "branch policy"},
		{name: "production in another case", env: "Production", payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionKept, why: "production"},
		{name: "production with spaces", env: " PRODUCTION ", payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionKept, why: "production"},
		{name: "production by the marker", env: "live", payload: map[string]any{"run_id": 7, "production": true, "pull_request": 5}, states: map[int]string{5: "MERGED"}, age: day, want: DecisionKept, why: "production"},
		{name: "production named exactly in another case", env: "production", patterns: []string{"PRODUCTION"}, payload: marker(5), states: map[int]string{5: "MERGED"}, age: day, want: DecisionSwept, why: "#5 merged"},
		{name: "name case: PR-7 by pr-*", env: "PR-7", payload: marker(7), states: map[int]string{7: "CLOSED"}, age: day, want: DecisionSwept, why: "#7 closed"},
		// Ages.
		{name: "older than", env: "pr-4", sha: headSHA, age: 30 * day, olderAge: 14 * day, want: DecisionSwept, why: "30d old"},
		{name: "younger than", env: "pr-4", sha: headSHA, age: 3 * day, olderAge: 14 * day, want: DecisionKept, why: "3d old"},
		{name: "createdAt null is no age", env: "pr-4", sha: headSHA, age: 0, olderAge: 14 * day, want: DecisionKept, why: "age is unknown"},
		{name: "a creation time in the future", env: "pr-4", sha: headSHA, age: -5 * day, olderAge: 14 * day, want: DecisionKept, why: "0s old"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			patterns := r.patterns
			if patterns == nil {
				patterns = []string{"*"}
			}
			cfg := &config.Config{Sweep: config.SweepOptions{Sweep: config.Sweep{Patterns: patterns, PullRequestClosed: true, OlderThan: r.olderAge}}}
			d := deployment{ID: 1, Environment: r.env, RefName: r.refName, SHA: r.sha, PullRequests: r.prs}
			if r.refName != "" {
				d.RefPrefix = "refs/heads/"
			}
			if r.tag {
				d.RefPrefix = "refs/tags/"
			}
			if r.sha == "" {
				d.SHA = headSHA
			}
			if r.age != 0 {
				d.Created = now.Add(-r.age)
			}
			switch p := r.payload.(type) {
			case string:
				d.Payload = p
			case nil:
			default:
				d.Payload = payloadOf(t, p)
			}
			env := environment{Name: r.env, Rules: r.rules, RulesKnown: !r.rulesGone}
			facts := sweepFacts{Repository: thisRepo, DefaultBranch: "main", DefaultHead: defaultHead, PullRequests: r.states}
			got := judge(cfg.Sweep, env, listing{all: []deployment{d}}, facts, now)
			if got.Decision != r.want {
				t.Errorf("%s: decision %s (%s), want %s", r.env, got.Decision, got.Reason, r.want)
			}
			if !strings.Contains(got.Reason, r.why) {
				t.Errorf("%s: reason %q, want …%s…", r.env, got.Reason, r.why)
			}
		})
	}
}

// Without a known default branch, a ref that is some pull request's head
// might be the default branch: kept.
func TestStaleRuleWithoutADefaultBranch(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Sweep: config.SweepOptions{Sweep: config.Sweep{Patterns: []string{"*"}, PullRequestClosed: true}}}
	d := deployment{ID: 1, Environment: "preview-x", RefName: "feature-x", RefPrefix: "refs/heads/", SHA: headSHA, Created: time.Now(), PullRequests: []pullRequest{pr(9, "MERGED", thisRepo)}}
	got := judge(cfg.Sweep, environment{Name: "preview-x", RulesKnown: true}, listing{all: []deployment{d}}, sweepFacts{Repository: thisRepo}, time.Now())
	if got.Decision != DecisionKept {
		t.Errorf("unknown default branch: decision %s (%s), want %s", got.Decision, got.Reason, DecisionKept)
	}
	if !strings.Contains(got.Reason, "unknown default branch") {
		t.Errorf("reason %q, want it to name the unknown default branch", got.Reason)
	}
	// More pull requests than were read: one of the others may be open.
	d.PullRequestsTruncated = true
	got = judge(cfg.Sweep, environment{Name: "preview-x", RulesKnown: true}, listing{all: []deployment{d}}, sweepFacts{Repository: thisRepo, DefaultBranch: "main"}, time.Now())
	if got.Decision != DecisionKept {
		t.Errorf("truncated pull requests: decision %s (%s), want %s", got.Decision, got.Reason, DecisionKept)
	}
	if !strings.Contains(got.Reason, "more pull requests than were read") {
		t.Errorf("reason %q, want it to say there were more pull requests than were read", got.Reason)
	}
}

func TestRefMatches(t *testing.T) {
	t.Parallel()
	byBranch := deployment{RefName: "feature-x", SHA: headSHA}
	byTag := deployment{RefName: "v1.2.3", SHA: headSHA}
	bySHA := deployment{SHA: headSHA}
	tests := []struct {
		ref  string
		d    deployment
		want bool
	}{
		{"feature-x", byBranch, true},
		{"refs/heads/feature-x", byBranch, true},
		{"refs/tags/v1.2.3", byTag, true},
		{"refs/heads/v1.2.3", deployment{RefName: "v1.2.3", RefPrefix: "refs/tags/", SHA: headSHA}, false},
		{"refs/tags/v1.2.3", deployment{RefName: "v1.2.3", RefPrefix: "refs/tags/", SHA: headSHA}, true},
		{"v1.2.3", deployment{RefName: "v1.2.3", RefPrefix: "refs/tags/", SHA: headSHA}, true},
		{"v1.2.3", byTag, true},
		{"feature", byBranch, false},
		{"refs/heads/feature-y", byBranch, false},
		{headSHA, bySHA, true},
		{headSHA[:7], bySHA, true},
		{strings.ToUpper(headSHA[:12]), bySHA, true},
		{headSHA[:6], bySHA, false}, // too short to be a SHA
		{headSHA, byBranch, true},   // the commit it was made of
		{mergeSHA, bySHA, false},
		{"feature-x", bySHA, false},
		{"", byBranch, false},
	}
	for _, tt := range tests {
		if got := refMatches(tt.ref, tt.d); got != tt.want {
			t.Errorf("refMatches(%q, %+v) = %v, want %v", tt.ref, tt.d, got, tt.want)
		}
	}
}

func TestMarkerIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload string
		want    markerState
	}{
		{``, markerNone},
		{`{}`, markerNone},
		{`[1]`, markerNone},
		{`{"deployment_action":null}`, markerNone},
		{`{"deployment_action":{"run_id":1,"run_attempt":1,"pull_request":5}}`, markerOK},
		{`{"deployment_action":{"run_id":1,"pull_request":1e30}}`, markerBad},
		{`{"deployment_action":{"run_id":1,"pull_request":-3}}`, markerBad},
		{`{"deployment_action":{"run_attempt":1}}`, markerBad},
		{`{"deployment_action":"x"}`, markerBad},
	}
	for _, tt := range tests {
		if _, got := markerIn([]byte(tt.payload)); got != tt.want {
			t.Errorf("markerIn(%s) = %v, want %v", tt.payload, got, tt.want)
		}
	}
}
