package main

// Probes of native/launch.js: what it starts, and that every failure
// before the start is one ::error:: line.

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// probe2Launch runs launch(stage) of dir's launch.js with env added to
// this process's (RUNNER_* and GITHUB_STATE cleared) and returns stdout,
// stderr and the exit code.
func probe2Launch(t *testing.T, dir, stage string, env ...string) (string, string, int) {
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

// probe2Dir is native/ with bin/<host>/deployment-action a shell script
// printing STARTED, and SHA256SUMS as sums(right checksum, rel) says.
func probe2Dir(t *testing.T, sums func(sum, rel string) string) (dir, file string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("a shell script binary")
	}
	dir = nativeDir(t, "")
	rel := hostPlatform(t)
	file = filepath.Join(dir, "bin", filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte("#!/bin/sh\necho STARTED\n")
	if err := os.WriteFile(file, data, 0o755); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(dir, "bin", "SHA256SUMS"), []byte(sums(hex.EncodeToString(s[:]), rel)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func probe2OneError(t *testing.T, out, errOut string, code int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "::error::") || strings.Contains(out, "STARTED") || errOut != "" {
		t.Errorf("exit %d, stdout %q, stderr %q: want one ::error:: line, exit 1, nothing started", code, out, errOut)
	}
}

func TestProbe2LaunchSumsLines(t *testing.T) {
	t.Parallel()
	wrong := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		name    string
		sums    func(sum, rel string) string
		started bool
	}{
		{"traversal lines, CRLF, the right line last", func(s, rel string) string {
			return wrong + "  ../" + rel + "\r\n" + wrong + "  ./" + rel + "\r\n" + wrong + " *" + rel + "/../" + filepath.Base(rel) + "\r\n" + s + " *" + rel + "\r\n"
		}, true},
		{"the right line, then a wrong duplicate", func(s, rel string) string { return s + "  " + rel + "\n" + wrong + "  " + rel + "\n" }, false},
		{"upper-case hex", func(s, rel string) string { return strings.ToUpper(s) + "  " + rel + "\n" }, false},
		{"trailing space", func(s, rel string) string { return s + "  " + rel + " \n" }, false},
		{"BOM", func(s, rel string) string { return "\ufeff" + s + "  " + rel + "\n" }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := probe2Dir(t, tt.sums)
			out, errOut, code := probe2Launch(t, dir, "main")
			if tt.started {
				if code != 0 || !strings.Contains(out, "STARTED") {
					t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
				}
				return
			}
			probe2OneError(t, out, errOut, code)
		})
	}
}

// A symlinked binary is checked as what it points to.
func TestProbe2LaunchSymlinkedBinary(t *testing.T) {
	t.Parallel()
	dir, file := probe2Dir(t, func(s, rel string) string { return s + "  " + rel + "\n" })
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
	out, errOut, code := probe2Launch(t, dir, "main")
	probe2OneError(t, out, errOut, code)
}

// RUNNER_OS naming an Object.prototype property, a GITHUB_STATE that is a
// directory, a SHA256SUMS that is a directory: one ::error:: line each.
func TestProbe2LaunchFailuresAreOneLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		env  []string
		prep func(t *testing.T, dir string)
	}{
		{"RUNNER_OS=constructor", []string{"RUNNER_OS=constructor", "RUNNER_ARCH=constructor"}, nil},
		{"RUNNER_OS=__proto__", []string{"RUNNER_OS=__proto__", "RUNNER_ARCH=X64"}, nil},
		{"RUNNER_OS with a line break", []string{"RUNNER_OS=Linux\n::warning::x", "RUNNER_ARCH=X64"}, nil},
		{"GITHUB_STATE is a directory", nil, nil},
		{"SHA256SUMS is a directory", nil, func(t *testing.T, dir string) {
			p := filepath.Join(dir, "bin", "SHA256SUMS")
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
			dir, _ := probe2Dir(t, func(s, rel string) string { return s + "  " + rel + "\n" })
			env := tt.env
			if tt.name == "GITHUB_STATE is a directory" {
				env = append(env, "GITHUB_STATE="+t.TempDir())
			}
			if tt.prep != nil {
				tt.prep(t, dir)
			}
			out, errOut, code := probe2Launch(t, dir, "main", env...)
			probe2OneError(t, out, errOut, code)
			if strings.Contains(out, "[object Object]") || strings.Contains(out, "function Object") {
				t.Errorf("the message names no platform: %q", out)
			}
		})
	}
}
