package lifecycle_test

// step: report at its edges (found by reviewing issue #25's change): the
// rollback target behind many redeploys, sizes GitHub's answer could
// steer, cut histories, reads counted as sent, lead time of successes
// only, and one second's order.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// Previous must be what a rollback returns to: the last other commit that
// went live. After more than 100 redeploys of the live commit (a nightly
// redeploy, say) the reads stop at the first page (window covered, two
// successes, one before the window) and previous is lost.
func TestReportPreviousSurvivesManyRedeploysOfTheLiveCommit(t *testing.T) {
	e := setup(t, fgtest.Token)
	base := e.clock.Now()
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	list := []seeded{{env: "production", ref: sha(1), created: hour(1), statuses: []at{{"success", hour(1)}}}}
	for i := range 120 {
		t0 := hour(2 + i)
		list = append(list, seeded{env: "production", ref: sha(2), created: t0, statuses: []at{{"success", t0.Add(time.Minute)}}})
	}
	until := hour(24 * 10)
	replay(t, e, until, list)
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"production"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	env := res.Report.Environments[0]
	if env.Live == nil || env.Live.SHA != sha(2) {
		t.Fatalf("live %+v, want %s", env.Live, sha(2))
	}
	if env.Previous == nil || env.Previous.SHA != sha(1) {
		t.Errorf("previous %+v (deployments read %d, complete %v): want %s, the last other commit that went live (a rollback's target)",
			env.Previous, env.DeploymentsRead, env.Complete, sha(1))
	}
}

// The report output is bounded (512 KiB, docs/report.md): an environment
// URL is GitHub's, hostile, and must not steer the output's size.
func TestReportHugeEnvironmentURLDoesNotSteerTheOutputSize(t *testing.T) {
	e := setup(t, fgtest.Token)
	base := e.clock.Now()
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	huge := "https://example.com/" + strings.Repeat("a", 300<<10)
	replay(t, e, hour(10), []seeded{
		{env: "production", ref: sha(1), url: huge, created: hour(1), statuses: []at{{"success", hour(1)}}},
		{env: "production", ref: sha(2), url: huge, created: hour(2), statuses: []at{{"success", hour(2)}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"production"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	out := report.Outputs(res)["report"]
	if len(out) > report.MaxReportOutput {
		t.Errorf("the report output is %d bytes, over its documented bound %d: the environment URL steers its size", len(out), report.MaxReportOutput)
	}
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	sum := report.Summary(links, res)
	if strings.Count(sum, "#### ") < 2 {
		t.Errorf("the summary lost the production table to one URL (%d bytes):\n%.600s", len(sum), sum)
	}
}

// docs/report.md and the Lead type: uncounted_deployments are successes
// whose commits were not counted. A success whose 50 commits reach no
// shipped one is counted there, yet its 50 commits are counted too.
func TestReportDeepHistoryIsUncountedNotHalfCounted(t *testing.T) {
	e := setup(t, fgtest.Token)
	base := e.clock.Now()
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	for i := range 61 {
		var parents []string
		if i > 0 {
			parents = []string{sha(1000 + i - 1)}
		}
		e.repo.AddCommit(sha(1000+i), base.Add(time.Duration(i)*time.Minute), parents...)
	}
	replay(t, e, hour(24*5), []seeded{
		{env: "production", ref: sha(1000), created: hour(2), statuses: []at{{"success", hour(2)}}},
		{env: "production", ref: sha(1060), created: hour(24*4 + 1), statuses: []at{{"success", hour(24*4 + 2)}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"production"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Report.Environments[0].Keys.LeadTime
	if l.Uncounted == 1 && l.Commits != 0 {
		t.Errorf("lead time %+v: the deployment is uncounted and its %d commits are counted too (a lead time from a cut history)", l, l.Commits)
	}
}

// docs/report.md: reads are counted and capped. The environments' listing
// is counted from the environments kept, not the queries sent: names
// GitHub lists that cannot be an environment's are dropped, and their
// pages go uncounted.
func TestReportListingPagesAreCountedAsSent(t *testing.T) {
	e := setup(t, fgtest.Token)
	for i := range 250 {
		name := fmt.Sprintf("env-%03d", i)
		if i >= 50 {
			name = fmt.Sprintf("bad\x01-%03d", i)
		}
		e.repo.AddEnvironment(name)
	}
	e.fake.ResetRequests()
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"*"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Count("GRAPHQL"); res.Report.Reads != n {
		t.Errorf("the report counted %d reads, GitHub was sent %d queries", res.Report.Reads, n)
	}
}

// docs/report.md: the lead time is "for each successful deployment in the
// window"; a deployment that went live and then failed (its outcome
// failure) is no successful deployment, yet its commits are counted.
func TestReportLeadTimeCountsOnlySuccessfulDeployments(t *testing.T) {
	e := setup(t, fgtest.Token)
	base := e.clock.Now()
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	e.repo.AddCommit(sha(1), base)
	e.repo.AddCommit(sha(2), hour(1), sha(1))
	replay(t, e, hour(24*5), []seeded{
		{env: "production", ref: sha(1), created: hour(2), statuses: []at{{"success", hour(2)}}},
		{env: "production", ref: sha(2), created: hour(24*4 + 1), statuses: []at{{"success", hour(24*4 + 2)}, {"failure", hour(24*4 + 3)}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"production"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	k := res.Report.Environments[0].Keys
	t.Logf("outcomes %+v lead %+v", k.Outcomes, k.LeadTime)
	if k.Outcomes.Success == 0 && k.LeadTime.Commits+k.LeadTime.Uncounted > 0 {
		t.Errorf("outcomes %+v (no success), yet lead time %+v counts a successful deployment", k.Outcomes, k.LeadTime)
	}
}

// A deployment of another commit that went live in the same second as the
// live one, just before it (a lower id), is what a rollback returns to;
// GitHub's times are to the second and ids order them (as the report
// orders restore spans).
func TestReportPreviousWithinOneSecond(t *testing.T) {
	e := setup(t, fgtest.Token)
	now := e.clock.Now().Truncate(time.Second).Add(time.Hour)
	replay(t, e, now.Add(time.Hour), []seeded{
		{env: "staging", ref: sha(1), created: now, statuses: []at{{"success", now}, {"inactive", now}}},
		{env: "staging", ref: sha(2), created: now, statuses: []at{{"success", now}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"staging"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	env := res.Report.Environments[0]
	if env.Live == nil || env.Live.SHA != sha(2) || env.Previous == nil || env.Previous.SHA != sha(1) {
		t.Errorf("live %+v, previous %+v: want %s live and %s before it", env.Live, env.Previous, sha(2), sha(1))
	}
}

// What held: window edges (since excluded, until included), a deployment
// with no status (running), inactive only, another tool's, redeploys, two
// environments, and the total.
func TestReportWindowEdgesAndOutcomesHold(t *testing.T) {
	e := setup(t, fgtest.Token)
	base := e.clock.Now().Truncate(time.Second).Add(time.Second)
	hour := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	for i := 1; i <= 4; i++ {
		var p []string
		if i > 1 {
			p = []string{sha(i - 1)}
		}
		e.repo.AddCommit(sha(i), base.Add(time.Duration(i)*time.Minute), p...)
	}
	until := hour(48)
	start := hour(24)
	replay(t, e, until, []seeded{
		{env: "prod", ref: sha(1), created: hour(1), statuses: []at{{"success", hour(1)}}},
		{env: "prod", ref: sha(2), created: start, statuses: []at{{"failure", start.Add(time.Minute)}}},              // at since: out
		{env: "prod", ref: sha(3), created: hour(30), statuses: []at{{"success", hour(31)}}},                         // in
		{env: "prod", ref: sha(3), created: hour(32), creator: "vercel[bot]", statuses: []at{{"success", hour(33)}}}, // redeploy, another tool
		{env: "prod", ref: sha(4), created: hour(34)},                                                                // no status: running
		{env: "prod", ref: sha(4), created: hour(35), statuses: []at{{"inactive", hour(36)}}},                        // inactive only
		{env: "prod", ref: sha(4), created: hour(40), statuses: []at{{"error", hour(41)}}},                           // opens a span
		{env: "prod", ref: sha(4), created: until, statuses: []at{{"success", until}}},                               // at until: in, restores
		{env: "qa", ref: sha(4), created: hour(26), statuses: []at{{"failure", hour(27)}}},
	})
	e.c.Now = e.clock.Now
	res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"prod", "qa"}, Since: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Report.Environments[0].Keys
	if p.Deployments != 6 || p.Outcomes != (lifecycle.Outcomes{Success: 3, Error: 1, Inactive: 1, Running: 1}) || p.FrequencyPerDay != 3 ||
		*p.ChangeFailureRate != 0.25 || p.TimeToRestore.Restored != 1 || *p.TimeToRestore.MedianSeconds != 7*3600 {
		t.Errorf("prod keys %+v", p)
	}
	// Lead time: sha3 shipped sha2 and sha3 (from sha1, the baseline); the redeploy nothing; sha4 itself.
	if l := p.LeadTime; l.Commits != 3 || l.Uncounted != 0 {
		t.Errorf("prod lead %+v", l)
	}
	tot := res.Report.Total
	if tot.Deployments != 7 || *tot.ChangeFailureRate != 0.4 || tot.TimeToRestore.Unrestored != 1 {
		t.Errorf("total %+v", tot)
	}
}
