package config_test

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/actionyml"
	"github.com/deploy-lifecycle/deployment-action/internal/config"
)

// TestReadInputsDefaultsAreActionYMLs: the runner passes action.yml's
// default for an input the workflow leaves out, but a local run, the
// emulation and a workflow that sets an input to "" do not, so readInputs
// has its own defaults. For every input with a default, Load with the
// input unset must give what Load with the input set to action.yml's
// default gives.
func TestReadInputsDefaultsAreActionYMLs(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	action, err := actionyml.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	// The least a start needs; env sets token and job-status as the runner
	// does, and both have expression defaults, skipped below.
	base := map[string]string{"environment": "staging"}
	unset, err := load(t, config.StageMain, env("push", base))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range action.InputNames() {
		def := action.Inputs[name].Default
		if def == "" {
			continue
		}
		if strings.Contains(def, "${{") {
			// An expression (${{ github.token }}, ${{ job.status }}, …)
			// only the runner can evaluate: readInputs cannot have it as a
			// default, and has none or a fallback of its own.
			continue
		}
		if _, ok := base[name]; ok {
			t.Fatalf("input %q has a default and is set by the test's base inputs", name)
		}
		checked++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inputs := maps.Clone(base)
			inputs[name] = def
			set, err := load(t, config.StageMain, env("push", inputs))
			if err != nil {
				t.Fatalf("%s: %q (action.yml's default) is refused: %v", name, def, err)
			}
			if d := cmp.Diff(set, unset, ignoreOnLoad); d != "" {
				t.Errorf("%s left out is not %s: %q, action.yml's default (-with %[1]s: %[2]q +left out):\n%[3]s", name, def, d)
			}
		})
	}
	if checked == 0 {
		t.Fatal("action.yml has no input with a literal default: was it read?")
	}
}
