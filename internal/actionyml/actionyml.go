// Package actionyml reads the action's metadata, action.yml: its inputs
// with their defaults, its outputs and how the runner starts it. The
// runner emulation, the release program and the tests read it through
// here; it generates native/action.yml and the table of inputs --help and
// local runs read (internal/cli's inputs_gen.go), so the binary itself
// parses no YAML.
package actionyml

import (
	"fmt"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"
)

// Input is one of action.yml's inputs.
type Input struct {
	Description string `yaml:"description"`
	Default     string `yaml:"default"`
	Required    bool   `yaml:"required"`
}

// Action is what the binary and its emulation need of action.yml.
type Action struct {
	Inputs  map[string]Input `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		// Main and Post are a node action's scripts, relative to the
		// action's directory.
		Main           string   `yaml:"main"`
		Post           string   `yaml:"post"`
		Image          string   `yaml:"image"`
		Entrypoint     string   `yaml:"entrypoint"`
		PostEntrypoint string   `yaml:"post-entrypoint"`
		PostIf         string   `yaml:"post-if"`
		Args           []string `yaml:"args"`
	} `yaml:"runs"`
}

// Parse parses action.yml.
func Parse(data []byte) (*Action, error) {
	var a Action
	if err := yaml.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("parse action.yml: %w", err)
	}
	return &a, nil
}

// IsNode reports whether the runner starts the action with node
// (runs.using node20 or node24; node12 and node16 run on node20 today,
// actions/runner HandlerFactory.cs).
func (a *Action) IsNode() bool {
	switch a.Runs.Using {
	case "node12", "node16", "node20", "node24":
		return true
	}
	return false
}

// InputNames are the inputs' names, sorted.
func (a *Action) InputNames() []string { return slices.Sorted(maps.Keys(a.Inputs)) }
