package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// This file is where a stage's outcome reaches the runner: what it did
// (Succeeded), why it failed (Failed, BadInputs, Panicked), in log lines,
// annotations, outputs, state, environment and the job summary.

// Step is what report knows of the step whose result it reports: which
// stage and step, the deployment it acts on, and what the runner offers.
type Step struct {
	Stage config.Stage
	Step  config.Step
	// DeploymentID is the deployment the step acts on (0 when none is
	// known); DeploymentIDFrom says where it came from, for error messages.
	DeploymentID     int64
	DeploymentIDFrom string
	// OnRunner is true when the runner's file commands are there;
	// StepSummary when the job summary is.
	OnRunner, StepSummary bool
	// Links are the repository's pages the summary links to.
	Links Links
}

// Succeeded logs what the step did and writes its outputs, hand-off and
// summary.
func Succeeded(a *githubactions.Action, st Step, res *lifecycle.Result) {
	describe(a, res)
	write(a, st, res)
}

// Failed reports a step that failed. A start that created its deployment
// before failing still hands it to the post stage, which finishes it; a
// finish that failed says how to finish the deployment by hand.
func Failed(a *githubactions.Action, st Step, res *lifecycle.Result, err error) {
	saveStartedAnyway(a, st, res)
	writePartial(a, st, res)
	Errorf(a, "%s", failureMessage(st, err))
}

// writePartial writes what a step that failed did before it failed, the
// one convention of every step (a result returned with the error): what a
// teardown or a sweep did, what a wait saw last, reach the outputs and the
// summary, for the steps after it (if: failure()) and for people. A start's
// deployment is handed on by saveStartedAnyway.
func writePartial(a *githubactions.Action, st Step, res *lifecycle.Result) {
	if res != nil && (res.Sweep != nil || res.Wait != nil || res.Teardown != nil) {
		write(a, st, res)
	}
}

// LeftUndone reports a failure with on-api-error: warn: a warning, and a
// job summary that says what was left undone and how to do it by hand.
// A started deployment is still handed to the post stage and output.
func LeftUndone(a *githubactions.Action, st Step, res *lifecycle.Result, err error) {
	saveStartedAnyway(a, st, res)
	writePartial(a, st, res)
	msg := failureMessage(st, err)
	Warningf(a, "on-api-error is warn, so the step succeeds: %s", msg)
	id := st.DeploymentID
	if res != nil && res.DeploymentID != 0 {
		id = res.DeploymentID
		if st.OnRunner && st.Stage == config.StageMain {
			fileCommand(a, "output", "deployment-id", fmt.Sprint(id))
		}
	}
	if !st.StepSummary {
		return
	}
	var b strings.Builder
	b.WriteString("### Deployment bookkeeping left undone\n\n")
	fmt.Fprintf(&b, "GitHub could not be reached or refused a write (on-api-error: warn): %s\n\n", code(msg, false))
	if id != 0 {
		fmt.Fprintf(&b, "Deployment %d may be left `in_progress`. Finish it with a step that has `step: finish` and `deployment-id: %d`, or by hand:\n\n", id, id)
		fmt.Fprintf(&b, "```sh\ngh api -X POST repos/%s/%s/deployments/%d/statuses -f state=success\n```\n\n", st.Links.Owner, st.Links.Repo, id)
	}
	a.AddStepSummary(capSummary(b.String()))
}

// saveStartedAnyway hands a deployment a failed start created to the post
// stage, which then still finishes it.
func saveStartedAnyway(a *githubactions.Action, st Step, res *lifecycle.Result) {
	if res != nil && res.DeploymentID != 0 && st.Stage == config.StageMain && st.Step == config.StepStart && st.OnRunner {
		handoff.SaveStarted(files{a}, res.DeploymentID)
	}
}

// failureMessage is err, with where the deployment id came from and, for a
// finish, how to finish the deployment by hand.
func failureMessage(st Step, err error) string {
	msg := err.Error()
	if st.Stage == config.StageMain && (st.Step == config.StepFinish || st.Step == config.StepStatus) && st.DeploymentIDFrom != "" {
		msg += fmt.Sprintf(" (deployment %d is %s)", st.DeploymentID, st.DeploymentIDFrom)
	}
	if (st.Stage == config.StagePost || st.Step == config.StepFinish) && st.DeploymentID != 0 {
		msg += ". " + unfinished(st.DeploymentID)
	}
	return msg
}

// BadInputs reports every bad input, one ::error:: each; a post stage
// whose main stage started a deployment also says how to finish it.
func BadInputs(a *githubactions.Action, stage config.Stage, err error) {
	for _, line := range unjoin(err) {
		Errorf(a, "%s", line)
	}
	if id := handoff.StartedByMain(a.Getenv); stage == config.StagePost && id != 0 {
		Errorf(a, "%s", unfinished(id))
	}
}

// Panicked reports a panic (go-githubactions panics when a file command
// cannot be written), naming the deployment the step acts on, if known.
func Panicked(a *githubactions.Action, deployment int64, r any) {
	msg := fmt.Sprint(r)
	if deployment != 0 {
		msg += fmt.Sprintf(" (deployment %d exists on GitHub; if it is left unfinished, finish it with a step that has `step: finish`, `deployment-id: %d` and `state: success` or failure)", deployment, deployment)
	}
	Errorf(a, "%s", msg)
}

// unfinished says how to finish a deployment the action leaves behind.
func unfinished(id int64) string {
	return fmt.Sprintf("Deployment %d may be left in_progress: finish it with a step that has `step: finish`, `deployment-id: %d` and `state: success` (or failure)", id, id)
}

// describe logs what the step did, one line each.
func describe(a *githubactions.Action, res *lifecycle.Result) {
	if res.Skipped != "" {
		Logf(a, "Nothing to do: %s.", res.Skipped)
		return
	}
	for _, r := range res.Recovered {
		Logf(a, "Recovered %s instead of sending it again.", r)
	}
	if td := res.Teardown; td != nil {
		describeTeardown(a, td)
	}
	if res.Sweep != nil {
		describeSweep(a, res.Sweep)
	}
	if res.Report != nil {
		describeReport(a, res.Report)
	}
	if res.Wait != nil {
		describeWait(a, res)
		return
	}
	if res.DeploymentID != 0 && res.State != "" {
		verb := "Deployment"
		if res.Adopted {
			verb = "Adopted deployment"
		}
		Logf(a, "%s %d of %s to %q is %s.", verb, res.DeploymentID, orDash(res.Ref), res.Environment, res.State)
	}
}

func describeTeardown(a *githubactions.Action, td *lifecycle.TeardownResult) {
	mark := "Marked"
	if td.DryRun {
		mark = "Dry run: would mark"
	}
	switch td.Kind {
	case lifecycle.KindEnvironment:
		Logf(a, "%s %d of %d deployments of %q inactive.", mark, len(td.Deactivated), td.Seen, td.Environment)
		if td.Delete {
			verb := "Deleted"
			if td.DryRun {
				verb = "Dry run: would delete"
			}
			Logf(a, "%s %d deployments; environment deleted: %t%s.", verb, len(td.Deleted), td.EnvironmentDeleted, note(td.EnvironmentNote))
		}
	case lifecycle.KindSupersede:
		if len(td.Deactivated) > 0 {
			Logf(a, "%s %d deployments of %q still running for this ref (supersede), inactive.", mark, len(td.Deactivated), td.Environment)
		}
	case lifecycle.KindRetire:
		if len(td.Deactivated) > 0 {
			Logf(a, "%s %d earlier deployments of %q inactive (those GitHub's auto_inactive leaves: a transient environment, or outside the auto-inactive scope).", mark, len(td.Deactivated), td.Environment)
		}
	}
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// unjoin splits an errors.Join error into its messages.
func unjoin(err error) []string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}
