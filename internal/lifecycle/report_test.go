package lifecycle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/golden"
)

// at is a status of a seeded deployment and its time.
type at struct {
	state string
	t     time.Time
}

// seeded is a deployment of a seeded history.
type seeded struct {
	env, ref, creator string
	// url is the environment URL its statuses give.
	url      string
	created  time.Time
	statuses []at
}

// replay puts the deployments on the fake in the order of their times,
// each made and each status given at its time on the fake clock, and
// leaves the clock at until.
func replay(t testing.TB, e *env, until time.Time, list []seeded) {
	t.Helper()
	type event struct {
		t  time.Time
		do func()
	}
	var events []event
	for _, s := range list {
		id := new(int64)
		events = append(events, event{s.created, func() {
			*id = e.repo.Seed(fakegithub.Seed{Environment: s.env, Ref: s.ref, Creator: s.creator, Created: s.created})[0]
		}})
		for _, st := range s.statuses {
			events = append(events, event{st.t, func() {
				if !e.repo.AddStatusWithURLs(*id, st.state, s.url, "") {
					t.Fatalf("no deployment %d", *id)
				}
			}})
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.t.Compare(b.t) })
	events = append(events, event{until, func() {}})
	for _, ev := range events {
		if d := ev.t.Sub(e.clock.Now()); d > 0 {
			_ = e.clock.Sleep(context.Background(), d)
		} else if d < 0 {
			t.Fatalf("event at %s is before the clock's %s", ev.t, e.clock.Now())
		}
		ev.do()
	}
	e.fake.ResetRequests()
}

// reportHistory is a seeded history with known times over a 30-day
// window (start, until]:
//
//   - production: a success before the window (the baseline), a success,
//     a failure and an error (one span), a success that restores it after
//     exactly 4 days, then another tool's (vercel[bot]) success, live now;
//   - staging: a failure before the window that a success in it restores
//     (the window cuts that span: not counted), then a failure and an
//     error never restored;
//   - qa: no success at all: a failure, one still running, one inactive;
//   - preview-1: matches no pattern.
func reportHistory(t testing.TB) (e *env, start, until time.Time) {
	e = setup(t, fgtest.Token)
	base := e.clock.Now()
	start = base.Add(10 * 24 * time.Hour)
	until = start.Add(30 * 24 * time.Hour)
	day := func(d, h int) time.Time { return start.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour) }
	c := make([]string, 7)
	for i := range c {
		c[i] = sha(100 + i)
	}
	committed := []time.Time{base.Add(time.Hour), day(1, 0), day(3, 0), day(5, 0), day(9, 0), day(11, 0), day(20, 0)}
	for i := range c {
		var parents []string
		if i > 0 {
			parents = []string{c[i-1]}
		}
		e.repo.AddCommit(c[i], committed[i], parents...)
	}
	e.repo.AddRef("release", c[5])
	before := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	replay(t, e, until, []seeded{
		{env: "production", ref: c[0], created: before(2), statuses: []at{{"in_progress", before(2)}, {"success", before(3)}, {"inactive", day(3, 3)}}},
		{env: "production", ref: c[2], created: day(3, 2), statuses: []at{{"in_progress", day(3, 2)}, {"success", day(3, 3)}, {"inactive", day(9, 2)}}},
		{env: "production", ref: c[3], created: day(5, 1), statuses: []at{{"failure", day(5, 2)}}},
		{env: "production", ref: c[3], created: day(5, 3), statuses: []at{{"error", day(5, 4)}}},
		{env: "production", ref: c[4], created: day(9, 1), statuses: []at{{"in_progress", day(9, 1)}, {"success", day(9, 2)}, {"inactive", day(12, 2)}}},
		{env: "production", ref: "release", creator: "vercel[bot]", created: day(12, 1), statuses: []at{{"success", day(12, 2)}}, url: "https://hello-world.vercel.app"},
		{env: "staging", ref: c[1], created: before(5), statuses: []at{{"failure", before(6)}}},
		{env: "staging", ref: c[2], created: day(2, 0), statuses: []at{{"success", day(2, 1)}}},
		{env: "staging", ref: c[4], created: day(10, 0), statuses: []at{{"failure", day(10, 1)}}},
		{env: "staging", ref: c[4], created: day(11, 0), statuses: []at{{"error", day(11, 1)}}},
		{env: "qa", ref: c[3], created: day(6, 0), statuses: []at{{"failure", day(6, 1)}}},
		{env: "qa", ref: c[3], created: day(7, 0), statuses: []at{{"in_progress", day(7, 0)}}},
		{env: "qa", ref: c[3], created: day(8, 0), statuses: []at{{"inactive", day(8, 1)}}},
		{env: "preview-1", ref: c[6], created: day(20, 1), statuses: []at{{"success", day(20, 2)}}},
	})
	e.c.Now = e.clock.Now
	return e, start, until
}

func reportOpts() config.ReportOptions {
	return config.ReportOptions{Patterns: []string{"production", "staging", "q*"}, Since: 30 * 24 * time.Hour}
}

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }

// TestReportComputesTheFourKeys: on a seeded history with known times,
// every key of every environment and of the total is the exact value.
func TestReportComputesTheFourKeys(t *testing.T) {
	t.Parallel()
	e, start, until := reportHistory(t)
	res, err := lifecycle.Report(context.Background(), e.c, reportOpts())
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if !rep.Since.Equal(start) || !rep.Until.Equal(until) {
		t.Errorf("window %s to %s, want %s to %s", rep.Since, rep.Until, start, until)
	}
	const h, d = 3600, 86400
	want := map[string]lifecycle.Keys{
		"production": {Deployments: 5, Outcomes: lifecycle.Outcomes{Success: 3, Failure: 1, Error: 1}, FrequencyPerDay: 0.1, ChangeFailureRate: f64(0.4),
			TimeToRestore: lifecycle.Restore{Restored: 1, MedianSeconds: i64(4 * d), P90Seconds: i64(4 * d)},
			// c2 3h, c1 2d3h, c4 2h, c3 4d2h, c5 1d2h (another tool's).
			LeadTime: lifecycle.Lead{Commits: 5, MedianSeconds: i64(d + 2*h), P90Seconds: i64(4*d + 2*h)}},
		"staging": {Deployments: 3, Outcomes: lifecycle.Outcomes{Success: 1, Failure: 1, Error: 1}, FrequencyPerDay: 0.0333, ChangeFailureRate: f64(0.6667),
			TimeToRestore: lifecycle.Restore{Unrestored: 1}, LeadTime: lifecycle.Lead{Uncounted: 1}},
		"qa": {Deployments: 3, Outcomes: lifecycle.Outcomes{Failure: 1, Inactive: 1, Running: 1}, ChangeFailureRate: f64(1),
			TimeToRestore: lifecycle.Restore{Unrestored: 1}},
		"total": {Deployments: 11, Outcomes: lifecycle.Outcomes{Success: 4, Failure: 3, Error: 2, Inactive: 1, Running: 1}, FrequencyPerDay: 0.1333, ChangeFailureRate: f64(0.5556),
			TimeToRestore: lifecycle.Restore{Restored: 1, Unrestored: 2, MedianSeconds: i64(4 * d), P90Seconds: i64(4 * d)},
			LeadTime:      lifecycle.Lead{Commits: 5, MedianSeconds: i64(d + 2*h), P90Seconds: i64(4*d + 2*h), Uncounted: 1}},
	}
	got := map[string]lifecycle.Keys{"total": rep.Total}
	var names []string
	for _, env := range rep.Environments {
		got[env.Name] = env.Keys
		names = append(names, env.Name)
	}
	if diff := cmp.Diff([]string{"production", "qa", "staging"}, names); diff != "" {
		t.Errorf("environments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	wantWeeks := []lifecycle.Week{{Success: 2, Failed: 3}, {Success: 2, Failed: 2, Other: 2}, {}, {}, {}}
	for i := range wantWeeks {
		wantWeeks[i].Start = start.Add(time.Duration(i) * 7 * 24 * time.Hour)
	}
	if diff := cmp.Diff(wantWeeks, rep.Weeks); diff != "" {
		t.Errorf("weeks (-want +got):\n%s", diff)
	}
	if !rep.Complete || rep.Stopped != "" {
		t.Errorf("complete %v (%q), want a complete report", rep.Complete, rep.Stopped)
	}
	if n := e.fake.Count("GRAPHQL"); rep.Reads != n || n != 5 {
		t.Errorf("the report counted %d reads, the fake served %d queries; want 5 (environments, 3 listings, 1 of histories)", rep.Reads, n)
	}
	if w := e.fake.Count("POST") + e.fake.Count("PATCH") + e.fake.Count("PUT") + e.fake.Count("DELETE"); w != 0 {
		t.Errorf("the report sent %d writes, want none", w)
	}
}

// TestReportSaysWhatIsLive: the live deployment of each environment and
// the one live before it, another tool's included; none where nothing
// succeeded.
func TestReportSaysWhatIsLive(t *testing.T) {
	t.Parallel()
	e, start, _ := reportHistory(t)
	res, err := lifecycle.Report(context.Background(), e.c, reportOpts())
	if err != nil {
		t.Fatal(err)
	}
	day := func(d, h int) time.Time { return start.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour) }
	ids := map[string]int64{}
	for _, dv := range e.repo.Deployments() {
		ids[dv.Environment+"/"+dv.SHA] = dv.ID // the last of a commit wins
	}
	type pair struct{ Live, Previous *lifecycle.LiveDeployment }
	want := map[string]pair{
		"production": {
			Live: &lifecycle.LiveDeployment{ID: ids["production/"+sha(105)], SHA: sha(105), Ref: "release", URL: "https://hello-world.vercel.app",
				LiveSince: day(12, 2), Deployer: "vercel[bot]"},
			Previous: &lifecycle.LiveDeployment{ID: ids["production/"+sha(104)], SHA: sha(104), Ref: sha(104), LiveSince: day(9, 2), Deployer: "github-actions[bot]"},
		},
		"staging": {Live: &lifecycle.LiveDeployment{ID: ids["staging/"+sha(102)], SHA: sha(102), Ref: sha(102), LiveSince: day(2, 1), Deployer: "github-actions[bot]"}},
		"qa":      {},
	}
	got := map[string]pair{}
	for _, env := range res.Report.Environments {
		got[env.Name] = pair{env.Live, env.Previous}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("live and previous (-want +got):\n%s", diff)
	}
}

// TestReportStopsAtItsReadCap: with the cap reached, the report says so,
// lists only the environments it read, and sends no more queries than
// the cap.
func TestReportStopsAtItsReadCap(t *testing.T) {
	t.Parallel()
	e, _, _ := reportHistory(t)
	res, err := lifecycle.ReportWithCap(context.Background(), e.c, reportOpts(), 3)
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if rep.Complete || !strings.Contains(rep.Stopped, "3 reads were used up; 1 of the 3 matched environments were not read") {
		t.Errorf("complete %v, stopped %q: want the cap named", rep.Complete, rep.Stopped)
	}
	if n := e.fake.Count("GRAPHQL"); n != 3 || rep.Reads != 3 {
		t.Errorf("%d queries sent, %d counted; want 3", n, rep.Reads)
	}
	if len(rep.Environments) != 2 || rep.Total.LeadTime.Uncounted != 3 {
		t.Errorf("environments %d, uncounted successes %d: want 2 read and the 3 successes' histories unread", len(rep.Environments), rep.Total.LeadTime.Uncounted)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "the report is incomplete") }) {
		t.Errorf("warnings %q say nothing of the cap", res.Warnings)
	}
}

// TestReportGolden: the report output's JSON and the job summary of the
// seeded history.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	e, _, _ := reportHistory(t)
	res, err := lifecycle.Report(context.Background(), e.c, reportOpts())
	if err != nil {
		t.Fatal(err)
	}
	out := report.Outputs(res)["report"]
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(out), "", "  "); err != nil {
		t.Fatalf("the report output is no JSON: %v", err)
	}
	golden.Check(t, "report.json", indented.String()+"\n")
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	golden.Check(t, "report.md", report.Summary(links, res))
}

// TestReportOfNamedEnvironmentsListsNoEnvironments: with names and no
// wildcard the report does not list the repository's environments (which
// needs actions: read); the keys are the same.
func TestReportOfNamedEnvironmentsListsNoEnvironments(t *testing.T) {
	t.Parallel()
	e, _, _ := reportHistory(t)
	opts := reportOpts()
	opts.Patterns = []string{"qa", "Production", "staging", "production"}
	res, err := lifecycle.Report(context.Background(), e.c, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.fake.Requests() {
		if strings.Contains(r.Body, "environments(first") {
			t.Errorf("the repository's environments were listed: %s", r.Body)
		}
	}
	if n := e.fake.Count("GRAPHQL"); n != 4 || res.Report.Reads != 4 {
		t.Errorf("%d queries, %d counted; want 4 (3 listings, 1 of histories)", n, res.Report.Reads)
	}
	if got := res.Report.Total.Deployments; got != 11 {
		t.Errorf("%d deployments, want 11", got)
	}
}

// BenchmarkReport reports on 50 environments of 2,000 deployments each,
// made over a year (a 30-day window holds about 165 of each), the same
// commits going to every environment, one deployment in 10 failing; it
// reports the queries a report sends.
//
//	go test -run '^$' -bench Report -benchtime 3x ./internal/lifecycle
func BenchmarkReport(b *testing.B) {
	const envs, perEnv = 50, 2000
	e := setup(b, fgtest.Token)
	base := e.clock.Now()
	until := base.Add(366 * 24 * time.Hour)
	step := 365 * 24 * time.Hour / perEnv
	var list []seeded
	for i := range perEnv {
		t := base.Add(time.Duration(i) * step)
		e.repo.AddCommit(sha(10000+i), t.Add(-time.Hour), parentOf(i)...)
		for k := range envs {
			s := seeded{env: fmt.Sprintf("env-%02d", k), ref: sha(10000 + i), created: t.Add(time.Duration(k) * time.Second),
				statuses: []at{{"success", t.Add(time.Duration(k)*time.Second + 10*time.Minute)}}}
			if (i+k)%10 == 0 {
				s.statuses[0].state = "failure"
			}
			list = append(list, s)
		}
	}
	replay(b, e, until, list)
	e.c.Now = e.clock.Now
	opts := config.ReportOptions{Patterns: []string{"env-*"}, Since: 30 * 24 * time.Hour}
	b.ResetTimer()
	var reads int
	for b.Loop() {
		e.fake.ResetRequests()
		res, err := lifecycle.Report(context.Background(), e.c, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Report.Environments) != envs || !res.Report.Complete {
			b.Fatalf("%d environments, complete %v (%s)", len(res.Report.Environments), res.Report.Complete, res.Report.Stopped)
		}
		reads += e.fake.Count("GRAPHQL")
	}
	b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
}

// parentOf is the parent of the benchmark's i-th commit.
func parentOf(i int) []string {
	if i == 0 {
		return nil
	}
	return []string{sha(10000 + i - 1)}
}

// TestReportWithoutHistoriesLeavesTheLeadTimeOut: when GitHub refuses the
// commit histories (a token without contents: read), the report stands
// with every other key, the successes' commits uncounted and a warning.
func TestReportWithoutHistoriesLeavesTheLeadTimeOut(t *testing.T) {
	t.Parallel()
	e, _, _ := reportHistory(t)
	e.fake.GraphQLAnswer = func(query string, _ map[string]any, answer map[string]any) map[string]any {
		if !strings.Contains(query, "history(") {
			return nil
		}
		return map[string]any{"data": nil, "errors": []any{map[string]any{"type": "FORBIDDEN", "message": "Resource not accessible by integration"}}}
	}
	res, err := lifecycle.Report(context.Background(), e.c, reportOpts())
	if err != nil {
		t.Fatal(err)
	}
	total := res.Report.Total
	if total.Deployments != 11 || total.LeadTime.Commits != 0 || total.LeadTime.Uncounted != 4 || total.TimeToRestore.Restored != 1 {
		t.Errorf("total %+v: want the 11 deployments, the restore, and the 4 successes' commits uncounted", total)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "the lead time for changes is left out") }) {
		t.Errorf("warnings %q do not say the lead time is left out", res.Warnings)
	}
}

// TestReportReadsAtMost2000DeploymentsOfAnEnvironment: an environment
// with more deployments in the window than a report reads is reported
// from its newest 2,000, incomplete, and the report says which.
func TestReportReadsAtMost2000DeploymentsOfAnEnvironment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	seeds := make([]fakegithub.Seed, lifecycle.MaxReportPages*100+1)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: "production", States: []string{"success"}}
	}
	e.repo.Seed(seeds...)
	e.fake.ResetRequests()
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"production"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if rep.Complete || rep.Environments[0].Complete || !strings.Contains(rep.Stopped, `environment "production" has more than 2000 deployments`) {
		t.Errorf("complete %v / %v, stopped %q: want the environment named", rep.Complete, rep.Environments[0].Complete, rep.Stopped)
	}
	if got := rep.Environments[0].DeploymentsRead; got != 2000 || e.fake.Count("GRAPHQL") != lifecycle.MaxReportPages+1 {
		t.Errorf("%d deployments read in %d queries, want 2000 in %d", got, e.fake.Count("GRAPHQL"), lifecycle.MaxReportPages+1)
	}
}

// TestReportPreviousIsAnotherCommit: a redeploy of the live commit is no
// rollback target; previous is the last other commit that went live.
func TestReportPreviousIsAnotherCommit(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	base := e.clock.Now()
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	replay(t, e, hour(10), []seeded{
		{env: "production", ref: sha(1), created: hour(1), statuses: []at{{"success", hour(1)}, {"inactive", hour(2)}}},
		{env: "production", ref: sha(2), created: hour(2), statuses: []at{{"success", hour(2)}, {"inactive", hour(3)}}},
		{env: "production", ref: sha(2), created: hour(3), statuses: []at{{"success", hour(3)}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"production"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	env := res.Report.Environments[0]
	if env.Live == nil || env.Previous == nil || env.Live.SHA != sha(2) || !env.Live.LiveSince.Equal(hour(3)) || env.Previous.SHA != sha(1) {
		t.Errorf("live %+v, previous %+v: want the redeploy of %s live and %s before it", env.Live, env.Previous, sha(2), sha(1))
	}
}

// GitHub's times are to the second. A success and then a failure within
// one second, each with several statuses of that second, are read in the
// order they happened (by id, and by each one's latest status): the
// failure is unrestored, and the success is live.
func TestReportOrdersDeploymentsOfOneSecond(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	now := e.clock.Now().Truncate(time.Second)
	replay(t, e, now.Add(time.Hour), []seeded{
		{env: "staging", ref: sha(1), created: now, statuses: []at{{"in_progress", now}, {"success", now}}},
		{env: "staging", ref: sha(2), created: now, statuses: []at{{"in_progress", now}, {"failure", now}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"staging"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Environments) != 1 {
		t.Fatalf("environments %+v", res.Report.Environments)
	}
	env := res.Report.Environments[0]
	if o := env.Keys.Outcomes; o.Success != 1 || o.Failure != 1 {
		t.Errorf("outcomes %+v, want one success and one failure", o)
	}
	if r := env.Keys.TimeToRestore; r.Restored != 0 || r.Unrestored != 1 {
		t.Errorf("time to restore %+v, want the failure unrestored", r)
	}
	if env.Live == nil || env.Live.SHA != sha(1) {
		t.Errorf("live %+v, want the success of %s", env.Live, sha(1))
	}
}
