package config_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// everyField is a Config whose every field a step's options read holds a
// value of its own (none is the zero value), so that an option a
// projection forgets to copy stays zero and fails the test below.
func everyField() *config.Config {
	prod := true
	return &config.Config{
		Stage: config.StageMain, Step: config.StepDeleteEnv, Token: "tok",
		Owner: "octo-org", Repo: "hello-world", Environment: "pr-7",
		Ref: "feature", RefGiven: true, Task: "deploy:web", Description: "why",
		Payload: map[string]any{"a": 1.0}, Transient: true, Production: &prod, AutoMerge: true,
		RequiredContexts: &[]string{"ci"}, InitialState: vocab.StateQueued, State: vocab.StateSuccess,
		JobStatus: "failure", CancelledState: vocab.StateError, DeploymentID: 42,
		EnvironmentURL: "https://pr-7.example.com", LogURL: "https://github.com/octo-org/hello-world/actions/runs/9",
		AutoInactive: true, AutoInactiveScope: config.ScopeTask, AutoFinish: true, KeepLatest: 2,
		DeleteEnvironment: true, DryRun: true, Supersede: true,
		Sweep: config.Sweep{Patterns: []string{"pr-*"}, PullRequestClosed: true, OlderThan: time.Hour, Delete: true,
			BranchDeleted: true, Max: 7},
		Since:               48 * time.Hour,
		Wait:                config.Wait{Creators: []string{"vercel[bot]"}, Timeout: time.Minute, For: config.WaitForFinal},
		StartedDeploymentID: 41, FinishedState: vocab.StateFailure,
		Run:             config.Run{Repository: "octo-org/hello-world", ID: 9, Attempt: 1, Job: "deploy", Actor: "octocat"},
		EventDeployment: &config.EventDeployment{ID: 42, Environment: "pr-7"},
		PullRequest:     7,
	}
}

// zeroFields names the fields of the struct v that hold their zero value,
// the fields of embedded structs included.
func zeroFields(v reflect.Value, prefix string) []string {
	var zero []string
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), prefix+v.Type().Field(i).Name
		switch {
		case v.Type().Field(i).Anonymous:
			zero = append(zero, zeroFields(f, name+".")...)
		case f.IsZero():
			zero = append(zero, name)
		}
	}
	return zero
}

// TestOptionsCopyEveryField: each step's options carry every field they
// declare from the Config. A field added to an options struct but not to
// its projection is zero here and fails.
func TestOptionsCopyEveryField(t *testing.T) {
	c := everyField()
	for name, opts := range map[string]any{
		"StartOptions":    c.StartOptions(),
		"FinishOptions":   c.FinishOptions(),
		"PostOptions":     c.PostOptions(),
		"TeardownOptions": c.TeardownOptions(),
		"SweepOptions":    c.SweepOptions(),
		"WaitOptions":     c.WaitOptions(),
		"ReportOptions":   c.ReportOptions(),
	} {
		if zero := zeroFields(reflect.ValueOf(opts), ""); len(zero) > 0 {
			t.Errorf("%s leaves %v zero: its projection does not copy them from the Config", name, zero)
		}
		// A field named as one of the Config's (or of its Sweep's or
		// Wait's) holds that field's value: none is copied from another.
		for _, f := range reflect.VisibleFields(reflect.TypeOf(opts)) {
			if f.Anonymous || name == "TeardownOptions" && (f.Name == "Ref" || f.Name == "Delete") {
				continue // Ref only when given, Delete from the step: TestOptionsOfEachStep
			}
			got := reflect.ValueOf(opts).FieldByIndex(f.Index).Interface()
			for _, from := range []reflect.Value{reflect.ValueOf(*c), reflect.ValueOf(c.Sweep), reflect.ValueOf(c.Wait)} {
				if src := from.FieldByName(f.Name); src.IsValid() && !reflect.DeepEqual(src.Interface(), got) {
					t.Errorf("%s.%s is %v, not the Config's %v", name, f.Name, got, src.Interface())
				}
			}
		}
	}
}

// TestOptionsOfEachStep: what each step reads, spelled out for the
// fields where a projection decides more than a copy.
func TestOptionsOfEachStep(t *testing.T) {
	c := everyField()
	if diff := cmp.Diff(c.FinishOptions(), c.PostOptions().Finish); diff != "" {
		t.Errorf("the post stage finishes with other options than finish (-finish +post):\n%s", diff)
	}
	for _, tt := range []struct {
		name   string
		change func(c *config.Config)
		want   config.TeardownOptions
	}{
		{"delete-env with a ref", func(c *config.Config) {},
			config.TeardownOptions{Environment: "pr-7", Ref: "feature", Delete: true, DeleteEnvironment: true, KeepLatest: 2,
				DryRun: true, LogURL: c.LogURL}},
		{"deactivate-env without a ref: the workflow's commit is no limit", func(c *config.Config) {
			c.Step, c.RefGiven, c.Ref = config.StepDeactivateEnv, false, "0123456789abcdef0123456789abcdef01234567"
		}, config.TeardownOptions{Environment: "pr-7", DeleteEnvironment: true, KeepLatest: 2, DryRun: true, LogURL: c.LogURL}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := everyField()
			tt.change(c)
			if diff := cmp.Diff(tt.want, c.TeardownOptions()); diff != "" {
				t.Errorf("TeardownOptions (-want +got):\n%s", diff)
			}
		})
	}
	// A sweep tears each stale environment down by sweep-mode, of every
	// ref, with the sweep's own keep-latest, dry run and log URL.
	o := everyField().SweepOptions()
	o.Delete = false
	want := config.TeardownOptions{Environment: "pr-9", DeleteEnvironment: true, KeepLatest: 2, DryRun: true, LogURL: c.LogURL}
	if diff := cmp.Diff(want, o.Teardown("pr-9")); diff != "" {
		t.Errorf("SweepOptions.Teardown (-want +got):\n%s", diff)
	}
}
