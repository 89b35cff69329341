package lifecycle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// The legs of a matrix share run, job and step: after a lost answer, a leg
// must find its own deployment, never another leg's.
func TestAMatrixLegNeverAdoptsAnotherLegsDeployment(t *testing.T) {
	t.Parallel()
	e := setup(t, fgtest.Token)
	leg0, leg1 := cfg(), cfg()
	leg0.Start.Run.JobIndex, leg1.Start.Run.JobIndex = "0", "1"
	first, err := lifecycle.Start(context.Background(), e.c, leg0.Start)
	if err != nil {
		t.Fatal(err)
	}
	// Leg 1's create fails with a 502 without acting: it checks GitHub for
	// its own deployment, finds leg 0's only, and creates its own.
	e.fake.Inject(&fakegithub.Fault{Method: "POST", Path: createPath, Times: 1, Status: 502})
	second, err := lifecycle.Start(context.Background(), e.c, leg1.Start)
	if err != nil {
		t.Fatal(err)
	}
	if second.DeploymentID == first.DeploymentID {
		t.Errorf("leg 1 adopted leg 0's deployment %d: %+v", first.DeploymentID, second)
	}
	if len(second.Recovered) != 0 {
		t.Errorf("leg 1 recovered %v, want nothing (leg 0's deployment is not its own)", second.Recovered)
	}
	if n := len(e.repo.Deployments()); n != 2 {
		t.Errorf("%d deployments, want one per leg", n)
	}
}

// latestStates is each deployment's latest state.
func latestStates(r *fakegithub.Repo) map[int64]string {
	out := map[int64]string{}
	for _, d := range r.Deployments() {
		out[d.ID] = ""
		if len(d.States) > 0 {
			out[d.ID] = d.States[0]
		}
	}
	return out
}

// parallel runs the functions at once and waits for them.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	wg.Wait()
}

// What the README promises when jobs race (GitHub has no transactions):
// every step succeeds, and once every job's post stage has run, no
// deployment is left queued, pending or in progress.
func TestConcurrentJobs(t *testing.T) {
	t.Parallel()
	const rounds = 15
	finish := func(e *env, c *config.Config, id int64) error {
		f := *c
		f.Step, f.Stage, f.Post.Finish.DeploymentID, f.Post.StartedDeploymentID = config.StepFinish, config.StagePost, id, id
		_, err := lifecycle.Post(context.Background(), e.c, f.Post)
		return err
	}
	t.Run("two starts for one environment, both superseding", func(t *testing.T) {
		t.Parallel()
		for round := 0; round < rounds; round++ {
			e := setup(t, fgtest.Token)
			e.fake.Latency = time.Millisecond
			a, b := cfg(), cfg()
			a.Start.Supersede, b.Start.Supersede = true, true
			a.Start.Run.ID, b.Start.Run.ID = 1, 2
			var ra, rb *lifecycle.Result
			var ea, eb error
			parallel(func() { ra, ea = lifecycle.Start(context.Background(), e.c, a.Start) },
				func() { rb, eb = lifecycle.Start(context.Background(), e.c, b.Start) })
			if ea != nil || eb != nil {
				t.Fatalf("starts: %v, %v", ea, eb)
			}
			if ra.DeploymentID == rb.DeploymentID {
				t.Fatal("the two starts share a deployment")
			}
			if err := finish(e, a, ra.DeploymentID); err != nil {
				t.Fatal(err)
			}
			if err := finish(e, b, rb.DeploymentID); err != nil {
				t.Fatal(err)
			}
			for id, s := range latestStates(e.repo) {
				if !vocab.IsFinal(s) {
					t.Fatalf("round %d: deployment %d left %q", round, id, s)
				}
			}
		}
	})
	t.Run("supersede while another job finishes", func(t *testing.T) {
		t.Parallel()
		for round := 0; round < rounds; round++ {
			e := setup(t, fgtest.Token)
			e.fake.Latency = time.Millisecond
			old := cfg()
			old.Start.Run.ID, old.Post.Finish.Run.ID = 1, 1
			ro, err := lifecycle.Start(context.Background(), e.c, old.Start)
			if err != nil {
				t.Fatal(err)
			}
			next := cfg()
			next.Start.Supersede, next.Start.Run.ID = true, 2
			var rn *lifecycle.Result
			var en, eo error
			parallel(func() { rn, en = lifecycle.Start(context.Background(), e.c, next.Start) },
				func() { eo = finish(e, old, ro.DeploymentID) })
			if en != nil || eo != nil {
				t.Fatalf("start %v, finish %v", en, eo)
			}
			states := latestStates(e.repo)
			if s := states[ro.DeploymentID]; s != vocab.StateSuccess && s != vocab.StateInactive {
				t.Fatalf("round %d: the finished deployment is %q, want success (or inactive, superseded)", round, s)
			}
			if s := states[rn.DeploymentID]; s != vocab.StateInProgress {
				t.Fatalf("round %d: the new deployment is %q, want in_progress until its post stage", round, s)
			}
		}
	})
	t.Run("deactivate-env while a start runs", func(t *testing.T) {
		t.Parallel()
		for round := 0; round < rounds; round++ {
			e := setup(t, fgtest.Token)
			e.fake.Latency = time.Millisecond
			e.repo.Seed(fakegithub.Seed{Environment: "staging", States: []string{"success"}})
			start := cfg()
			var rs *lifecycle.Result
			var es, et error
			parallel(func() { rs, es = lifecycle.Start(context.Background(), e.c, start.Start) },
				func() {
					_, et = lifecycle.Teardown(context.Background(), e.c, teardownCfg(config.StepDeactivateEnv, "staging").Teardown)
				})
			if es != nil || et != nil {
				t.Fatalf("start %v, teardown %v", es, et)
			}
			if err := finish(e, start, rs.DeploymentID); err != nil {
				t.Fatal(err)
			}
			for id, s := range latestStates(e.repo) {
				if !vocab.IsFinal(s) {
					t.Fatalf("round %d: deployment %d left %q", round, id, s)
				}
			}
		}
	})
}
