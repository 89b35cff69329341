package lifecycle

// The reads of step: wait. A poll looks the deployments of the ref up
// where GitHub keeps them, not among the repository's newest: a SHA's in
// its commit (Commit.deployments), a branch's or tag's in the commit it
// names now, and also among the environment's newest, where the ref's
// deployments of older commits are. Either is one GraphQL query, so a
// deployment behind any number of newer ones is found in one read; a
// retired (inactive) one costs a second, of its statuses, for the URL of
// its last success.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// How many deployments a poll reads, newest first. Of a commit: its
// newest 100 (of the environment, or of every environment for a
// pattern; waitOfCommit). Among the environment's newest, for a branch's
// or tag's deployments of older commits: 20, or the repository's 100 for
// a pattern (filtered here).
const (
	waitExactFirst    = 20
	waitWildcardFirst = 100
)

const waitNodeFields = `databaseId environment commitOid ref { name prefix } latestStatus { state environmentUrl logUrl } creator { __typename login }`

// waitOfCommit is the deployments of a commit, as a Commit's selection.
const waitOfCommit = `deployments(environments: $environments, first: 100, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { ` + waitNodeFields + ` } }`

// waitCommitQuery reads the deployments of one commit, named by its full
// SHA (oid) or a short one (expression): %s is the argument and its type.
const waitCommitQuery = `query($owner: String!, $name: String!, $environments: [String!], $rev: %s) {
  repository(owner: $owner, name: $name) {
    object(%s: $rev) { __typename ... on Commit { ` + waitOfCommit + ` } }
  }
}`

// waitRefQuery reads the deployments of the commit a branch or tag names
// now (an annotated tag's through its Tag object), and the environment's
// newest.
const waitRefQuery = `query($owner: String!, $name: String!, $environments: [String!], $first: Int!, $branch: String!, $tag: String!) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: $first, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { ` + waitNodeFields + ` }
    }
    branch: ref(qualifiedName: $branch) { target { ` + waitTarget + ` } }
    tag: ref(qualifiedName: $tag) { target { ` + waitTarget + ` ... on Tag { target { ` + waitTarget + ` } } } }
  }
}`

// waitTarget is a Git object's selection: a commit's deployments.
const waitTarget = `__typename ... on Commit { ` + waitOfCommit + ` }`

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

type waitConnection struct {
	Nodes []*waitNode `json:"nodes"`
}

// waitObject is a Git object: a commit with its deployments, or an
// annotated tag with its target.
type waitObject struct {
	Typename    string          `json:"__typename"`
	Deployments *waitConnection `json:"deployments"`
	Target      *waitObject     `json:"target"`
}

// nodes are the deployments of the commit o is, or an annotated tag o
// points at; bad says the answer holds a commit without its list.
func (o *waitObject) nodes() (nodes []*waitNode, bad bool) {
	for range 2 {
		switch {
		case o == nil:
			return nil, false
		case o.Deployments != nil:
			return o.Deployments.Nodes, o.Deployments.Nodes == nil
		case o.Typename == "Commit":
			return nil, true
		}
		o = o.Target
	}
	return nil, false
}

// pollWait polls once and returns the newest deployment that matches
// (nil when none does), recording in w.Ignored who made those the creator
// input left out, and counting its reads in w.Reads. A retired
// deployment's EnvironmentURL (and LogURL, when it has none) come from its
// last success status.
func (c *Client) pollWait(ctx context.Context, w *WaitResult) (*waitNode, *waitSuccess, error) {
	nodes, err := c.readWait(ctx, w)
	if err != nil {
		return nil, nil, err
	}
	newest := w.newest(nodes)
	if newest == nil || newest.LatestStatus == nil || !strings.EqualFold(newest.LatestStatus.State, vocab.StateInactive) {
		return newest, nil, nil
	}
	ok, err := c.lastSuccess(ctx, w, newest.DatabaseID)
	return newest, ok, err
}

// waitRef is a branch or tag in the answer: the object it names now.
type waitRef struct {
	Target *waitObject `json:"target"`
}

// readWait runs the poll's query for w.Ref and returns every deployment
// in its answer.
func (c *Client) readWait(ctx context.Context, w *WaitResult) ([]*waitNode, error) {
	var data struct {
		Repository *struct {
			Deployments *waitConnection `json:"deployments"`
			Object      *waitObject     `json:"object"`
			Branch      *waitRef        `json:"branch"`
			Tag         *waitRef        `json:"tag"`
		} `json:"repository"`
	}
	call := githubapi.Call{Op: "list deployments", Target: fmt.Sprintf("environment %s at %s of %s/%s", w.Pattern, shortCommit(w.Ref), c.Owner, c.Repo)}
	query, vars, bySHA := c.waitQuery(w)
	w.Reads++
	if err := c.GQL.Query(ctx, query, vars, &data); err != nil {
		return nil, githubapi.Explain(call, err)
	}
	noList := githubapi.Explain(call, &githubapi.BadAnswerError{What: "the answer holds no list of deployments"})
	r := data.Repository
	if r == nil {
		return nil, noList
	}
	if bySHA {
		// A commit GitHub does not have (not pushed yet) has none.
		nodes, bad := r.Object.nodes()
		if bad {
			return nil, noList
		}
		return nodes, nil
	}
	if r.Deployments == nil || r.Deployments.Nodes == nil {
		return nil, noList
	}
	all := r.Deployments.Nodes
	for _, ref := range []*waitRef{r.Branch, r.Tag} {
		if ref == nil {
			continue // no such branch or tag
		}
		nodes, bad := ref.Target.nodes()
		if bad {
			return nil, noList
		}
		all = append(all, nodes...)
	}
	return all, nil
}

// waitQuery is the query of a poll for w and its variables; bySHA says
// it reads a commit's deployments (w.Ref is a SHA), else a branch's or
// tag's.
func (c *Client) waitQuery(w *WaitResult) (query string, vars map[string]any, bySHA bool) {
	envs := []string{w.Pattern}
	if vocab.IsWildcard(w.Pattern) {
		envs = nil
	}
	vars = map[string]any{"owner": c.Owner, "name": c.Repo, "environments": envs}
	ref := strings.TrimSpace(w.Ref)
	switch {
	case vocab.IsFullSHA(ref):
		return fmt.Sprintf(waitCommitQuery, "GitObjectID!", "oid"), withVar(vars, "rev", strings.ToLower(ref)), true
	case vocab.IsSHA(ref):
		// Hex digits in any case, as git reads an abbreviated SHA.
		return fmt.Sprintf(waitCommitQuery, "String!", "expression"), withVar(vars, "rev", strings.ToLower(ref)), true
	}
	vars["first"] = waitExactFirst
	if envs == nil {
		vars["first"] = waitWildcardFirst
	}
	vars["branch"], vars["tag"] = "refs/heads/"+ref, "refs/tags/"+ref
	if strings.HasPrefix(ref, "refs/") {
		vars["branch"], vars["tag"] = ref, ref
	}
	return waitRefQuery, vars, false
}

func withVar(vars map[string]any, k string, v any) map[string]any {
	vars[k] = v
	return vars
}

// newest is the newest deployment of nodes that matches w, by id (ids
// grow with creation; createdAt has one-second steps, and the answer's
// order is not trusted): an older one's success must not stand for a
// newer one still in progress. It records in w.Ignored who made those the
// creator input left out.
func (w *WaitResult) newest(nodes []*waitNode) *waitNode {
	w.Ignored = nil
	var newest *waitNode
	for _, n := range nodes {
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
