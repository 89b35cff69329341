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
	if cmd == "" || !strings.Contains(quick, cmd) || !strings.Contains(quick, "go run . demo") {
		t.Errorf(".ci/run runs %q; the quick start must give it and `go run . demo`:\n%s", cmd, quick)
	}
}

// TestWorkflowsLint runs actionlint over this repository's workflows and
// over every workflow in the README, with the README's `uses:` of the
// action pointed at this checkout so its inputs are checked against
// action.yml.
func TestWorkflowsLint(t *testing.T) {
	t.Parallel()
	root, _ := os.Getwd()
	project, err := actionlint.NewProject(root)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	paths, _ := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if len(paths) < 3 {
		t.Fatalf("workflows %v: want ci, preview and release", paths)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = b
	}
	readme, _ := os.ReadFile("README.md")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	n := 0
	for _, b := range blocks {
		if !strings.Contains(b[1], "\njobs:") {
			continue
		}
		n++
		files[fmt.Sprintf("README.md workflow %d", n)] = []byte(strings.ReplaceAll(b[1], "deploy-lifecycle/deployment-action@v1", "./"))
	}
	if n < 6 {
		t.Errorf("the README has %d complete workflows, want the 6 recipes", n)
	}
	// The linter knows this action's inputs: a misspelt one is an error.
	bad := "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./\n        with:\n          environmnet: x\n"
	l, _ := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	errs, _ := l.Lint(filepath.Join(root, ".github", "workflows", "bad.yml"), []byte(bad), project)
	found := false
	for _, e := range errs {
		found = found || strings.Contains(e.Message, `input "environmnet" is not defined`)
	}
	if !found {
		t.Errorf("actionlint did not check the action's inputs: %v", errs)
	}
	for name, content := range files {
		var out bytes.Buffer
		l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Lint reads a file named like a workflow in the project.
		errs, err := l.Lint(filepath.Join(root, ".github", "workflows", "lint-"+strings.ReplaceAll(name, " ", "-")+".yml"), content, project)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, e := range errs {
			if why := knownFalsePositive(string(content), e); why != "" {
				t.Logf("%s:%d: actionlint: %s (%s)", name, e.Line, e.Message, why)
				continue
			}
			t.Errorf("%s:%d:%d: %s [%s]", name, e.Line, e.Column, e.Message, e.Kind)
		}
	}
}

var (
	entrypointFile = regexp.MustCompile(`^file "(/[^"]+)" does not exist in .* it is specified at "(entrypoint|post-entrypoint)" key`)
	laterStep      = regexp.MustCompile(`^property "([\w-]+)" is not defined in object type`)
)

// knownFalsePositive says why an actionlint error is not a mistake, for
// the two actionlint gets wrong about this action (as of v1.7.12):
//   - it looks for a Docker action's entrypoint and post-entrypoint in the
//     repository, but they are paths inside the image (TestDockerfile
//     checks the image has them);
//   - it rejects `${{ steps.deploy.outputs.url }}` in the `with:` of a step
//     when step deploy comes later, but the runner evaluates `with:` again
//     for the post stage, when the later step's outputs exist (the
//     end-to-end tests show it).
func knownFalsePositive(content string, e *actionlint.Error) string {
	if m := entrypointFile.FindStringSubmatch(e.Message); m != nil {
		a := loadAction()
		if m[1] == a.Runs.Entrypoint || m[1] == a.Runs.PostEntrypoint {
			return "a path in the image"
		}
	}
	if m := laterStep.FindStringSubmatch(e.Message); m != nil {
		lines := strings.Split(content, "\n")
		if e.Line-1 < len(lines) && strings.Contains(lines[e.Line-1], "environment-url: ${{ steps."+m[1]+".outputs.") &&
			strings.Contains(strings.Join(lines[e.Line:], "\n"), "id: "+m[1]+"\n") {
			return "a later step's output, read by the post stage"
		}
	}
	return ""
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
