package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"

	"github.com/deploy-lifecycle/deployment-action/internal/testkit/golden"
)

// documents are the project's Markdown documentation, README.md first,
// then the pages under docs/ by name: the README leads, docs/ holds the
// rest (recipes, reference, FAQ, ...).
func documents(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("docs/ holds no Markdown page")
	}
	sort.Strings(pages)
	return append([]string{"README.md"}, pages...)
}

// section is the text of doc under the heading "## title", up to the next
// "## " heading, and whether doc has one.
func section(doc, title string) (string, bool) {
	i := strings.Index(doc, "\n## "+title+"\n")
	if i < 0 {
		return "", false
	}
	s := doc[i+len(title)+5:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s, true
}

// readmeSection is the text of README.md under the heading "## title".
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := section(string(b), title)
	if !ok {
		t.Fatalf("README has no section %q", title)
	}
	return s
}

// docsSection is the text under the heading "## title" in the one
// document (README.md or a page of docs/) that has it.
func docsSection(t *testing.T, title string) string {
	t.Helper()
	var found []string
	var text string
	for _, p := range documents(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := section(string(b), title); ok {
			found, text = append(found, p), s
		}
	}
	if len(found) != 1 {
		t.Fatalf("section %q is in %q: want it in exactly one of README.md and docs/*.md", title, found)
	}
	return text
}

// tableRows are the rows of the first Markdown table in s, cells trimmed.
func tableRows(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestReadmeTablesMatchActionYML(t *testing.T) {
	t.Parallel()
	a := loadAction()
	var want [][]string
	for name, in := range a.Inputs {
		def := ""
		if in.Default != "" {
			def = "`" + in.Default + "`"
		}
		want = append(want, []string{"`" + name + "`", def, in.Description})
	}
	got := tableRows(docsSection(t, "Inputs"))
	sortRows(want)
	sortRows(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the docs' inputs table differs from action.yml (-action.yml +docs):\n%s", d)
	}
	want = nil
	for name, out := range a.Outputs {
		want = append(want, []string{"`" + name + "`", out.Description})
	}
	got = tableRows(docsSection(t, "Outputs"))
	sortRows(want)
	sortRows(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the docs' outputs table differs from action.yml (-action.yml +docs):\n%s", d)
	}
}

func sortRows(r [][]string) { sort.Slice(r, func(i, j int) bool { return r[i][0] < r[j][0] }) }

func TestReadmeQuickStartIsWhatCIRuns(t *testing.T) {
	t.Parallel()
	ci, err := os.ReadFile(filepath.Join(".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`(?m)^go test [^\n]*`).FindString(string(ci))
	quick := readmeSection(t, "Quick start")
	if cmd == "" {
		t.Error(".ci/run runs no go test command")
	} else if !strings.Contains(quick, cmd) {
		t.Errorf(".ci/run runs %q; the quick start must give it:\n%s", cmd, quick)
	}
	if !strings.Contains(quick, "go run . demo") {
		t.Errorf("the quick start must give `go run . demo`:\n%s", quick)
	}
}

// TestActionlintAsUsersRunIt runs actionlint the way users do, with no
// flags in the repository: it reads .github/actionlint.yaml, whose two
// commented ignores are for its mistakes about this Docker action, and
// must find nothing.
func TestActionlintAsUsersRunIt(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	cmd := actionlint.Command{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}
	if code := cmd.Main([]string{"actionlint"}); code != 0 {
		t.Errorf("actionlint exited %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// TestWorkflowsLint runs actionlint over every workflow in the README and
// the pages of docs/: as written (a released tag), with nothing ignored;
// and with `uses:` pointed at this checkout, so that their inputs are
// checked against action.yml (there only the repository's config applies,
// for action.yml itself).
func TestWorkflowsLint(t *testing.T) {
	t.Parallel()
	root, _ := os.Getwd()
	project, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	recipes := map[string]string{}
	for _, p := range documents(t) {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(text), -1) {
			if strings.Contains(b[1], "\njobs:") {
				n++
				recipes[fmt.Sprintf("%s workflow %d", p, n)] = b[1]
			}
		}
		if p == "README.md" && n < 3 {
			t.Errorf("the README has %d complete workflows, want its 3 recipes", n)
		}
	}
	// The README had 12 before docs/ took most of them; none may get lost.
	if len(recipes) < 12 {
		t.Errorf("README.md and docs/*.md have %d complete workflows, want the 12 recipes", len(recipes))
	}
	lint := func(name, content string, p *actionlint.Project) []*actionlint.Error {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Lint reads a file named like a workflow in the project, relative to
		// its root as the config's paths are.
		errs, err := l.Lint(filepath.Join(".github", "workflows", "lint-"+strings.NewReplacer(" ", "-", "/", "-").Replace(name)+".yml"), []byte(content), p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return errs
	}
	// The linter knows this action's inputs: a misspelt one is an error.
	bad := "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n        with:\n          environmnet: x\n"
	found := false
	for _, e := range lint("control", bad, project) {
		found = found || strings.Contains(e.Message, `input "environmnet" is not defined`)
	}
	if !found {
		t.Error("actionlint did not check the action's inputs")
	}
	for name, content := range recipes {
		for _, e := range lint(name, content, nil) {
			t.Errorf("%s as written:%d:%d: %s [%s]", name, e.Line, e.Column, e.Message, e.Kind)
		}
		local := strings.ReplaceAll(content, "deploy-lifecycle/deployment-action@v1", "./")
		for _, e := range lint(name, local, project) {
			t.Errorf("%s against action.yml:%d:%d: %s [%s]", name, e.Line, e.Column, e.Message, e.Kind)
		}
	}
}

// TestWorkflowsPinActionsBySHA checks that every remote action in the
// repository's workflows is pinned by commit SHA and that every job's
// permissions are declared.
func TestWorkflowsPinActionsBySHA(t *testing.T) {
	t.Parallel()
	paths, _ := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if len(paths) == 0 {
		t.Fatal("no workflow in .github/workflows: nothing was checked")
	}
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s*)?uses:\s*([^\s#]+)`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "./" && !pinned.MatchString(m[1]) {
				t.Errorf("%s: %s is not pinned by commit SHA", p, m[1])
			}
		}
		if !strings.Contains(string(b), "\npermissions:") {
			t.Errorf("%s: no top-level permissions", p)
		}
	}
}

// TestReadmeUsage keeps the README's usage block equal to action.yml:
// every input, grouped by the steps that read it, with its description
// and default. `go test -run TestReadmeUsage -update .` rewrites it.
func TestReadmeUsage(t *testing.T) {
	t.Parallel()
	want, err := loadAction().Usage("deploy-lifecycle/deployment-action@v1")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := readmeSection(t, "Usage")
	got := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(section)
	if got != nil && got[1] == want {
		return
	}
	if golden.Update() {
		text := string(readme)
		if got != nil {
			text = strings.Replace(text, "```yaml\n"+got[1]+"```", "```yaml\n"+want+"```", 1)
		}
		if err := os.WriteFile("README.md", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README's usage block differs from action.yml; run go test -run TestReadmeUsage -update . to rewrite it; want:\n%s", want)
}
