// Package golden compares test output with golden files in testdata/golden
// and, with `go test -update`, rewrites them. Only tests import it.
//
// Importing golden defines the -update flag of the test binary: a package
// whose tests rewrite a file of their own on -update (the root package's
// README usage block) asks Update, never flag.Lookup, so the flag is there
// because the package imports the one that defines it.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden (and the files a test says it rewrites)")

// Update reports whether the test binary runs with -update: a test then
// writes what it computed instead of comparing with what is written.
func Update() bool { return *update }

// Check fails t unless got equals testdata/golden/name (relative to the
// test's package); with -update it writes got there first.
func Check(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}
