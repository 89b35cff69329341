package lifecycle_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"testing/quick"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// randomHistory is a history of up to 3 environments and 25 deployments
// each, made from seed: random times before and in a 10-day window,
// random statuses, commits on one line.
func randomHistory(t *testing.T, seed int64) (*env, []seeded, time.Time, time.Time) {
	rng := rand.New(rand.NewSource(seed))
	e := setup(t, fgtest.Token)
	base := e.clock.Now()
	start, until := base.Add(5*24*time.Hour), base.Add(15*24*time.Hour)
	const commits = 40
	for i := range commits {
		var parents []string
		if i > 0 {
			parents = []string{sha(500 + i - 1)}
		}
		e.repo.AddCommit(sha(500+i), base.Add(time.Duration(i)*6*time.Hour-time.Duration(rng.Intn(3600))*time.Second), parents...)
	}
	states := []string{"in_progress", "success", "failure", "error", "inactive", "success", "queued"}
	var list []seeded
	for k := range 1 + rng.Intn(3) {
		for range rng.Intn(26) {
			created := base.Add(time.Duration(rng.Int63n(int64(until.Sub(base)) - int64(time.Hour)))).Truncate(time.Second)
			s := seeded{env: fmt.Sprintf("env-%d", k), ref: sha(500 + rng.Intn(commits)), created: created}
			if rng.Intn(4) == 0 {
				s.creator = "vercel[bot]"
			}
			at0 := created
			for range rng.Intn(4) {
				at0 = at0.Add(time.Duration(1+rng.Intn(7200)) * time.Second)
				if at0.Before(until) {
					s.statuses = append(s.statuses, at{states[rng.Intn(len(states))], at0})
				}
			}
			list = append(list, s)
		}
	}
	replay(t, e, until, list)
	e.c.Now = e.clock.Now
	return e, list, start, until
}

// oracleOutcome is how s ended: its last success, failure or error.
func oracleOutcome(s seeded) string {
	out := ""
	for _, st := range s.statuses {
		switch st.state {
		case "success", "failure", "error":
			out = st.state
		}
	}
	return out
}

// TestReportInvariants: on generated histories, whatever they hold, the
// report counts every deployment of the window once, by its outcome; the
// rates are rates; each span and each commit counts once; medians are at
// most the p90s; the totals are the sums; the live deployment is one
// whose latest status is success and that went live last; its reads are
// the queries the fake served, and it writes nothing.
func TestReportInvariants(t *testing.T) {
	t.Parallel()
	check := func(seed int64) bool {
		e, list, start, until := randomHistory(t, seed)
		res, err := lifecycle.Report(context.Background(), e.c, config.ReportOptions{Patterns: []string{"env-*"}, Since: until.Sub(start)})
		if err != nil {
			t.Logf("seed %d: %v", seed, err)
			return false
		}
		rep := res.Report
		fail := func(format string, args ...any) bool {
			t.Logf("seed %d: "+format, append([]any{seed}, args...)...)
			return false
		}
		inWin, success, failed := map[string]int{}, map[string]int{}, map[string]int{}
		for _, s := range list {
			if s.created.After(start) && !s.created.After(until) {
				inWin[s.env]++
				switch oracleOutcome(s) {
				case "success":
					success[s.env]++
				case "failure", "error":
					failed[s.env]++
				}
			}
		}
		var sum lifecycle.Keys
		weekSum := 0
		for _, w := range rep.Weeks {
			weekSum += w.Success + w.Failed + w.Other
		}
		for _, en := range rep.Environments {
			k, o := en.Keys, en.Keys.Outcomes
			switch {
			case k.Deployments != inWin[en.Name]:
				return fail("%s: %d deployments, %d were made in the window", en.Name, k.Deployments, inWin[en.Name])
			case o.Success+o.Failure+o.Error+o.Inactive+o.Running != k.Deployments:
				return fail("%s: outcomes %+v do not add up to %d", en.Name, o, k.Deployments)
			case o.Success != success[en.Name] || o.Failure+o.Error != failed[en.Name]:
				return fail("%s: %d successes and %d failed, want %d and %d", en.Name, o.Success, o.Failure+o.Error, success[en.Name], failed[en.Name])
			case (k.ChangeFailureRate == nil) != (o.Success+o.Failure+o.Error == 0) || k.ChangeFailureRate != nil && (*k.ChangeFailureRate < 0 || *k.ChangeFailureRate > 1):
				return fail("%s: change failure rate %v of %+v", en.Name, k.ChangeFailureRate, o)
			case k.TimeToRestore.Restored+k.TimeToRestore.Unrestored > o.Failure+o.Error:
				return fail("%s: %d spans from %d failed deployments", en.Name, k.TimeToRestore.Restored+k.TimeToRestore.Unrestored, o.Failure+o.Error)
			case !spreadOK(k.TimeToRestore.Restored, k.TimeToRestore.MedianSeconds, k.TimeToRestore.P90Seconds) || !spreadOK(k.LeadTime.Commits, k.LeadTime.MedianSeconds, k.LeadTime.P90Seconds):
				return fail("%s: spreads %+v %+v", en.Name, k.TimeToRestore, k.LeadTime)
			case k.LeadTime.Commits > 40:
				return fail("%s: %d commits counted of 40", en.Name, k.LeadTime.Commits)
			case en.Previous != nil && (en.Live == nil || !en.Previous.LiveSince.Before(en.Live.LiveSince)):
				return fail("%s: previous %+v is not before live %+v", en.Name, en.Previous, en.Live)
			}
			if msg := checkLive(en, list); msg != "" {
				return fail("%s: %s", en.Name, msg)
			}
			sum.Deployments += k.Deployments
			sum.LeadTime.Commits += k.LeadTime.Commits
			sum.TimeToRestore.Restored += k.TimeToRestore.Restored
		}
		switch {
		case sum.Deployments != rep.Total.Deployments || weekSum != rep.Total.Deployments:
			return fail("total %d, environments %d, weeks %d", rep.Total.Deployments, sum.Deployments, weekSum)
		case sum.LeadTime.Commits != rep.Total.LeadTime.Commits || sum.TimeToRestore.Restored != rep.Total.TimeToRestore.Restored:
			return fail("totals %+v are not the sums %+v", rep.Total, sum)
		case rep.Reads != e.fake.Count("GRAPHQL"):
			return fail("%d reads counted, %d served", rep.Reads, e.fake.Count("GRAPHQL"))
		case writes(e.fake)+e.fake.Count("PATCH")+e.fake.Count("PUT") != 0:
			return fail("it wrote")
		}
		return true
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 40, Rand: rand.New(rand.NewSource(25))}); err != nil {
		t.Error(err)
	}
}

func spreadOK(n int, median, p90 *int64) bool {
	if n == 0 {
		return median == nil && p90 == nil
	}
	return median != nil && p90 != nil && *median >= 0 && *median <= *p90
}

// checkLive says what is wrong with en's live deployment: it must be one
// whose latest status is success, live since its first success, and no
// other such deployment went live later.
func checkLive(en lifecycle.EnvironmentReport, list []seeded) string {
	var latest time.Time
	for _, s := range list {
		if s.env != en.Name || len(s.statuses) == 0 || s.statuses[len(s.statuses)-1].state != "success" {
			continue
		}
		for _, st := range s.statuses {
			if st.state == "success" {
				if st.t.After(latest) {
					latest = st.t
				}
				break
			}
		}
	}
	switch {
	case latest.IsZero() && en.Live != nil:
		return fmt.Sprintf("live %+v, but no deployment's latest status is success", en.Live)
	case !latest.IsZero() && (en.Live == nil || !en.Live.LiveSince.Equal(latest)):
		return fmt.Sprintf("live %+v, want the one live since %s", en.Live, latest)
	}
	return ""
}
