package fakegithub_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/openapicheck"
)

const sha = fgtest.SHA

type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, body string) (int, http.Header, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// start serves a fake that validates against the OpenAPI description and
// records what it refused.
func start(t *testing.T) (*fakegithub.Fake, client, *[]string) {
	return startWith(t, nil)
}

// startWith is start, with configure called on the fake before it serves.
func startWith(t *testing.T, configure func(*fakegithub.Fake)) (*fakegithub.Fake, client, *[]string) {
	f := fakegithub.New()
	v, err := openapicheck.Validator("")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var invalid []string
	f.Validate = v
	if f.ValidateResponse, err = openapicheck.ResponseValidator(""); err != nil {
		t.Fatal(err)
	}
	f.OnInvalid = func(r *http.Request, err error) {
		mu.Lock()
		defer mu.Unlock()
		invalid = append(invalid, err.Error())
	}
	f.AddRepo("o/r").AddRef("main", sha)
	if configure != nil {
		configure(f)
	}
	srv := f.Start()
	t.Cleanup(srv.Close)
	return f, client{t, srv.URL}, &invalid
}

func TestFakeRefusesRequestsOutsideTheOpenAPIDescription(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, method, path, body string }{
		{"state outside the enum", "POST", "/repos/o/r/deployments/1/statuses", `{"state":"done"}`},
		{"deployment without ref", "POST", "/repos/o/r/deployments", `{"environment":"x"}`},
		{"required_contexts not an array", "POST", "/repos/o/r/deployments", `{"ref":"main","required_contexts":"ci"}`},
		{"per_page not a number", "GET", "/repos/o/r/deployments?per_page=lots", ""},
		{"no such endpoint", "POST", "/repos/o/r/deployments/1/frobnicate", `{}`},
		{"environment name not escaped", "DELETE", "/repos/o/r/environments/feature/login", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, c, invalid := start(t)
			code, _, _ := c.do(tt.method, tt.path, tt.body)
			if code != http.StatusBadRequest || len(*invalid) != 1 {
				t.Errorf("answer %d, refusals %v; want 400 and one refusal", code, *invalid)
			}
			if len(f.Requests()) != 1 {
				t.Errorf("requests %v", f.Requests())
			}
		})
	}
}

func TestFakeKeepsStateLikeGitHub(t *testing.T) {
	t.Parallel()
	f, c, invalid := start(t)
	repo := f.AddRepo("o/r")
	// Two successes in a non-transient environment: auto_inactive retires
	// the first. A transient one is left alone.
	ids := repo.Seed(
		fakegithub.Seed{Environment: "feature/login", States: []string{"success"}},
		fakegithub.Seed{Environment: "preview", Transient: true, States: []string{"success"}},
		fakegithub.Seed{Environment: "feature/login"},
		fakegithub.Seed{Environment: "preview", Transient: true},
	)
	for _, id := range []int64{ids[2], ids[3]} {
		if code, _, b := c.do("POST", "/repos/o/r/deployments/"+itoa(id)+"/statuses", `{"state":"success"}`); code != 201 {
			t.Fatalf("status: %d %s", code, b)
		}
	}
	got := map[int64]string{}
	for _, d := range repo.Deployments() {
		got[d.ID] = strings.Join(d.States, ",")
	}
	want := map[int64]string{ids[0]: "inactive,success", ids[1]: "success", ids[2]: "success", ids[3]: "success"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	// An environment name with a slash is one escaped path segment.
	if code, _, b := c.do("GET", "/repos/o/r/environments/feature%2Flogin", ""); code != 200 || !strings.Contains(b, `"name":"feature/login"`) {
		t.Errorf("get environment: %d %s", code, b)
	}
	// Only inactive deployments can be deleted while there are others.
	if code, _, _ := c.do("DELETE", "/repos/o/r/deployments/"+itoa(ids[2]), ""); code != 422 {
		t.Errorf("deleting an active deployment: %d, want 422", code)
	}
	if code, _, _ := c.do("DELETE", "/repos/o/r/deployments/"+itoa(ids[0]), ""); code != 204 {
		t.Errorf("deleting an inactive deployment: %d, want 204", code)
	}
	// Statuses come newest first, 140 characters at most.
	if code, _, _ := c.do("POST", "/repos/o/r/deployments/"+itoa(ids[2])+"/statuses", `{"state":"failure","description":"`+strings.Repeat("x", 141)+`"}`); code != 422 {
		t.Errorf("141-character description: %d, want 422", code)
	}
	_, _, b := c.do("GET", "/repos/o/r/deployments/"+itoa(ids[1])+"/statuses?per_page=1", "")
	var sts []map[string]any
	_ = json.Unmarshal([]byte(b), &sts)
	if len(sts) != 1 || sts[0]["state"] != "success" {
		t.Errorf("latest status %s", b)
	}
	if len(*invalid) != 0 {
		t.Errorf("valid requests refused: %v", *invalid)
	}
}

func TestFakePaginatesWithLinkHeaders(t *testing.T) {
	t.Parallel()
	f, c, _ := start(t)
	seeds := make([]fakegithub.Seed, 250)
	for i := range seeds {
		seeds[i] = fakegithub.Seed{Environment: "big"}
	}
	f.AddRepo("o/r").Seed(seeds...)
	seen := map[string]bool{}
	path := "/repos/o/r/deployments?environment=big&per_page=100"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("more than 3 pages")
		}
		code, h, b := c.do("GET", path, "")
		if code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		var list []map[string]any
		_ = json.Unmarshal([]byte(b), &list)
		for _, d := range list {
			seen[itoa(int64(d["id"].(float64)))] = true
		}
		path = ""
		for _, l := range strings.Split(h.Get("Link"), ",") {
			if strings.Contains(l, `rel="next"`) {
				u := strings.Trim(strings.TrimSpace(strings.Split(l, ";")[0]), "<>")
				path = u[strings.Index(u, "/repos"):]
			}
		}
	}
	if len(seen) != 250 {
		t.Errorf("saw %d deployments over the pages, want 250", len(seen))
	}
}

func TestFakeAnswersAutoMergeAndChecks(t *testing.T) {
	t.Parallel()
	f, c, _ := start(t)
	f.AddRepo("o/r").AddRef("old", sha).SetBehind("old").SetCheck(sha, "ci", "failure")
	if code, _, _ := c.do("POST", "/repos/o/r/deployments", `{"ref":"old","required_contexts":[]}`); code != 202 {
		t.Errorf("auto-merge of a branch behind: %d, want 202", code)
	}
	if code, _, _ := c.do("POST", "/repos/o/r/deployments", `{"ref":"old","auto_merge":false}`); code != 409 {
		t.Errorf("failed check with every context required: %d, want 409", code)
	}
	if code, _, _ := c.do("POST", "/repos/o/r/deployments", `{"ref":"old","auto_merge":false,"required_contexts":[]}`); code != 201 {
		t.Errorf("no context required: %d, want 201", code)
	}
}

func TestFakeEnvironmentsAreNotCaseSensitive(t *testing.T) {
	t.Parallel()
	f, c, invalid := startWith(t, func(f *fakegithub.Fake) {
		f.Tokens = map[string]fakegithub.Token{"tok": {Write: true, Admin: true}}
	})
	repo := f.AddRepo("o/r").AddEnvironment("pr-5")
	// A deployment to PR-5 goes to pr-5, which keeps its name; the
	// deployment keeps the name it was given.
	code, _, b := c.do("POST", "/repos/o/r/deployments", `{"ref":"main","environment":"PR-5","required_contexts":[]}`)
	if code != 201 || !strings.Contains(b, `"environment":"PR-5"`) {
		t.Fatalf("create: %d %s", code, b)
	}
	repo.Seed(fakegithub.Seed{Environment: "pr-6"})
	steps := []struct {
		name, method, path string
		code               int
		contains           string
	}{
		{"one environment", "GET", "/repos/o/r/environments", 200, `"total_count":2`},
		{"stored name", "GET", "/repos/o/r/environments", 200, `"name":"pr-5"`},
		{"get in another case", "GET", "/repos/o/r/environments/Pr-5", 200, `"name":"pr-5"`},
		{"list filtered in another case", "GET", "/repos/o/r/deployments?environment=pr-5", 200, `"environment":"PR-5"`},
		{"put in another case keeps the name", "PUT", "/repos/o/r/environments/PR-5", 200, `"name":"pr-5"`},
		{"delete in another case", "DELETE", "/repos/o/r/environments/PR-5", 204, ""},
		{"gone", "GET", "/repos/o/r/environments/pr-5", 404, ""},
		{"delete again", "DELETE", "/repos/o/r/environments/pr-5", 404, ""},
	}
	for _, s := range steps {
		code, _, b := c.do(s.method, s.path, "")
		if code != s.code || !strings.Contains(b, s.contains) {
			t.Errorf("%s: %d %s, want %d with %s", s.name, code, b, s.code, s.contains)
		}
	}
	if _, _, b := c.do("GET", "/repos/o/r/deployments?environment=PR-6", ""); strings.Count(b, `"node_id":"DE_`) != 1 {
		t.Errorf("list of PR-6: %s", b)
	}
	if repo.HasEnvironment("pr-5") || !repo.HasEnvironment("PR-6") {
		t.Error("HasEnvironment after the delete")
	}
	if len(*invalid) != 0 {
		t.Errorf("refused: %v", *invalid)
	}
}

func TestFakeRetiresDeploymentsLikeGitHub(t *testing.T) {
	t.Parallel()
	// An earlier deployment, successful first, and a later one whose
	// success may retire it (auto_inactive).
	tests := []struct {
		name         string
		earlier      string // the earlier deployment's fields
		earlierState string
		later        string
		autoInactive string // the success's auto_inactive field, if any
		want         string // the earlier deployment's state after
	}{
		{"same environment", `"environment":"pr-5"`, "success", `"environment":"pr-5"`, "", "inactive"},
		{"same environment in another case", `"environment":"PR-5"`, "success", `"environment":"pr-5"`, "", "inactive"},
		{"another environment", `"environment":"pr-6"`, "success", `"environment":"pr-5"`, "", "success"},
		{"auto_inactive false", `"environment":"pr-5"`, "success", `"environment":"pr-5"`, `,"auto_inactive":false`, "success"},
		{"an earlier failure", `"environment":"pr-5"`, "failure", `"environment":"pr-5"`, "", "failure"},
		{"transient", `"environment":"pr-5","transient_environment":true`, "success", `"environment":"pr-5"`, "", "success"},
		{"production by its name", `"environment":"Production"`, "success", `"environment":"production"`, "", "success"},
		{"production by its flag", `"environment":"live","production_environment":true`, "success", `"environment":"live"`, "", "success"},
		{"named production but not one", `"environment":"production","production_environment":false`, "success", `"environment":"production"`, "", "inactive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c, invalid := start(t)
			create := func(fields string) string {
				code, _, b := c.do("POST", "/repos/o/r/deployments", `{"ref":"main","required_contexts":[],`+fields+`}`)
				if code != 201 {
					t.Fatalf("create: %d %s", code, b)
				}
				var d struct{ ID int64 }
				_ = json.Unmarshal([]byte(b), &d)
				return "/repos/o/r/deployments/" + itoa(d.ID) + "/statuses"
			}
			status := func(path, body string) {
				if code, _, b := c.do("POST", path, body); code != 201 {
					t.Fatalf("status: %d %s", code, b)
				}
			}
			earlier := create(tt.earlier)
			status(earlier, `{"state":"`+tt.earlierState+`"}`)
			status(create(tt.later), `{"state":"success"`+tt.autoInactive+`}`)
			_, _, b := c.do("GET", earlier+"?per_page=1", "")
			var sts []struct{ State string }
			_ = json.Unmarshal([]byte(b), &sts)
			if len(sts) != 1 || sts[0].State != tt.want {
				t.Errorf("the earlier deployment's latest status %s, want %s", b, tt.want)
			}
			if len(*invalid) != 0 {
				t.Errorf("refused: %v", *invalid)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
