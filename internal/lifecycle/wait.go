package lifecycle

// wait: wait for a deployment someone else makes (a deploy platform's app,
// such as vercel[bot] or netlify[bot], or another workflow) to reach a
// final state, and hand its URL to the job's next steps. Each poll is one
// GraphQL query; the polls back off, and every wait goes through the
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
)

// The wait's back-off: the first poll at once, the second after
// waitFirstInterval, each wait waitGrowth times the one before, up to
// waitMaxInterval; a last poll at the timeout. A 10-minute wait that
// nothing ends early costs 24 queries.
const (
	waitFirstInterval = 5 * time.Second
	waitMaxInterval   = 30 * time.Second
	waitGrowth        = 1.5
)

// How many deployments a poll reads, newest first: those of the
// environment when it is a name, the repository's when it is a pattern
// (filtered here, so more of them).
const (
	waitExactFirst    = 20
	waitWildcardFirst = 100
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
	// Reads counts the polls (GraphQL queries) made; Waited is how long
	// the wait took, by the client's clock.
	Reads  int
	Waited time.Duration
	// Creator is who made the deployment seen, as REST spells logins
	// ("vercel[bot]").
	Creator string
	// SeenAt is when the deployment was last seen (zero: none matched);
	// LastPoll when the last poll was answered.
	SeenAt, LastPoll time.Time
	// Ignored are the creators of deployments of a matching environment
	// and ref that the creator input left out, from the last poll.
	Ignored []string
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

const waitQuery = `query($owner: String!, $name: String!, $environments: [String!], $first: Int!) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: $first, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { databaseId environment commitOid ref { name prefix } latestStatus { state environmentUrl logUrl } creator { __typename login } }
    }
  }
}`

type waitNode struct {
	DatabaseID  int64   `json:"databaseId"`
	Environment *string `json:"environment"`
	CommitOid   string  `json:"commitOid"`
	Ref         *struct {
		Name   string `json:"name"`
		Prefix string `json:"prefix"`
	} `json:"ref"`
	LatestStatus *struct {
		State          string  `json:"state"`
		EnvironmentURL *string `json:"environmentUrl"`
		LogURL         *string `json:"logUrl"`
	} `json:"latestStatus"`
	Creator *struct {
		Typename string `json:"__typename"`
		Login    string `json:"login"`
	} `json:"creator"`
}

// Wait waits for the newest deployment of an environment matching
// opts.Environment (a name or a pattern, in any case), of opts.Ref (its
// commit, full or short, or its branch or tag name), made by one of
// opts.Creators (anyone's when none), to reach a final state, at most
// opts.Timeout. With wait-for: success it returns on success and fails
// on failure, error or inactive; with final it returns on any of them. It
// fails when the timeout passes, saying what it saw last, and stops at
// once when ctx is cancelled. The Result holds what it saw last either way.
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
			return res, w.cancelled(err)
		}
		node, err := c.pollWait(ctx, w)
		w.Reads++
		t := now()
		w.Waited, w.LastPoll = t.Sub(start), t
		if err != nil {
			if ctx.Err() != nil {
				return res, w.cancelled(ctx.Err())
			}
			return res, fmt.Errorf("wait for %s: %w", w.what(), err)
		}
		if node != nil {
			res.seen(node)
			w.Creator, w.SeenAt = restLogin(node), t
		}
		if line := w.progress(res); line != last {
			c.logf("%s", line)
			last = line
		}
		if node != nil && config.IsFinal(res.State) {
			if res.State == config.StateSuccess || w.For == config.WaitForFinal {
				return res, nil
			}
			return res, w.ended(res)
		}
		if !t.Before(deadline) {
			return res, w.timedOut(res)
		}
		if err := sleep(ctx, min(WaitInterval(n), deadline.Sub(t))); err != nil {
			return res, w.cancelled(err)
		}
	}
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

// pollWait reads the newest deployments once and returns the newest that
// matches (nil when none does), recording in w.Ignored who made those
// the creator input left out.
func (c *Client) pollWait(ctx context.Context, w *WaitResult) (*waitNode, error) {
	vars := map[string]any{"owner": c.Owner, "name": c.Repo, "environments": []string{w.Pattern}, "first": waitExactFirst}
	if config.IsWildcard(w.Pattern) {
		vars["environments"], vars["first"] = nil, waitWildcardFirst
	}
	var data struct {
		Repository *struct {
			Deployments struct {
				Nodes []*waitNode `json:"nodes"`
			} `json:"deployments"`
		} `json:"repository"`
	}
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s of %s/%s", w.Pattern, c.Owner, c.Repo)}
	if err := c.GQL.Query(ctx, waitQuery, vars, &data); err != nil {
		return nil, githubapi.Explain(call, err)
	}
	if data.Repository == nil || data.Repository.Deployments.Nodes == nil {
		return nil, githubapi.Explain(call, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"})
	}
	w.Ignored = nil
	// The newest matching deployment, by id (ids grow with creation;
	// createdAt has one-second steps, and the answer's order is not
	// trusted): an older one's success must not stand for a newer one
	// still in progress.
	var newest *waitNode
	for _, n := range data.Repository.Deployments.Nodes {
		if n == nil || n.DatabaseID <= 0 || n.Environment == nil || !envMatches(w.Pattern, *n.Environment) || !waitRefMatches(w.Ref, n) {
			continue
		}
		if !creatorMatches(w.Creators, n) {
			if who := restLogin(n); who != "" && !contains(w.Ignored, who) && len(w.Ignored) < 5 {
				w.Ignored = append(w.Ignored, who)
			}
			continue
		}
		if newest == nil || n.DatabaseID > newest.DatabaseID {
			newest = n
		}
	}
	return newest, nil
}

func (r *Result) seen(n *waitNode) {
	r.DeploymentID, r.Environment = n.DatabaseID, *n.Environment
	r.State, r.EnvironmentURL, r.LogURL = "", "", ""
	if st := n.LatestStatus; st != nil {
		r.State = strings.ToLower(st.State)
		if st.EnvironmentURL != nil {
			r.EnvironmentURL = *st.EnvironmentURL
		}
		if st.LogURL != nil {
			r.LogURL = *st.LogURL
		}
	}
}

// envMatches: a pattern matches as sweep's do, a name in any case.
func envMatches(pattern, env string) bool {
	if config.IsWildcard(pattern) {
		return config.MatchPattern(pattern, env)
	}
	return config.SameEnvironment(pattern, env)
}

// waitRefMatches tells whether ref names what n was made of, as a
// teardown's ref does (refMatches).
func waitRefMatches(ref string, n *waitNode) bool {
	d := deployment{SHA: n.CommitOid}
	if n.Ref != nil {
		d.RefName, d.RefPrefix = n.Ref.Name, n.Ref.Prefix
	}
	return refMatches(ref, d)
}

// creatorMatches tells whether n was made by one of creators (anyone when
// none). People write an app's login vercel[bot], as REST does; GraphQL's
// Bot.login is vercel. Given as name[bot] it matches only a bot; given as
// name, a user or a bot of that name. Logins compare in any case.
func creatorMatches(creators []string, n *waitNode) bool {
	if len(creators) == 0 {
		return true
	}
	if n.Creator == nil {
		return false
	}
	name, bot := strings.CutSuffix(strings.ToLower(n.Creator.Login), "[bot]")
	bot = bot || n.Creator.Typename == "Bot"
	for _, c := range creators {
		want, wantBot := strings.CutSuffix(strings.ToLower(c), "[bot]")
		if want == name && (bot || !wantBot) {
			return true
		}
	}
	return false
}

// restLogin is n's creator as REST spells logins: vercel[bot] for an app
// ("" when GitHub did not say, or it is no login).
func restLogin(n *waitNode) string {
	if n.Creator == nil {
		return ""
	}
	login := n.Creator.Login
	if n.Creator.Typename == "Bot" && !strings.HasSuffix(login, "[bot]") {
		login += "[bot]"
	}
	if !config.IsLogin(login) {
		return ""
	}
	return login
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
	msg := fmt.Sprintf("deployment %s at %s, not success", w.seen(res), clock(w.SeenAt))
	if res.State == config.StateInactive {
		msg += " (it was replaced by a newer deployment or taken down; wait-for: final accepts it)"
	}
	if res.LogURL != "" {
		msg += "; its log: " + res.LogURL
	}
	return errors.New(msg)
}

// timedOut is the error for a wait whose timeout passed, with what it saw
// last.
func (w *WaitResult) timedOut(res *Result) error {
	msg := fmt.Sprintf("timed out after %s waiting for %s (%d reads): ", w.Timeout, w.what(), w.Reads)
	if w.SeenAt.IsZero() {
		msg += "the newest deployments held none at " + clock(w.LastPoll)
		if len(w.Ignored) > 0 {
			msg += "; there were some by " + strings.Join(w.Ignored, ", ") + ", which the creator input leaves out"
		}
		return errors.New(msg)
	}
	s := w.seen(res)
	s = strings.Replace(strings.Replace(s, " is ", " was ", 1), " has no ", " had no ", 1)
	return errors.New(msg + "deployment " + s + " at " + clock(w.SeenAt))
}

// cancelled is the error for a wait the job's cancellation stopped.
func (w *WaitResult) cancelled(err error) error {
	return fmt.Errorf("wait for %s: stopped after %s (%d reads): %w", w.what(), w.Waited.Round(time.Second), w.Reads, err)
}

// clock is t as a time of day in UTC.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") + " UTC" }

// shortCommit is ref, a full SHA shortened to 7 characters.
func shortCommit(ref string) string {
	if len(ref) == 40 && isSHA(ref) {
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
