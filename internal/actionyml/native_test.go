package actionyml_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
)

func TestNativeKeepsInputsOutputsAndPostIf(t *testing.T) {
	t.Parallel()
	root, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := actionyml.Native(root)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := actionyml.Native(root)
	if !bytes.Equal(out, again) {
		t.Error("Native is not stable")
	}
	r, _ := actionyml.Parse(root)
	n, err := actionyml.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r.Inputs, n.Inputs); d != "" {
		t.Errorf("inputs (-root +native):\n%s", d)
	}
	if d := cmp.Diff(r.Outputs, n.Outputs); d != "" {
		t.Errorf("outputs (-root +native):\n%s", d)
	}
	if n.Runs.Using != "node24" || n.Runs.Main != "main.js" || n.Runs.Post != "post.js" || n.Runs.PostIf != r.Runs.PostIf || r.Runs.PostIf == "" {
		t.Errorf("runs %+v, root's post-if %q", n.Runs, r.Runs.PostIf)
	}
	if n.Runs.Image != "" || n.Runs.Entrypoint != "" || n.Runs.PostEntrypoint != "" {
		t.Errorf("container keys left in the native runs: %+v", n.Runs)
	}
	if !strings.HasPrefix(string(out), actionyml.NativeHeader) {
		t.Error("no generated-file header")
	}
}

func TestNativeRefusesWhatNodeCannotRun(t *testing.T) {
	t.Parallel()
	for name, root := range map[string]string{
		"no runs": "name: x\ninputs: {}\n",
		"args":    "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  args:\n    - a\n",
		"pre":     "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  pre-entrypoint: /pre\n",
	} {
		if _, err := actionyml.Native([]byte(root)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A runs block that is not the last key keeps what follows it.
	out, err := actionyml.Native([]byte("name: x\nruns:\n  using: docker\n  image: Dockerfile\nbranding:\n  icon: box\n"))
	if err != nil || !strings.HasSuffix(string(out), "post: post.js\nbranding:\n  icon: box\n") {
		t.Errorf("got %v\n%s", err, out)
	}
}
