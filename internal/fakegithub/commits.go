package fakegithub

import (
	"slices"
	"time"
)

// commit is a commit of the fake's history: its committer date (GraphQL's
// Commit.committedDate) and its parents, first parent first.
type commit struct {
	Committed time.Time
	Parents   []string
}

// AddCommit adds the commit sha, committed at committed, with its
// parents: GraphQL's Commit.committedDate and Commit.history read them. A
// commit the fake does not know has no parents and the Unix epoch as its
// date.
func (r *Repo) AddCommit(sha string, committed time.Time, parents ...string) *Repo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if r.r.commits == nil {
		r.r.commits = map[string]*commit{}
	}
	r.r.commits[sha] = &commit{Committed: committed.UTC(), Parents: slices.Clone(parents)}
	return r
}

// committedDate is when sha was committed (the Unix epoch when the fake
// does not know it).
func (r *repo) committedDate(sha string) time.Time {
	if c := r.commits[sha]; c != nil {
		return c.Committed
	}
	return time.Unix(0, 0).UTC()
}

// history is sha and its ancestors as `git log` lists them (GitHub's
// Commit.history): newest committer date first, each commit once, a
// commit only after one of its children.
func (r *repo) history(sha string) []string {
	var out []string
	seen := map[string]bool{sha: true}
	frontier := []string{sha}
	for len(frontier) > 0 {
		// The newest commit of the frontier comes next (ties: by SHA).
		i := 0
		for j, s := range frontier {
			a, b := r.committedDate(s), r.committedDate(frontier[i])
			if a.After(b) || a.Equal(b) && s < frontier[i] {
				i = j
			}
		}
		next := frontier[i]
		frontier = slices.Delete(frontier, i, i+1)
		out = append(out, next)
		if c := r.commits[next]; c != nil {
			for _, p := range c.Parents {
				if !seen[p] {
					seen[p] = true
					frontier = append(frontier, p)
				}
			}
		}
	}
	return out
}
