// Package released finds the release the tests run against: the release
// program's -out directory, which .ci/run makes against a local registry
// and names in DEPLOYMENT_ACTION_RELEASE_DIR (its release.json names the
// commits, the image and the registry).
package released

import (
	"os"
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
