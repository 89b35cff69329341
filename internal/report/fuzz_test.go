package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
)

// FuzzOutputs writes a value as an output, state and environment variable
// and reads the files back with the runner's rules: the value comes out as
// written (line breaks as the runner reads them) and nothing else appears.
func FuzzOutputs(f *testing.F) {
	for _, s := range []string{"", "plain", "two\nlines", "trailing\n", "\r\nwindows\r\n", "100%", "::error::x",
		"a\n" + libraryDelimiter + "\nevil=1", libraryDelimiter, "x<<EOF", "=", "ghadelimiter_0\nk=v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		dir := t.TempDir()
		files := map[string]string{}
		for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV"} {
			files[k] = filepath.Join(dir, k)
		}
		a := githubactions.New(githubactions.WithGetenv(func(k string) string { return files[k] }), githubactions.WithWriter(&bytes.Buffer{}))
		fileCommand(a, "output", "deployment-url", value)
		fileCommand(a, "output", "state", "success")
		fileCommand(a, "state", "deployment_id", value)
		fileCommand(a, "env", "DEPLOYMENT_ACTION_X", value)
		// The runner ends lines at \n only and keeps \r: the value comes
		// back byte for byte.
		want := value
		for k, wantMap := range map[string]map[string]string{
			"GITHUB_OUTPUT": {"deployment-url": want, "state": "success"},
			"GITHUB_STATE":  {"deployment_id": want},
			"GITHUB_ENV":    {"DEPLOYMENT_ACTION_X": want},
		} {
			data, err := os.ReadFile(files[k])
			if err != nil {
				t.Fatal(err)
			}
			pairs, err := runnersim.ParseFileCommand(string(data))
			got := runnersim.Map(pairs, k == "GITHUB_STATE")
			if err != nil {
				t.Fatalf("%s: the runner would fail the step: %v\n%q", k, err, data)
			}
			if len(got) != len(wantMap) {
				t.Fatalf("%s: %d entries %q, want %q", k, len(got), got, wantMap)
			}
			for name, v := range wantMap {
				if got[name] != v {
					t.Fatalf("%s: %s = %q, want %q", k, name, got[name], v)
				}
			}
		}
	})
}

// FuzzLog prints a value in a log line and in an error annotation: the log
// line injects no workflow command, and the annotation carries the value
// intact as its only command.
func FuzzLog(f *testing.F) {
	for _, s := range []string{"", "::add-mask::x", "a\n::set-output name=x::y", "%0A::error::", "a\r::warning::b", "::", "100%25",
		"x##[error]INJECTED", "  ::warning::indented", "\u00a0::error::nbsp", "###[error]x", "#\n#[error]x", "##[add-mask]x##[error]y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		var buf bytes.Buffer
		a := githubactions.New(githubactions.WithWriter(&buf))
		Logf(a, "environment %s is ready", value)
		Logf(a, "%s", value)
		Logf(a, "%s%s", value, value)
		if cmds := runnersim.ParseCommands(buf.String()); len(cmds) != 0 {
			t.Fatalf("log lines of %q hold workflow commands: %+v", value, cmds)
		}
		for _, an := range []struct {
			command  string
			annotate func(*githubactions.Action, string, ...any)
		}{{"error", Errorf}, {"warning", Warningf}, {"debug", Debugf}} {
			buf.Reset()
			an.annotate(a, "%s", value)
			want := []runnersim.Command{{Name: an.command, Data: neutralize(value)}}
			if d := cmp.Diff(want, runnersim.ParseCommands(buf.String()), cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("%s annotation of %q: commands the runner reads (-want +got):\n%s", an.command, value, d)
			}
		}
	})
}
