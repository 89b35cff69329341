package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// maxSweepRows bounds the sweep's summary table and its JSON output.
const maxSweepRows = 500

// sweepOutputs are step: sweep's outputs.
func sweepOutputs(sw *lifecycle.SweepResult, out map[string]string) {
	out["environments-seen"] = strconv.Itoa(len(sw.Candidates))
	out["environments-stale"] = strconv.Itoa(sw.Stale())
	swept := sw.Count(lifecycle.DecisionSwept)
	if sw.DryRun {
		swept = sw.Count(lifecycle.DecisionWouldSweep)
	}
	out["environments-swept"] = strconv.Itoa(swept)
	out["environments-skipped"] = strconv.Itoa(sw.Count(lifecycle.DecisionKept))
	out["environments-left"] = strconv.Itoa(sw.Count(lifecycle.DecisionLeft))
	// A real run says what was done; a dry run what would be done, under
	// other keys, so that no one reads a plan as a result.
	type entry struct {
		Environment        string `json:"environment"`
		Decision           string `json:"decision"`
		Reason             string `json:"reason"`
		Deployer           string `json:"deployer,omitempty"`
		Deactivated        *int   `json:"deactivated,omitempty"`
		Deleted            *int   `json:"deleted,omitempty"`
		EnvironmentDeleted *bool  `json:"environment_deleted,omitempty"`
		WouldDeactivate    *int   `json:"would_deactivate,omitempty"`
		WouldDelete        *int   `json:"would_delete,omitempty"`
		WouldDeleteEnv     *bool  `json:"would_delete_environment,omitempty"`
		// KeptDeployments are the live deployments an environment swept
		// in part keeps, and why (at most maxKeptRows of them).
		KeptDeployments []lifecycle.KeptDeployment `json:"kept_deployments,omitempty"`
	}
	list := []entry{}
	for _, c := range sw.Candidates {
		if c.Decision == lifecycle.DecisionKept || len(list) == maxSweepRows {
			continue
		}
		e := entry{Environment: c.Environment, Decision: c.Decision, Reason: c.Reason, Deployer: c.Deployer, KeptDeployments: keptRows(c.KeptDeployments)}
		td := c.Teardown
		if td == nil {
			td = &lifecycle.TeardownResult{}
		}
		deactivated, deleted := len(td.Deactivated), len(td.Deleted)
		if sw.DryRun {
			e.WouldDeactivate, e.WouldDelete, e.WouldDeleteEnv = &deactivated, &deleted, &td.WouldDeleteEnvironment
		} else {
			e.Deactivated, e.Deleted, e.EnvironmentDeleted = &deactivated, &deleted, &td.EnvironmentDeleted
		}
		list = append(list, e)
	}
	b, _ := json.Marshal(list)
	out["swept"] = string(b)
}

// maxKeptRows bounds the kept deployments listed for one environment.
const maxKeptRows = 20

// keptRows is kept, at most maxKeptRows of it.
func keptRows(kept []lifecycle.KeptDeployment) []lifecycle.KeptDeployment {
	return kept[:min(len(kept), maxKeptRows)]
}

func describeSweep(a *githubactions.Action, sw *lifecycle.SweepResult) {
	verb := "Swept"
	swept := sw.Count(lifecycle.DecisionSwept)
	if sw.DryRun {
		verb, swept = "Dry run: would sweep", sw.Count(lifecycle.DecisionWouldSweep)
	}
	Logf(a, "%s %d of %d stale environments (%d of the repository's %d environments matched; %d kept).",
		verb, swept, sw.Stale(), len(sw.Candidates), sw.Environments, sw.Count(lifecycle.DecisionKept))
	for _, c := range sw.Candidates {
		if c.Decision != lifecycle.DecisionKept {
			Logf(a, "  %s %q: %s", c.Decision, c.Environment, c.Reason)
			for _, k := range keptRows(c.KeptDeployments) {
				Logf(a, "    kept live deployment %d: %s", k.ID, k.Reason)
			}
		}
	}
}

// sweepSummary is a table of every candidate with its decision and
// reason.
func sweepSummary(sw *lifecycle.SweepResult) string {
	var b strings.Builder
	title := "Sweep"
	if sw.DryRun {
		title += " (dry run: nothing was changed)"
	}
	fmt.Fprintf(&b, "### %s\n\n", title)
	fmt.Fprintf(&b, "%d of %d environments matched; %d stale; %d kept.", len(sw.Candidates), sw.Environments, sw.Stale(), sw.Count(lifecycle.DecisionKept))
	if sw.Stopped != "" {
		fmt.Fprintf(&b, " Stopped early: %s; %d left for the next run.", cell(sw.Stopped), sw.Count(lifecycle.DecisionLeft))
	}
	b.WriteString("\n\n| Environment | Decision | Reason | Deployments | Inactive / deleted | Deployed by |\n|---|---|---|---|---|---|\n")
	for i, c := range sw.Candidates {
		if i == maxSweepRows {
			fmt.Fprintf(&b, "| … %d more | | | | | |\n", len(sw.Candidates)-i)
			break
		}
		done := ""
		if td := c.Teardown; td != nil {
			done = fmt.Sprintf("%d / %d", len(td.Deactivated), len(td.Deleted))
			switch {
			case td.EnvironmentDeleted:
				done += ", environment deleted"
			case td.WouldDeleteEnvironment:
				done += ", environment would be deleted"
			}
		}
		by := ""
		if c.Deployer != "" {
			by = cell("@" + c.Deployer)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s |\n", cell(c.Environment), c.Decision, cell(c.Reason), c.Deployments, done, by)
	}
	b.WriteString("\n")
	keptSummary(&b, sw)
	return b.String()
}

// keptSummary lists the live deployments kept in the environments swept
// in part, and why.
func keptSummary(b *strings.Builder, sw *lifecycle.SweepResult) {
	first := true
	for i, c := range sw.Candidates {
		if i == maxSweepRows || c.Decision == lifecycle.DecisionKept || len(c.KeptDeployments) == 0 {
			continue
		}
		if first {
			b.WriteString("Live deployments kept in environments swept in part:\n\n| Environment | Deployment | Why |\n|---|---|---|\n")
			first = false
		}
		for _, k := range keptRows(c.KeptDeployments) {
			fmt.Fprintf(b, "| %s | %d | %s |\n", cell(c.Environment), k.ID, cell(k.Reason))
		}
		if n := len(c.KeptDeployments) - maxKeptRows; n > 0 {
			fmt.Fprintf(b, "| %s | … %d more | |\n", cell(c.Environment), n)
		}
	}
	if !first {
		b.WriteString("\n")
	}
}
