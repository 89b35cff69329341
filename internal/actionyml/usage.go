package actionyml

import (
	"fmt"
	"slices"
	"strings"
)

// usageGroups are action.yml's inputs by the steps that read them, the
// plumbing last: the README's usage block lists them in this order.
var usageGroups = []struct {
	Title  string
	Inputs []string
}{
	{"What to do, and where", []string{"step", "environment", "ref", "token", "repository"}},
	{"start", []string{"task", "description", "payload", "environment-url", "log-url", "transient-environment", "production-environment", "auto-merge", "required-contexts", "initial-state", "supersede", "auto-finish"}},
	{"finish, status and the post step", []string{"state", "deployment-id", "cancelled-state", "auto-inactive"}},
	{"deactivate-env and delete-env (and sweep's teardown)", []string{"keep-latest", "delete-environment", "dry-run"}},
	{"sweep", []string{"environments", "pull-request-closed", "older-than", "branch-deleted", "sweep-mode", "max-environments"}},
	{"wait", []string{"creator", "timeout", "wait-for"}},
	{"report (and environments, as sweep)", []string{"since"}},
	{"Every step", []string{"on-api-error"}},
	{"Plumbing: leave these unset", []string{"job-status", "job-check-run-id", "job-index"}},
}

// Usage is the README's usage block: a step with every input, grouped by
// usageGroups, each with its description and default as comments and its
// default as the value. uses is the action's reference. An input missing
// from the groups, or a group naming an input action.yml lacks, is an
// error: the block lists every input once.
func (a *Action) Usage(uses string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "- uses: %s\n  with:\n", uses)
	seen := map[string]bool{}
	for i, g := range usageGroups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "    # --- %s ---\n", g.Title)
		for _, name := range g.Inputs {
			in, ok := a.Inputs[name]
			if !ok {
				return "", fmt.Errorf("usageGroups names input %q, which action.yml does not declare", name)
			}
			if seen[name] {
				return "", fmt.Errorf("usageGroups names input %q twice", name)
			}
			seen[name] = true
			for _, line := range wrap(strings.TrimSpace(in.Description), 72) {
				fmt.Fprintf(&b, "    # %s\n", line)
			}
			def := in.Default
			if def == "" {
				fmt.Fprintf(&b, "    %s: \"\"\n", name)
				continue
			}
			fmt.Fprintf(&b, "    # Default: %s\n    %s: %s\n", def, name, yamlScalar(def))
		}
	}
	var missing []string
	for name := range a.Inputs {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return "", fmt.Errorf("inputs %s are in no group of usageGroups (internal/actionyml/usage.go)", strings.Join(missing, ", "))
	}
	return b.String(), nil
}

// yamlScalar is v as a YAML value: quoted unless it is a plain word.
func yamlScalar(v string) string {
	plain := v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
	}) < 0
	if plain && v != "true" && v != "false" && !strings.ContainsAny(v[:1], "0123456789") {
		return v
	}
	return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
}

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
