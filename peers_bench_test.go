package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
	"github.com/deploy-lifecycle/deployment-action/internal/fakegithub"
	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// peersDir is DEPLOYMENT_ACTION_PEERS_DIR: a folder with each peer's
// release tree at the tag (git archive of bobheadxi/deployments v1
// into bobheadxi_deployments, of qoomon/actions--create-deployment v2 into
// qoomon_actions--create-deployment), so that their jobs run here, beside
// this action's, against the same fake GitHub. "" when unset.
func peersDir() string { return os.Getenv("DEPLOYMENT_ACTION_PEERS_DIR") }

// peerSteps are each peer's start + finish job, as its README gives it:
// bobheadxi's start and finish steps (no post stage); qoomon's one step,
// whose post stage finishes the deployment.
var peerSteps = map[string][]runnersim.Step{
	"bobheadxi/deployments": {
		{ID: "start", With: map[string]string{"step": "start", "env": "staging"}},
		{ID: "finish", With: map[string]string{"step": "finish", "env": "staging", "status": "success",
			"deployment_id": "${{ steps.start.outputs.deployment_id }}", "env_url": "https://staging.example.com"}},
	},
	"qoomon/actions--create-deployment": {
		{ID: "start", With: map[string]string{"environment": "staging"}},
	},
}

// newPeerJob is a job of the peer in dir (its action.yml or action.yaml)
// on the runner emulation, against a new fake GitHub, as newNativeJob
// makes this action's.
func newPeerJob(b *testing.B, dir string) (*runnersim.Job, *fakegithub.Fake) {
	b.Helper()
	requireNode(b)
	var a *actionyml.Action
	for _, name := range []string{"action.yml", "action.yaml"} {
		if raw, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			if a, err = actionyml.Parse(raw); err != nil {
				b.Fatal(err)
			}
			break
		}
	}
	if a == nil {
		b.Fatalf("%s has no action.yml", dir)
	}
	f := fgtest.NewFake(b, "")
	srv := httptest.NewServer(f)
	b.Cleanup(srv.Close)
	raw, err := os.ReadFile(fgtest.EventPath("push"))
	if err != nil {
		b.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		b.Fatal(err)
	}
	job := runnersim.NewJob(b.TempDir(), a, nil, fgtest.Context(srv.URL), ev, fgtest.Token)
	job.ActionDir = dir
	job.NodeLaunch = runnersim.Node{}.Launch
	return job, f
}

// peerStage is the median time of the peer's start + finish job here
// (its steps' main stages, then its post stages), with reads in 150 ms
// and writes in 300 ms, and the API calls a job makes; ok is false when
// DEPLOYMENT_ACTION_PEERS_DIR does not hold it.
func peerStage(b *testing.B, name, tree string) (stage time.Duration, calls float64, ok bool) {
	dir := filepath.Join(peersDir(), tree)
	if peersDir() == "" {
		return 0, 0, false
	}
	if _, err := os.Stat(dir); err != nil {
		b.Fatalf("DEPLOYMENT_ACTION_PEERS_DIR has no %s: %v", tree, err)
	}
	var times []time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		job, f := newPeerJob(b, dir)
		f.Latency, f.WriteLatency = benchReadLatency, benchWriteLatency
		b.StartTimer()
		start := time.Now()
		for _, step := range peerSteps[name] {
			run, err := job.Run(context.Background(), step)
			if err != nil || run.ExitCode != 0 {
				b.Fatalf("%s %s: %v\n%s%s", name, step.ID, err, run.Stdout, run.Stderr)
			}
		}
		posts, err := job.Post(context.Background())
		if err != nil {
			b.Fatalf("%s post: %v", name, err)
		}
		for _, p := range posts {
			if p.ExitCode != 0 {
				b.Fatalf("%s post: exit %d\n%s%s", name, p.ExitCode, p.Stdout, p.Stderr)
			}
		}
		times = append(times, time.Since(start))
		b.StopTimer()
		n += f.Count("")
		if f.Count("POST") < 2 {
			b.Fatalf("%s made %d writes: want a deployment and its statuses", name, f.Count("POST"))
		}
		b.StartTimer()
	}
	reportSpread(b, times)
	return times[len(times)/2], float64(n) / float64(len(times)), true
}

// BenchmarkPeers runs each peer's job here (DEPLOYMENT_ACTION_PEERS_DIR),
// for its stage time and API calls beside this action's.
//
//	DEPLOYMENT_ACTION_PEERS_DIR=… go test -run '^$' -bench Peers -benchtime 7x .
func BenchmarkPeers(b *testing.B) {
	if peersDir() == "" {
		b.Skip("DEPLOYMENT_ACTION_PEERS_DIR is not set")
	}
	for _, p := range peerJobs {
		b.Run(strings.ReplaceAll(p.name, "/", "_"), func(b *testing.B) {
			_, calls, _ := peerStage(b, p.name, strings.ReplaceAll(p.name, "/", "_"))
			b.ReportMetric(calls, "calls/op")
		})
	}
}
