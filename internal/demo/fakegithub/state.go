package fakegithub

import (
	"regexp"
	"sort"
	"time"
)

type repo struct {
	fullName     string
	refs         map[string]string
	behind       map[string]bool
	checks       map[string]map[string]string
	deployments  []*deployment
	environments map[string]time.Time
	pulls        map[int]*pull
}

type deployment struct {
	ID                  int64
	SHA, Ref, Task      string
	Environment         string
	OriginalEnvironment string
	Description         string
	Payload             any
	Transient           bool
	Production          bool
	Created             time.Time
	statuses            []*status // newest first
}

type status struct {
	ID             int64
	State          string
	Description    string
	Environment    string
	EnvironmentURL string
	LogURL         string
	Created        time.Time
}

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
		r = &repo{fullName: fullName, refs: map[string]string{}, behind: map[string]bool{}, checks: map[string]map[string]string{}, environments: map[string]time.Time{}, pulls: map[int]*pull{}}
		f.repos[fullName] = r
	}
	return &Repo{f: f, r: r}
}

// AddRef makes a branch or tag name resolve to sha.
func (r *Repo) AddRef(name, sha string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.refs[name] = sha
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

// AddEnvironment creates an environment.
func (r *Repo) AddEnvironment(name string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.environments[name] = r.f.now()
	return r
}

// HasEnvironment reports whether the environment exists.
func (r *Repo) HasEnvironment(name string) bool {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	_, ok := r.r.environments[name]
	return ok
}

// Seed is a deployment to put in place before a test.
type Seed struct {
	// ID, when set, is the deployment's id (it must be above every id
	// handed out so far).
	ID          int64
	Environment string
	Ref         string
	Transient   bool
	Production  bool
	// Task is the deployment's task (deploy when empty).
	Task string
	// Payload is the deployment's payload (none when nil).
	Payload map[string]any
	// Created is when it was made (the fake's clock when zero).
	Created time.Time
	// States are its statuses, oldest first.
	States []string
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
		d.Transient, d.Production = s.Transient, s.Production
		if s.Payload != nil {
			d.Payload = s.Payload
		}
		if s.Task != "" {
			d.Task = s.Task
		}
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

// AddPullRequest adds pull request number, whose head is commit head, in
// state OPEN, CLOSED or MERGED.
func (r *Repo) AddPullRequest(number int, head, state string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.r.pulls[number] = &pull{Number: number, HeadSHA: head, State: state}
	return r
}

// AddStatus gives deployment id a status directly, as another tool would
// (a different action, gh api, a deploy platform); false when there is no
// such deployment.
func (r *Repo) AddStatus(id int64, state string) bool {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	d := r.r.deployment(id)
	if d == nil {
		return false
	}
	r.f.addStatus(d, &status{State: state, Environment: d.Environment})
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

var shaPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// resolve is the commit a ref names ("" when none).
func (r *repo) resolve(ref string) string {
	if sha, ok := r.refs[ref]; ok {
		return sha
	}
	if shaPattern.MatchString(ref) {
		return ref
	}
	return ""
}

func (f *Fake) newDeployment(r *repo, ref, sha, env string) *deployment {
	f.nextID++
	d := &deployment{ID: f.nextID, Ref: ref, SHA: sha, Task: "deploy", Environment: env, OriginalEnvironment: env, Created: f.now(), Payload: map[string]any{}}
	d.Production = env == "production"
	r.deployments = append(r.deployments, d)
	if _, ok := r.environments[env]; !ok {
		r.environments[env] = f.now()
	}
	return d
}

func (f *Fake) addStatus(d *deployment, s *status) {
	f.nextID++
	s.ID = f.nextID
	s.Created = f.now()
	d.statuses = append([]*status{s}, d.statuses...)
}

func (d *deployment) state() string {
	if len(d.statuses) == 0 {
		return ""
	}
	return d.statuses[0].State
}

func (r *repo) deployment(id int64) *deployment {
	i := sort.Search(len(r.deployments), func(i int) bool { return r.deployments[i].ID >= id })
	if i < len(r.deployments) && r.deployments[i].ID == id {
		return r.deployments[i]
	}
	return nil
}
