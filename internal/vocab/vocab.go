// Package vocab is the deployment vocabulary every stage shares: the
// states of a deployment, the rules of environment names, logins, refs and
// commit SHAs, how a value is quoted in a message, and the run marker's
// payload key. It imports nothing of this module: config, lifecycle and
// report import it, and it imports none of them.
package vocab

import (
	"fmt"
	"strconv"
)

// Deployment status states, as GitHub names them.
const (
	StateError      = "error"
	StateFailure    = "failure"
	StateInactive   = "inactive"
	StateInProgress = "in_progress"
	StateQueued     = "queued"
	StatePending    = "pending"
	StateSuccess    = "success"
)

// States lists every deployment status state GitHub accepts.
var States = []string{StateError, StateFailure, StateInactive, StateInProgress, StateQueued, StatePending, StateSuccess}

// IsFinal reports whether a deployment in state s is done: no later status
// is expected unless someone deploys it again.
func IsFinal(s string) bool {
	switch s {
	case StateSuccess, StateFailure, StateError, StateInactive:
		return true
	}
	return false
}

// MarkerKey is the payload key the action keeps for its run marker: the
// record of the run that created a deployment. A payload input may not use
// it.
const MarkerKey = "deployment_action"

// DefaultSweepMax is how many environments one sweep tears down when
// max-environments is not given.
const DefaultSweepMax = 50

// maxQuoted is how much of a value an error message quotes.
const maxQuoted = 80

// Quote is v quoted for a message, shortened to maxQuoted characters with
// its full length said: a 100 KB payload is not echoed whole.
func Quote(v string) string {
	r := []rune(v)
	if len(r) <= maxQuoted {
		return strconv.Quote(v)
	}
	return fmt.Sprintf("%s… (%d characters in all)", strconv.Quote(string(r[:maxQuoted])), len(r))
}
