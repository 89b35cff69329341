package runnersim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"time"
)

// The runner's grace periods on cancellation (actions/runner
// src/Runner.Sdk/ProcessInvoker.cs, CancelAndKillProcessTree): SIGINT,
// then SIGTERM after 7.5 s, then a kill after 2.5 s more.
const (
	sigintGrace  = 7500 * time.Millisecond
	sigtermGrace = 2500 * time.Millisecond
)

// Node starts a node action's stage as actions/runner's
// NodeScriptActionHandler.cs does: `node <action dir>/<main|post>` in the
// workspace, with the runner's own environment overlaid by the step's
// (host paths, nothing translated), and on cancellation the signals of
// ProcessInvoker.cs sent to the node process alone (killProcessOnCancel is
// false for node): SIGINT, SIGTERM after sigintGrace, a kill after
// sigtermGrace, which kills node only, not what it started.
type Node struct {
	// Path is node (default: "node" looked up on PATH).
	Path string
	// Base is the runner's own environment, under the step's (default:
	// PATH and HOME of this process).
	Base map[string]string
	// INTGrace and TERMGrace replace sigintGrace and sigtermGrace.
	INTGrace, TERMGrace time.Duration
	// Started, when set, is told the node process once it runs (tests
	// signal it).
	Started func(*os.Process)
}

// HostOS is RUNNER_OS for this machine: Linux, macOS or Windows.
func HostOS() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	}
	return "Linux"
}

// HostArch is RUNNER_ARCH for this machine: X64, ARM64, X86 or ARM.
func HostArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "X64"
	case "arm64":
		return "ARM64"
	case "386":
		return "X86"
	case "arm":
		return "ARM"
	}
	return runtime.GOARCH
}

// Launch starts l.Argv0 with node and returns its exit code (127 when it
// cannot start; for a process killed by a signal, 128 + the signal, as a
// shell reports it).
func (n Node) Launch(ctx context.Context, l Launch) int {
	cmd, err := n.command(l)
	if err != nil {
		fmt.Fprintf(l.Stderr, "runnersim: %v\n", err)
		return 127
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(l.Stderr, "runnersim: start node: %v\n", err)
		return 127
	}
	if n.Started != nil {
		n.Started(cmd.Process)
	}
	done := make(chan struct{})
	go n.stopOnCancel(ctx, cmd.Process, done)
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err != nil {
		return 127
	}
	return 0
}

// command is node running l.Argv0 in the workspace, with Base (or this
// process's PATH and HOME) and l.Env, l.Env winning.
func (n Node) command(l Launch) (*exec.Cmd, error) {
	path := n.Path
	if path == "" {
		path = "node"
	}
	bin, err := exec.LookPath(path)
	if err != nil {
		return nil, err
	}
	base := n.Base
	if base == nil {
		base = map[string]string{"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME")}
	}
	env := maps.Clone(base)
	maps.Copy(env, l.Env)
	cmd := exec.Command(bin, l.Argv0)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	cmd.Dir = l.Layout.Workspace
	cmd.Stdout, cmd.Stderr = l.Stdout, l.Stderr
	return cmd, nil
}

// stopOnCancel stops p as the runner cancels a step when ctx ends: SIGINT,
// SIGTERM after INTGrace, SIGKILL after TERMGrace. It returns when done
// is closed (p has ended) or p can no longer be signalled.
func (n Node) stopOnCancel(ctx context.Context, p *os.Process, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	intGrace, termGrace := n.INTGrace, n.TERMGrace
	if intGrace == 0 {
		intGrace = sigintGrace
	}
	if termGrace == 0 {
		termGrace = sigtermGrace
	}
	for _, s := range []struct {
		sig   os.Signal
		grace time.Duration
	}{{os.Interrupt, intGrace}, {syscall.SIGTERM, termGrace}, {os.Kill, 0}} {
		if p.Signal(s.sig) != nil {
			return
		}
		select {
		case <-done:
			return
		case <-time.After(s.grace):
		}
	}
}
