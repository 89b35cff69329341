package main

// native/launch.js: what it starts, and that every failure before the
// start is one ::error:: line.

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// runLaunch runs launch(stage) of dir's launch.js with env added to
// this process's (RUNNER_* and GITHUB_STATE cleared) and returns stdout,
// stderr and the exit code.
func runLaunch(t *testing.T, dir, stage string, env ...string) (string, string, int) {
	t.Helper()
	requireNode(t)
	cmd := exec.Command("node", "-e", "require(process.argv[1]).launch(process.argv[2])", filepath.Join(dir, "launch.js"), stage)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "RUNNER_") || k == "GITHUB_STATE" || strings.HasPrefix(k, "STATE_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// mirrorNative is a mirror commit's native/ with bin/<host>/deployment-action
// a shell script printing STARTED, and launch.js naming its SHA-256.
func mirrorNative(t *testing.T) (dir, file string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("a shell script binary")
	}
	data := []byte("#!/bin/sh\necho STARTED\n")
	dir = nativeDir(t, "")
	writeLauncher(t, dir, nativeLauncher(t, "http://127.0.0.1:9/unused", testAsset(t, data, "")))
	file = filepath.Join(dir, "bin", filepath.FromSlash(hostPlatform(t)))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func wantOneErrorLine(t *testing.T, out, errOut string, code int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "::error::") || strings.Contains(out, "STARTED") || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q: want one ::error:: line, exit 1, nothing started", code, out, errOut)
	}
}

// A symlinked binary is checked as what it points to.
func TestLaunchChecksASymlinkedBinaryAsWhatItPointsTo(t *testing.T) {
	t.Parallel()
	dir, file := mirrorNative(t)
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte("#!/bin/sh\necho STARTED TAMPERED\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, file); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runLaunch(t, dir, "main")
	wantOneErrorLine(t, out, errOut, code)
}

// RUNNER_OS naming an Object.prototype property or holding a line break,
// a binary that is a directory: one ::error:: line each.
func TestLaunchFailuresBeforeTheStartAreOneErrorLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		env  []string
		prep func(t *testing.T, binary string)
	}{
		{"RUNNER_OS=constructor", []string{"RUNNER_OS=constructor", "RUNNER_ARCH=constructor"}, nil},
		{"RUNNER_OS=__proto__", []string{"RUNNER_OS=__proto__", "RUNNER_ARCH=X64"}, nil},
		{"RUNNER_OS with a line break", []string{"RUNNER_OS=Linux\n::warning::x", "RUNNER_ARCH=X64"}, nil},
		{"the binary is a directory", nil, func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, file := mirrorNative(t)
			env := tt.env
			if tt.prep != nil {
				tt.prep(t, file)
			}
			out, errOut, code := runLaunch(t, dir, "main", env...)
			wantOneErrorLine(t, out, errOut, code)
			if strings.Contains(out, "[object Object]") || strings.Contains(out, "function Object") {
				t.Errorf("the message names no platform: %q", out)
			}
		})
	}
}
