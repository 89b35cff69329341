package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// waitOutputs are step: wait's own outputs (deployment-id, environment,
// environment-url and state are the common ones).
func waitOutputs(w *lifecycle.WaitResult, out map[string]string) {
	if w.Creator != "" {
		out["creator"] = w.Creator
	}
}

// describeWait logs how a wait ended.
func describeWait(a *githubactions.Action, res *lifecycle.Result) {
	w := res.Wait
	if res.DeploymentID == 0 {
		return
	}
	by := ""
	if w.Creator != "" {
		by = " by " + w.Creator
	}
	url := ""
	if res.EnvironmentURL != "" {
		url = ": " + res.EnvironmentURL
	}
	Logf(a, "Deployment %d of %q%s is %s after %s (%d reads)%s.", res.DeploymentID, res.Environment, by, orDash(res.State), w.Waited.Round(time.Second), w.Reads, url)
}

// waitSummary is the job summary of a wait: what it waited for, the
// deployment it saw last and how long it took.
func waitSummary(links Links, res *lifecycle.Result) string {
	w := res.Wait
	var b strings.Builder
	state := "none found"
	switch {
	case res.DeploymentID != 0 && res.State != "":
		state = stateEmoji(res.State) + " " + code(res.State, false)
	case res.DeploymentID != 0:
		state = "⏳ no status yet"
	}
	fmt.Fprintf(&b, "### Wait for %s: %s\n\n| | |\n|---|---|\n", code(w.Pattern, false), state)
	row(&b, "Environment", linkOr(res.Environment, envURL(links, res.Environment)))
	row(&b, "Ref", linkOr(w.Ref, refURL(links, w.Ref)))
	if len(w.Creators) > 0 {
		row(&b, "Creator wanted", cell(strings.Join(w.Creators, ", ")))
	}
	if res.DeploymentID != 0 {
		row(&b, "Deployment", fmt.Sprint(res.DeploymentID))
		row(&b, "State", cell(res.State))
		row(&b, "Environment URL", linkOr(res.EnvironmentURL, res.EnvironmentURL))
		if w.Creator != "" {
			row(&b, "Created by", cell("@"+w.Creator))
		}
		if res.LogURL != "" {
			row(&b, "Log", link("deployment log", res.LogURL))
		}
	}
	row(&b, "Waited", fmt.Sprintf("%s of %s (%d reads)", w.Waited.Round(time.Second), w.Timeout, w.Reads))
	b.WriteString("\n")
	return b.String()
}
