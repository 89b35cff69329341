package fakegithub

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type repo struct {
	fullName      string
	defaultBranch string            // "main" when ""
	refs          map[string]string // branches and tags by name
	tags          map[string]bool   // the refs that are tags
	deletedRefs   map[string]bool   // branches and tags deleted (DeleteRef)
	behind        map[string]bool
	checks        map[string]map[string]string
	deployments   []*deployment
	// environments are keyed by their lower-case name: GitHub's
	// environment names are not case sensitive. Each keeps the case it
	// was created with.
	environments map[string]*environment
	pulls        map[int]*Pull
	// commits are the commits AddCommit gave the repository, by SHA.
	commits map[string]*commit
}

// environment is an environment of a repository.
type environment struct {
	ID      int64
	Name    string // as first created
	Created time.Time
	Rules   []ProtectionRule
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
	// Creator is its creator's REST login ("" is github-actions[bot]).
	Creator  string
	statuses []*status // newest first
	// repo is the repository it belongs to.
	repo *repo
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

var (
	shaPattern      = regexp.MustCompile(`^[0-9a-f]{40}$`)
	shortSHAPattern = regexp.MustCompile(`^[0-9a-f]{7,39}$`)
)

// resolve is the commit a ref names ("" when none): a branch or tag, by
// name or as refs/heads/name or refs/tags/name, a full SHA, or a short
// SHA of a commit the fake knows (refs win over short SHAs, as in git).
func (r *repo) resolve(ref string) string {
	if sha, ok := r.refs[ref]; ok {
		return sha
	}
	if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok && !r.tags[name] {
		return r.refs[name]
	}
	if name, ok := strings.CutPrefix(ref, "refs/tags/"); ok && r.tags[name] {
		return r.refs[name]
	}
	if shaPattern.MatchString(ref) {
		return ref
	}
	if shortSHAPattern.MatchString(ref) {
		if sha := r.commitWithPrefix(ref); sha != "" {
			return sha
		}
	}
	return ""
}

// commitWithPrefix is the one known commit whose SHA starts with prefix
// ("" when none or several): the commits of refs, pull requests and
// deployments.
func (r *repo) commitWithPrefix(prefix string) string {
	found := map[string]bool{}
	add := func(sha string) {
		if sha != "" && strings.HasPrefix(sha, prefix) {
			found[sha] = true
		}
	}
	for _, sha := range r.refs {
		add(sha)
	}
	for _, p := range r.pulls {
		add(p.HeadSHA)
		add(p.MergeSHA)
	}
	for _, d := range r.deployments {
		add(d.SHA)
	}
	for sha := range r.commits {
		add(sha)
	}
	if len(found) != 1 {
		return ""
	}
	for sha := range found {
		return sha
	}
	return ""
}

// isSHA reports whether a deployment's ref names a commit rather than a
// branch or tag: a full SHA, or a short one that is no known ref's name
// (a ref wins over a short SHA, as in git, whatever commit starts with
// it). GraphQL answers its ref as null.
func (r *repo) isSHA(ref string) bool {
	if shaPattern.MatchString(ref) {
		return true
	}
	if !shortSHAPattern.MatchString(ref) {
		return false
	}
	_, isRef := r.refs[ref]
	return !isRef
}

// refName splits a deployment's ref into GraphQL's Ref name and prefix:
// refs/heads/x and x are the branch x; a known tag, with or without
// refs/tags/, is under refs/tags/.
func (r *repo) refName(ref string) (name, prefix string) {
	if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return name, "refs/heads/"
	}
	if name, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return name, "refs/tags/"
	}
	if r.tags[ref] {
		return ref, "refs/tags/"
	}
	return ref, "refs/heads/"
}

func (r *repo) defaultBranchName() string {
	if r.defaultBranch == "" {
		return "main"
	}
	return r.defaultBranch
}

// environment is the environment named name in any case (nil when none).
func (r *repo) environment(name string) *environment {
	return r.environments[strings.ToLower(name)]
}

// sortedEnvironments are the repository's environments by name.
func (r *repo) sortedEnvironments() []*environment {
	list := make([]*environment, 0, len(r.environments))
	for _, e := range r.environments {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// ensureEnvironment is the environment name, created when there is none
// of that name in any case.
func (f *Fake) ensureEnvironment(r *repo, name string) *environment {
	if e := r.environment(name); e != nil {
		return e
	}
	f.nextOtherID++
	e := &environment{ID: f.nextOtherID, Name: name, Created: f.now()}
	r.environments[strings.ToLower(name)] = e
	return e
}

// newDeployment adds a deployment to env (created when missing; GitHub
// matches it in any case, the deployment keeps the name as given). As
// GitHub does, one to production is a production deployment.
func (f *Fake) newDeployment(r *repo, ref, sha, env string) *deployment {
	f.nextID++
	d := &deployment{ID: f.nextID, Ref: ref, SHA: sha, Task: "deploy", Environment: env, OriginalEnvironment: env, Created: f.now(), Payload: map[string]any{}, repo: r}
	d.Production = strings.EqualFold(env, "production")
	r.deployments = append(r.deployments, d)
	f.ensureEnvironment(r, env)
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

// deploymentByNodeID is the deployment whose node id is id (DE_<id>), in
// any repository (nil when none).
func (f *Fake) deploymentByNodeID(id string) *deployment {
	n, err := strconv.ParseInt(strings.TrimPrefix(id, "DE_"), 10, 64)
	if err != nil || !strings.HasPrefix(id, "DE_") {
		return nil
	}
	for _, r := range f.repos {
		if d := r.deployment(n); d != nil {
			return d
		}
	}
	return nil
}

func (r *repo) deployment(id int64) *deployment {
	i := sort.Search(len(r.deployments), func(i int) bool { return r.deployments[i].ID >= id })
	if i < len(r.deployments) && r.deployments[i].ID == id {
		return r.deployments[i]
	}
	return nil
}
