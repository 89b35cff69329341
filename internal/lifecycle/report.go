package lifecycle

// step: report: what is live in each environment and how its deployments
// went over a window (DORA's four keys), from GitHub's deployments alone.
// It only reads (report_reads.go); the keys are computed in
// report_keys.go.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// ReportResult is what step: report found. Its JSON is the report output,
// documented field by field in docs/report.md: durations in seconds, times in
// RFC 3339, UTC.
type ReportResult struct {
	Repository string `json:"repository"`
	// Since and Until bound the window: (Since, Until].
	Since         time.Time `json:"since"`
	Until         time.Time `json:"until"`
	WindowSeconds int64     `json:"window_seconds"`
	Patterns      []string  `json:"patterns"`
	// Reads is how many queries the report sent, MaxReads its cap.
	Reads    int `json:"reads"`
	MaxReads int `json:"max_reads"`
	// Complete is false when a cap stopped the reads before every
	// matched environment's window was read; Stopped says which cap.
	Complete     bool                `json:"complete"`
	Stopped      string              `json:"stopped,omitempty"`
	Total        Keys                `json:"total"`
	Weeks        []Week              `json:"weeks"`
	Environments []EnvironmentReport `json:"environments"`
}

// EnvironmentReport is one environment of a report.
type EnvironmentReport struct {
	Name string `json:"name"`
	// Complete is false when its deployments were not read back to the
	// window's start.
	Complete bool `json:"complete"`
	// DeploymentsRead is how many of its deployments were read (within
	// the window and before it).
	DeploymentsRead int `json:"deployments_read"`
	// Live is its live deployment (null when none is), Previous the one
	// live before it: what a rollback returns to (null when unknown).
	Live     *LiveDeployment `json:"live"`
	Previous *LiveDeployment `json:"previous"`
	Keys     Keys            `json:"keys"`
	Weeks    []Week          `json:"weeks"`
}

// LiveDeployment is a deployment that went live.
type LiveDeployment struct {
	ID  int64  `json:"id"`
	SHA string `json:"sha"`
	// Ref is the branch or tag it was made of (its commit when made of
	// a SHA or when the ref is gone).
	Ref string `json:"ref"`
	// URL is its environment URL ("" when its statuses gave none).
	URL string `json:"url"`
	// LiveSince is its first success status's time.
	LiveSince time.Time `json:"live_since"`
	// Deployer is who deployed: this action's run marker's deployer, else
	// GitHub's creator ("" when unknown).
	Deployer string `json:"deployer"`
}

// Keys are the window's deployments and DORA's four keys.
type Keys struct {
	Deployments int      `json:"deployments"`
	Outcomes    Outcomes `json:"outcomes"`
	// FrequencyPerDay is the successful deployments a day.
	FrequencyPerDay float64 `json:"deployment_frequency_per_day"`
	// ChangeFailureRate is failure and error of the finished (success,
	// failure, error); null with none finished.
	ChangeFailureRate *float64 `json:"change_failure_rate"`
	TimeToRestore     Restore  `json:"time_to_restore"`
	LeadTime          Lead     `json:"lead_time"`
}

// Outcomes count the window's deployments by how they ended.
type Outcomes struct {
	Success  int `json:"success"`
	Failure  int `json:"failure"`
	Error    int `json:"error"`
	Inactive int `json:"inactive"`
	Running  int `json:"running"`
}

// Restore is the time to restore: from the first failed deployment after
// a success to the next success of the same environment.
type Restore struct {
	Restored      int    `json:"restored"`
	Unrestored    int    `json:"unrestored"`
	MedianSeconds *int64 `json:"median_seconds"`
	P90Seconds    *int64 `json:"p90_seconds"`
}

// Lead is the lead time for changes: from a commit's committedDate to the
// first success of the first deployment that shipped it.
type Lead struct {
	Commits       int    `json:"commits"`
	MedianSeconds *int64 `json:"median_seconds"`
	P90Seconds    *int64 `json:"p90_seconds"`
	// Uncounted are successful deployments whose commits were not
	// counted: no earlier success to compare with, a history not read
	// (the reads' cap), or one deeper than HistoryDepth commits.
	Uncounted int `json:"uncounted_deployments"`
}

// Week is one week of the window (the last may be shorter) and its
// deployments by outcome.
type Week struct {
	Start   time.Time `json:"start"`
	Success int       `json:"success"`
	Failed  int       `json:"failed"`
	Other   int       `json:"other"`
}

// Report reads the deployments of the environments opts.Patterns match
// and reports what is live in each and the four keys over opts.Since
// before now. It sends at most MaxReportReads queries and no write.
func Report(ctx context.Context, c *Client, opts config.ReportOptions) (*Result, error) {
	return reportWithCap(ctx, c, opts, MaxReportReads)
}

// reportWithCap is Report with maxReads as the cap.
func reportWithCap(ctx context.Context, c *Client, opts config.ReportOptions, maxReads int) (*Result, error) {
	// The window ends at now, rounded up to GitHub's whole seconds: what
	// was made this second is in it.
	now := c.now().UTC()
	until := now.Truncate(time.Second)
	if until.Before(now) {
		until = until.Add(time.Second)
	}
	start := until.Add(-opts.Since)
	rep := &ReportResult{Repository: c.Owner + "/" + c.Repo, Since: start, Until: until, WindowSeconds: int64(opts.Since / time.Second),
		Patterns: opts.Patterns, MaxReads: maxReads, Complete: true, Environments: []EnvironmentReport{}}
	r := &reportReader{c: c, max: maxReads, start: start, histories: map[string][]commitTime{}}
	res := &Result{Report: rep}
	matched, err := r.environments(ctx, opts.Patterns, rep, res)
	if err != nil {
		return nil, err
	}
	if len(matched) == 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("no environment of %s/%s matches environments (%s): the report is empty", c.Owner, c.Repo, quoteList(opts.Patterns)))
	}
	var byEnv [][]reportDeployment
	for i, name := range matched {
		if r.reads >= r.max {
			r.stopped = fmt.Sprintf("the report's %d reads were used up; %d of the %d matched environments were not read", r.max, len(matched)-i, len(matched))
			break
		}
		list, complete, err := r.deployments(ctx, name)
		if err != nil {
			return nil, err
		}
		byEnv = append(byEnv, list)
		rep.Environments = append(rep.Environments, EnvironmentReport{Name: name, Complete: complete, DeploymentsRead: len(list)})
		if !complete && r.stopped == "" && rep.Stopped == "" {
			rep.Stopped = fmt.Sprintf("environment %s has more than %d deployments back to the window's start; the older ones were not read", vocab.Quote(name), MaxReportPages*100)
		}
		rep.Complete = rep.Complete && complete
	}
	if err := r.readHistories(ctx, shippedCommits(byEnv, start, until)); err != nil {
		// Without contents: read (or with GitHub failing) the report
		// stands without the lead time.
		res.Warnings = append(res.Warnings, fmt.Sprintf("the lead time for changes is left out: %s", err))
	}
	computeKeys(rep, byEnv, r.histories)
	rep.Reads = r.reads
	if r.stopped != "" {
		rep.Complete, rep.Stopped = false, r.stopped
	}
	if !rep.Complete {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the report is incomplete: %s; the keys are computed from the deployments read, the newest first", rep.Stopped))
	}
	res.Warnings = append(res.Warnings, r.foreign.rest(r.warnings)...)
	return res, nil
}

// environments are the names of the environments patterns match, by
// EnvironmentKey. Names alone (no wildcard) are taken as they are, without
// reading the listing (which needs actions: read); with a wildcard the
// repository's environments are listed (sweep's listing) and matched.
func (r *reportReader) environments(ctx context.Context, patterns []string, rep *ReportResult, res *Result) ([]string, error) {
	var matched []string
	seen := map[string]bool{}
	if !slices.ContainsFunc(patterns, vocab.IsWildcard) {
		for _, p := range patterns {
			if !seen[vocab.EnvironmentKey(p)] {
				seen[vocab.EnvironmentKey(p)] = true
				matched = append(matched, p)
			}
		}
		slices.SortFunc(matched, compareKeys)
		return matched, nil
	}
	list, _, truncated, err := r.c.listEnvironments(ctx)
	// Each query the listing sent counts, its further pages too.
	r.reads += list.pages
	if err != nil {
		return nil, err
	}
	envs := list.envs
	res.Warnings = append(res.Warnings, list.warnings...)
	if truncated {
		rep.Complete, rep.Stopped = false, fmt.Sprintf("the repository has more than %d environments", MaxPages*100)
	}
	for _, e := range envs {
		if slices.ContainsFunc(patterns, func(p string) bool { return vocab.MatchPattern(p, e.Name) }) {
			matched = append(matched, e.Name)
		}
	}
	slices.SortFunc(matched, compareKeys)
	return matched, nil
}

// compareKeys orders environment names by EnvironmentKey, then as given.
func compareKeys(a, b string) int {
	ka, kb := vocab.EnvironmentKey(a), vocab.EnvironmentKey(b)
	switch {
	case ka < kb:
		return -1
	case ka > kb:
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// shippedCommits are the commits whose histories the lead time needs: of
// each deployment made in the window that succeeded, once each.
func shippedCommits(byEnv [][]reportDeployment, start, until time.Time) []string {
	var shas []string
	seen := map[string]bool{}
	for _, list := range byEnv {
		// Oldest first: a capped read reads the oldest of the window.
		for _, d := range slices.Backward(list) {
			if sha := normSHA(d.SHA); inWindow(d.Created, start, until) && !d.liveAt().IsZero() && sha != "" && !seen[sha] {
				seen[sha] = true
				shas = append(shas, sha)
			}
		}
	}
	return shas
}

// inWindow reports whether t is in the window (start, until]: up to now,
// what was made this second included.
func inWindow(t, start, until time.Time) bool { return t.After(start) && !t.After(until) }
