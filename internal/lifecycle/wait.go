package lifecycle

// wait: wait for a deployment someone else makes (a deploy platform's app,
// such as vercel[bot] or netlify[bot], or another workflow) to reach a
// final state, and hand its URL to the job's next steps. Each poll is one
// GraphQL query (wait_reads.go), the first poll a few more within a bound
// (wait_query.go), once more at most when what it tracks by node id is
// gone (wait_tracked.go), and one more read for a retired deployment's
// URL; the polls back off, and every wait goes through the
// client's clock, so a cancelled job stops at once and tests run on a fake
// clock.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// The wait's back-off: the first poll at once, the second after
// waitFirstInterval, each wait waitGrowth times the one before, up to
// waitMaxInterval; a last poll at the timeout. A 10-minute wait that
// nothing ends early costs 24 queries, 25 reads at most when it ends on a
// retired deployment; the first poll may read more (wait_query.go).
const (
	waitFirstInterval = 5 * time.Second
	waitMaxInterval   = 30 * time.Second
	waitGrowth        = 1.5
)

// WaitInterval is the wait after poll n (n counts from 1).
func WaitInterval(n int) time.Duration {
	d := float64(waitFirstInterval)
	for i := 1; i < n && d < float64(waitMaxInterval); i++ {
		d *= waitGrowth
	}
	return min(time.Duration(d), waitMaxInterval)
}

// WaitResult is what step: wait looked for and saw. The deployment it saw
// last (if any) is the Result's DeploymentID, Environment, State,
// EnvironmentURL and LogURL.
type WaitResult struct {
	// Pattern is the environment input, a name or a pattern; Ref the
	// commit or ref waited for; Creators the creator input; For wait-for.
	Pattern  string
	Ref      string
	Creators []string
	For      string
	Timeout  time.Duration
	// Reads counts the reads made: a poll's GraphQL query, and for a
	// retired deployment the read of its statuses. Waited is how long the
	// wait took, by the client's clock.
	Reads  int
	Waited time.Duration
	// Creator is who made the deployment seen, as REST spells logins
	// ("vercel[bot]").
	Creator string
	// SeenAt is when the deployment was last seen (zero: none matched);
	// LastPoll when the last poll was answered, LastUsable when the last
	// usable answer came (zero: none did).
	SeenAt, LastPoll, LastUsable time.Time
	// Ignored are the creators of deployments of a matching environment
	// and ref that the creator input left out, from the last poll.
	Ignored []string
	// Unusable counts the unusable answers in a row up to the last poll;
	// LastUnusable says what the last one was.
	Unusable     int
	LastUnusable string
	// deepDone says a poll has read deeper than later polls need
	// (pollWait), deepAgain how many polls after the first did again;
	// cands are the deployments to read by node id, newest first, the
	// first read by the next poll (wait_tracked.go).
	deepDone  bool
	deepAgain int
	cands     []waitCand
	// noCommit says the last usable poll found no commit of the SHA ref.
	noCommit bool
}

// what is the deployment waited for, in words: "a deployment of
// preview-* at 1f2e3d4 by vercel[bot]".
func (w *WaitResult) what() string {
	s := fmt.Sprintf("a deployment of %s at %s", w.Pattern, shortCommit(w.Ref))
	if len(w.Creators) > 0 {
		s += " by " + strings.Join(w.Creators, " or ")
	}
	return s
}

// maxUnusable is how many unusable answers in a row end a wait: one is
// polled again on the wait's schedule, as a 5xx is sent again; three in a
// row say GitHub (or something between) answers no list.
const maxUnusable = 3

// Wait waits for the newest deployment of an environment matching
// opts.Environment (a name or a pattern, in any case), of opts.Ref (its
// commit, full or short, or its branch or tag name), made by one of
// opts.Creators (anyone's when none), to reach a final state, at most
// opts.Timeout. It finds the deployment wherever it is in the
// repository's history (pollWait). With wait-for: success it returns on
// success and fails on failure, error or inactive; with final it returns
// on any of them. It fails when the timeout passes, saying what it saw
// last, or after maxUnusable unusable answers in a row, and stops at once
// when ctx is cancelled; every message gives the time really waited. The
// Result holds what it saw last either way.
func Wait(ctx context.Context, c *Client, opts config.WaitOptions) (*Result, error) {
	w := &WaitResult{Pattern: opts.Environment, Ref: opts.Ref, Creators: opts.Creators, For: opts.For, Timeout: opts.Timeout}
	res := &Result{Ref: opts.Ref, Wait: w}
	now, sleep := c.waitClock()
	start := now()
	deadline := start.Add(w.Timeout)
	c.logf("Waiting up to %s for %s to %s (a poll at once, then every %s, backing off to %s).",
		w.Timeout, w.what(), map[bool]string{true: "reach a final state", false: "succeed"}[w.For == config.WaitForFinal], waitFirstInterval, waitMaxInterval)
	var last string
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			w.Waited = now().Sub(start)
			return res, w.cancelled(err)
		}
		node, ok, err := c.pollWait(ctx, w)
		t := now()
		w.Waited, w.LastPoll = t.Sub(start), t
		switch {
		case err != nil && ctx.Err() != nil:
			return res, w.cancelled(ctx.Err())
		case err != nil && unusable(err) != "":
			w.Unusable, w.LastUnusable = w.Unusable+1, unusable(err)
			if w.Unusable >= maxUnusable {
				return res, w.gaveUp()
			}
			c.logf("Poll %d after %s: %s; polling again.", n, round(w.Waited), w.LastUnusable)
		case err != nil:
			return res, fmt.Errorf("wait for %s: stopped after %s (%d reads): %w", w.what(), round(w.Waited), w.Reads, err)
		default:
			w.Unusable, w.LastUsable = 0, t
			if done, err := w.saw(res, node, ok, t, &last, c.logf); done {
				return res, err
			}
		}
		if !t.Before(deadline) {
			return res, w.timedOut(res)
		}
		if err := sleep(ctx, min(WaitInterval(n), deadline.Sub(t))); err != nil {
			w.Waited = now().Sub(start)
			return res, w.cancelled(err)
		}
	}
}

// saw takes in what a usable poll at t found: node (nil for none) and,
// for a retired one, its last success. It logs a line when what it saw
// changed (last is the line logged before), and says whether the wait is
// done, and with what error.
func (w *WaitResult) saw(res *Result, node *waitNode, ok *waitSuccess, t time.Time, last *string, logf func(string, ...any)) (bool, error) {
	if node != nil {
		res.seen(node, ok)
		w.Creator, w.SeenAt = restLogin(node), t
	} else {
		w.forget(res)
	}
	if line := w.progress(res); line != *last {
		logf("%s", line)
		*last = line
	}
	if node == nil || !vocab.IsFinal(res.State) {
		return false, nil
	}
	if res.State == vocab.StateSuccess || w.For == config.WaitForFinal {
		return true, nil
	}
	return true, w.ended(res)
}

// waitClock is the client's clock: its policy's Now and Sleep.
func (c *Client) waitClock() (func() time.Time, func(context.Context, time.Duration) error) {
	now, sleep := c.Policy.Now, c.Policy.Sleep
	if now == nil {
		now = c.now
	}
	if sleep == nil {
		sleep = githubapi.Sleep
	}
	return now, sleep
}

// progress is the log line for what the last poll saw.
func (w *WaitResult) progress(res *Result) string {
	if w.SeenAt.IsZero() {
		s := "No " + strings.TrimPrefix(w.what(), "a ") + " yet"
		if len(w.Ignored) > 0 {
			s += "; ignored those by " + strings.Join(w.Ignored, ", ")
		}
		return s + "."
	}
	return "Deployment " + w.seen(res) + "."
}

// seen describes the deployment seen: "123 of preview-7 by vercel[bot]
// is in_progress".
func (w *WaitResult) seen(res *Result) string {
	s := fmt.Sprintf("%d of %s", res.DeploymentID, res.Environment)
	if w.Creator != "" {
		s += " by " + w.Creator
	}
	if res.State == "" {
		return s + " has no status yet"
	}
	return s + " is " + res.State
}

// ended is the error for a deployment that ended other than in success
// with wait-for: success.
func (w *WaitResult) ended(res *Result) error {
	msg := fmt.Sprintf("deployment %s at %s, not success (after %s, %d reads)", w.seen(res), clock(w.SeenAt), round(w.Waited), w.Reads)
	if res.State == vocab.StateInactive {
		msg += ": it was replaced by a newer deployment or taken down, which wait-for: final accepts"
	}
	if res.LogURL != "" {
		msg += "; its log: " + res.LogURL
	}
	return errors.New(msg)
}

// timedOut is the error for a wait whose timeout passed, with what it saw
// last.
func (w *WaitResult) timedOut(res *Result) error {
	msg := fmt.Sprintf("timed out after %s waiting for %s (%d reads): ", round(w.Waited), w.what(), w.Reads)
	if w.Unusable > 0 {
		msg += fmt.Sprintf("the last %d answers were not usable, the last: %s", w.Unusable, w.LastUnusable)
		if w.LastUsable.IsZero() {
			return errors.New(msg)
		}
		msg += "; before them, "
	}
	if w.SeenAt.IsZero() {
		msg += "GitHub had none at " + clock(w.LastUsable)
		if len(w.Ignored) > 0 {
			msg += "; there were some by " + strings.Join(w.Ignored, ", ") + ", which the creator input leaves out"
		}
		if w.noCommit {
			msg += "; GitHub has no commit " + shortCommit(strings.TrimSpace(w.Ref)) + " in this repository: it was not pushed, or the ref is wrong, or (a short SHA) more than one commit starts with it, so give more of the SHA"
		}
		return errors.New(msg)
	}
	s := w.seen(res)
	s = strings.Replace(strings.Replace(s, " is ", " was ", 1), " has no ", " had no ", 1)
	return errors.New(msg + "deployment " + s + " at " + clock(w.SeenAt))
}

// gaveUp is the error for a wait that had maxUnusable unusable answers
// in a row.
func (w *WaitResult) gaveUp() error {
	return fmt.Errorf("wait for %s: stopped after %s (%d reads): %d answers in a row were not usable, the last: %s", w.what(), round(w.Waited), w.Reads, w.Unusable, w.LastUnusable)
}

// cancelled is the error for a wait the job's cancellation stopped.
func (w *WaitResult) cancelled(err error) error {
	return fmt.Errorf("wait for %s: stopped after %s (%d reads): %w", w.what(), round(w.Waited), w.Reads, err)
}

// round is d for a message: whole seconds, tenths under 10 s (a wait
// stopped after 0.4 s does not say 0s).
func round(d time.Duration) time.Duration {
	if d > 0 && d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// clock is t as a time of day in UTC.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") + " UTC" }

// shortCommit is ref, a full SHA shortened to 7 characters.
func shortCommit(ref string) string {
	if vocab.IsFullSHA(ref) {
		return ref[:7]
	}
	return ref
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
