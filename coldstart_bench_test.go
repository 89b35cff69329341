package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/testkit/fgtest"
)

// BenchmarkColdStart starts the release build of the binary (stripped,
// as the Dockerfile builds it) as the runner starts the main stage and
// measures the time to its first API request; it reports the binary's size.
//
//	go test -run '^$' -bench ColdStart -benchtime 50x .
func BenchmarkColdStart(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "deployment-action")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	info, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	dir := b.TempDir()
	env := []string{
		"GITHUB_ACTIONS=true", "INPUT_TOKEN=t", "INPUT_STEP=start", "INPUT_ENVIRONMENT=staging",
		"GITHUB_REPOSITORY=" + fgtest.Repo, "GITHUB_SHA=" + fgtest.SHA,
		"GITHUB_API_URL=http://" + ln.Addr().String(), "GITHUB_RUN_ID=1", "GITHUB_EVENT_NAME=push",
		"GITHUB_OUTPUT=" + filepath.Join(dir, "output"), "GITHUB_STATE=" + filepath.Join(dir, "state"), "GITHUB_ENV=" + filepath.Join(dir, "env"),
	}
	var total time.Duration
	for b.Loop() {
		cmd := exec.Command(bin)
		cmd.Env = env
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		conn, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		conn.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-request")
	b.ReportMetric(float64(info.Size())/1e6, "MB")
}
