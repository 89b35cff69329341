package config

import (
	"fmt"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// differs says how the environment and ref inputs of c name another
// deployment than e ("" when they are not given or name e): an
// environment of another name (names compare in any case), or a ref that
// is neither e's ref (with or without refs/heads/ or refs/tags/) nor its
// commit (full or short SHA).
func (e *EventDeployment) differs(c *Config) string {
	var why []string
	if c.Environment != "" && !vocab.SameEnvironment(c.Environment, e.Environment) {
		why = append(why, fmt.Sprintf("the environment input %s is not its environment %s", vocab.Quote(c.Environment), vocab.Quote(e.Environment)))
	}
	if c.RefGiven && !e.namedBy(c.Ref) {
		why = append(why, fmt.Sprintf("the ref input %s names neither its ref %s nor its commit %s", vocab.Quote(c.Ref), vocab.Quote(e.Ref), vocab.Quote(shortSHA(e.SHA))))
	}
	return strings.Join(why, ", and ")
}

// namedBy tells whether ref names e's ref or commit.
func (e *EventDeployment) namedBy(ref string) bool {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return false
	}
	if e.Ref != "" && trimRef(ref) == trimRef(e.Ref) {
		// refs/heads/v1 is a branch and refs/tags/v1 a tag.
		p, q := strings.TrimSuffix(ref, trimRef(ref)), strings.TrimSuffix(e.Ref, trimRef(e.Ref))
		return p == "" || q == "" || p == q
	}
	return vocab.IsSHA(ref) && len(e.SHA) == 40 && strings.HasPrefix(strings.ToLower(e.SHA), strings.ToLower(ref))
}

// trimRef is ref without refs/heads/ or refs/tags/.
func trimRef(ref string) string {
	for _, p := range []string{"refs/heads/", "refs/tags/"} {
		if s, ok := strings.CutPrefix(ref, p); ok {
			return s
		}
	}
	return ref
}

// shortSHA is sha's first 7 characters.
func shortSHA(sha string) string { return sha[:min(7, len(sha))] }
