// Package released finds the release the tests run against: the release
// program's -out directory, which .ci/run makes against a local registry
// and names in DEPLOYMENT_ACTION_RELEASE_DIR (its release.json names the
// commits, the image and the registry).
package released

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Env names the release directory.
const Env = "DEPLOYMENT_ACTION_RELEASE_DIR"

// notSet is what a test without a release says.
const notSet = Env + " is not set: .ci/run makes a release against a local registry and sets it"

// Dir is the release directory. Without one the test is skipped, saying
// how to make one (hint, when not ""), except in CI (CI set), where .ci/run
// makes one: there its absence fails the test.
func Dir(t testing.TB, hint string) string {
	t.Helper()
	dir := os.Getenv(Env)
	if dir == "" {
		msg := notSet
		if hint != "" {
			msg += "; " + hint
		}
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dir
}

// DirOrSkip is the release directory, or skips: for benchmarks, which CI
// does not run.
func DirOrSkip(b testing.TB) string {
	b.Helper()
	dir := os.Getenv(Env)
	if dir == "" {
		b.Skip(notSet)
	}
	return dir
}

// ReadJSON reads dir/release.json into v (a *release.Result: this package
// imports nothing of ours, so that release's own tests can use it).
func ReadJSON(dir string, v any) error {
	data, err := os.ReadFile(filepath.Join(dir, "release.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s/release.json: %w", dir, err)
	}
	return nil
}

// ListTree lists the paths in commit of the repository at dir, with their
// modes.
func ListTree(ctx context.Context, dir, commit string) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, "git", "ls-tree", "-r", "--full-tree", commit)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git ls-tree: %v\n%s", err, errOut.String())
	}
	files := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		meta, path, ok := strings.Cut(line, "\t")
		if ok {
			files[path] = strings.Fields(meta)[0]
		}
	}
	return files, nil
}
