package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// maxReportTables bounds the environments the job summary shows a table
// for; the report output has them all.
const maxReportTables = 50

// MaxReportOutput bounds the report output: past it, the environments'
// weeks are left out (null), the totals' stay. Reads bound the rest: at
// most MaxReportReads environments are in a report.
const MaxReportOutput = 512 << 10

// reportOutputs is step: report's output: the whole report as one JSON
// value.
func reportOutputs(rep *lifecycle.ReportResult, out map[string]string) {
	b, _ := json.Marshal(rep)
	if len(b) > MaxReportOutput {
		short := *rep
		short.Environments = slices.Clone(rep.Environments)
		for i := range short.Environments {
			short.Environments[i].Weeks = nil
		}
		b, _ = json.Marshal(&short)
	}
	out["report"] = string(b)
}

func describeReport(a *githubactions.Action, rep *lifecycle.ReportResult) {
	Logf(a, "Report of %d environments from %s to %s: %d deployments, %d reads of at most %d.",
		len(rep.Environments), rfc(rep.Since), rfc(rep.Until), rep.Total.Deployments, rep.Reads, rep.MaxReads)
	for _, e := range rep.Environments {
		live := "nothing live"
		if e.Live != nil {
			live = fmt.Sprintf("deployment %d of %q live since %s", e.Live.ID, e.Live.Ref, rfc(e.Live.LiveSince))
		}
		Logf(a, "  %q: %s; %d deployments in the window.", e.Name, live, e.Keys.Deployments)
	}
}

// reportSummary is a table for all the environments, a Mermaid chart of
// the deployments a week by outcome, then a table per environment (last:
// a summary shortened to MaxSummary loses tables, never the chart). Every
// name from GitHub is a code span (cell).
func reportSummary(links Links, rep *lifecycle.ReportResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Deployment report of %s\n\n", code(rep.Repository, false))
	fmt.Fprintf(&b, "From %s to %s (%s): %d environments, %d deployments; %d reads of at most %d.",
		rfc(rep.Since), rfc(rep.Until), human(rep.WindowSeconds), len(rep.Environments), rep.Total.Deployments, rep.Reads, rep.MaxReads)
	if !rep.Complete {
		fmt.Fprintf(&b, " **Incomplete**: %s; the keys are computed from the deployments read.", code(rep.Stopped, false))
	}
	b.WriteString("\n\n")
	b.WriteString("#### All environments\n\n| | |\n|---|---|\n")
	keyRows(&b, rep.Total)
	b.WriteString("\n")
	b.WriteString(weeksChart(rep.Weeks))
	for i, e := range rep.Environments {
		if i == maxReportTables {
			fmt.Fprintf(&b, "… and %d more environments, in the `report` output.\n\n", len(rep.Environments)-i)
			break
		}
		fmt.Fprintf(&b, "#### %s\n\n| | |\n|---|---|\n", code(e.Name, false))
		row(&b, "Live", liveCell(links, e.Live))
		row(&b, "Live before (a rollback's target)", liveCell(links, e.Previous))
		keyRows(&b, e.Keys)
		if !e.Complete {
			row(&b, "Read", fmt.Sprintf("%d deployments, not back to the window's start", e.DeploymentsRead))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// liveCell says which deployment is live: its id, ref, commit, URL, since
// when and who deployed it.
func liveCell(links Links, l *lifecycle.LiveDeployment) string {
	if l == nil {
		return "none"
	}
	parts := []string{fmt.Sprintf("%d", l.ID), linkOr(l.Ref, refURL(links, l.Ref))}
	if l.SHA != "" && l.SHA != l.Ref {
		short := l.SHA
		if len(short) > 7 && vocab.IsObjectID(short) {
			short = short[:7]
		}
		parts = append(parts, link(cell(short), refURL(links, l.SHA)))
	}
	if l.URL != "" {
		parts = append(parts, linkOr(l.URL, l.URL))
	}
	parts = append(parts, "since "+rfc(l.LiveSince))
	if l.Deployer != "" {
		parts = append(parts, "by "+cell("@"+l.Deployer))
	}
	return strings.Join(parts, ", ")
}

// keyRows are the table rows of the four keys.
func keyRows(b *strings.Builder, k lifecycle.Keys) {
	o := k.Outcomes
	row(b, "Deployments", fmt.Sprintf("%d: %d success, %d failure, %d error, %d inactive, %d running", k.Deployments, o.Success, o.Failure, o.Error, o.Inactive, o.Running))
	row(b, "Deployment frequency", strconv.FormatFloat(k.FrequencyPerDay, 'f', -1, 64)+" successful deployments a day")
	cfr := "no finished deployment"
	if k.ChangeFailureRate != nil {
		cfr = strconv.FormatFloat(math.Round(*k.ChangeFailureRate*1e4)/1e2, 'f', -1, 64) + " %"
	}
	row(b, "Change failure rate", cfr)
	r := k.TimeToRestore
	row(b, "Time to restore", fmt.Sprintf("%s (%d restored, %d not restored)", spreadText(r.MedianSeconds, r.P90Seconds), r.Restored, r.Unrestored))
	l := k.LeadTime
	lead := fmt.Sprintf("%s (%d commits)", spreadText(l.MedianSeconds, l.P90Seconds), l.Commits)
	if l.Uncounted > 0 {
		lead = fmt.Sprintf("%s (%d commits; %d successful deployments not counted)", spreadText(l.MedianSeconds, l.P90Seconds), l.Commits, l.Uncounted)
	}
	row(b, "Lead time for changes", lead)
}

func spreadText(median, p90 *int64) string {
	if median == nil || p90 == nil {
		return "none"
	}
	return fmt.Sprintf("median %s, p90 %s", human(*median), human(*p90))
}

// weeksChart is a Mermaid xychart of the deployments a week: the bars are
// drawn over each other, all deployments first, then the failed and the
// other ones, then the failed: what shows of each bar is, from the top,
// success, other (inactive or running) and failed.
func weeksChart(weeks []lifecycle.Week) string {
	var labels, all, notOK, failed []string
	top := 1
	for _, w := range weeks {
		labels = append(labels, strconv.Quote(w.Start.UTC().Format("01-02")))
		all = append(all, strconv.Itoa(w.Success+w.Failed+w.Other))
		notOK = append(notOK, strconv.Itoa(w.Failed+w.Other))
		failed = append(failed, strconv.Itoa(w.Failed))
		top = max(top, w.Success+w.Failed+w.Other)
	}
	var b strings.Builder
	b.WriteString("Deployments a week (weeks from the window's start): each bar is all of them; its lower parts are the failed (bottom) and those neither successful nor failed (above).\n\n")
	b.WriteString("```mermaid\nxychart-beta\n")
	b.WriteString("    title \"Deployments a week by outcome\"\n")
	fmt.Fprintf(&b, "    x-axis [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(&b, "    y-axis \"Deployments\" 0 --> %d\n", top)
	fmt.Fprintf(&b, "    bar [%s]\n", strings.Join(all, ", "))
	fmt.Fprintf(&b, "    bar [%s]\n", strings.Join(notOK, ", "))
	fmt.Fprintf(&b, "    bar [%s]\n", strings.Join(failed, ", "))
	b.WriteString("```\n\n")
	return b.String()
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// human is a duration in seconds as days, hours, minutes and seconds, at
// most the two largest units: 1d 2h, 3h 20m, 45s.
func human(secs int64) string {
	d := time.Duration(secs) * time.Second
	units := []struct {
		name string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 || (len(parts) > 0) {
			parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
			d -= n * u.size
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return "0s"
	}
	return strings.Join(parts, " ")
}
