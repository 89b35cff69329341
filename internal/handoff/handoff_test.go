package handoff_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
)

// files is what a stage wrote: GITHUB_STATE and GITHUB_ENV.
type files struct{ state, env map[string]string }

func (f *files) SaveState(name, value string) { f.state[name] = value }
func (f *files) SetEnv(name, value string)    { f.env[name] = value }

// getenv is what the runner hands the next stage: the job's environment
// from GITHUB_ENV, and, for this step's post stage, STATE_<name> from its
// GITHUB_STATE.
func (f *files) getenv(post bool) func(string) string {
	return func(k string) string {
		if v, ok := f.env[k]; ok {
			return v
		}
		if post {
			return f.state[k[len("STATE_"):]]
		}
		return ""
	}
}

// The hand-off between stages is a contract: what start and finish write
// is what the post stage and the later steps read.
func TestHandoff(t *testing.T) {
	t.Parallel()
	f := &files{state: map[string]string{}, env: map[string]string{}}
	handoff.SaveStarted(f, 1001)
	want := files{state: map[string]string{"deployment_id": "1001"}, env: map[string]string{"DEPLOYMENT_ACTION_DEPLOYMENT_ID": "1001"}}
	if d := cmp.Diff(want, *f, cmp.AllowUnexported(files{})); d != "" {
		t.Errorf("start wrote (-want +got):\n%s", d)
	}
	if got := handoff.StartedByMain(f.getenv(true)); got != 1001 {
		t.Errorf("the post stage reads %d, want 1001", got)
	}
	if got := handoff.StartedByMain(f.getenv(false)); got != 0 {
		t.Errorf("another step's stage reads %d as its own start, want 0", got)
	}
	if got := handoff.LastStarted(f.getenv(false)); got != 1001 {
		t.Errorf("a later step reads %d, want 1001", got)
	}
	if got := handoff.Finished(f.getenv(true), 1001); got != "" {
		t.Errorf("finished %q before any finish", got)
	}
	handoff.SaveFinished(f, 1001, "success")
	if got := handoff.Finished(f.getenv(true), 1001); got != "success" {
		t.Errorf("the post stage reads finished %q, want success", got)
	}
	if got := handoff.Finished(f.getenv(true), 1002); got != "" {
		t.Errorf("another deployment reads finished %q", got)
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]int64{"1001": 1001, " 7 ": 7, "": 0, "0": 0, "-3": 0, "x": 0, "9223372036854775808": 0} {
		if got := handoff.ParseID(v); got != want {
			t.Errorf("ParseID(%q) = %d, want %d", v, got, want)
		}
	}
}
