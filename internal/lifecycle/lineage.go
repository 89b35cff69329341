package lifecycle

// What is live in an environment. An environment may hold more than one
// live thing (previews of several pull requests sharing one environment,
// apps deploying as different tasks): a teardown judges deployments, by
// the lineage each belongs to, never an environment by its newest
// deployment. The rule, in one place:
//
//   - A deployment's lineage is its task and what it was made for: the pull
//     request this action's run marker names, else the branch it names,
//     else the ref the deployment was made of (GraphQL's ref name while it
//     exists, REST's ref as it was given once it is gone, else the commit).
//   - A deployment is live when it is not inactive and no newer deployment
//     of its lineage in the same environment reached success.
//   - A sweep retires a lineage only when a rule proves it stale, and
//     deletes an environment only when every lineage with a live
//     deployment is stale (with none live, when its newest lineage is).
//   - keep-latest N keeps the newest N deployments that are live and
//     succeeded, and every deployment newer than those that has not
//     finished: a failure or an error never takes a live one's place.

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// lineageOf is the lineage of d: deployments of one lineage replace each
// other; those of different lineages live side by side.
func lineageOf(d deployment) string {
	key := "task " + strconv.Quote(d.Task) + " "
	m, st := d.marker()
	switch {
	case st == markerBad:
		// Nothing can be told of it: a lineage of its own.
		return key + "deployment " + strconv.FormatInt(d.ID, 10)
	case st == markerOK && m.PullRequest > 0:
		return key + "pull request " + strconv.Itoa(m.PullRequest)
	case st == markerOK && m.Branch != "":
		return key + "branch " + m.Branch
	case d.RefName != "":
		// A tag and a branch of one name are two lineages.
		return key + "ref " + d.RefPrefix + vocab.ShortRef(d.RefName)
	case d.RESTRef != "" && !vocab.IsSHA(d.RESTRef):
		// As it was given: a bare name may have been a branch or a tag.
		return key + "ref " + d.RESTRef
	}
	return key + "commit " + d.SHA
}

// lineageGroup is the deployments of one lineage in an environment,
// newest first.
type lineageGroup struct {
	key  string
	all  []deployment
	live []deployment
}

// lineages groups all (an environment's deployments, newest first) by
// lineage, in the order of each lineage's newest deployment, and tells
// which deployments are live.
func lineages(all []deployment) []*lineageGroup {
	var groups []*lineageGroup
	byKey := map[string]*lineageGroup{}
	succeeded := map[string]bool{}
	for _, d := range all {
		k := lineageOf(d)
		g := byKey[k]
		if g == nil {
			g = &lineageGroup{key: k}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.all = append(g.all, d)
		if d.State != vocab.StateInactive && !succeeded[k] {
			g.live = append(g.live, d)
		}
		if d.State == vocab.StateSuccess {
			succeeded[k] = true
		}
	}
	return groups
}

// finished tells whether state is one a deployment ends in.
func finished(state string) bool {
	switch state {
	case vocab.StateSuccess, vocab.StateFailure, vocab.StateError, vocab.StateInactive:
		return true
	}
	return false
}

// keptByLatest is what keep-latest n keeps of all (newest first): the
// newest n deployments whose latest state is success, and every deployment
// newer than the oldest of those that has not finished (all unfinished
// ones when fewer than n succeeded). A failure or an error is never kept
// in a live one's place.
func keptByLatest(all []deployment, n int) map[int64]bool {
	kept := map[int64]bool{}
	if n <= 0 {
		return kept
	}
	cut, found := len(all), 0
	for i, d := range all {
		if d.State == vocab.StateSuccess {
			kept[d.ID] = true
			if found++; found == n {
				cut = i
				break
			}
		}
	}
	for _, d := range all[:cut] {
		if !finished(d.State) {
			kept[d.ID] = true
		}
	}
	return kept
}

// maxRESTRefPages bounds the REST pages of 100 deployments one step reads
// for the refs GraphQL no longer gives (a deployment whose branch or tag
// was deleted has a null ref there; REST keeps the ref as it was given):
// 10,000 deployments. Past it, a deployment's ref is unknown: a sweep
// keeps it, a teardown by ref says so.
const maxRESTRefPages = 100

// restRefBudget is what is left of maxRESTRefPages in one step.
type restRefBudget struct{ pages int }

func newRESTRefBudget() *restRefBudget { return &restRefBudget{pages: maxRESTRefPages} }

// needsRESTRef tells whether the lineage or the branch of d needs REST's
// ref: another tool's deployment (no run marker) whose GraphQL ref is null.
func needsRESTRef(d deployment) bool {
	_, st := d.marker()
	return st == markerNone && d.RefName == ""
}

// refUnknown tells whether matching a ref to d needs REST's ref: GraphQL's
// is null and no run marker names d's branch.
func refUnknown(d deployment) bool {
	m, st := d.marker()
	return d.RefName == "" && (st != markerOK || m.Branch == "")
}

// readRESTRefs fills in RESTRef for the deployments of l that need it
// (need), from REST's listing of env's deployments, 100 a page, until each
// is found or the budget is spent. A ref that is no branch, tag or SHA git
// allows is left out (unknown). Each page is admitted within what GitHub's
// REST rate limit leaves (roomGuard). It returns a warning when some
// stayed unknown, and fails only when a read fails.
func (c *Client) readRESTRefs(ctx context.Context, env string, l *listing, need func(deployment) bool, budget *restRefBudget) (string, error) {
	want := map[int64]int{}
	for i, d := range l.all {
		if need(d) {
			want[d.ID] = i
		}
	}
	if len(want) == 0 {
		return "", nil
	}
	opts := &github.DeploymentsListOptions{Environment: env, ListOptions: github.ListOptions{PerPage: 100}}
	guard := newRoomGuard(c.Room)
	stopped := false
	_, err := restPaginate(&opts.ListOptions, budget.pages, func() (*github.Response, error) {
		if stopped = !guard.admit(Room{Requests: 1}); stopped {
			return nil, errEnoughPages
		}
		budget.pages--
		page, resp, err := c.GH.Repositories.ListDeployments(ctx, c.Owner, c.Repo, opts)
		if err != nil {
			return nil, err
		}
		for _, rd := range page {
			i, ok := want[rd.GetID()]
			if !ok || !vocab.SameEnvironment(rd.GetEnvironment(), env) {
				continue
			}
			if ref := rd.GetRef(); vocab.IsSHA(ref) || vocab.IsRefName(vocab.ShortRef(ref)) {
				l.all[i].RESTRef = ref
			}
			delete(want, rd.GetID())
		}
		if len(want) == 0 {
			return resp, errEnoughPages
		}
		return resp, nil
	})
	if err != nil {
		return "", githubapi.Explain(githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s of %s/%s", vocab.Quote(env), c.Owner, c.Repo)}, err)
	}
	if stopped {
		return fmt.Sprintf("the refs of %d deployments of environment %s were not read: %s; they are taken as unknown", len(want), vocab.Quote(env), guard.stoppedWhy()), nil
	}
	if len(want) == 0 {
		return "", nil
	}
	return fmt.Sprintf("the refs of %d deployments of environment %s could not be read from GitHub's REST API (at most %d pages of 100 a step): they are taken as unknown", len(want), vocab.Quote(env), maxRESTRefPages), nil
}
