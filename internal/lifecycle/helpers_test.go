package lifecycle_test

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fakeclock"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

type env struct {
	fake  *fakegithub.Fake
	srv   *httptest.Server
	clock *fakeclock.Clock
	c     *lifecycle.Client
	repo  *fakegithub.Repo
	token string
}

// setup starts a validating fake GitHub and a client whose waits advance a
// fake clock shared with the fake.
func setup(t testing.TB, token string) *env {
	t.Helper()
	f, srv := fgtest.New(t, "")
	clock := fakeclock.New()
	f.Now = clock.Now
	p := githubapi.DefaultPolicy()
	p.Sleep, p.Now, p.Rand = clock.Sleep, clock.Now, func() float64 { return 0.5 }
	e := &env{fake: f, srv: srv, clock: clock, repo: f.AddRepo(fgtest.Repo)}
	e.token = token
	e.c = rebuild(t, e, p)
	return e
}

// rebuild is a client for e with retry policy p.
func rebuild(t testing.TB, e *env, p githubapi.Policy) *lifecycle.Client {
	t.Helper()
	gh, err := githubapi.New(e.token, e.srv.URL, githubapi.Options{Policy: &p, Pacer: githubapi.NewPacer(e.clock.Sleep, e.clock.Now),
		Scope: &githubapi.Scope{Owner: "octo-org", Repo: "hello-world", GraphQLPath: "/graphql"}})
	if err != nil {
		t.Fatal(err)
	}
	gql, err := githubapi.NewGraphQL(gh, githubapi.GraphQLURL(e.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return &lifecycle.Client{GH: gh, GQL: gql, Owner: "octo-org", Repo: "hello-world", Policy: p}
}

// cfg is a start in staging of main's commit on a push, as Load makes it.
// Each step's options hold the inputs it shares with others (the
// environment, the ref, the log URL, the run), as Load fills them.
func cfg() *config.Config {
	logURL := "https://github.com/octo-org/hello-world/actions/runs/9/attempts/1"
	run := config.Run{Repository: fgtest.Repo, ID: 9, Attempt: 1, Job: "deploy", Step: "start"}
	finish := config.FinishOptions{Environment: "staging", Ref: fgtest.SHA, CancelledState: vocab.StateInactive, JobStatus: "success",
		AutoInactive: true, LogURL: logURL, Run: run}
	return &config.Config{
		Stage: config.StageMain, Step: config.StepStart, Owner: "octo-org", Repo: "hello-world",
		Environment: "staging", Ref: fgtest.SHA, Run: run,
		Start: config.StartOptions{Environment: "staging", Ref: fgtest.SHA, Task: "deploy", RequiredContexts: &[]string{},
			InitialState: vocab.StateInProgress, LogURL: logURL, Run: run},
		Finish:   finish,
		Post:     config.PostOptions{AutoFinish: true, Finish: finish},
		Teardown: config.TeardownOptions{Environment: "staging", LogURL: logURL},
		Sweep:    config.SweepOptions{LogURL: logURL},
		Wait:     config.WaitOptions{Environment: "staging", Ref: fgtest.SHA},
	}
}

func states(t *testing.T, r *fakegithub.Repo) map[int64][]string {
	t.Helper()
	out := map[int64][]string{}
	for _, d := range r.Deployments() {
		out[d.ID] = d.States
	}
	return out
}

// wantErrContaining fails the test unless err contains every one of wants.
func wantErrContaining(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil && len(wants) > 0 {
		t.Fatalf("no error, want one containing %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
