package fakegithub

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Repo is a repository of the fake, for setting up a test.
type Repo struct {
	f *Fake
	r *repo
}

// AddRepo adds the repository owner/name (requests for others get 404).
func (f *Fake) AddRepo(fullName string) *Repo {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.repos[fullName]
	if r == nil {
		r = &repo{fullName: fullName, refs: map[string]string{}, tags: map[string]bool{}, behind: map[string]bool{},
			checks: map[string]map[string]string{}, environments: map[string]*environment{}, pulls: map[int]*Pull{}}
		f.repos[fullName] = r
	}
	return &Repo{f: f, r: r}
}

// AddRef makes the branch name resolve to sha (refs/heads/name too). A
// branch created again after DeleteRef is there again: GraphQL names the
// ref of the deployments made of it by name once more.
func (r *Repo) AddRef(name, sha string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.refs[name] = sha
	delete(r.r.tags, name)
	delete(r.r.deletedRefs, name)
	return r
}

// DeleteRef deletes the branch or tag name, as a push deleting it would:
// GraphQL's Deployment.ref of the deployments made of it is then null, and
// Repository.ref finds it no more. Deployments keep their commit.
func (r *Repo) DeleteRef(name string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	name = strings.TrimPrefix(strings.TrimPrefix(name, "refs/heads/"), "refs/tags/")
	delete(r.r.refs, name)
	delete(r.r.tags, name)
	if r.r.deletedRefs == nil {
		r.r.deletedRefs = map[string]bool{}
	}
	r.r.deletedRefs[name] = true
	return r
}

// AddTag makes the tag name resolve to sha (refs/tags/name too); GraphQL
// answers a deployment of it with the Ref prefix refs/tags/.
func (r *Repo) AddTag(name, sha string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.refs[name] = sha
	r.r.tags[name] = true
	return r
}

// SetDefaultBranch names the repository's default branch ("main" until
// set): GraphQL's defaultBranchRef and pull requests' baseRefName.
func (r *Repo) SetDefaultBranch(name string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.defaultBranch = name
	return r
}

// SetBehind makes ref behind the default branch: a deployment with
// auto_merge merges the default branch into it and GitHub answers 202.
func (r *Repo) SetBehind(ref string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.behind[ref] = true
	return r
}

// SetCheck sets the commit status context on sha to state.
func (r *Repo) SetCheck(sha, context, state string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if r.r.checks[sha] == nil {
		r.r.checks[sha] = map[string]string{}
	}
	r.r.checks[sha][context] = state
	return r
}

// AddEnvironment creates an environment (none when one of that name, in
// any case, exists).
func (r *Repo) AddEnvironment(name string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.f.ensureEnvironment(r.r, name)
	return r
}

// HasEnvironment reports whether the environment exists; names are not
// case sensitive.
func (r *Repo) HasEnvironment(name string) bool {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.r.environment(name) != nil
}

// ProtectionRule is a protection rule of an environment: its Type is one
// of GraphQL's DeploymentProtectionRuleType (REQUIRED_REVIEWERS,
// WAIT_TIMER, BRANCH_POLICY); Timeout is a wait timer's minutes.
type ProtectionRule struct {
	Type    string
	Timeout int
	ID      int64 // given by the fake
}

// Protect gives the environment env (created when missing) protection
// rules of the types, e.g. "REQUIRED_REVIEWERS"; a WAIT_TIMER waits 0
// minutes (AddProtectionRules sets more).
func (r *Repo) Protect(env string, types ...string) *Repo {
	rules := make([]ProtectionRule, 0, len(types))
	for _, t := range types {
		rules = append(rules, ProtectionRule{Type: t})
	}
	return r.AddProtectionRules(env, rules...)
}

// AddProtectionRules gives the environment env (created when missing)
// the rules. An unknown type panics: it is a mistake in a test.
func (r *Repo) AddProtectionRules(env string, rules ...ProtectionRule) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	e := r.f.ensureEnvironment(r.r, env)
	for _, rule := range rules {
		rule.Type = strings.ToUpper(rule.Type)
		if !slices.Contains([]string{"REQUIRED_REVIEWERS", "WAIT_TIMER", "BRANCH_POLICY"}, rule.Type) {
			panic(fmt.Sprintf("fakegithub: no protection rule type %q", rule.Type))
		}
		r.f.nextOtherID++
		rule.ID = r.f.nextOtherID
		e.Rules = append(e.Rules, rule)
	}
	return r
}

// Seed is a deployment to put in place before a test.
type Seed struct {
	// ID, when set, is the deployment's id (it must be above every id
	// handed out so far).
	ID          int64
	Environment string
	Ref         string
	Transient   bool
	// Production marks a production environment; as GitHub does, one
	// named production (in any case) is one anyway.
	Production bool
	// Task is the deployment's task (deploy when empty).
	Task string
	// Payload is the deployment's payload (none when nil).
	Payload map[string]any
	// Created is when it was made (the fake's clock when zero).
	Created time.Time
	// States are its statuses, oldest first.
	States []string
	// Creator is the login that made it, as REST spells it
	// ("vercel[bot]" for an app); github-actions[bot] when empty.
	Creator string
}

// Seed adds deployments directly, without requests, and returns their ids.
func (r *Repo) Seed(seeds ...Seed) []int64 {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	ids := make([]int64, 0, len(seeds))
	for _, s := range seeds {
		ref := s.Ref
		if ref == "" {
			ref = "main"
		}
		if s.ID > r.f.nextID {
			r.f.nextID = s.ID - 1
		}
		d := r.f.newDeployment(r.r, ref, r.r.resolve(ref), s.Environment)
		d.Transient, d.Production = s.Transient, s.Production || d.Production
		if s.Payload != nil {
			d.Payload = s.Payload
		}
		if s.Task != "" {
			d.Task = s.Task
		}
		d.Creator = s.Creator
		if !s.Created.IsZero() {
			d.Created = s.Created
		}
		for _, st := range s.States {
			r.f.addStatus(d, &status{State: st, Environment: d.Environment})
		}
		ids = append(ids, d.ID)
	}
	return ids
}

// Pull is a pull request of the fake.
type Pull struct {
	Number int
	// HeadRef is the head branch's name, HeadSHA its commit.
	HeadRef, HeadSHA string
	// MergeSHA is the merge commit of a merged pull request ("" for none:
	// GraphQL's mergeCommit is null).
	MergeSHA string
	// State is OPEN, CLOSED or MERGED.
	State string
	// BaseRepository and HeadRepository are owner/name; "" is the
	// repository the pull request is added to.
	BaseRepository string
	HeadRepository string
	// HeadRepositoryDeleted makes headRepository null, as GitHub answers
	// for a fork since deleted.
	HeadRepositoryDeleted bool
}

// AddPull adds (or replaces) the pull request p.Number.
func (r *Repo) AddPull(p Pull) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	p.State = strings.ToUpper(p.State)
	r.r.pulls[p.Number] = &p
	return r
}

// AddPullRequest adds pull request number, whose head is commit head, in
// state OPEN, CLOSED or MERGED (AddPull says more).
func (r *Repo) AddPullRequest(number int, head, state string) *Repo {
	return r.AddPull(Pull{Number: number, HeadSHA: head, State: state})
}

// AddStatus gives deployment id a status directly, as another tool would
// (a different action, gh api, a deploy platform); false when there is no
// such deployment.
func (r *Repo) AddStatus(id int64, state string) bool {
	return r.AddStatusWithURLs(id, state, "", "")
}

// AddStatusWithURLs is AddStatus with the status's environment_url and
// log_url, as a deploy platform sets them on its previews ("" for none).
func (r *Repo) AddStatusWithURLs(id int64, state, environmentURL, logURL string) bool {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	d := r.r.deployment(id)
	if d == nil {
		return false
	}
	r.f.addStatus(d, &status{State: state, Environment: d.Environment, EnvironmentURL: environmentURL, LogURL: logURL})
	return true
}

// DeploymentView is a deployment as a test sees it.
type DeploymentView struct {
	ID          int64
	Environment string
	Ref, SHA    string
	Task        string
	Transient   bool
	Payload     any
	// States are its statuses' states, newest first.
	States []string
	// EnvironmentURL and LogURL are those of its latest status.
	EnvironmentURL, LogURL, Description string
}

// State is the latest state of the view ("" with no status).
func (v DeploymentView) State() string {
	if len(v.States) == 0 {
		return ""
	}
	return v.States[0]
}

// DeleteDeployment deletes deployment id, as GitHub's REST API does
// (whatever its state), and tells whether there was one.
func (r *Repo) DeleteDeployment(id int64) bool {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	for i, d := range r.r.deployments {
		if d.ID == id {
			r.r.deployments = append(r.r.deployments[:i], r.r.deployments[i+1:]...)
			return true
		}
	}
	return false
}

// Deployments returns the repository's deployments, oldest first.
func (r *Repo) Deployments() []DeploymentView {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	out := make([]DeploymentView, 0, len(r.r.deployments))
	for _, d := range r.r.deployments {
		v := DeploymentView{ID: d.ID, Environment: d.Environment, Ref: d.Ref, SHA: d.SHA, Task: d.Task, Transient: d.Transient, Payload: d.Payload}
		for _, s := range d.statuses {
			v.States = append(v.States, s.State)
		}
		if len(d.statuses) > 0 {
			v.EnvironmentURL, v.LogURL, v.Description = d.statuses[0].EnvironmentURL, d.statuses[0].LogURL, d.statuses[0].Description
		}
		out = append(out, v)
	}
	return out
}
