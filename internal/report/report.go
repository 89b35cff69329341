// Package report turns a lifecycle result into what the runner reads:
// outputs, state for the post stage, environment for later steps, the job
// summary and annotations.
package report

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// libraryDelimiter is the heredoc delimiter go-githubactions writes file
// commands with. A value holding it as a line would end the value early, so
// such values are written with a random delimiter instead.
const libraryDelimiter = "_GitHubActionsFileCommandDelimeter_"

// Outputs are the action's outputs for a result, by name.
func Outputs(res *lifecycle.Result) map[string]string {
	out := map[string]string{}
	if res.DeploymentID != 0 {
		out["deployment-id"] = strconv.FormatInt(res.DeploymentID, 10)
	}
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("deployment-url", res.DeploymentURL)
	if res.StatusID != 0 {
		out["status-id"] = strconv.FormatInt(res.StatusID, 10)
	}
	set("state", res.State)
	set("environment", res.Environment)
	set("environment-url", res.EnvironmentURL)
	set("log-url", res.LogURL)
	if res.DeploymentID != 0 {
		set("deployer", res.Deployer)
	}
	if res.Sweep != nil {
		sweepOutputs(res.Sweep, out)
	}
	if res.Wait != nil {
		waitOutputs(res.Wait, out)
	}
	if res.Report != nil {
		reportOutputs(res.Report, out)
	}
	if td := res.Teardown; td != nil && td.Kind == lifecycle.KindEnvironment {
		out["deactivated"] = strconv.Itoa(len(td.Deactivated))
		out["deleted"] = strconv.Itoa(len(td.Deleted))
		out["environment-deleted"] = strconv.FormatBool(td.EnvironmentDeleted)
	}
	return out
}

// write sends a result to the runner: outputs, state and environment for
// later steps, warnings, and the job summary.
func write(a *githubactions.Action, st Step, res *lifecycle.Result) {
	for _, w := range res.Warnings {
		Warningf(a, "%s", w)
	}
	out := Outputs(res)
	keys := slices.Sorted(maps.Keys(out))
	if !st.OnRunner {
		// Outside GitHub Actions: the outputs are printed, and there are no
		// later steps or post stage to hand anything to.
		for _, k := range keys {
			Logf(a, "output %s=%s", k, out[k])
		}
		return
	}
	// The runner drops a post stage's outputs (the post step has no
	// context name): only the main stage writes them.
	if st.Stage == config.StageMain {
		for _, k := range keys {
			fileCommand(a, "output", k, out[k])
		}
	}
	if st.Stage == config.StageMain && res.Skipped == "" && res.DeploymentID != 0 {
		switch st.Step {
		case config.StepStart:
			handoff.SaveStarted(files{a}, res.DeploymentID)
		case config.StepFinish, config.StepStatus:
			if vocab.IsFinal(res.State) {
				handoff.SaveFinished(files{a}, res.DeploymentID, res.State)
			}
		}
	}
	if st.StepSummary && res.Skipped == "" {
		a.AddStepSummary(Summary(st.Links, res))
	}
}

// Logf prints a log line. Values may come from inputs, the event or
// GitHub, so the line goes through neutralize: nothing printed can inject
// a workflow command.
func Logf(a *githubactions.Action, format string, args ...any) {
	a.Infof("%s", neutralize(fmt.Sprintf(format, args...)))
}

// Errorf prints an ::error:: annotation whose text went through
// neutralize, as Warningf, Noticef and Debugf do for theirs
// (go-githubactions escapes %, \r and \n in a command's data, but not the
// legacy ##[ form).
func Errorf(a *githubactions.Action, format string, args ...any) {
	a.Errorf("%s", neutralize(fmt.Sprintf(format, args...)))
}

// Warningf is Errorf for ::warning::.
func Warningf(a *githubactions.Action, format string, args ...any) {
	a.Warningf("%s", neutralize(fmt.Sprintf(format, args...)))
}

// Noticef is Errorf for ::notice::.
func Noticef(a *githubactions.Action, format string, args ...any) {
	a.Noticef("%s", neutralize(fmt.Sprintf(format, args...)))
}

// Debugf is Errorf for ::debug::.
func Debugf(a *githubactions.Action, format string, args ...any) {
	a.Debugf("%s", neutralize(fmt.Sprintf(format, args...)))
}

// neutralize makes s one log line that the runner cannot read as a
// workflow command: line breaks are written as \r and \n, the legacy form
// ##[ (which the runner finds anywhere in a line) becomes "## [", and "::"
// at the start of the line, after any white space (where the runner looks
// for commands), becomes ": :".
func neutralize(s string) string {
	// "## [" cannot make a new "##[": its "[" follows a space.
	s = strings.NewReplacer("\r", `\r`, "\n", `\n`, "##[", "## [").Replace(s)
	// The runner trims white space as .NET's TrimStart does: Unicode's.
	trimmed := strings.TrimLeftFunc(s, unicode.IsSpace)
	if strings.HasPrefix(trimmed, "::") {
		s = s[:len(s)-len(trimmed)] + ": :" + trimmed[2:]
	}
	return s
}

// files writes the hand-off's file commands (handoff.Writer).
type files struct{ a *githubactions.Action }

func (f files) SaveState(name, value string) { fileCommand(f.a, "state", name, value) }
func (f files) SetEnv(name, value string)    { fileCommand(f.a, "env", name, value) }

// fileCommand writes NAME=value to the runner's file for kind (output,
// state, env) through go-githubactions, choosing a fresh delimiter when the
// value holds the library's.
func fileCommand(a *githubactions.Action, kind, name, value string) {
	// On Linux the runner ends a line at \n only and keeps \r in a value
	// (FileCommandManager.cs): the value is written as it is.
	if !strings.Contains(value, libraryDelimiter) {
		switch kind {
		case "output":
			a.SetOutput(name, value)
		case "state":
			a.SaveState(name, value)
		case "env":
			a.SetEnv(name, value)
		}
		return
	}
	a.IssueFileCommand(&githubactions.Command{Name: kind, Message: heredoc(name, value)})
}

// heredoc is NAME<<DELIM, the value and DELIM, with a delimiter that does
// not occur in the value.
func heredoc(name, value string) string {
	for {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		d := "ghadelimiter_" + hex.EncodeToString(b)
		if !strings.Contains(value, d) {
			return fmt.Sprintf("%s<<%s\n%s\n%s", name, d, value, d)
		}
	}
}
