package lifecycle

// This file is the branch-deleted rule of a sweep: the refs an
// environment's newest deployment was made of, and whether they are gone.

import (
	"fmt"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// branchVerdict tells whether the branch d was made from is gone, and
// says why. This action's run marker names the branch; for another tool's
// deployment, GraphQL's ref is there while its ref exists, and is null
// both for a deployment made of a SHA and once its ref is gone: the ref
// REST keeps as it was given tells them apart (a SHA, or a name that no
// longer exists as a branch or a tag). Anything unknown keeps.
func branchVerdict(d deployment, f sweepFacts) (gone bool, why string) {
	what, refs, why := refsOf(d)
	if refs == nil {
		return false, why
	}
	return refGone(f, what, refs...)
}

// refsOf is what branch-deleted checks for d: the qualified refs that must
// all be gone for the ref d was made from to be gone, and what to call it
// in a reason. refs is nil, with why, when that cannot be told. A branch
// the marker names is gone only when no tag of that name is there either
// (a run could have taken a tag for a branch); another tool's ref is
// looked up only when it is a branch or tag name git allows.
func refsOf(d deployment) (what string, refs []string, why string) {
	m, st := d.marker()
	switch {
	case st == markerBad:
		return "", nil, "its newest deployment's run marker cannot be read: its branch is unknown"
	case st == markerOK && m.Branch == "":
		return "", nil, "its newest deployment was made from no branch this action could name (a tag, a SHA, or a fork's branch)"
	case st == markerOK && !vocab.IsRefName(m.Branch):
		return "", nil, fmt.Sprintf("its newest deployment's run marker names %s, which is no branch name: whether it exists is unknown", vocab.Quote(m.Branch))
	case st == markerOK:
		return "branch " + vocab.Quote(m.Branch), []string{"refs/heads/" + m.Branch, "refs/tags/" + m.Branch}, ""
	case d.RefName != "":
		return "", nil, fmt.Sprintf("its newest deployment's ref %s exists", vocab.Quote(d.RefName))
	}
	ref := d.RESTRef
	switch {
	case ref == "":
		return "", nil, "whether its newest deployment's ref still exists is unknown"
	case vocab.IsSHA(ref):
		return "", nil, "its newest deployment was made of a commit, not a branch"
	case strings.HasPrefix(ref, "refs/heads/") || strings.HasPrefix(ref, "refs/tags/"):
		if !vocab.IsRefName(strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")) {
			break
		}
		return "ref " + vocab.Quote(ref), []string{ref}, ""
	case strings.HasPrefix(ref, "refs/") || !vocab.IsRefName(ref):
		// refs/pull/N/merge and the like are no branch or tag; a name git
		// does not allow is no ref at all.
	default:
		return "ref " + vocab.Quote(ref), []string{"refs/heads/" + ref, "refs/tags/" + ref}, ""
	}
	return "", nil, fmt.Sprintf("its newest deployment's ref %s is no branch or tag: whether it still exists is unknown", vocab.Quote(ref))
}

// refGone says whether none of refs exists, as what (a branch or a ref).
func refGone(f sweepFacts, what string, refs ...string) (bool, string) {
	for _, r := range refs {
		exists, known := f.Refs[r]
		if !known {
			return false, "whether " + what + " exists is unknown"
		}
		if exists {
			return false, what + " exists"
		}
	}
	return true, what + " was deleted"
}
