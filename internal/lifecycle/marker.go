package lifecycle

// The run marker: what the action records in a deployment's payload about
// the run that made it. Start finds its own deployment by it after a lost
// answer; sweep reads the pull request and production flag from it. Its
// fields, its JSON and its comparison are all here.

import (
	"encoding/json"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Marker identifies the step of a run attempt that created a deployment.
// The legs of a matrix share the job's name: JobIndex (strategy.job-index)
// tells them apart.
type Marker struct {
	RunID      int64  `json:"run_id"`
	RunAttempt int64  `json:"run_attempt"`
	Job        string `json:"job,omitempty"`
	JobIndex   string `json:"job_index,omitempty"`
	Step       string `json:"step,omitempty"`
	// PullRequest is the pull request the deployment was made for, on
	// pull request events (sweep reads it).
	PullRequest int `json:"pull_request,omitempty"`
	// Production records production-environment: true (sweep never
	// sweeps such an environment by a wildcard; GitHub's GraphQL API does
	// not say).
	Production bool `json:"production,omitempty"`
	// Nonce is made anew by each main stage: two calls of one reusable
	// workflow in a run share everything else.
	Nonce string `json:"nonce,omitempty"`
	// Deployer is who deployed (github.triggering_actor, else
	// github.actor): GITHUB_TOKEN's deployments show github-actions[bot]
	// as their creator. StartedBy is github.actor when someone else
	// started the run.
	Deployer  string `json:"deployer,omitempty"`
	StartedBy string `json:"started_by,omitempty"`
	// Branch is the branch of this repository the deployment was made
	// from, when the run could tell (sweep's branch-deleted reads it).
	Branch string `json:"branch,omitempty"`
}

// markerOf is the marker of the deployment start makes with opts.
func markerOf(opts config.StartOptions) Marker {
	m := Marker{RunID: opts.Run.ID, RunAttempt: opts.Run.Attempt, Job: opts.Run.Job, JobIndex: opts.Run.JobIndex, Step: opts.Run.Step, PullRequest: opts.PullRequest, Nonce: opts.Run.Nonce,
		Deployer: opts.Run.Deployer(), StartedBy: opts.Run.StartedBy(), Branch: opts.Run.Branch}
	m.Production = opts.Production != nil && *opts.Production
	return m
}

// payloadWithMarker is the user's payload plus the run marker.
func payloadWithMarker(opts config.StartOptions) map[string]any {
	p := make(map[string]any, len(opts.Payload)+1)
	for k, v := range opts.Payload {
		p[k] = v
	}
	p[vocab.MarkerKey] = markerOf(opts)
	return p
}

// hasMarker reports whether d's payload carries marker m (its nonce
// included: another call of the same reusable workflow in this run has
// another).
func hasMarker(d *github.Deployment, m Marker) bool {
	got, st := markerIn(d.Payload)
	return st == markerOK && got == m
}

// markerState says whether a payload carries a run marker.
type markerState int

const (
	// markerNone: no run marker (another tool's deployment).
	markerNone markerState = iota
	// markerOK: this action's run marker.
	markerOK
	// markerBad: the marker's key is there but its value is not a run
	// marker: what it says is unknown.
	markerBad
)

// markerIn is the run marker in a deployment's payload, if it has one.
func markerIn(payload []byte) (Marker, markerState) {
	var p map[string]json.RawMessage
	if len(payload) == 0 || json.Unmarshal(payload, &p) != nil {
		return Marker{}, markerNone
	}
	raw, ok := p[vocab.MarkerKey]
	if !ok || string(raw) == "null" {
		return Marker{}, markerNone
	}
	var m Marker
	if json.Unmarshal(raw, &m) != nil || m.RunID <= 0 || m.PullRequest < 0 {
		return Marker{}, markerBad
	}
	return m, markerOK
}

// marker is the run marker in the deployment's payload, and whether it
// has one.
func (d deployment) marker() (Marker, markerState) { return markerIn([]byte(d.Payload)) }
