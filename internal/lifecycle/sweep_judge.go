package lifecycle

// The stale rule: judge decides whether a candidate environment is stale,
// by the rules sweep was given (pull-request-closed, branch-deleted,
// older-than), and keeps it, saying why, whenever it cannot tell.

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// exactlyNamed tells whether one of patterns is env's name itself, not a
// wildcard (ignoring case, as GitHub does).
func exactlyNamed(patterns []string, env string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		return !vocab.IsWildcard(p) && vocab.SameEnvironment(strings.TrimSpace(p), strings.TrimSpace(env))
	})
}

// judge decides about one candidate: kept (and why), or swept (and why).
// Production and protected environments are a wildcard's never; the pull
// request rule judges only deployments made for a pull request; an
// unknown age or pull request never makes a lineage stale. Each lineage
// of the environment is judged by its newest deployment: the environment
// is swept whole when every lineage with a live deployment is stale (with
// none live, when its newest lineage is); when only some lineages are
// stale, their deployments are retired and the environment is kept with
// what is alive in it (Retire, KeptDeployments).
func judge(opts config.SweepOptions, env environment, l listing, f sweepFacts, now time.Time) SweepCandidate {
	c := SweepCandidate{Environment: env.Name, Decision: DecisionKept, Deployments: len(l.all)}
	if why := keptUnjudged(opts.Patterns, env, l); why != "" {
		c.Reason = why
		return c
	}
	c.Newest = l.all[0].Created
	c.Deployer = deployerOf(l.all[0])
	verdicts := judgeLineages(opts.Sweep, lineages(l.all), f, now)
	considered := slices.DeleteFunc(slices.Clone(verdicts), func(v lineageVerdict) bool { return len(v.live) == 0 })
	if len(considered) == 0 {
		considered = verdicts[:1]
	}
	var staleWhy, freshWhy []string
	for _, v := range considered {
		if v.stale != nil {
			staleWhy = appendNew(staleWhy, v.stale...)
		} else {
			freshWhy = appendNew(freshWhy, v.fresh...)
		}
	}
	switch {
	case len(freshWhy) == 0:
		c.Decision, c.Reason = DecisionSwept, joinReasons(staleWhy)
		// History no rule finds stale is left to the environment's
		// deletion: kept when the environment stays.
		if slices.ContainsFunc(verdicts, func(v lineageVerdict) bool { return v.stale == nil }) {
			c.Retire = staleIDs(verdicts)
		}
	case retiresSome(verdicts, opts.Delete):
		partial(&c, verdicts, freshWhy)
	case len(freshWhy) > 0:
		c.Reason = joinReasons(freshWhy)
	}
	if c.Reason == "" {
		c.Reason = "no rule finds it stale"
	}
	return c
}

// lineageVerdict is what the stale rules find of one lineage: stale (why)
// or, with stale nil, not (why not).
type lineageVerdict struct {
	*lineageGroup
	stale, fresh []string
}

// judgeLineages judges each lineage by its newest deployment.
func judgeLineages(s config.Sweep, groups []*lineageGroup, f sweepFacts, now time.Time) []lineageVerdict {
	out := make([]lineageVerdict, len(groups))
	for i, g := range groups {
		stale, fresh := staleRules(s, g.all[0], f, now)
		if len(stale) == 0 && len(fresh) == 0 {
			fresh = []string{"no rule finds it stale"}
		}
		out[i] = lineageVerdict{lineageGroup: g, stale: stale, fresh: fresh}
		if len(stale) == 0 {
			out[i].stale = nil
		}
	}
	return out
}

// retiresSome tells whether a stale lineage of verdicts has a deployment a
// teardown would write to: one not inactive, or (deleting) any.
func retiresSome(verdicts []lineageVerdict, deleting bool) bool {
	for _, v := range verdicts {
		if v.stale == nil {
			continue
		}
		for _, d := range v.all {
			if deleting || d.State != vocab.StateInactive {
				return true
			}
		}
	}
	return false
}

// partial makes c the retiring of the stale lineages of an environment
// that is kept for the others: their deployments go, the environment and
// the live deployments of the others stay, each with why.
func partial(c *SweepCandidate, verdicts []lineageVerdict, freshWhy []string) {
	c.Decision, c.Retire, c.keepEnvironment = DecisionSwept, staleIDs(verdicts), true
	var staleWhy []string
	for _, v := range verdicts {
		if v.stale != nil {
			staleWhy = appendNew(staleWhy, v.stale...)
			continue
		}
		for _, d := range v.live {
			c.KeptDeployments = append(c.KeptDeployments, KeptDeployment{ID: d.ID, Reason: strings.Join(v.fresh, "; ")})
		}
	}
	retired := "its deployment is retired"
	if len(c.Retire) > 1 {
		retired = fmt.Sprintf("its %d deployments are retired", len(c.Retire))
	}
	c.Reason = fmt.Sprintf("%s: %s; the environment is kept: %s", joinReasons(staleWhy), retired, joinReasons(freshWhy))
}

// staleIDs are the ids of the deployments of the stale lineages.
func staleIDs(verdicts []lineageVerdict) map[int64]bool {
	ids := map[int64]bool{}
	for _, v := range verdicts {
		if v.stale != nil {
			for _, d := range v.all {
				ids[d.ID] = true
			}
		}
	}
	return ids
}

// maxReasons bounds the reasons one decision names: an environment shared
// by hundreds of pull requests says the first and how many more.
const maxReasons = 10

// joinReasons is reasons as a decision says them, at most maxReasons.
func joinReasons(reasons []string) string {
	if len(reasons) > maxReasons {
		return strings.Join(reasons[:maxReasons], "; ") + fmt.Sprintf("; and %d more", len(reasons)-maxReasons)
	}
	return strings.Join(reasons, "; ")
}

// appendNew appends each of more that list does not hold yet.
func appendNew(list []string, more ...string) []string {
	for _, s := range more {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// keptUnjudged says why env is kept before any rule judges it ("" when it
// is not): a production or protected environment (or one whose protection
// GitHub did not say) that no pattern names exactly, or one with no
// deployments.
func keptUnjudged(patterns []string, env environment, l listing) string {
	production := vocab.IsProduction(env.Name)
	for _, d := range l.all {
		// A marker that cannot be read may have said production.
		if m, st := d.marker(); st == markerBad || (st == markerOK && m.Production) {
			production = true
		}
	}
	exact := exactlyNamed(patterns, env.Name)
	switch {
	case production && !exact:
		return "a production environment: a wildcard never sweeps one; name it exactly to sweep it"
	case !env.RulesKnown && !exact:
		return "GitHub did not say whether it has protection rules: a wildcard never sweeps a protected environment; name it exactly to sweep it"
	case len(env.Rules) > 0 && !exact:
		return "protected (" + strings.ToLower(strings.ReplaceAll(strings.Join(env.Rules, ", "), "_", " ")) + "): a wildcard never sweeps a protected environment; name it exactly to sweep it"
	case len(l.all) == 0:
		return "no deployments to judge by"
	}
	return ""
}

// deployerOf is who made d: the person this action's run marker names,
// else GitHub's creator.
func deployerOf(d deployment) string {
	if m, st := d.marker(); st == markerOK && vocab.IsLogin(m.Deployer) {
		return m.Deployer
	}
	return d.Creator
}

// staleRules judges newest, an environment's newest deployment, by each
// rule s turns on (pull-request-closed, branch-deleted, older-than, in
// that order): why it is stale by those that find it so, and why it is
// not by the others.
func staleRules(s config.Sweep, newest deployment, f sweepFacts, now time.Time) (stale, fresh []string) {
	add := func(isStale bool, why string) {
		if isStale {
			stale = append(stale, why)
		} else {
			fresh = append(fresh, why)
		}
	}
	if s.PullRequestClosed {
		v, why := pullRequestVerdict(newest, f)
		add(v == prClosed, why)
	}
	if s.BranchDeleted {
		add(branchVerdict(newest, f))
	}
	if s.OlderThan > 0 {
		add(ageVerdict(newest.Created, s.OlderThan, now))
	}
	return stale, fresh
}

// ageVerdict tells whether a deployment made at created is older than
// olderThan, and says why. An unknown (zero) time is never old.
func ageVerdict(created time.Time, olderThan time.Duration, now time.Time) (old bool, why string) {
	switch age := now.Sub(created); {
	case created.IsZero():
		return false, "GitHub did not say when its newest deployment was made: its age is unknown"
	case age > olderThan:
		return true, fmt.Sprintf("newest deployment %s old (older-than %s)", roundAge(age), roundAge(olderThan))
	default:
		return false, fmt.Sprintf("newest deployment %s old", roundAge(max(age, 0)))
	}
}

// prVerdict is what the pull request rule finds of a deployment.
type prVerdict int

const (
	// prNone: not made for a pull request; the rule leaves it alone.
	prNone prVerdict = iota
	// prOpen: made for a pull request still open.
	prOpen
	// prClosed: made for pull requests all closed or merged: stale.
	prClosed
	// prUnknown: it cannot be told; kept.
	prUnknown
)

// pullRequestVerdict tells whether d was made for pull requests that are
// all closed or merged, and says why.
//
// A run marker written by this action is authoritative: it names the pull
// request the deployment was made for, or none. For another tool's
// deployment, a pull request of the deployment's commit counts only when
// the deployment was made from its head and nothing else could have made
// it: the pull request is this repository's, its head branch is not the
// default branch, and either the deployment's ref is that head branch (a
// branch of this repository, not a tag, and the pull request not a
// fork's), or the deployment was made of a SHA that is the pull request's
// head commit (and neither the commit it was merged as nor the default
// branch's head). A commit merely contained in a merged pull request, as
// every default-branch commit is, is not enough; a fork's pull request at
// a SHA cannot be told from this repository's own commits, and is kept.
func pullRequestVerdict(d deployment, f sweepFacts) (prVerdict, string) {
	m, st := d.marker()
	switch st {
	case markerBad:
		return prUnknown, "its newest deployment's run marker cannot be read: whether it was made for a pull request is unknown"
	case markerOK:
		return markedVerdict(m.PullRequest, f)
	}
	return commitVerdict(d, f)
}

// markedVerdict is the verdict on pull request n, the one this action's
// run marker names (0: none).
func markedVerdict(n int, f sweepFacts) (prVerdict, string) {
	if n == 0 {
		return prNone, "its newest deployment was made for no pull request (this action's run marker says so)"
	}
	state, known := f.PullRequests[n]
	if !known || n < 0 || n > math.MaxInt32 {
		return prUnknown, fmt.Sprintf("pull request #%d of its newest deployment's run marker could not be found on GitHub: its state is unknown", n)
	}
	return verdictOf([]pullRequest{{Number: n, State: state}})
}

// commitVerdict is the verdict on another tool's deployment d, by the pull
// requests of its commit: only those it was made from the head of count,
// and one it cannot tell about makes the verdict prUnknown.
func commitVerdict(d deployment, f sweepFacts) (prVerdict, string) {
	ref := vocab.ShortRef(d.RefName)
	if ref != "" && f.DefaultBranch != "" && ref == f.DefaultBranch {
		return prNone, fmt.Sprintf("its newest deployment was made from the default branch %s, not for a pull request", vocab.Quote(ref))
	}
	if ref == "" && d.SHA != "" && f.DefaultHead != "" && strings.EqualFold(d.SHA, f.DefaultHead) {
		return prNone, "its newest deployment was made of the default branch's head commit, not for a pull request"
	}
	counted, contained, unsure := classifyPullRequests(d, ref, f)
	switch {
	case len(unsure) > 0:
		return prUnknown, "whether its newest deployment was made for pull request " + strings.Join(unsure, ", ") + " cannot be told (a fork's or the default branch's head, a tag, or an unknown default branch)"
	case len(counted) > 0 && d.PullRequestsTruncated:
		return prUnknown, "its newest deployment's commit is in more pull requests than were read: whether all of them are closed cannot be told"
	case len(counted) > 0:
		return verdictOf(counted)
	case len(contained) > 0:
		return prNone, "its newest deployment's commit is in pull request " + strings.Join(contained, ", ") + ", but was not deployed from its head: not made for a pull request"
	}
	return prNone, "its newest deployment belongs to no pull request"
}

// classifyPullRequests sorts out the pull requests of d's commit that are
// this repository's (ref is d's branch or tag name, "" for a SHA):
// counted, those d was made from the head of; contained, those d's commit
// is merely in; unsure, those it cannot be told of (the last two by
// number).
func classifyPullRequests(d deployment, ref string, f sweepFacts) (counted []pullRequest, contained, unsure []string) {
	ours := func(r *struct {
		NameWithOwner string `json:"nameWithOwner"`
	}) bool {
		return r != nil && strings.EqualFold(r.NameWithOwner, f.Repository)
	}
	for _, p := range d.PullRequests {
		if !ours(p.BaseRepository) {
			continue // another repository's pull request
		}
		num := fmt.Sprintf("#%d", p.Number)
		switch {
		case ref != "":
			// A branch of this repository: a fork's head branch is not
			// one, whatever its name, and a tag is not a branch.
			if p.HeadRefName != ref || !ours(p.HeadRepository) {
				contained = append(contained, num)
			} else if d.RefPrefix != "refs/heads/" || f.DefaultBranch == "" {
				unsure = append(unsure, num)
			} else {
				counted = append(counted, p)
			}
		case d.SHA != "":
			switch {
			case !strings.EqualFold(p.HeadRefOid, d.SHA) || (p.MergeCommit != nil && strings.EqualFold(p.MergeCommit.Oid, d.SHA)):
				contained = append(contained, num)
			case f.DefaultBranch == "" || p.HeadRefName == f.DefaultBranch || !ours(p.HeadRepository):
				unsure = append(unsure, num)
			default:
				counted = append(counted, p)
			}
		}
	}
	return counted, contained, unsure
}

// verdictOf is the verdict on pull requests a deployment was made for.
func verdictOf(prs []pullRequest) (prVerdict, string) {
	var open, closed, unknown []string
	for _, p := range prs {
		switch p.State {
		case "CLOSED", "MERGED":
			closed = append(closed, fmt.Sprintf("#%d %s", p.Number, strings.ToLower(p.State)))
		case "OPEN":
			open = append(open, fmt.Sprintf("#%d", p.Number))
		default:
			unknown = append(unknown, fmt.Sprintf("#%d", p.Number))
		}
	}
	switch {
	case len(open) > 0:
		return prOpen, "pull request " + strings.Join(open, ", ") + " is open"
	case len(unknown) > 0:
		return prUnknown, "the state of pull request " + strings.Join(unknown, ", ") + " is unknown"
	}
	return prClosed, "pull request " + strings.Join(closed, ", ")
}

// roundAge is d as a reason says it: in whole days from two days up, else
// to the minute.
func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}
