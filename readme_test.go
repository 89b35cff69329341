package main

import (
	"bytes"
	"flag"
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
)

// readmeSection is the text of README.md under the heading "## title".
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", title)
	}
	s = s[i+len(title)+5:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
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
	got := tableRows(readmeSection(t, "Inputs"))
	sortRows(want)
	sortRows(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("README's inputs table differs from action.yml (-action.yml +README):\n%s", d)
	}
	want = nil
	for name, out := range a.Outputs {
		want = append(want, []string{"`" + name + "`", out.Description})
	}
	got = tableRows(readmeSection(t, "Outputs"))
	sortRows(want)
	sortRows(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("README's outputs table differs from action.yml (-action.yml +README):\n%s", d)
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

// TestWorkflowsLint runs actionlint over every workflow in the README: as
// written (a released tag), with nothing ignored; and with `uses:` pointed
// at this checkout, so that their inputs are checked against action.yml
// (there only the repository's config applies, for action.yml itself).
func TestWorkflowsLint(t *testing.T) {
	t.Parallel()
	root, _ := os.Getwd()
	project, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	readme, _ := os.ReadFile("README.md")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	recipes := map[string]string{}
	for _, b := range blocks {
		if strings.Contains(b[1], "\njobs:") {
			recipes[fmt.Sprintf("README.md workflow %d", len(recipes)+1)] = b[1]
		}
	}
	if len(recipes) < 10 {
		t.Errorf("the README has %d complete workflows, want the 10 recipes", len(recipes))
	}
	lint := func(name, content string, p *actionlint.Project) []*actionlint.Error {
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Lint reads a file named like a workflow in the project, relative to
		// its root as the config's paths are.
		errs, err := l.Lint(filepath.Join(".github", "workflows", "lint-"+strings.ReplaceAll(name, " ", "-")+".yml"), []byte(content), p)
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
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s*)?uses:\s*([^\s#]+)`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	for _, p := range paths {
		b, _ := os.ReadFile(p)
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
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
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
