package fakegithub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// routes are the endpoints the fake serves, as http.ServeMux patterns;
// the mux gives {name} unescaped, so an environment name arrives whole
// ("feature%2Flogin" is "feature/login"). Anything else goes to the
// catch-all, which answers 404 and tells OnUnrouted. Its length is the
// route table.
func (f *Fake) routes() *http.ServeMux {
	mux := http.NewServeMux()
	const repoPath = "/repos/{owner}/{repo}"
	handle := func(pattern string, h func(w http.ResponseWriter, r *http.Request, rp *repo, body []byte)) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(method+" "+repoPath+path, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			f.mu.Lock()
			defer f.mu.Unlock()
			rp := f.repos[r.PathValue("owner")+"/"+r.PathValue("repo")]
			if rp == nil {
				writeError(w, http.StatusNotFound, "Not Found")
				return
			}
			h(w, r, rp, body)
		})
	}
	withDeployment := func(h func(w http.ResponseWriter, r *http.Request, rp *repo, d *deployment, body []byte)) func(http.ResponseWriter, *http.Request, *repo, []byte) {
		return func(w http.ResponseWriter, r *http.Request, rp *repo, body []byte) {
			id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
			d := rp.deployment(id)
			if err != nil || d == nil {
				writeError(w, http.StatusNotFound, "Not Found")
				return
			}
			h(w, r, rp, d, body)
		}
	}
	handle("POST /deployments", f.createDeployment)
	handle("GET /deployments", func(w http.ResponseWriter, r *http.Request, rp *repo, _ []byte) { f.listDeployments(w, r, rp) })
	handle("GET /deployments/{id}", withDeployment(func(w http.ResponseWriter, r *http.Request, rp *repo, d *deployment, _ []byte) {
		writeJSON(w, http.StatusOK, f.deploymentJSON(r, rp, d))
	}))
	handle("DELETE /deployments/{id}", withDeployment(func(w http.ResponseWriter, _ *http.Request, rp *repo, d *deployment, _ []byte) {
		f.deleteDeployment(w, rp, d)
	}))
	handle("POST /deployments/{id}/statuses", withDeployment(f.createStatus))
	handle("GET /deployments/{id}/statuses", withDeployment(func(w http.ResponseWriter, r *http.Request, rp *repo, d *deployment, _ []byte) {
		list := make([]any, 0, len(d.statuses))
		for _, s := range d.statuses {
			list = append(list, f.statusJSON(r, rp, d, s))
		}
		f.page(w, r, list)
	}))
	handle("GET /deployments/{id}/statuses/{sid}", withDeployment(func(w http.ResponseWriter, r *http.Request, rp *repo, d *deployment, _ []byte) {
		sid, _ := strconv.ParseInt(r.PathValue("sid"), 10, 64)
		for _, s := range d.statuses {
			if s.ID == sid {
				writeJSON(w, http.StatusOK, f.statusJSON(r, rp, d, s))
				return
			}
		}
		writeError(w, http.StatusNotFound, "Not Found")
	}))
	// Environment names are not case sensitive: each endpoint finds the
	// environment in any case and answers the name it was created with.
	handle("GET /environments", func(w http.ResponseWriter, r *http.Request, rp *repo, _ []byte) {
		envs := []any{}
		for _, e := range rp.sortedEnvironments() {
			envs = append(envs, f.environmentJSON(r, rp, e))
		}
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(envs), "environments": envs})
	})
	handle("GET /environments/{name}", func(w http.ResponseWriter, r *http.Request, rp *repo, _ []byte) {
		e := rp.environment(r.PathValue("name"))
		if e == nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		writeJSON(w, http.StatusOK, f.environmentJSON(r, rp, e))
	})
	handle("PUT /environments/{name}", func(w http.ResponseWriter, r *http.Request, rp *repo, _ []byte) {
		writeJSON(w, http.StatusOK, f.environmentJSON(r, rp, f.ensureEnvironment(rp, r.PathValue("name"))))
	})
	handle("DELETE /environments/{name}", func(w http.ResponseWriter, r *http.Request, rp *repo, _ []byte) {
		e := rp.environment(r.PathValue("name"))
		if e == nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		delete(rp.environments, strings.ToLower(e.Name))
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if f.OnUnrouted != nil {
			f.OnUnrouted(r)
		}
		writeError(w, http.StatusNotFound, "Not Found")
	})
	return mux
}

// route serves a request whose path, without the API root's prefix, is
// path (escaped).
func (f *Fake) route(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	f.muxOnce.Do(func() { f.mux = f.routes() })
	r2 := r.Clone(r.Context())
	r2.URL.RawPath = path
	if p, err := url.PathUnescape(path); err == nil {
		r2.URL.Path = p
	}
	r2.Body = io.NopCloser(bytes.NewReader(body))
	f.mux.ServeHTTP(w, r2)
}

type deploymentRequest struct {
	Ref                   string          `json:"ref"`
	Task                  *string         `json:"task"`
	AutoMerge             *bool           `json:"auto_merge"`
	RequiredContexts      *[]string       `json:"required_contexts"`
	Payload               json.RawMessage `json:"payload"`
	Environment           *string         `json:"environment"`
	Description           *string         `json:"description"`
	TransientEnvironment  *bool           `json:"transient_environment"`
	ProductionEnvironment *bool           `json:"production_environment"`
}

// createDeployment answers POST /deployments as GitHub does: 422 for a
// ref it does not know, 202 when it auto-merges, 409 when a required
// check is not success, else 201 and the new deployment.
func (f *Fake) createDeployment(w http.ResponseWriter, r *http.Request, rp *repo, body []byte) {
	var req deploymentRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	sha := rp.resolve(req.Ref)
	if sha == "" {
		writeValidation(w, "No ref found for: "+req.Ref)
		return
	}
	if (req.AutoMerge == nil || *req.AutoMerge) && rp.behind[req.Ref] {
		writeJSON(w, http.StatusAccepted, map[string]string{"message": "Auto-merged main into " + req.Ref + " on deployment."})
		return
	}
	if failed := rp.failedChecks(sha, req.RequiredContexts); len(failed) > 0 {
		writeError(w, http.StatusConflict, "Conflict: Commit status checks failed for "+req.Ref+": "+strings.Join(failed, ", "))
		return
	}
	env := "production"
	if req.Environment != nil {
		env = *req.Environment
	}
	d := f.newDeployment(rp, req.Ref, sha, env)
	req.apply(d)
	writeJSON(w, http.StatusCreated, f.deploymentJSON(r, rp, d))
}

// failedChecks are the checks of commit sha that block a deployment, in
// order: those of required that are not success, or with required nil,
// all that are not.
func (r *repo) failedChecks(sha string, required *[]string) []string {
	var failed []string
	checks := r.checks[sha]
	if required == nil {
		for c, st := range checks {
			if st != "success" {
				failed = append(failed, c)
			}
		}
	} else {
		for _, c := range *required {
			if checks[c] != "success" {
				failed = append(failed, c)
			}
		}
	}
	sort.Strings(failed)
	return failed
}

// apply sets the fields req gives on the new deployment d; a payload
// given as a JSON string is read as the JSON it holds.
func (req *deploymentRequest) apply(d *deployment) {
	if req.Task != nil {
		d.Task = *req.Task
	}
	if req.Description != nil {
		d.Description = *req.Description
	}
	if len(req.Payload) > 0 {
		var p any
		_ = json.Unmarshal(req.Payload, &p)
		if s, ok := p.(string); ok {
			_ = json.Unmarshal([]byte(s), &p)
		}
		d.Payload = p
	}
	if req.TransientEnvironment != nil {
		d.Transient = *req.TransientEnvironment
	}
	if req.ProductionEnvironment != nil {
		d.Production = *req.ProductionEnvironment
	}
}

// listDeployments answers newest first, filtered by sha, ref, task and
// environment (in any case).
func (f *Fake) listDeployments(w http.ResponseWriter, r *http.Request, rp *repo) {
	q := r.URL.Query()
	list := []any{}
	for i := len(rp.deployments) - 1; i >= 0; i-- {
		d := rp.deployments[i]
		if (q.Get("sha") != "" && q.Get("sha") != d.SHA) || (q.Get("ref") != "" && q.Get("ref") != d.Ref) ||
			(q.Get("task") != "" && q.Get("task") != d.Task) || (q.Get("environment") != "" && !strings.EqualFold(q.Get("environment"), d.Environment)) {
			continue
		}
		list = append(list, f.deploymentJSON(r, rp, d))
	}
	f.page(w, r, list)
}

func (f *Fake) deleteDeployment(w http.ResponseWriter, rp *repo, d *deployment) {
	if len(rp.deployments) > 1 && d.state() != "inactive" {
		// This endpoint's 422 is GitHub's "Validation Error Simple":
		// its errors are plain strings.
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed", "errors": []string{"We cannot delete an active deployment unless it is the only deployment in a given environment."},
			"documentation_url": "https://docs.github.com/rest/deployments/deployments#delete-a-deployment",
		})
		return
	}
	for i, x := range rp.deployments {
		if x == d {
			rp.deployments = append(rp.deployments[:i], rp.deployments[i+1:]...)
			break
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

type statusRequest struct {
	State          string  `json:"state"`
	TargetURL      *string `json:"target_url"`
	LogURL         *string `json:"log_url"`
	Description    *string `json:"description"`
	Environment    *string `json:"environment"`
	EnvironmentURL *string `json:"environment_url"`
	AutoInactive   *bool   `json:"auto_inactive"`
}

func (f *Fake) createStatus(w http.ResponseWriter, r *http.Request, rp *repo, d *deployment, body []byte) {
	var req statusRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	switch req.State {
	case "error", "failure", "inactive", "in_progress", "queued", "pending", "success":
	default:
		writeValidation(w, "state is not included in the list")
		return
	}
	s := &status{State: req.State, Environment: d.Environment}
	if req.Description != nil {
		if len([]rune(*req.Description)) > 140 {
			writeValidation(w, "description is too long (maximum is 140 characters)")
			return
		}
		s.Description = *req.Description
	}
	if req.Environment != nil && *req.Environment != "" {
		d.Environment, s.Environment = *req.Environment, *req.Environment
	}
	if req.EnvironmentURL != nil {
		s.EnvironmentURL = *req.EnvironmentURL
	}
	switch {
	case req.LogURL != nil:
		s.LogURL = *req.LogURL
	case req.TargetURL != nil:
		s.LogURL = *req.TargetURL
	}
	f.addStatus(d, s)
	// auto_inactive (true by default) on a success retires the earlier
	// deployments to the same environment (in any case) that were
	// successful, except transient ones and production ones (GitHub's
	// production_environment, true by default for "production").
	if req.State == "success" && (req.AutoInactive == nil || *req.AutoInactive) {
		for _, o := range rp.deployments {
			if o != d && o.ID < d.ID && strings.EqualFold(o.Environment, d.Environment) && !o.Transient && !o.Production && o.state() == "success" {
				f.addStatus(o, &status{State: "inactive", Environment: o.Environment})
			}
		}
	}
	writeJSON(w, http.StatusCreated, f.statusJSON(r, rp, d, s))
}

// page answers one page of list, with GitHub's Link header.
func (f *Fake) page(w http.ResponseWriter, r *http.Request, list []any) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max((len(list)+per-1)/per, 1)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf("<%s?%s>; rel=%q", f.url(r, "%s", strings.TrimPrefix(r.URL.EscapedPath(), f.Prefix)), q.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(page-1, "prev"), link(1, "first"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo := min((page-1)*per, len(list))
	hi := min(lo+per, len(list))
	writeJSON(w, http.StatusOK, list[lo:hi])
}

func writeValidation(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "errors": []map[string]string{{"resource": "Deployment", "code": "custom", "message": msg}},
		"documentation_url": "https://docs.github.com/rest/deployments",
	})
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (f *Fake) deploymentJSON(r *http.Request, rp *repo, d *deployment) map[string]any {
	u := f.url(r, "/repos/%s/deployments/%d", rp.fullName, d.ID)
	return map[string]any{
		"url": u, "id": d.ID, "node_id": fmt.Sprintf("DE_%d", d.ID), "sha": d.SHA, "ref": d.Ref, "task": d.Task,
		"payload": d.Payload, "original_environment": d.OriginalEnvironment, "environment": d.Environment,
		"description": d.Description, "creator": userJSON(d.Creator), "created_at": ts(d.Created), "updated_at": ts(d.Created),
		"statuses_url": u + "/statuses", "repository_url": f.url(r, "/repos/%s", rp.fullName),
		"transient_environment": d.Transient, "production_environment": d.Production,
	}
}

func (f *Fake) statusJSON(r *http.Request, rp *repo, d *deployment, s *status) map[string]any {
	du := f.url(r, "/repos/%s/deployments/%d", rp.fullName, d.ID)
	return map[string]any{
		"url": fmt.Sprintf("%s/statuses/%d", du, s.ID), "id": s.ID, "node_id": fmt.Sprintf("DES_%d", s.ID),
		"state": s.State, "creator": creator(), "description": s.Description, "environment": s.Environment,
		"target_url": s.LogURL, "log_url": s.LogURL, "environment_url": s.EnvironmentURL,
		"created_at": ts(s.Created), "updated_at": ts(s.Created), "deployment_url": du,
		"repository_url": f.url(r, "/repos/%s", rp.fullName),
	}
}

func (f *Fake) environmentJSON(r *http.Request, rp *repo, e *environment) map[string]any {
	t := ts(e.Created)
	rules := []any{}
	for _, rule := range e.Rules {
		m := map[string]any{"id": rule.ID, "node_id": fmt.Sprintf("GA_%d", rule.ID), "type": strings.ToLower(rule.Type)}
		switch rule.Type {
		case "WAIT_TIMER":
			m["wait_timer"] = rule.Timeout
		case "REQUIRED_REVIEWERS":
			m["prevent_self_review"] = false
			m["reviewers"] = []any{}
		}
		rules = append(rules, m)
	}
	return map[string]any{
		"id": e.ID, "node_id": "EN_" + e.Name, "name": e.Name,
		"url":        f.url(r, "/repos/%s/environments/%s", rp.fullName, url.PathEscape(e.Name)),
		"html_url":   "https://github.com/" + rp.fullName + "/deployments/activity_log?environments_filter=" + url.QueryEscape(e.Name),
		"created_at": t, "updated_at": t, "protection_rules": rules, "deployment_branch_policy": nil,
	}
}

// userJSON is login (as REST spells it: vercel[bot] for an app) as
// GitHub's simple-user, the creator of a deployment; "" and
// github-actions[bot] are the GitHub Actions bot (creator).
func userJSON(login string) map[string]any {
	if login == "" || login == "github-actions[bot]" {
		return creator()
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(login))
	id := int64(h.Sum32()) + 1
	kind, html := "User", "https://github.com/"+login
	if name, ok := strings.CutSuffix(login, "[bot]"); ok {
		kind, html = "Bot", "https://github.com/apps/"+name
	}
	u := "https://api.github.com/users/" + url.PathEscape(login)
	return map[string]any{
		"login": login, "id": id, "node_id": fmt.Sprintf("U_%d", id), "type": kind, "site_admin": false,
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id), "gravatar_id": "", "url": u,
		"html_url": html, "followers_url": u + "/followers",
		"following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
		"starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
		"organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
		"received_events_url": u + "/received_events",
	}
}

// creator is the user GitHub names as a deployment's or status's creator:
// the GitHub Actions bot, with every field of GitHub's simple-user.
func creator() map[string]any {
	const u = "https://api.github.com/users/github-actions%5Bbot%5D"
	return map[string]any{
		"login": "github-actions[bot]", "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=", "type": "Bot", "site_admin": false,
		"avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "", "url": u,
		"html_url": "https://github.com/apps/github-actions", "followers_url": u + "/followers",
		"following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
		"starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
		"organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
		"received_events_url": u + "/received_events",
	}
}
