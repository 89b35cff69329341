package lifecycle

// The four keys of a report, computed from the deployments read (each
// with its statuses) and the histories of the commits successes shipped.
// The rules (docs/report.md):
//
//   - A deployment belongs to the window when it was created in it.
//   - Its outcome is its latest success, failure or error status (an
//     inactive status after a success, which retiring it adds, does not
//     change it); with none it is inactive or running.
//   - It went live at its first success status.
//   - Time to restore: in each environment, finished deployments in the
//     order they finished; a failure or error after a success opens a
//     span, the next success closes it. A span counts in the window whose
//     opening failure's deployment was made in it; an open one is
//     unrestored.
//   - Lead time: each success made in the window shipped the commits of
//     its commit's history (newest first, HistoryDepth at most) up to the
//     first commit an earlier success of the environment shipped; each
//     from its committedDate to the deployment's first success.

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

const week = 7 * 24 * time.Hour

// outcome is how d ended and when: its latest success, failure or error
// status; else inactive (its latest status is) or running.
func (d reportDeployment) outcome() (string, time.Time) {
	// GitHub's latest status is the outcome when it is one: statuses of
	// one second cannot be ordered by their times.
	if isOutcome(d.State) {
		for _, s := range slices.Backward(d.Statuses) {
			if s.State == d.State {
				return s.State, s.Created
			}
		}
	}
	for _, s := range slices.Backward(d.Statuses) {
		if isOutcome(s.State) {
			return s.State, s.Created
		}
	}
	if d.StatusesCut && isOutcome(d.State) {
		return d.State, d.Statuses[len(d.Statuses)-1].Created
	}
	if d.State == vocab.StateInactive {
		return vocab.StateInactive, time.Time{}
	}
	return "running", time.Time{}
}

func isOutcome(s string) bool {
	return s == vocab.StateSuccess || s == vocab.StateFailure || s == vocab.StateError
}

// liveAt is when d went live: its first success status (zero when none).
func (d reportDeployment) liveAt() time.Time {
	for _, s := range d.Statuses {
		if s.State == vocab.StateSuccess {
			return s.Created
		}
	}
	if d.StatusesCut && d.State == vocab.StateSuccess && len(d.Statuses) > 0 {
		return d.Statuses[len(d.Statuses)-1].Created
	}
	return time.Time{}
}

// live is d as a LiveDeployment: its URL is that of its newest status
// that gave one.
func (d reportDeployment) live() *LiveDeployment {
	l := &LiveDeployment{ID: d.ID, SHA: d.SHA, Ref: d.Ref, LiveSince: d.liveAt(), Deployer: deployerOf(d.deployment)}
	for _, s := range slices.Backward(d.Statuses) {
		if s.URL != "" {
			l.URL = s.URL
			break
		}
	}
	// What GitHub's answer holds does not set the output's size: a URL
	// or ref longer than any real one is left out.
	if len(l.URL) > maxReportURL {
		l.URL = ""
	}
	if len(l.Ref) > maxReportRef {
		l.Ref = ""
	}
	return l
}

// maxReportURL and maxReportRef bound a live deployment's URL (browsers'
// practical limit) and ref (git's longest ref name) in the report.
const (
	maxReportURL = 2048
	maxReportRef = 255
)

// wentLiveAfter tells whether a went live after b: by their first success,
// and by id within one second (GitHub's times are to the second).
func wentLiveAfter(a, b reportDeployment) bool {
	return cmp.Or(a.liveAt().Compare(b.liveAt()), cmp.Compare(a.ID, b.ID)) > 0
}

// liveAndPrevious are the live deployment of list (the one whose latest
// status is success and that went live last) and the one of another
// commit that went live last before it: what a rollback returns to (a
// redeploy of the live commit is none).
func liveAndPrevious(list []reportDeployment) (live, previous *LiveDeployment) {
	var cur *reportDeployment
	for i := range list {
		if d := &list[i]; d.State == vocab.StateSuccess && !d.liveAt().IsZero() && (cur == nil || wentLiveAfter(*d, *cur)) {
			cur = d
		}
	}
	if cur == nil {
		return nil, nil
	}
	var prev *reportDeployment
	for i := range list {
		d := &list[i]
		sameCommit := strings.EqualFold(d.SHA, cur.SHA) && d.SHA != ""
		if !sameCommit && !d.liveAt().IsZero() && wentLiveAfter(*cur, *d) && (prev == nil || wentLiveAfter(*d, *prev)) {
			prev = d
		}
	}
	if prev == nil {
		return cur.live(), nil
	}
	return cur.live(), prev.live()
}

// computeKeys fills in each environment of rep from its deployments
// (byEnv, in rep.Environments' order), and the totals.
func computeKeys(rep *ReportResult, byEnv [][]reportDeployment, histories map[string][]commitTime) {
	weeks := int(math.Ceil(float64(rep.Until.Sub(rep.Since)) / float64(week)))
	rep.Weeks = newWeeks(rep.Since, weeks)
	var restores, leads []int64
	for i := range rep.Environments {
		e, list := &rep.Environments[i], byEnv[i]
		e.Live, e.Previous = liveAndPrevious(list)
		e.Weeks = newWeeks(rep.Since, weeks)
		count(&e.Keys, e.Weeks, list, rep.Since, rep.Until)
		r, unrestored := restoreSpans(list, rep.Since, rep.Until)
		e.Keys.TimeToRestore = restoreOf(r, unrestored)
		l, uncounted := leadTimes(list, histories, rep.Since, rep.Until)
		e.Keys.LeadTime = leadOf(l, uncounted)
		restores, leads = append(restores, r...), append(leads, l...)
		add(&rep.Total, e.Keys)
		for w := range rep.Weeks {
			rep.Weeks[w].Success += e.Weeks[w].Success
			rep.Weeks[w].Failed += e.Weeks[w].Failed
			rep.Weeks[w].Other += e.Weeks[w].Other
		}
		rates(&e.Keys, rep.WindowSeconds)
	}
	rep.Total.TimeToRestore = restoreOf(restores, rep.Total.TimeToRestore.Unrestored)
	rep.Total.LeadTime = leadOf(leads, rep.Total.LeadTime.Uncounted)
	rates(&rep.Total, rep.WindowSeconds)
}

func newWeeks(start time.Time, n int) []Week {
	w := make([]Week, n)
	for i := range w {
		w[i].Start = start.Add(time.Duration(i) * week)
	}
	return w
}

// count counts the window's deployments of list by outcome, in k and in
// weeks.
func count(k *Keys, weeks []Week, list []reportDeployment, start, until time.Time) {
	for _, d := range list {
		if !inWindow(d.Created, start, until) {
			continue
		}
		k.Deployments++
		w := &weeks[min(len(weeks)-1, int(d.Created.Sub(start)/week))]
		switch o, _ := d.outcome(); o {
		case vocab.StateSuccess:
			k.Outcomes.Success++
			w.Success++
		case vocab.StateFailure:
			k.Outcomes.Failure++
			w.Failed++
		case vocab.StateError:
			k.Outcomes.Error++
			w.Failed++
		case vocab.StateInactive:
			k.Outcomes.Inactive++
			w.Other++
		default:
			k.Outcomes.Running++
			w.Other++
		}
	}
}

// add adds the counts of k to total (the rates are computed after).
func add(total *Keys, k Keys) {
	total.Deployments += k.Deployments
	total.Outcomes.Success += k.Outcomes.Success
	total.Outcomes.Failure += k.Outcomes.Failure
	total.Outcomes.Error += k.Outcomes.Error
	total.Outcomes.Inactive += k.Outcomes.Inactive
	total.Outcomes.Running += k.Outcomes.Running
	total.TimeToRestore.Unrestored += k.TimeToRestore.Unrestored
	total.LeadTime.Uncounted += k.LeadTime.Uncounted
}

// rates sets the deployment frequency and the change failure rate of k,
// rounded to 4 decimals.
func rates(k *Keys, windowSeconds int64) {
	days := float64(windowSeconds) / 86400
	k.FrequencyPerDay = round4(float64(k.Outcomes.Success) / days)
	failed := k.Outcomes.Failure + k.Outcomes.Error
	if finished := failed + k.Outcomes.Success; finished > 0 {
		r := round4(float64(failed) / float64(finished))
		k.ChangeFailureRate = &r
	}
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// restoreSpans are the times to restore of the spans list's window opens
// (seconds) and how many of those are still open.
func restoreSpans(list []reportDeployment, start, until time.Time) (spans []int64, unrestored int) {
	type finished struct {
		d     reportDeployment
		state string
		at    time.Time
	}
	var done []finished
	for _, d := range list {
		if o, at := d.outcome(); isOutcome(o) {
			done = append(done, finished{d, o, at})
		}
	}
	slices.SortStableFunc(done, func(a, b finished) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if c := a.d.Created.Compare(b.d.Created); c != 0 {
			return c
		}
		// GitHub's times are to the second: ids tell the order within one.
		return cmp.Compare(a.d.ID, b.d.ID)
	})
	var open *finished
	for i := range done {
		f := &done[i]
		switch {
		case f.state != vocab.StateSuccess && open == nil:
			open = f
		case f.state == vocab.StateSuccess && open != nil:
			if inWindow(open.d.Created, start, until) {
				spans = append(spans, int64(f.at.Sub(open.at)/time.Second))
			}
			open = nil
		}
	}
	if open != nil && inWindow(open.d.Created, start, until) {
		unrestored++
	}
	return spans, unrestored
}

// leadTimes are the lead times (seconds) of the commits the window's
// successes of list shipped, and how many of those successes were not
// (all) counted.
func leadTimes(list []reportDeployment, histories map[string][]commitTime, start, until time.Time) (leads []int64, uncounted int) {
	var succ []reportDeployment
	for _, d := range list {
		if o, _ := d.outcome(); o == vocab.StateSuccess && !d.liveAt().IsZero() {
			succ = append(succ, d)
		}
	}
	slices.SortStableFunc(succ, func(a, b reportDeployment) int {
		return cmp.Or(a.liveAt().Compare(b.liveAt()), cmp.Compare(a.ID, b.ID))
	})
	shipped := map[string]bool{}
	known := false // an earlier success was read
	for _, d := range succ {
		sha := normSHA(d.SHA)
		hist, read := histories[sha]
		switch {
		case !inWindow(d.Created, start, until) || shipped[sha]:
			// Before the window, or a redeploy: nothing new counted.
		case !known || !read:
			uncounted++
		default:
			hit, mine := false, []int64(nil)
			for _, c := range hist {
				if hit = shipped[c.SHA]; hit {
					break
				}
				mine = append(mine, max(0, int64(d.liveAt().Sub(c.Committed)/time.Second)))
				shipped[c.SHA] = true
			}
			if !hit && len(hist) == HistoryDepth {
				// A history cut short: its oldest commits are not known,
				// and the ones read would bias the lead time short.
				uncounted++
			} else {
				leads = append(leads, mine...)
			}
		}
		shipped[sha], known = true, true
		for _, c := range hist {
			shipped[c.SHA] = true
		}
	}
	return leads, uncounted
}

func normSHA(s string) string {
	if !vocab.IsFullSHA(s) {
		return ""
	}
	return strings.ToLower(s)
}

// spread is the median and 90th percentile of values, by nearest rank
// (the value at rank ⌈p·n⌉ of the sorted values); nil when none.
func spread(values []int64) (median, p90 *int64) {
	if len(values) == 0 {
		return nil, nil
	}
	s := slices.Sorted(slices.Values(values))
	rank := func(p float64) *int64 {
		v := s[int(math.Ceil(p*float64(len(s))))-1]
		return &v
	}
	return rank(0.5), rank(0.9)
}

func restoreOf(spans []int64, unrestored int) Restore {
	r := Restore{Restored: len(spans), Unrestored: unrestored}
	r.MedianSeconds, r.P90Seconds = spread(spans)
	return r
}

func leadOf(leads []int64, uncounted int) Lead {
	l := Lead{Commits: len(leads), Uncounted: uncounted}
	l.MedianSeconds, l.P90Seconds = spread(leads)
	return l
}
