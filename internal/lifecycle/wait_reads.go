package lifecycle

// The reads of step: wait. A poll looks the deployments of the ref up
// where GitHub keeps them, not among the repository's newest: a SHA's in
// its commit (Commit.deployments), a branch's or tag's in the commit it
// names now and among the environment's newest (those made since the
// last poll), and a ref of 7 to 39 hex digits both ways, the branch or
// tag of that name preferred. Each poll is one GraphQL query, which also
// reads the newest match found so far by its node id (wait_tracked.go);
// the first poll reads deeper once (wait_query.go): REST's listing by ref for a
// branch or tag, a commit's deployments past its newest 100, and for a
// short SHA GitHub resolves to nothing, the environment's newest 1,000 to
// tell an ambiguous SHA from one not pushed yet. A retired (inactive)
// deployment costs one read more, of its statuses, for the URL of its
// last success.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

type waitNode struct {
	// Typename is read only for the deployment read by its id.
	Typename    string  `json:"__typename"`
	ID          string  `json:"id"`
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
	// Repository is read only for the deployment read by its id.
	Repository *struct {
		NameWithOwner string `json:"nameWithOwner"`
	} `json:"repository"`
}

type waitConnection struct {
	Nodes    []*waitNode `json:"nodes"`
	PageInfo *struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

// waitObject is a Git object: a commit with its deployments, or an
// annotated tag with its target.
type waitObject struct {
	Typename    string          `json:"__typename"`
	Oid         string          `json:"oid"`
	Deployments *waitConnection `json:"deployments"`
	Target      *waitObject     `json:"target"`
}

// commit is the commit o is, or an annotated tag o points at (nil when
// none), with its deployments; bad says the answer holds a commit without
// its list.
func (o *waitObject) commit() (commit *waitObject, bad bool) {
	for range 2 {
		switch {
		case o == nil:
			return nil, false
		case o.Deployments != nil:
			return o, o.Deployments.Nodes == nil
		case o.Typename == "Commit":
			return nil, true
		}
		o = o.Target
	}
	return nil, false
}

// waitRef is a branch or tag in the answer: the object it names now.
type waitRef struct {
	Target *waitObject `json:"target"`
}

// waitRead is what a poll's query found: the deployments in its answer,
// which of them are of the ref (match), the deployment read by its id
// (tracked: nil unless it is the one tracked, isTracked), and the commits
// whose deployments go on past the page read. newest records the
// matches, and whether the one tracked is one (trackedOK).
type waitRead struct {
	nodes     []*waitNode
	tracked   *waitNode
	match     func(*waitNode) bool
	deeper    []*waitObject
	matches   []*waitNode
	trackedOK bool
	// asRef: a ref named like a short SHA is a branch or tag that exists.
	asRef bool
	// ambiguous: a short SHA GitHub resolves to no commit, though it has
	// deployments of a commit that starts with it.
	ambiguous bool
}

// pollWait polls once and returns the newest deployment that matches
// (nil when none does), recording in w.Ignored who made those the creator
// input left out, and counting its reads in w.Reads. The first usable
// poll also reads deeper (discoverByREST, readDeeper); every poll keeps
// the newest match in sight by its id. A retired deployment's
// EnvironmentURL (and LogURL, when it has none) come from its last success
// status.
func (c *Client) pollWait(ctx context.Context, w *WaitResult) (*waitNode, *waitSuccess, error) {
	deep, kind := !w.deepDone, waitKind(w.Ref)
	if deep && kind == refIsName {
		if _, err := c.discoverByREST(ctx, w); err != nil {
			return nil, nil, err
		}
	}
	read, err := c.readWait(ctx, w)
	if err != nil {
		return nil, nil, err
	}
	if deep && kind == refIsHex && w.noCommit && !read.ambiguous {
		if read.ambiguous, err = c.deployedWithPrefix(ctx, w); err != nil {
			return nil, nil, err
		}
	}
	if read.ambiguous {
		return nil, nil, fmt.Errorf("ref %s is ambiguous: GitHub resolves it to no commit of %s/%s, yet it has deployments of a commit that starts with it, so more than one does; give more of the SHA (or all of it) as ref", vocab.Quote(strings.TrimSpace(w.Ref)), c.Owner, c.Repo)
	}
	if deep && read.asRef {
		// A branch or tag named like a short SHA: its deployments of older
		// commits too, read again when REST found one.
		if found, err := c.discoverByREST(ctx, w); err != nil {
			return nil, nil, err
		} else if found {
			if read, err = c.readWait(ctx, w); err != nil {
				return nil, nil, err
			}
		}
	}
	if deep {
		if err := c.readDeeper(ctx, w, read); err != nil {
			return nil, nil, err
		}
	}
	newest := w.newest(read)
	w.track(read, deep)
	if newest == nil || newest.LatestStatus == nil || !strings.EqualFold(newest.LatestStatus.State, vocab.StateInactive) {
		return newest, nil, nil
	}
	ok, err := c.lastSuccess(ctx, w, newest.DatabaseID)
	return newest, ok, err
}

// readWait runs the poll's query for w and returns what it found.
func (c *Client) readWait(ctx context.Context, w *WaitResult) (*waitRead, error) {
	var data struct {
		Tracked    *waitNode `json:"tracked"`
		Repository *struct {
			Recent *waitConnection `json:"recent"`
			Object *waitObject     `json:"object"`
			Branch *waitRef        `json:"branch"`
			Tag    *waitRef        `json:"tag"`
		} `json:"repository"`
	}
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s at %s of %s/%s", w.Pattern, shortCommit(w.Ref), c.Owner, c.Repo)}
	if err := c.queryWait(ctx, w, &data); err != nil {
		return nil, githubapi.Explain(call, err)
	}
	noList := githubapi.Explain(call, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"})
	r := data.Repository
	if r == nil {
		return nil, noList
	}
	ref := strings.TrimSpace(w.Ref)
	read := &waitRead{match: func(n *waitNode) bool { return waitRefMatches(ref, n) }}
	w.noCommit = false
	var objects []*waitObject
	switch kind := waitKind(ref); {
	case kind == refIsFullSHA:
		// A commit GitHub does not have (not pushed yet) has none.
		objects, w.noCommit = append(objects, r.Object), r.Object == nil
	case r.Recent == nil || r.Recent.Nodes == nil:
		return nil, noList
	case kind == refIsHex && (r.Branch != nil || r.Tag != nil):
		// Named like a short SHA, and a branch or tag of that name
		// exists: it is that ref, as git reads it.
		q := "refs/tags/" + ref
		if r.Branch != nil {
			q = "refs/heads/" + ref
		}
		read.match, read.asRef = func(n *waitNode) bool { return waitRefMatches(q, n) }, true
		read.nodes, objects = r.Recent.Nodes, []*waitObject{targetOf(r.Branch), targetOf(r.Tag)}
	case kind == refIsHex:
		read.nodes, objects, w.noCommit = r.Recent.Nodes, []*waitObject{r.Object}, r.Object == nil
		read.ambiguous = w.noCommit && hasCommitWithPrefix(read.nodes, ref)
	default:
		read.nodes, objects = r.Recent.Nodes, []*waitObject{targetOf(r.Branch), targetOf(r.Tag)}
	}
	if !read.addCommits(objects) {
		return nil, noList
	}
	if w.isTracked(data.Tracked, c.Owner+"/"+c.Repo, read.match) {
		read.tracked = data.Tracked
	}
	return read, nil
}

// addCommits adds the deployments of the commits objects are (or point
// at) to read, each commit once (refs/heads/x asked as both the branch
// and the tag is one commit); false when one holds a commit without its
// list.
func (read *waitRead) addCommits(objects []*waitObject) bool {
	for _, o := range objects {
		commit, bad := o.commit()
		if bad {
			return false
		}
		if commit != nil && !slices.ContainsFunc(read.deeper, func(d *waitObject) bool { return d.Oid == commit.Oid }) {
			read.nodes = append(read.nodes, commit.Deployments.Nodes...)
			read.deeper = append(read.deeper, commit)
		}
	}
	return true
}

// queryWait sends the poll's query for w and decodes its answer into out.
func (c *Client) queryWait(ctx context.Context, w *WaitResult, out any) error {
	query, vars := c.waitQuery(w)
	w.Reads++
	if w.trackedID() == "" {
		return c.GQL.Query(ctx, query, vars, out)
	}
	// The deployment read by its id may have been deleted since: GitHub
	// answers it null with a NOT_FOUND error, and the rest stands (track
	// takes the next).
	notFound, err := c.GQL.QueryPartial(ctx, query, vars, out)
	if err != nil {
		return err
	}
	for _, p := range notFound {
		if p != "tracked" {
			return fmt.Errorf("GitHub could not resolve %s", p)
		}
	}
	return nil
}

// targetOf is the object ref names (nil when there is no such ref).
func targetOf(ref *waitRef) *waitObject {
	if ref == nil {
		return nil
	}
	return ref.Target
}

// hasCommitWithPrefix tells whether one of nodes is a deployment of a
// commit whose SHA starts with prefix (in any case).
func hasCommitWithPrefix(nodes []*waitNode, prefix string) bool {
	for _, n := range nodes {
		if n != nil && strings.HasPrefix(strings.ToLower(n.CommitOid), strings.ToLower(prefix)) {
			return true
		}
	}
	return false
}

// newest is the newest deployment of read that matches w, by id (ids
// grow with creation; createdAt has one-second steps, and the answer's
// order is not trusted): an older one's success must not stand for a
// newer one still in progress. Each must be of the ref (read.match); the
// one read by its id as isTracked found it. It records the matches in
// read, and in w.Ignored who made those the creator input left out.
func (w *WaitResult) newest(read *waitRead) *waitNode {
	w.Ignored, read.matches, read.trackedOK = nil, nil, false
	var newest *waitNode
	consider := func(n *waitNode, ofRef bool) bool {
		if n == nil || n.DatabaseID <= 0 || n.Environment == nil || !envMatches(w.Pattern, *n.Environment) || !ofRef {
			return false
		}
		if !creatorMatches(w.Creators, n) {
			if who := restLogin(n); who != "" && !contains(w.Ignored, who) && len(w.Ignored) < 5 {
				w.Ignored = append(w.Ignored, who)
			}
			return false
		}
		read.matches = append(read.matches, n)
		if newest == nil || n.DatabaseID > newest.DatabaseID {
			newest = n
		}
		return true
	}
	for _, n := range read.nodes {
		consider(n, n != nil && read.match(n))
	}
	read.trackedOK = consider(read.tracked, true)
	return newest
}

// waitSuccess is a retired deployment's last success status: its URLs.
type waitSuccess struct {
	EnvironmentURL, LogURL string
}

// lastSuccess reads deployment id's newest 100 statuses (REST lists them
// newest first; the highest id wins whatever the order) and returns its
// last success (nil when it has none there).
func (c *Client) lastSuccess(ctx context.Context, w *WaitResult, id int64) (*waitSuccess, error) {
	call := githubapi.Call{Op: "list deployment statuses", Target: fmt.Sprintf("deployment %d of %s/%s", id, c.Owner, c.Repo)}
	w.Reads++
	list, _, err := c.GH.Repositories.ListDeploymentStatuses(ctx, c.Owner, c.Repo, id, &github.ListOptions{PerPage: 100})
	if err != nil {
		return nil, githubapi.Explain(call, err)
	}
	var best *github.DeploymentStatus
	for _, st := range list {
		if st != nil && st.GetID() > 0 && st.GetState() == vocab.StateSuccess && (best == nil || st.GetID() > best.GetID()) {
			best = st
		}
	}
	if best == nil {
		return nil, nil
	}
	return &waitSuccess{EnvironmentURL: best.GetEnvironmentURL(), LogURL: best.GetLogURL()}, nil
}

// unusable says what made an answer unusable (not JSON, not the form the
// action reads, too large, without the list asked for), and "" for
// GitHub's refusals and failures: a poll that got one polls again.
func unusable(err error) string {
	var (
		bad *githubapi.BadAnswerError
		syn *json.SyntaxError
		ute *json.UnmarshalTypeError
		ex  *githubapi.ExhaustedError
	)
	switch {
	case errors.As(err, &ex):
		// GitHub failed every try of this poll (5xx, a dropped
		// connection): the next poll may pass, as after an unusable answer.
		return fmt.Sprintf("GitHub failed all %d tries of a poll, the last time: %v", ex.Tries, ex.Last)
	case errors.Is(err, githubapi.ErrAnswerTooLarge):
		return githubapi.ErrAnswerTooLarge.Error()
	case errors.As(err, &bad):
		return bad.Error()
	case errors.As(err, &syn):
		return (&githubapi.BadAnswerError{What: "the answer is not JSON"}).Error()
	case errors.As(err, &ute):
		return (&githubapi.BadAnswerError{What: "the answer's fields do not have the form the action reads"}).Error()
	}
	return ""
}

func (r *Result) seen(n *waitNode, ok *waitSuccess) {
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
	if ok != nil {
		// A retired deployment: the URL it had while it was live.
		r.EnvironmentURL = ok.EnvironmentURL
		if r.LogURL == "" {
			r.LogURL = ok.LogURL
		}
	}
}

// envMatches: a pattern matches as sweep's do, a name in any case.
func envMatches(pattern, env string) bool {
	if vocab.IsWildcard(pattern) {
		return vocab.MatchPattern(pattern, env)
	}
	return vocab.SameEnvironment(pattern, env)
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
	name, bot := vocab.LoginKey(n.Creator.Login)
	bot = bot || n.Creator.Typename == "Bot"
	for _, c := range creators {
		want, wantBot := vocab.LoginKey(c)
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
	return vocab.RESTLogin(n.Creator.Login, n.Creator.Typename == "Bot")
}
