package main

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"testing/quick"
	"unicode"
)

// anchor is the fragment GitHub gives a heading: its text with the
// Markdown code and emphasis marks taken out, lower-cased, spaces turned
// into '-', and every other character that is not a letter, a digit, '-'
// or '_' dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.NewReplacer("`", "", "*", "").Replace(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// prose is doc without its fenced code blocks (their lines emptied, so
// that a "# comment" in a block is no heading and a link in one no link)
// and without its code spans.
func prose(doc string) string {
	lines := strings.Split(doc, "\n")
	fence := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
			lines[i] = ""
		} else if fence {
			lines[i] = ""
		}
	}
	return regexp.MustCompile("`[^`\n]*`").ReplaceAllString(strings.Join(lines, "\n"), "``")
}

// headingAnchors are the anchors of doc's headings; a repeated one gets
// -1, -2, ... as on GitHub.
func headingAnchors(doc string) map[string]bool {
	lines := strings.Split(doc, "\n")
	fenced := strings.Split(prose(doc), "\n")
	seen := map[string]int{}
	anchors := map[string]bool{}
	for i, l := range fenced {
		m := regexp.MustCompile(`^#{1,6} `).FindString(l)
		if m == "" {
			continue
		}
		a := anchor(lines[i][len(m):]) // the heading as written, code spans too
		if n := seen[a]; n > 0 {
			anchors[a+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// brokenLinks are the links of the Markdown file p in fsys that do not
// resolve: a relative path that is not in fsys (nor may leave it), or a
// #fragment that no heading of the target Markdown file has. Links with a
// scheme (https:, mailto:) are not followed.
func brokenLinks(fsys fs.FS, p string) []string {
	doc, err := fs.ReadFile(fsys, p)
	if err != nil {
		return []string{p + ": " + err.Error()}
	}
	var broken []string
	for _, m := range mdLink.FindAllStringSubmatch(prose(string(doc)), -1) {
		target := m[1]
		if regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`).MatchString(target) {
			continue
		}
		file, frag, _ := strings.Cut(target, "#")
		dest := p
		if file != "" {
			dest = path.Join(path.Dir(p), file)
		}
		if !fs.ValidPath(dest) {
			broken = append(broken, p+": "+target+": leaves the repository")
			continue
		}
		if _, err := fs.Stat(fsys, dest); err != nil {
			broken = append(broken, p+": "+target+": no file "+dest)
			continue
		}
		if frag == "" {
			continue
		}
		text, err := fs.ReadFile(fsys, dest)
		if !strings.HasSuffix(dest, ".md") || err != nil || !headingAnchors(string(text))[frag] {
			broken = append(broken, p+": "+target+": "+dest+" has no heading #"+frag)
		}
	}
	return broken
}

func TestAnchorsFollowGitHubsRules(t *testing.T) {
	t.Parallel()
	for heading, want := range map[string]string{
		"Quick start": "quick-start",
		"A preview environment per pull request, torn down when it closes": "a-preview-environment-per-pull-request-torn-down-when-it-closes",
		"Approvals: a deployment that waits for a reviewer":                "approvals-a-deployment-that-waits-for-a-reviewer",
		"End-to-end tests against someone else's preview":                  "end-to-end-tests-against-someone-elses-preview",
		"From `bobheadxi/deployments`":                                     "from-bobheadxideployments",
		"GitHub Enterprise Server and GHE.com":                             "github-enterprise-server-and-ghecom",
		"step: wait":                                                       "step-wait",
		"Über `snake_case`":                                                "über-snake_case",
	} {
		if got := anchor(heading); got != want {
			t.Errorf("anchor(%q) = %q, want %q", heading, got, want)
		}
	}
	// Any heading: an anchor holds only letters, digits, '-' and '_', and
	// is its own anchor.
	prop := func(heading string) bool {
		a := anchor(heading)
		for _, r := range a {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				return false
			}
		}
		return anchor(a) == a
	}
	if err := quick.Check(prop, nil); err != nil {
		t.Error(err)
	}
}

func TestBrokenLinksFindsEveryKind(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"README.md":      {Data: []byte("# Title\n\n## Quick start\n\n## Notes\n\n## Notes\n\nSee [a](docs/a.md#step-wait), [b](#notes-1), [c](SECURITY.md), [d](https://example.com/x#y).\n")},
		"SECURITY.md":    {Data: []byte("# Security\n")},
		"docs/a.md":      {Data: []byte("# step: wait\n\n```yaml\n# not a heading\n```\n\nBack to [the start](../README.md#quick-start).\n")},
		"docs/broken.md": {Data: []byte("[1](nothere.md) [2](../README.md#no-such) [3](../../x.md) [4](a.md#not-a-heading) [5](#) [6](../SECURITY.md#security-1)\n\n```\n[7](ignored.md)\n```\n`[8](ignored.md)`\n")},
	}
	for _, p := range []string{"README.md", "docs/a.md"} {
		if b := brokenLinks(fsys, p); len(b) != 0 {
			t.Errorf("%s: links that resolve reported broken: %q", p, b)
		}
	}
	got := brokenLinks(fsys, "docs/broken.md")
	want := []string{
		"docs/broken.md: nothere.md: no file docs/nothere.md",
		"docs/broken.md: ../README.md#no-such: README.md has no heading #no-such",
		"docs/broken.md: ../../x.md: leaves the repository",
		"docs/broken.md: a.md#not-a-heading: docs/a.md has no heading #not-a-heading",
		"docs/broken.md: ../SECURITY.md#security-1: SECURITY.md has no heading #security-1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("broken links\n got %q\nwant %q", got, want)
	}
}

// TestDocsLinksResolve checks every relative link and #anchor in README.md
// and docs/*.md, and that the README links every page of docs/.
func TestDocsLinksResolve(t *testing.T) {
	t.Parallel()
	fsys := os.DirFS(".")
	docs := documents(t)
	for _, p := range docs {
		for _, b := range brokenLinks(fsys, p) {
			t.Error(b)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, m := range mdLink.FindAllStringSubmatch(prose(string(readme)), -1) {
		file, _, _ := strings.Cut(m[1], "#")
		linked[path.Clean(file)] = true
	}
	for _, p := range docs[1:] {
		if !linked[p] {
			t.Errorf("README.md does not link %s", p)
		}
	}
}

// TestReadmeLeadsInAtMost450Lines keeps the README a page that leads:
// what the action is, the quick start, usage, permissions, three recipes
// and links; everything else belongs in docs/.
func TestReadmeLeadsInAtMost450Lines(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > 450 {
		t.Errorf("README.md has %d lines, want at most 450: move a topic to docs/ and link it", n)
	}
}
