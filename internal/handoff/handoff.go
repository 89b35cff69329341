// Package handoff is what one stage of the action leaves for the stages
// after it, in one place: the names, how they are written and how they
// are read.
//
//   - start → its own post stage: GITHUB_STATE deployment_id, which the
//     runner hands to the post container as STATE_deployment_id.
//   - start → later steps of the job (finish, status, and post-if in
//     action.yml): GITHUB_ENV DEPLOYMENT_ACTION_DEPLOYMENT_ID.
//   - finish or status → the post stage: GITHUB_ENV
//     DEPLOYMENT_ACTION_FINISHED_<id>, the final state it gave deployment
//     id, so that post makes no call for it.
package handoff

import (
	"strconv"
	"strings"
)

const (
	// stateDeploymentID is the GITHUB_STATE name of the deployment a main
	// stage started.
	stateDeploymentID = "deployment_id"
	// EnvDeploymentID is the GITHUB_ENV name of the deployment the job's
	// last start created or adopted. action.yml's post-if tests it.
	EnvDeploymentID = "DEPLOYMENT_ACTION_DEPLOYMENT_ID"
	// EnvFinishedPrefix + id is the GITHUB_ENV name of the final state a
	// finish or status step gave deployment id.
	EnvFinishedPrefix = "DEPLOYMENT_ACTION_FINISHED_"
)

// Writer writes file commands: state for this step's post stage, and
// environment for the job's later steps.
type Writer interface {
	SaveState(name, value string)
	SetEnv(name, value string)
}

// SaveStarted hands the deployment a start created or adopted to its post
// stage and to the job's later steps.
func SaveStarted(w Writer, id int64) {
	v := strconv.FormatInt(id, 10)
	w.SaveState(stateDeploymentID, v)
	w.SetEnv(EnvDeploymentID, v)
}

// SaveFinished tells the post stage that deployment id was given the
// final state state.
func SaveFinished(w Writer, id int64, state string) {
	w.SetEnv(EnvFinishedPrefix+strconv.FormatInt(id, 10), state)
}

// StartedByMain is the deployment this post stage's main stage started,
// or 0: with none, the post stage has nothing to do, whatever its inputs.
func StartedByMain(getenv func(string) string) int64 {
	return ParseID(getenv("STATE_" + stateDeploymentID))
}

// LastStarted is the deployment the job's last start created or adopted,
// or 0.
func LastStarted(getenv func(string) string) int64 {
	return ParseID(getenv(EnvDeploymentID))
}

// Finished is the final state an earlier finish or status step of the job
// gave deployment id ("" when none did).
func Finished(getenv func(string) string, id int64) string {
	if id == 0 {
		return ""
	}
	return getenv(EnvFinishedPrefix + strconv.FormatInt(id, 10))
}

// ParseID returns the positive number v spells, or 0.
func ParseID(v string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
