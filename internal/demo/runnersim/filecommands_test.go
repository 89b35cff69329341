package runnersim_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/demo/runnersim"
)

func TestParseFileCommandFollowsTheRunnersRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		// want is what takes effect, also when the file is malformed.
		want    map[string]string
		wantErr string
	}{
		{"key=value", "a=1\nb=two=2\n", map[string]string{"a": "1", "b": "two=2"}, ""},
		{"heredoc", "url<<EOF\nhttps://x\nline 2\nEOF\n", map[string]string{"url": "https://x\nline 2"}, ""},
		{"a line ends at \\n only: values keep \\r", "a=1\r\nb<<D\nx\r\nD\n", map[string]string{"a": "1\r", "b": "x\r"}, ""},
		{"a CRLF delimiter line is not the delimiter", "b<<D\nx\nD\r\nD\n", map[string]string{"b": "x\nD\r"}, ""},
		{"empty heredoc", "a<<D\n\nD\n", map[string]string{"a": ""}, ""},
		{"delimiter at the end without a newline", "a<<D\nv\nD", map[string]string{"a": "v"}, ""},
		{"equals before heredoc marker", "a=b<<c\n", map[string]string{"a": "b<<c"}, ""},
		{"later value wins", "a=1\na=2\n", map[string]string{"a": "2"}, ""},
		{"blank lines skipped", "\n\na=1\n\n", map[string]string{"a": "1"}, ""},
		{"missing delimiter", "a<<EOF\nvalue\n", map[string]string{}, "matching delimiter not found"},
		{"lines before a malformed one take effect", "a=1\njusttext\nb=2\n", map[string]string{"a": "1"}, "invalid format"},
		{"value without its newline before EOF", "a<<D\nv", map[string]string{}, "EOF marker missing new line"},
		{"empty name", "=v\n", map[string]string{}, "name must not be empty"},
	}
	for _, tt := range tests {
		pairs, err := runnersim.ParseFileCommand(tt.in)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
		if d := cmp.Diff(tt.want, runnersim.Map(pairs, false)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestStateNamesIgnoreCase(t *testing.T) {
	t.Parallel()
	pairs, err := runnersim.ParseFileCommand("deployment_id=1\nDEPLOYMENT_ID=2\nother=x\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"deployment_id": "2", "other": "x"}
	if d := cmp.Diff(want, runnersim.Map(pairs, true)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseCommands(t *testing.T) {
	t.Parallel()
	log := "plain\n::add-mask::s3cr3t\n::error file=a%2Cb.go,line=3::bad%0Anews 100%25\n  ::warning::indented is a command too\n" +
		"::not-registered::x\nin the middle ##[error]legacy form%5D\n## [error] not legacy\n::Notice::names ignore case\r::debug::after a lone CR"
	got := runnersim.ParseCommands(log)
	want := []runnersim.Command{
		{Name: "add-mask", Properties: map[string]string{}, Data: "s3cr3t"},
		{Name: "error", Properties: map[string]string{"file": "a,b.go", "line": "3"}, Data: "bad\nnews 100%"},
		{Name: "warning", Properties: map[string]string{}, Data: "indented is a command too"},
		{Name: "error", Properties: map[string]string{}, Data: "legacy form]", Legacy: true},
		{Name: "Notice", Properties: map[string]string{}, Data: "names ignore case"},
		{Name: "debug", Properties: map[string]string{}, Data: "after a lone CR"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
