package config_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"", "{}", `{"a":1}`, "[]", "null", `"x"`, `{"a":1} {"b":2}`, `{"n": 1e400}`, " {\"deep\":{\"x\":[1,2,{}]}} ", "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := config.ParsePayload(in)
		if err != nil {
			return
		}
		if strings.TrimSpace(in) == "" {
			if p != nil {
				t.Fatalf("empty payload parsed as %v", p)
			}
			return
		}
		if p == nil {
			t.Fatalf("%q accepted as no payload", in)
		}
		// What is sent is a JSON object that parses back to the same value.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("%q: accepted payload does not marshal: %v", in, err)
		}
		again, err := config.ParsePayload(string(b))
		if err != nil {
			t.Fatalf("%q: the payload sent, %s, does not parse back: %v", in, b, err)
		}
		if d := cmp.Diff(p, again); d != "" {
			t.Fatalf("%q: round trip through %s (-accepted +parsed back):\n%s", in, b, d)
		}
	})
}

func FuzzParseContexts(f *testing.F) {
	for _, s := range []string{"", "*", "ci", "a, b\nc", ",,\n,", " * ", "*,a", "a\r\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		list, all, err := config.ParseContexts(in)
		if err != nil {
			return
		}
		if all && len(list) > 0 {
			t.Fatalf("%q: all and %v", in, list)
		}
		for _, c := range list {
			switch {
			case c == "":
				t.Fatalf("%q: an empty context in %q", in, list)
			case c == "*":
				t.Fatalf("%q: * as a context name in %q", in, list)
			case c != strings.TrimSpace(c):
				t.Fatalf("%q: context %q not trimmed", in, c)
			case strings.ContainsAny(c, ",\n"):
				t.Fatalf("%q: context %q holds a separator", in, c)
			}
		}
	})
}

// FuzzInputs gives every enumerated, boolean and numeric input an arbitrary
// value: Load either accepts a value the input allows or names the input.
func FuzzInputs(f *testing.F) {
	f.Add("start", "in_progress", "true", "12", "0", "success")
	f.Add("finish", "queued", "FALSE", "-1", "x", "nope")
	f.Add("status", "", "yes", "9223372036854775808", "3", "")
	f.Add("delete-env\n", " pending", "True ", "0x10", "07", "error")
	f.Fuzz(func(t *testing.T, step, initial, boolean, id, keep, state string) {
		inputs := map[string]string{"step": step, "initial-state": initial, "auto-merge": boolean, "deployment-id": id,
			"keep-latest": keep, "state": state, "environment": "e"}
		c, err := load(t, config.StageMain, env("push", inputs))
		if err != nil {
			var ie *config.InputError
			for _, e := range unwrapAll(err) {
				if !errors.As(e, &ie) {
					t.Fatalf("error %v is not an input error", e)
				}
				if !slices.Contains([]string{"step", "initial-state", "auto-merge", "deployment-id", "keep-latest", "state"}, ie.Input) {
					t.Fatalf("error names input %q", ie.Input)
				}
			}
			return
		}
		if !slices.Contains(config.Steps, string(c.Step)) {
			t.Errorf("accepted step %q", c.Step)
		}
		if !slices.Contains([]string{"queued", "pending", "in_progress"}, c.Start.InitialState) {
			t.Errorf("accepted initial-state %q", c.Start.InitialState)
		}
		if c.Finish.State != "" && !slices.Contains(vocab.States, c.Finish.State) {
			t.Errorf("accepted state %q", c.Finish.State)
		}
		if c.DeploymentID < 0 {
			t.Errorf("accepted deployment-id %d", c.DeploymentID)
		}
		if c.Teardown.KeepLatest < 0 {
			t.Errorf("accepted keep-latest %d", c.Teardown.KeepLatest)
		}
	})
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// FuzzParseAge: an accepted age is "" as 0, or more than 0 and at most
// MaxAge, however its units add up.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"", "14d", "1d12h", "90m", "100000d100000d13504d", "36500d", "36501d", "0d", "5x", "d", "99999999999999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := config.ParseAge(in)
		if err != nil {
			if d != 0 {
				t.Fatalf("%q: error %v with %v", in, err, d)
			}
			return
		}
		if (in == "") != (d == 0) {
			t.Fatalf("%q accepted as %v: only an empty age is 0", in, d)
		}
		if d < 0 || d > config.MaxAge {
			t.Fatalf("%q accepted as %v, outside 0 to MaxAge", in, d)
		}
	})
}
