package lifecycle_test

// The invariant behind issue #21, checked over generated histories: sweep
// and teardown judge deployments, not environments. Within an environment:
//
//   - lineage(d) is (task, X): X is "pr N" when this action's run marker
//     (payload key deployment_action) names pull request N > 0; else
//     "branch B" when the marker names branch B; else the ref the
//     deployment was made of as REST keeps it (a branch or tag name, or a
//     SHA).
//   - live(d): its latest state is not inactive, and no newer deployment
//     (higher id) of the same environment and lineage has the latest state
//     success.
//   - A sweep writes to (an inactive status POSTed, or a DELETE) a live
//     deployment only when a rule that is on proves it stale:
//     pull-request-closed and its marker's pull request is closed or merged
//     (another tool's deployment: its ref is the head branch of this
//     repository's pull requests, not the default branch, and every pull
//     request with that head is closed or merged); branch-deleted
//     and the branch its marker names (another tool's: its ref, a branch)
//     exists no more as a branch or a tag; older-than and it and every newer
//     deployment of its lineage were made more than older-than ago. Where
//     the oracle is unsure it takes the deployment as not proven stale.
//   - A sweep writes to a deployment that is not live only when its
//     lineage is proven stale by the same rules, or its environment is
//     deleted in the run.
//   - A sweep deletes an environment only when every deployment live
//     before the run is proven stale, and (docs/teardown-and-sweep.md: "what a wildcard never
//     sweeps") writes nothing in a production or protected environment
//     that no pattern names exactly; it writes only in environments its
//     patterns match (** crosses /, * and ? do not, any case).
//   - A dry run's plan (per candidate: Teardown.Deactivated, Deleted,
//     WouldDeleteEnvironment) is what the real run then does on a copy of
//     the same history (built twice from one seed), and a dry run writes
//     nothing.
//   - keep-latest N (delete-env, deactivate-env): the newest N deployments
//     whose latest state is success, and every deployment newer than the
//     oldest of those that has not finished (pending, queued, in_progress
//     or no status), get no write, and their environment is not deleted; a
//     failure or an error never takes a live one's place.
//   - ref X (delete-env, deactivate-env): only deployments whose ref is X
//     (refs/heads/X) or whose marker names branch X are written to, and
//     every one of them whose REST ref is X and that is not inactive gets
//     an inactive status, its branch deleted or not (GraphQL then answers
//     ref null; REST keeps the ref as given).
//   - An environment all of whose deployments are this action's, made for
//     pull requests now closed or merged, unprotected, not production and
//     matched by a wildcard, is deleted by a pull-request-closed sweep in
//     sweep-mode delete with a token that may.
//   - sweep-mode deactivate and deactivate-env delete nothing.
//
// Non-vacuity: the histories must, all in all, retire deployments and
// delete environments, and hold environments the positive property
// applies to; else the test fails.
//
// Not generated, on purpose: another tool's deployment of a SHA that is a
// pull request's head commit (the oracle could not tell it from one of a
// commit of nothing), forks' pull requests, a default branch other than
// main, markers that cannot be read.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// TestSweepAndTeardownWriteOnlyWhatIsProvenStale checks the invariant
// above on a few hundred generated histories (fewer with -short); a
// failing one is named by its seed: go test ./internal/lifecycle -run
// 'TestSweepAndTeardownWriteOnlyWhatIsProvenStale/histories/seed=N$'.
func TestSweepAndTeardownWriteOnlyWhatIsProvenStale(t *testing.T) {
	t.Parallel()
	n := 250
	if testing.Short() {
		n = 50
	}
	tally := &invTally{kinds: map[string]int{}, first: map[string]string{}}
	t.Run("histories", func(t *testing.T) {
		for i := range n {
			seed := uint64(i + 1)
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(seed, 21))
				invCheck(t, rng, fmt.Sprintf("seed=%d", seed), tally)
			})
		}
	})
	tally.report(t)
}

// The oracle's own rules, on examples: a wrong oracle would make the
// property test fail for nothing, or pass for nothing.
func TestSweepInvariantOracleReadsTheRulesAsIssue21Does(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pattern, env string
		want         bool
	}{
		{"preview/**", "preview/feature/login", true}, {"preview/**", "preview/shared", true}, {"preview/**", "preview", false},
		{"preview/*", "preview/feature/login", false}, {"*", "preview/shared", false}, {"*", "qa", true},
		{"**", "preview/dependabot/npm/x", true}, {"pr-*", "PR-7", true}, {"PR-?", "pr-7", true}, {"pr-?", "pr-17", false},
	} {
		if got := invGlob(tt.pattern, tt.env); got != tt.want {
			t.Errorf("invGlob(%q, %q) = %v, want %v", tt.pattern, tt.env, got, tt.want)
		}
	}
	h := &invHistory{now: time.Now()}
	for i, states := range [][]string{{"success"}, {"success", "inactive"}, {"success"}, {"in_progress"}, {"failure"}, {"queued"}} {
		h.deps = append(h.deps, &invDeployment{id: int64(i + 1), env: "staging", task: "deploy", ref: "main", states: states})
	}
	// Newest first: 6 queued, 5 failure, 4 in_progress, 3 success, 2
	// inactive, 1 success.
	for n, want := range map[int][]int64{1: {3, 4, 6}, 2: {1, 3, 4, 6}, 3: {1, 3, 4, 6}} {
		if got := slices.Sorted(maps.Keys(h.keptByLatest("staging", n))); !slices.Equal(got, want) {
			t.Errorf("keep-latest %d keeps %v, want %v", n, got, want)
		}
	}
	// One lineage (task deploy, ref main): 3 replaces 1; 2 is inactive.
	if got, want := h.live(), map[int64]bool{1: false, 2: false, 3: true, 4: true, 5: true, 6: true}; !maps.Equal(got, want) {
		t.Errorf("live %v, want %v", got, want)
	}
}

// FuzzSweepInvariant is the same check with the fuzzer's bytes driving
// the generator, one decision a byte: go test ./internal/lifecycle -run
// '^$' -fuzz FuzzSweepInvariant -fuzzminimizetime 10x (each input runs
// ten fakes: the default minimizing of a new input takes a minute).
func FuzzSweepInvariant(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte("two pull requests share preview/shared; one merged"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		rng := rand.New(newInvByteSource(data))
		invCheck(t, rng, fmt.Sprintf("fuzz input %q", data), nil)
	})
}

// invByteSource is a rand.Source that takes one decision from each byte
// of data (in the high bits, for IntN, and the low ones, for powers of
// two), then goes on from a PCG seeded by data's hash.
type invByteSource struct {
	data []byte
	rest *rand.PCG
}

func newInvByteSource(data []byte) *invByteSource {
	h := fnv.New64a()
	h.Write(data)
	return &invByteSource{data: data, rest: rand.NewPCG(h.Sum64(), uint64(len(data)))}
}

func (s *invByteSource) Uint64() uint64 {
	r := s.rest.Uint64()
	if len(s.data) == 0 {
		return r
	}
	b := uint64(s.data[0])
	s.data = s.data[1:]
	return b<<56 | r&0x00ffffffffffff00 | b
}

// The history: what a repository holds when the sweep or teardown runs.

const (
	fateExists    = "exists"
	fateDeleted   = "deleted"
	fateRecreated = "deleted, then created again"
	fateTag       = "deleted, then a tag of its name was made"
	invTag        = "v1.0"
	invDay        = 24 * time.Hour
)

type invBranch struct {
	name    string
	commits []string // oldest first; the last is its head
	fate    string
}

type invPull struct {
	number   int
	head     string
	state    string // OPEN, CLOSED or MERGED
	merge    string
	reopened bool
	// byName: its workflow deploys ref: ${{ github.head_ref }}, a bare
	// name, so the marker names no branch.
	byName bool
}

type invDeployment struct {
	id        int64
	env, task string
	// ref is the ref as REST keeps it; commit is what a branch ref
	// resolved to when it was made ("" for a SHA or a tag).
	ref, commit string
	// ours: this action's run marker, naming pr and branch.
	ours       bool
	pr         int
	branch     string
	production bool
	creator    string
	states     []string // oldest first
	created    time.Time
}

func (d *invDeployment) state() string {
	if len(d.states) == 0 {
		return ""
	}
	return d.states[len(d.states)-1]
}

func (d *invDeployment) lineage() string {
	switch {
	case d.ours && d.pr > 0:
		return d.task + " · pr " + strconv.Itoa(d.pr)
	case d.ours && d.branch != "":
		return d.task + " · branch " + d.branch
	}
	return d.task + " · ref " + d.ref
}

func (d *invDeployment) payload() map[string]any {
	if !d.ours {
		return nil
	}
	m := map[string]any{"run_id": 3, "run_attempt": 1, "job": "deploy"}
	if d.pr > 0 {
		m["pull_request"] = d.pr
	}
	if d.branch != "" {
		m["branch"] = d.branch
	}
	if d.production {
		m["production"] = true
	}
	return map[string]any{vocab.MarkerKey: m}
}

type invHistory struct {
	label     string
	now       time.Time
	mainSHA   string
	branches  []*invBranch
	pulls     []*invPull
	ghost     *invPull          // what markers of #404 say; not on GitHub
	protected map[string]string // environment → its protection rule
	deps      []*invDeployment  // in the order made: ids grow
	built     bool
}

var invBranchNames = []string{"feature/login", "feature/x", "fix-typo", "dependabot/npm/lodash-4.17.21", "release-2"}

// invStates are the status sequences deployments get, with weights.
var invStates = []struct {
	weight int
	states []string
}{
	{30, []string{"in_progress", "success"}}, {12, []string{"success"}}, {10, []string{"in_progress", "failure"}},
	{5, []string{"error"}}, {8, []string{"in_progress"}}, {4, nil}, {3, []string{"queued"}}, {2, []string{"pending"}},
	{18, []string{"in_progress", "success", "inactive"}}, {4, []string{"failure", "inactive"}},
}

func invPercent(rng *rand.Rand, p int) bool { return rng.IntN(100) < p }

func invPick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// invGenerate makes a history: a few branches (deleted, created again,
// replaced by a tag), pull requests on them (open, closed, merged,
// re-opened), and deployments by this action and by other tools into
// shared and own environments over 90 days.
func invGenerate(rng *rand.Rand, label string) *invHistory {
	h := &invHistory{label: label, now: fakeclock.New().Now(), mainSHA: fgtest.SHA, protected: map[string]string{}}
	next := 100
	commit := func() string { next++; return sha(next) }
	for _, i := range rng.Perm(len(invBranchNames))[:2+rng.IntN(3)] {
		b := &invBranch{name: invBranchNames[i], fate: fateExists}
		for range 1 + rng.IntN(3) {
			b.commits = append(b.commits, commit())
		}
		h.branches = append(h.branches, b)
	}
	pulls := 1 + rng.IntN(4)
	for n := 1; n <= pulls; n++ {
		p := &invPull{number: n, head: invPick(rng, h.branches).name, state: invPick(rng, []string{"OPEN", "OPEN", "CLOSED", "MERGED", "MERGED", "MERGED"})}
		if p.state == "MERGED" {
			p.merge = commit()
			if invPercent(rng, 50) {
				h.mainSHA = p.merge
			}
		}
		p.reopened = p.state == "OPEN" && invPercent(rng, 30)
		p.byName = invPercent(rng, 20)
		h.pulls = append(h.pulls, p)
	}
	// A pull request GitHub does not know (a stale or forged marker).
	h.ghost = &invPull{number: 404, head: invPick(rng, h.branches).name, state: "UNKNOWN", byName: invPercent(rng, 20)}
	for _, b := range h.branches {
		// GitHub closes a pull request whose head branch is deleted.
		switch r := rng.IntN(100); {
		case h.openHead(b.name):
			if r < 25 {
				b.fate = fateRecreated
			}
		case r < 40:
			b.fate = fateDeleted
		case r < 50:
			b.fate = fateRecreated
		case r < 65:
			b.fate = fateTag
		}
	}
	n := 4 + rng.IntN(15)
	for range n {
		h.deps = append(h.deps, h.genDeployment(rng, commit))
	}
	h.genTimes(rng)
	if invPercent(rng, 35) {
		var envs []string
		for _, d := range h.deps {
			if !vocab.IsProduction(d.env) && !slices.Contains(envs, d.env) {
				envs = append(envs, d.env)
			}
		}
		if len(envs) > 0 {
			h.protected[invPick(rng, envs)] = invPick(rng, []string{"REQUIRED_REVIEWERS", "WAIT_TIMER", "BRANCH_POLICY"})
		}
	}
	return h
}

// genDeployment makes one deployment: a pull request's preview, a
// branch's, a push to main, a tag's, or another tool's.
func (h *invHistory) genDeployment(rng *rand.Rand, commit func() string) *invDeployment {
	d := &invDeployment{task: "deploy", ours: true}
	b := invPick(rng, h.branches)
	switch r := rng.IntN(100); {
	case r < 40: // a pull request's preview
		p := invPick(rng, h.pulls)
		if invPercent(rng, 4) {
			p = h.ghost
		}
		b = h.branch(p.head)
		d.pr = p.number
		d.env = invPick(rng, []string{"pr-" + strconv.Itoa(d.pr), "pr-" + strconv.Itoa(d.pr), "preview/shared", "preview/shared", "preview/" + p.head})
		if p.byName {
			d.ref, d.commit = b.name, invPick(rng, b.commits)
		} else {
			d.ref, d.branch = invPick(rng, b.commits), b.name
		}
	case r < 55: // a branch's preview, on push
		d.env = invPick(rng, []string{"preview/" + b.name, "preview/" + b.name, "preview/shared"})
		d.ref, d.branch = invPick(rng, b.commits), b.name
	case r < 65: // a push to main
		d.env, d.ref, d.branch = invPick(rng, []string{"staging", "staging", "production"}), h.mainSHA, "main"
		d.production = d.env == "production" && invPercent(rng, 50)
	case r < 70: // a tag's deployment: no branch in the marker
		d.env, d.ref = invPick(rng, []string{"staging", "production"}), invTag
	default: // another tool's: no marker
		d.ours, d.creator = false, invPick(rng, []string{"vercel[bot]", "netlify[bot]"})
		d.env = invPick(rng, []string{"preview/shared", "qa", "qa", "preview/" + b.name, "staging", "pr-" + strconv.Itoa(invPick(rng, h.pulls).number)})
		switch r := rng.IntN(100); {
		case r < 55:
			d.ref, d.commit = b.name, invPick(rng, b.commits)
		case r < 70:
			d.ref = "main"
		default:
			d.ref = commit() // a commit no branch or pull request has
		}
	}
	if (d.env == "preview/shared" || d.env == "qa" || d.env == "staging") && invPercent(rng, 20) {
		d.task = "deploy:db"
	}
	total := 0
	for _, s := range invStates {
		total += s.weight
	}
	w := rng.IntN(total)
	for _, s := range invStates {
		if w -= s.weight; w < 0 {
			d.states = slices.Clone(s.states)
			break
		}
	}
	if d.ours && d.pr > 0 && h.pull(d.pr) != nil && h.pull(d.pr).reopened && d.state() != "inactive" && invPercent(rng, 40) {
		d.states = append(d.states, "inactive") // retired when it was closed
	}
	return d
}

// genTimes spreads the deployments over 90 days, in the order made, half
// a day off whole days so that no age is ever an older-than exactly.
func (h *invHistory) genTimes(rng *rand.Rand) {
	days := make([]int, len(h.deps))
	for i := range days {
		days[i] = rng.IntN(90)
	}
	slices.Sort(days)
	slices.Reverse(days)
	for i, d := range h.deps {
		d.created = h.now.Add(-time.Duration(days[i])*invDay - 12*time.Hour)
	}
}

func (h *invHistory) branch(name string) *invBranch {
	for _, b := range h.branches {
		if b.name == name {
			return b
		}
	}
	return nil
}

func (h *invHistory) pull(n int) *invPull {
	for _, p := range h.pulls {
		if p.number == n {
			return p
		}
	}
	return nil
}

func (h *invHistory) openHead(branch string) bool {
	return slices.ContainsFunc(h.pulls, func(p *invPull) bool { return p.head == branch && p.state == "OPEN" })
}

func (h *invHistory) byID(id int64) *invDeployment {
	for _, d := range h.deps {
		if d.id == id {
			return d
		}
	}
	return nil
}

// inEnv are the deployments of env (any case), newest first.
func (h *invHistory) inEnv(env string) []*invDeployment {
	var out []*invDeployment
	for i := len(h.deps) - 1; i >= 0; i-- {
		if vocab.SameEnvironment(h.deps[i].env, env) {
			out = append(out, h.deps[i])
		}
	}
	return out
}

func (h *invHistory) envNames() []string {
	var out []string
	for _, d := range h.deps {
		if !slices.ContainsFunc(out, func(e string) bool { return vocab.SameEnvironment(e, d.env) }) {
			out = append(out, d.env)
		}
	}
	slices.Sort(out)
	return out
}

// build puts the history on a new validating fake GitHub, the same every
// time: the deployments get the same ids.
func (h *invHistory) build(t *testing.T, admin bool) *env {
	t.Helper()
	e := setup(t, fgtest.Token)
	e.fake.Tokens[fgtest.Token] = fakegithub.Token{Write: true, Admin: admin}
	e.c.Now = e.clock.Now
	if !e.clock.Now().Equal(h.now) {
		t.Fatalf("the fake clock is at %s, the history at %s", e.clock.Now(), h.now)
	}
	r := e.repo
	r.AddRef("main", h.mainSHA).AddTag(invTag, h.mainSHA)
	for _, b := range h.branches {
		r.AddRef(b.name, b.commits[len(b.commits)-1])
	}
	for _, p := range h.pulls {
		b := h.branch(p.head)
		r.AddPull(fakegithub.Pull{Number: p.number, HeadRef: p.head, HeadSHA: b.commits[len(b.commits)-1], MergeSHA: p.merge, State: p.state})
	}
	for _, name := range slices.Sorted(maps.Keys(h.protected)) {
		r.Protect(name, h.protected[name])
	}
	for _, d := range h.deps {
		if d.commit != "" {
			r.AddRef(d.ref, d.commit) // the branch's head when it was deployed
		}
		id := r.Seed(fakegithub.Seed{Environment: d.env, Ref: d.ref, Task: d.task, Payload: d.payload(), Created: d.created, States: d.states, Creator: d.creator})[0]
		switch {
		case !h.built:
			d.id = id
		case d.id != id:
			t.Fatalf("the fake gave deployment %d the id %d this time: builds of one history differ", d.id, id)
		}
	}
	h.built = true
	for _, b := range h.branches {
		r.AddRef(b.name, b.commits[len(b.commits)-1])
		switch b.fate {
		case fateDeleted:
			r.DeleteRef(b.name)
		case fateRecreated:
			r.DeleteRef(b.name).AddRef(b.name, b.commits[0])
		case fateTag:
			r.DeleteRef(b.name).AddTag(b.name, b.commits[0])
		}
	}
	e.fake.ResetRequests()
	return e
}

// The oracle: what is live, and what a rule proves stale.

// live is which deployments were live before the run.
func (h *invHistory) live() map[int64]bool {
	live := map[int64]bool{}
	succeeded := map[string]bool{}
	for i := len(h.deps) - 1; i >= 0; i-- {
		d := h.deps[i]
		k := vocab.EnvironmentKey(d.env) + " · " + d.lineage()
		live[d.id] = d.state() != "inactive" && !succeeded[k]
		if d.state() == "success" {
			succeeded[k] = true
		}
	}
	return live
}

// refExists says whether name is a branch or a tag now.
func (h *invHistory) refExists(name string) bool {
	if name == "main" || name == invTag {
		return true
	}
	b := h.branch(name)
	return b != nil && b.fate != fateDeleted
}

// prClosed says whether the pull request rule proves d stale.
func (h *invHistory) prClosed(d *invDeployment) bool {
	if d.ours {
		p := h.pull(d.pr)
		return d.pr > 0 && p != nil && p.state != "OPEN"
	}
	if h.branch(d.ref) == nil {
		return false // a SHA or main
	}
	heads := 0
	for _, p := range h.pulls {
		if p.head == d.ref {
			if p.state == "OPEN" {
				return false
			}
			heads++
		}
	}
	return heads > 0
}

// branchGone says whether the branch-deleted rule proves d stale.
func (h *invHistory) branchGone(d *invDeployment) bool {
	name := d.branch
	if !d.ours {
		if h.branch(d.ref) == nil {
			return false // a SHA or main
		}
		name = d.ref
	}
	return name != "" && !h.refExists(name)
}

// older says whether d and every newer deployment of its lineage were
// made more than olderThan ago.
func (h *invHistory) older(d *invDeployment, olderThan time.Duration) bool {
	for _, o := range h.inEnv(d.env) {
		if o.id >= d.id && o.lineage() == d.lineage() && h.now.Sub(o.created) <= olderThan {
			return false
		}
	}
	return true
}

type invRules struct {
	pr, branch bool
	olderThan  time.Duration
}

func (r invRules) String() string {
	var on []string
	if r.pr {
		on = append(on, "pull-request-closed")
	}
	if r.branch {
		on = append(on, "branch-deleted")
	}
	if r.olderThan > 0 {
		on = append(on, fmt.Sprintf("older-than %dd", r.olderThan/invDay))
	}
	return strings.Join(on, " + ")
}

// staleBy is the rule that proves d stale ("" when none does).
func (h *invHistory) staleBy(d *invDeployment, r invRules) string {
	switch {
	case r.pr && h.prClosed(d):
		return "pull-request-closed"
	case r.branch && h.branchGone(d):
		return "branch-deleted"
	case r.olderThan > 0 && h.older(d, r.olderThan):
		return "older-than"
	}
	return ""
}

// lineageStale says whether one rule proves every deployment of d's
// lineage in its environment stale.
func (h *invHistory) lineageStale(d *invDeployment, r invRules) bool {
	for _, one := range []invRules{{pr: r.pr}, {branch: r.branch}, {olderThan: r.olderThan}} {
		all := one != invRules{}
		for _, o := range h.inEnv(d.env) {
			if o.lineage() == d.lineage() && h.staleBy(o, one) == "" {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

// guarded says why a wildcard never sweeps env ("" when it may).
func (h *invHistory) guarded(env string) string {
	if vocab.IsProduction(env) {
		return "production"
	}
	for _, d := range h.inEnv(env) {
		if d.ours && d.production {
			return "production (run marker)"
		}
	}
	for name, rule := range h.protected {
		if vocab.SameEnvironment(name, env) {
			return "protected (" + rule + ")"
		}
	}
	return ""
}

// whyLive says what keeps a live deployment alive, for a message.
func (h *invHistory) whyLive(d *invDeployment) string {
	switch {
	case d.ours && d.pr > 0 && h.pull(d.pr) != nil && h.pull(d.pr).state == "OPEN":
		return fmt.Sprintf("of open pull request #%d", d.pr)
	case d.ours && d.pr > 0 && h.pull(d.pr) == nil:
		return fmt.Sprintf("of pull request #%d, which GitHub does not know", d.pr)
	case d.branch != "" && h.refExists(d.branch):
		return fmt.Sprintf("of existing branch %s", d.branch)
	case !d.ours && h.branch(d.ref) != nil && h.refExists(d.ref):
		return fmt.Sprintf("of another tool, of existing ref %s", d.ref)
	}
	return "not proven stale"
}

// invGlob matches a sweep pattern as issue #21 asks: any case, ** crosses
// /, * and ? do not.
func invGlob(pattern, name string) bool {
	p, s := vocab.EnvironmentKey(pattern), vocab.EnvironmentKey(name)
	var match func(p, s string) bool
	match = func(p, s string) bool {
		for p != "" {
			switch {
			case strings.HasPrefix(p, "**"):
				for i := 0; i <= len(s); i++ {
					if match(p[2:], s[i:]) {
						return true
					}
				}
				return false
			case p[0] == '*':
				for i := 0; i <= len(s); i++ {
					if match(p[1:], s[i:]) {
						return true
					}
					if i < len(s) && s[i] == '/' {
						return false
					}
				}
				return false
			case s == "" || s[0] == '/' && p[0] == '?' || p[0] != '?' && p[0] != s[0]:
				return false
			}
			p, s = p[1:], s[1:]
		}
		return s == ""
	}
	return match(p, s)
}

func invMatched(patterns []string, env string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return invGlob(p, env) })
}

func invExact(patterns []string, env string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return !vocab.IsWildcard(p) && vocab.SameEnvironment(p, env) })
}

func invByWildcard(patterns []string, env string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return vocab.IsWildcard(p) && invGlob(p, env) })
}

// keptByLatest is what keep-latest n must leave alone in env.
func (h *invHistory) keptByLatest(env string, n int) map[int64]bool {
	kept := map[int64]bool{}
	var oldest int64
	for _, d := range h.inEnv(env) {
		if d.state() == "success" && len(kept) < n {
			kept[d.id], oldest = true, d.id
		}
	}
	for _, d := range h.inEnv(env) {
		if st := d.state(); oldest > 0 && d.id > oldest && (st == "" || st == "pending" || st == "queued" || st == "in_progress") {
			kept[d.id] = true
		}
	}
	return kept
}

// The runs: every rule set of a sweep, and a teardown, each as a dry run
// and for real on copies of the history.

type invRun struct {
	label string
	c     *config.Config
	admin bool
	rules invRules
}

var invPatternSets = [][]string{
	{"pr-*"}, {"preview/**"}, {"*"}, {"pr-*", "preview/*"}, {"pr-*", "preview/**"}, {"**"},
	{"*", "preview/**"}, {"preview/shared", "staging", "production"},
}

func invRuns(rng *rand.Rand, h *invHistory) []invRun {
	var runs []invRun
	olderThan := invPick(rng, []time.Duration{14 * invDay, 30 * invDay, 60 * invDay})
	for _, rules := range []invRules{{pr: true}, {branch: true}, {olderThan: olderThan}, {pr: true, branch: true, olderThan: olderThan}} {
		patterns := slices.Clone(invPick(rng, invPatternSets))
		for name := range h.protected {
			if invPercent(rng, 30) {
				patterns = append(patterns, strings.ToUpper(name)) // named exactly, in another case
			}
		}
		c := sweepCfg(patterns...)
		c.Sweep.PullRequestClosed, c.Sweep.BranchDeleted, c.Sweep.OlderThan = rules.pr, rules.branch, rules.olderThan
		c.Sweep.Delete, c.Sweep.DeleteEnvironment = invPercent(rng, 70), invPercent(rng, 90)
		run := invRun{c: c, admin: invPercent(rng, 85), rules: rules}
		run.label = fmt.Sprintf("sweep %s, environments %q, sweep-mode %s, delete-environment %v, admin token %v",
			rules, patterns, map[bool]string{true: "delete", false: "deactivate"}[c.Sweep.Delete], c.Sweep.DeleteEnvironment, run.admin)
		runs = append(runs, run)
	}
	return append(runs, invTeardownRun(rng, h))
}

func invTeardownRun(rng *rand.Rand, h *invHistory) invRun {
	target := invPick(rng, h.envNames())
	step := invPick(rng, []config.Step{config.StepDeleteEnv, config.StepDeleteEnv, config.StepDeactivateEnv})
	c := teardownCfg(step, target)
	c.Teardown.DeleteEnvironment = invPercent(rng, 90)
	run := invRun{c: c, admin: invPercent(rng, 85)}
	extra := ""
	switch r := rng.IntN(100); {
	case r < 40:
		c.Teardown.KeepLatest = 1 + rng.IntN(3)
		extra = fmt.Sprintf(", keep-latest %d", c.Teardown.KeepLatest)
	case r < 85:
		var refs []string
		for _, d := range h.inEnv(target) {
			if h.branch(d.ref) != nil {
				refs = append(refs, d.ref)
			}
			if d.branch != "" {
				refs = append(refs, d.branch)
			}
		}
		if len(refs) == 0 || invPercent(rng, 10) {
			refs = append(refs, invPick(rng, invBranchNames))
		}
		c.Teardown.Ref = invPick(rng, refs)
		extra = ", ref " + c.Teardown.Ref
	}
	run.label = fmt.Sprintf("%s of %s%s, delete-environment %v, admin token %v", step, target, extra, c.Teardown.DeleteEnvironment, run.admin)
	return run
}

func invStep(e *env, c *config.Config) (*lifecycle.Result, error) {
	if c.Step == config.StepSweep {
		return lifecycle.Sweep(context.Background(), e.c, c.Sweep)
	}
	return lifecycle.Teardown(context.Background(), e.c, c.Teardown)
}

// invActs are the writes of a run, or of a dry run's plan: the ids given
// an inactive status, the ids deleted, the environments deleted (by
// EnvironmentKey; for a real run, those a DELETE was sent for).
type invActs struct {
	inactive, deleted map[int64]bool
	envs              map[string]bool
	other             []string
}

func newInvActs() invActs {
	return invActs{inactive: map[int64]bool{}, deleted: map[int64]bool{}, envs: map[string]bool{}}
}

func invPlanned(res *lifecycle.Result) invActs {
	a := newInvActs()
	if res == nil {
		return a
	}
	var tds []*lifecycle.TeardownResult
	if res.Sweep != nil {
		for _, c := range res.Sweep.Candidates {
			tds = append(tds, c.Teardown)
		}
	}
	tds = append(tds, res.Teardown)
	for _, td := range tds {
		if td == nil {
			continue
		}
		for _, id := range td.Deactivated {
			a.inactive[id] = true
		}
		for _, id := range td.Deleted {
			a.deleted[id] = true
		}
		if td.WouldDeleteEnvironment {
			a.envs[vocab.EnvironmentKey(td.Environment)] = true
		}
	}
	return a
}

var (
	invStatusPath = regexp.MustCompile(`^/repos/octo-org/hello-world/deployments/(\d+)/statuses$`)
	invDeletePath = regexp.MustCompile(`^/repos/octo-org/hello-world/deployments/(\d+)$`)
	invEnvPath    = regexp.MustCompile(`^/repos/octo-org/hello-world/environments/([^/]+)$`)
)

// invDone are the writes the fake received.
func invDone(f *fakegithub.Fake) invActs {
	a := newInvActs()
	for _, r := range f.Requests() {
		if r.Method == "GET" || r.Method == "GRAPHQL" {
			continue
		}
		switch m := invStatusPath.FindStringSubmatch(r.Path); {
		case r.Method == "POST" && m != nil:
			id, _ := strconv.ParseInt(m[1], 10, 64)
			var body struct{ State string }
			_ = json.Unmarshal([]byte(r.Body), &body)
			if body.State != "inactive" {
				a.other = append(a.other, fmt.Sprintf("POST %s with state %q", r.Path, body.State))
			}
			a.inactive[id] = true
		case r.Method == "DELETE" && invDeletePath.MatchString(r.Path):
			id, _ := strconv.ParseInt(invDeletePath.FindStringSubmatch(r.Path)[1], 10, 64)
			a.deleted[id] = true
		case r.Method == "DELETE" && invEnvPath.MatchString(r.Path):
			name, err := url.PathUnescape(invEnvPath.FindStringSubmatch(r.Path)[1])
			if err != nil {
				name = r.Path
			}
			a.envs[vocab.EnvironmentKey(name)] = true
		default:
			a.other = append(a.other, r.Method+" "+r.Path)
		}
	}
	return a
}

func (a invActs) touched() []int64 {
	ids := slices.Collect(maps.Keys(a.inactive))
	for id := range a.deleted {
		if !a.inactive[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

type invViolation struct{ kind, run, msg string }

type invChecker struct {
	h          *invHistory
	live       map[int64]bool
	run        invRun
	violations []invViolation
	// positives counts the environments the positive property was
	// checked on.
	positives int
}

func (c *invChecker) fail(kind, format string, args ...any) {
	c.violations = append(c.violations, invViolation{kind: kind, run: c.run.label, msg: fmt.Sprintf(format, args...)})
}

func (c *invChecker) where(d *invDeployment) string {
	return fmt.Sprintf("deployment %d (%s, %s, %s)", d.id, d.env, d.lineage(), c.h.stateWords(d))
}

// invCheck generates a history from rng, runs every run on it, and fails t
// with the history and what was violated.
func invCheck(t *testing.T, rng *rand.Rand, label string, tally *invTally) {
	h := invGenerate(rng, label)
	runs := invRuns(rng, h)
	var all []invViolation
	for _, run := range runs {
		c := &invChecker{h: h, run: run}
		c.execute(t, tally)
		all = append(all, c.violations...)
	}
	tally.history(label, all)
	if len(all) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d violations in history %s:\n", len(all), label)
	for i, v := range all {
		if i == 12 {
			fmt.Fprintf(&b, "  … %d more\n", len(all)-i)
			break
		}
		fmt.Fprintf(&b, "  [%s] %s\n      in: %s\n", v.kind, v.msg, v.run)
	}
	b.WriteString(h.dump())
	b.WriteString("runs:\n")
	for _, run := range runs {
		b.WriteString("  " + run.label + "\n")
	}
	t.Error(b.String())
}

// execute runs c.run as a dry run on one copy of the history and for real
// on another, and checks both.
func (c *invChecker) execute(t *testing.T, tally *invTally) {
	t.Helper()
	dryCfg := *c.run.c
	dryCfg.Sweep.DryRun, dryCfg.Teardown.DryRun = true, true
	eDry := c.h.build(t, c.run.admin)
	c.live = c.h.live() // after the first build: the ids are the fake's
	resDry, errDry := invStep(eDry, &dryCfg)
	eReal := c.h.build(t, c.run.admin)
	res, err := invStep(eReal, c.run.c)
	failed := errDry != nil || err != nil
	if failed {
		// The fake answers every request: a failure is a finding, and the
		// plan and the run cannot be compared (what was written still is).
		c.fail("error", "the step failed: dry run: %v; run: %v", errDry, err)
	}
	if n := writes(eDry.fake); n != 0 {
		c.fail("dry run wrote", "the dry run sent %d writes", n)
	}
	done := invDone(eReal.fake)
	for _, o := range done.other {
		c.fail("unexpected write", "%s", o)
	}
	if !failed {
		c.compare(invPlanned(resDry), done)
	}
	switch {
	case c.run.c.Step != config.StepSweep:
		c.checkTeardown(done)
	case failed:
		c.checkSweep(done)
	default:
		c.checkSweep(done)
		c.checkPositive(eReal, res)
	}
	gone := 0
	for key := range done.envs {
		if !eReal.repo.HasEnvironment(key) {
			gone++
		}
	}
	tally.run(len(done.inactive), len(done.deleted), gone, c.positives)
}

// compare checks that the dry run's plan is what the real run did.
func (c *invChecker) compare(plan, done invActs) {
	diff := func(what string, p, d map[int64]bool) {
		var onlyPlan, onlyDone []int64
		for id := range p {
			if !d[id] {
				onlyPlan = append(onlyPlan, id)
			}
		}
		for id := range d {
			if !p[id] {
				onlyDone = append(onlyDone, id)
			}
		}
		if len(onlyPlan)+len(onlyDone) > 0 {
			slices.Sort(onlyPlan)
			slices.Sort(onlyDone)
			c.fail("dry run differs", "%s: the dry run planned %v that the run did not do, the run did %v that the dry run did not plan", what, onlyPlan, onlyDone)
		}
	}
	diff("inactive statuses", plan.inactive, done.inactive)
	diff("deleted deployments", plan.deleted, done.deleted)
	if !maps.Equal(plan.envs, done.envs) {
		c.fail("dry run differs", "environments deleted: the dry run planned %v, the run deleted %v", slices.Sorted(maps.Keys(plan.envs)), slices.Sorted(maps.Keys(done.envs)))
	}
}

// checkSweep checks a real sweep's writes against the oracle.
func (c *invChecker) checkSweep(done invActs) {
	h, opts, rules := c.h, c.run.c.Sweep, c.run.rules
	for _, id := range done.touched() {
		d := h.byID(id)
		if d == nil {
			c.fail("unknown deployment", "deployment %d, which the history does not hold, was written to", id)
			continue
		}
		switch {
		case !invMatched(opts.Patterns, d.env):
			c.fail("outside the patterns", "%s was written to; no pattern matches %s", c.where(d), d.env)
		case h.guarded(d.env) != "" && !invExact(opts.Patterns, d.env):
			c.fail("wildcard wrote in a guarded environment", "%s was written to; %s is %s and only a wildcard matches it", c.where(d), d.env, h.guarded(d.env))
		case c.live[id] && h.staleBy(d, rules) == "":
			c.fail("live deployment written", "%s, live and %s, was written to (%s)", c.where(d), h.whyLive(d), c.how(done, id))
		case !c.live[id] && !done.envs[vocab.EnvironmentKey(d.env)] && !h.lineageStale(d, rules):
			kind := "replaced deployment written"
			if opts.Delete && !opts.DeleteEnvironment {
				// Kept apart: the environment stays because
				// delete-environment is false.
				kind += " (delete-environment false)"
			}
			c.fail(kind, "%s, not live, was written to (%s) in an environment kept, though its lineage is not proven stale", c.where(d), c.how(done, id))
		}
		if !opts.Delete && done.deleted[id] {
			c.fail("deactivate deleted", "%s was deleted by sweep-mode deactivate", c.where(d))
		}
	}
	for key := range done.envs {
		c.checkEnvDeleted(key, opts)
	}
}

func (c *invChecker) how(done invActs, id int64) string {
	if done.deleted[id] {
		return "deleted"
	}
	return "given an inactive status"
}

// checkEnvDeleted checks that a sweep could delete environment key.
func (c *invChecker) checkEnvDeleted(key string, opts config.SweepOptions) {
	h := c.h
	deps := h.inEnv(key)
	name := key
	if len(deps) > 0 {
		name = deps[0].env
	}
	switch {
	case !opts.Delete || !opts.DeleteEnvironment:
		c.fail("environment deleted unasked", "environment %s was deleted with sweep-mode delete %v, delete-environment %v", name, opts.Delete, opts.DeleteEnvironment)
	case !invMatched(opts.Patterns, name):
		c.fail("outside the patterns", "environment %s was deleted; no pattern matches it", name)
	case h.guarded(name) != "" && !invExact(opts.Patterns, name):
		c.fail("wildcard wrote in a guarded environment", "environment %s, %s, was deleted though only a wildcard matches it", name, h.guarded(name))
	}
	for _, d := range deps {
		if c.live[d.id] && h.staleBy(d, c.run.rules) == "" {
			c.fail("environment deleted with a live deployment", "environment %s was deleted while %s was live and %s", name, c.where(d), h.whyLive(d))
		}
	}
}

// checkPositive checks that a pull-request-closed sweep deletes each
// environment that holds only this action's deployments of closed or
// merged pull requests, is not guarded, and is matched by a wildcard.
func (c *invChecker) checkPositive(e *env, res *lifecycle.Result) {
	h, opts := c.h, c.run.c.Sweep
	if !opts.PullRequestClosed || !opts.Delete || !opts.DeleteEnvironment || !c.run.admin || res == nil || res.Sweep.Stopped != "" {
		return
	}
	for _, name := range h.envNames() {
		closed := true
		for _, d := range h.inEnv(name) {
			p := h.pull(d.pr)
			closed = closed && d.ours && d.pr > 0 && p != nil && p.state != "OPEN"
		}
		if !closed || h.guarded(name) != "" || !invByWildcard(opts.Patterns, name) {
			continue
		}
		c.positives++
		if e.repo.HasEnvironment(name) {
			c.fail("stale environment kept", "environment %s holds only deployments of closed or merged pull requests and a wildcard matches it, but it is still there", name)
		}
	}
}

// checkTeardown checks a real delete-env or deactivate-env's writes.
func (c *invChecker) checkTeardown(done invActs) {
	h, opts := c.h, c.run.c.Teardown
	kept := h.keptByLatest(opts.Environment, opts.KeepLatest)
	for _, id := range done.touched() {
		d := h.byID(id)
		switch {
		case d == nil:
			c.fail("unknown deployment", "deployment %d, which the history does not hold, was written to", id)
			continue
		case !vocab.SameEnvironment(d.env, opts.Environment):
			c.fail("teardown outside its environment", "%s was written to by a teardown of %s", c.where(d), opts.Environment)
		case kept[id]:
			c.fail("keep-latest", "%s was %s though keep-latest %d keeps it (kept: %v)", c.where(d), c.how(done, id), opts.KeepLatest, slices.Sorted(maps.Keys(kept)))
		case opts.Ref != "" && !invRefMatches(opts.Ref, d):
			c.fail("ref", "%s was %s by a teardown of ref %s; its ref is %s", c.where(d), c.how(done, id), opts.Ref, d.ref)
		}
		if !opts.Delete && done.deleted[id] {
			c.fail("deactivate deleted", "%s was deleted by deactivate-env", c.where(d))
		}
	}
	for key := range done.envs {
		switch {
		case !vocab.SameEnvironment(key, opts.Environment) || !opts.Delete || !opts.DeleteEnvironment:
			c.fail("environment deleted unasked", "environment %s was deleted by %s of %s, delete-environment %v", key, c.run.c.Step, opts.Environment, opts.DeleteEnvironment)
		case len(kept) > 0:
			c.fail("keep-latest", "environment %s was deleted though keep-latest %d keeps %v in it", key, opts.KeepLatest, slices.Sorted(maps.Keys(kept)))
		}
	}
	// Completeness is asked only of a branch deleted and not there again:
	// a tag of its name may be what the ref means now, and the fake keeps
	// GraphQL's ref null for a branch created again, where GitHub would
	// answer it.
	if opts.Ref == "" || h.branch(opts.Ref) == nil || h.branch(opts.Ref).fate != fateDeleted && h.branch(opts.Ref).fate != fateExists {
		return
	}
	for _, d := range h.inEnv(opts.Environment) {
		if d.ref == opts.Ref && d.state() != "inactive" && !done.inactive[d.id] {
			c.fail("ref teardown missed a deployment", "%s, made of ref %s (branch %s), got no inactive status from a teardown of ref %s", c.where(d), d.ref, h.branch(d.ref).fate, opts.Ref)
		}
	}
}

// invShort is a SHA as the dump shows it: its last 8 digits (sha(n)
// begins with zeros).
func invShort(ref string) string {
	if len(ref) == 40 {
		return "…" + ref[32:]
	}
	return ref
}

func invRefMatches(ref string, d *invDeployment) bool {
	return d.ref == ref || d.ref == "refs/heads/"+ref || (d.ours && d.branch == ref)
}

// Reporting.

func (h *invHistory) stateWords(d *invDeployment) string {
	if len(d.states) == 0 {
		return "no status"
	}
	return strings.Join(d.states, "→")
}

// dump is the history as a reader reproduces it.
func (h *invHistory) dump() string {
	var b strings.Builder
	live := h.live()
	fmt.Fprintf(&b, "history %s (now %s; default branch main at %s)\n", h.label, h.now.Format(time.RFC3339), invShort(h.mainSHA))
	b.WriteString("pull requests:")
	for _, p := range h.pulls {
		fmt.Fprintf(&b, " #%d %s %s", p.number, p.head, p.state)
		if p.reopened {
			b.WriteString(" (re-opened)")
		}
		b.WriteString(";")
	}
	b.WriteString("\nbranches:")
	for _, br := range h.branches {
		fmt.Fprintf(&b, " %s (%s, head %s);", br.name, br.fate, invShort(br.commits[len(br.commits)-1]))
	}
	b.WriteString("\n")
	for _, name := range h.envNames() {
		fmt.Fprintf(&b, "environment %s", name)
		if g := h.guarded(name); g != "" {
			fmt.Fprintf(&b, " [%s]", g)
		}
		b.WriteString(":\n")
		for _, d := range h.inEnv(name) {
			who := "marker{"
			if d.pr > 0 {
				who += fmt.Sprintf("pr %d ", d.pr)
			}
			if d.branch != "" {
				who += "branch " + d.branch
			}
			who = strings.TrimSpace(who) + "}"
			if !d.ours {
				who = "no marker, by " + d.creator
			}
			ref := invShort(d.ref)
			liveness := "not live"
			if live[d.id] {
				liveness = "LIVE"
			}
			fmt.Fprintf(&b, "  %d  %-28s ref %-18s %-40s %3dd ago  %-32s %s\n", d.id, d.lineage(), ref, who, int(h.now.Sub(d.created)/invDay), h.stateWords(d), liveness)
		}
	}
	return b.String()
}

// invTally counts, over all histories, what the runs did and which
// properties failed, for the non-vacuity check and the log.
type invTally struct {
	mu                                                        sync.Mutex
	histories, runs, retired, deleted, envsDeleted, positives int
	kinds                                                     map[string]int
	first                                                     map[string]string
}

func (t *invTally) run(retired, deleted, envs, positives int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.runs++
	t.positives += positives
	t.retired += retired
	t.deleted += deleted
	t.envsDeleted += envs
}

func (t *invTally) history(label string, vs []invViolation) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.histories++
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v.kind] {
			continue
		}
		seen[v.kind] = true
		t.kinds[v.kind]++
		// The first by seed, whatever order the histories ran in.
		if f, ok := t.first[v.kind]; !ok || len(label) < len(f) || len(label) == len(f) && label < f {
			t.first[v.kind] = label
		}
	}
}

// report logs the tally and fails when the histories, all in all, retired
// nothing or deleted no environment: the property would then hold
// vacuously.
func (t *invTally) report(tb testing.TB) {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	tb.Logf("%d histories, %d runs (each a dry run and a real run): %d inactive statuses, %d deployments deleted, %d environments deleted; %d environments of closed pull requests only checked to be deleted",
		t.histories, t.runs, t.retired, t.deleted, t.envsDeleted, t.positives)
	for _, k := range slices.Sorted(maps.Keys(t.kinds)) {
		tb.Logf("  %q failed in %d histories, first %s", k, t.kinds[k], t.first[k])
	}
	if t.histories >= 20 && (t.retired == 0 || t.envsDeleted == 0 || t.positives == 0) {
		tb.Errorf("over %d histories, %d deployments were retired, %d environments deleted and %d environments of closed pull requests only seen: the invariant was not put to the test",
			t.histories, t.retired, t.envsDeleted, t.positives)
	}
}
