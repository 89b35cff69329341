// Package actionyml reads the action's metadata, action.yml: its inputs
// with their defaults, its outputs and how the runner starts it. --help,
// local runs and the runner emulation read it through here.
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
		Using          string   `yaml:"using"`
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

// InputNames are the inputs' names, sorted.
func (a *Action) InputNames() []string { return slices.Sorted(maps.Keys(a.Inputs)) }
