package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
)

// TestReportInputs: step: report needs environments, and takes since as
// older-than takes an age, at most 366d, 30d when not given; a bad one is
// refused before any request, naming the input and what it takes.
func TestReportInputs(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		name, environments, since string
		want                      time.Duration
		wantErr                   string // the one error's text, "" for none
	}{
		{"default", "production", "", 30 * day, ""},
		{"days and hours", "production, preview/*", "7d12h", 7*day + 12*time.Hour, ""},
		{"a year and a day", "*", "366d", config.MaxSince, ""},
		{"too long", "production", "367d", 0, `input "since" has the value "367d": takes an age such as 30d`},
		{"zero", "production", "0d", 0, `input "since" has the value "0d"`},
		{"not an age", "production", "a month", 0, `input "since" has the value "a month"`},
		{"wraps around", "production", "100000d100000d13504d", 0, "at most 366d"},
		{"no environments", "", "7d", 0, `input "environments" is required: step: report needs the environments`},
		{"bad pattern", "pr-[", "7d", 0, `input "environments" has the value "pr-["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := load(t, config.StageMain, env("schedule", map[string]string{"step": "report", "environments": tt.environments, "since": tt.since}, "GITHUB_EVENT_PATH", ""))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if o := c.Report; o.Since != tt.want || len(o.Patterns) == 0 {
					t.Errorf("ReportOptions = %+v, want since %v", o, tt.want)
				}
				return
			}
			errs := inputErrors(t, err)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.wantErr) {
				t.Errorf("errors %v, want one containing %q", errs, tt.wantErr)
			}
		})
	}
}
