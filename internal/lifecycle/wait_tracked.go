package lifecycle

// The deployments a wait reads by node id. A deployment found where later
// polls do not look (by the first poll's REST listing, or deep in its
// commit's pages) stays in sight because each poll reads it by its node
// id. GitHub's answer for that id is taken only when it repeats what was
// known of the deployment when it was found (its node id, database id and
// commit, this repository, and its ref when that matters), and only while
// it still matches the wait's environment, ref and creator. One that no
// longer does (deleted, moved to another environment, or an answer for
// another deployment) gives way to the next newest found, and when none
// is left a later poll reads deep again, at most waitDeepAgain times a
// wait.

import (
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

const (
	// waitCandidates bounds the deployments a wait keeps to read by id,
	// newest first: the one read, and those that take its place.
	waitCandidates = 10
	// waitDeepAgain bounds the polls after the first that read as deep as
	// the first, when what was tracked is gone and nothing else matched.
	waitDeepAgain = 1
)

// waitCand is a deployment a wait found: what GitHub said of it then,
// which the answer for its node id must repeat.
type waitCand struct {
	nodeID string
	id     int64
	sha    string
	// needRef: REST listed it under the bare spelling of a ref given
	// with its prefix (v1 for refs/heads/v1): it is taken only while
	// GitHub says its ref, which must be the one given.
	needRef bool
}

// trackedID is the node id the next poll reads ("" for none).
func (w *WaitResult) trackedID() string {
	if len(w.cands) == 0 {
		return ""
	}
	return w.cands[0].nodeID
}

// isTracked tells whether t, GitHub's answer for the node id read, is the
// deployment tracked: a Deployment of this repository (fullName,
// owner/name) with the node id, database id and commit it was found
// with, of the ref as match reads it (its ref null: a branch or tag
// deleted since, taken unless the candidate needs its ref).
func (w *WaitResult) isTracked(t *waitNode, fullName string, match func(*waitNode) bool) bool {
	if t == nil || len(w.cands) == 0 {
		return false
	}
	cand := w.cands[0]
	switch {
	case t.Typename != "Deployment", t.ID != cand.nodeID, t.DatabaseID != cand.id,
		cand.sha == "", !strings.EqualFold(t.CommitOid, cand.sha),
		t.Repository == nil, !strings.EqualFold(t.Repository.NameWithOwner, fullName):
		return false
	case t.Ref == nil:
		return !cand.needRef
	}
	return match(t)
}

// addCand keeps c among the deployments to read by id, newest first, at
// most waitCandidates; a deployment already kept keeps what it was
// found with.
func (w *WaitResult) addCand(c waitCand) {
	if c.nodeID == "" || len(c.nodeID) > maxWaitID || c.id <= 0 || !vocab.IsFullSHA(c.sha) {
		return
	}
	i := 0
	for ; i < len(w.cands) && w.cands[i].id >= c.id; i++ {
		if w.cands[i].id == c.id {
			return
		}
	}
	if i >= waitCandidates {
		return
	}
	w.cands = append(w.cands[:i], append([]waitCand{c}, w.cands[i:]...)...)
	if len(w.cands) > waitCandidates {
		w.cands = w.cands[:waitCandidates]
	}
}

// track takes in what a poll read: the deployment tracked gives way to
// the next when it is gone or no longer matches, the poll's matches join
// the candidates, and a poll after the first reads deep again (within
// waitDeepAgain) when what was tracked is gone and nothing is left.
func (w *WaitResult) track(read *waitRead, deep bool) {
	lost := len(w.cands) > 0 && !read.trackedOK
	if lost {
		w.cands = w.cands[1:]
	}
	for _, n := range read.matches {
		w.addCand(waitCand{nodeID: n.ID, id: n.DatabaseID, sha: n.CommitOid})
	}
	w.deepDone = w.deepDone || deep
	if lost && len(w.cands) == 0 && w.deepAgain < waitDeepAgain {
		w.deepDone, w.deepAgain = false, w.deepAgain+1
	}
}

// forget clears what res says of the deployment seen: a usable poll found
// none (the one seen was deleted, or moved to another environment).
func (w *WaitResult) forget(res *Result) {
	res.DeploymentID, res.Environment, res.State, res.EnvironmentURL, res.LogURL = 0, "", "", "", ""
	w.Creator, w.SeenAt = "", time.Time{}
}
