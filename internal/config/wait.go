package config

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Wait is what step: wait waits for: the newest deployment of an
// environment matching Pattern (the `environment` input) and of the
// config's Ref, made by one of Creators, to reach a final state.
type Wait struct {
	// Creators are the logins whose deployments count, as given
	// (vercel[bot], netlify, octocat); empty: anyone's.
	Creators []string
	// Timeout is how long the step waits (DefaultWaitTimeout when not
	// given, at most maxWaitTimeout).
	Timeout time.Duration
	// For is WaitForSuccess or WaitForFinal.
	For string
}

// The values of wait-for.
const (
	// WaitForSuccess returns on success and fails on failure, error or
	// inactive.
	WaitForSuccess = "success"
	// WaitForFinal returns on any final state.
	WaitForFinal = "final"
)

// The bounds of timeout.
const (
	// DefaultWaitTimeout is how long step: wait waits when timeout is not
	// given.
	DefaultWaitTimeout = 10 * time.Minute
	// maxWaitTimeout is the longest timeout takes: a job runs at most 6
	// hours on GitHub-hosted runners.
	maxWaitTimeout = 6 * time.Hour
)

// readWaitInputs reads step: wait's own inputs: creator, timeout and
// wait-for. They are checked whatever the step, as every input is.
func readWaitInputs(r *reader, c *Config) {
	c.Wait.Environment, c.Wait.Ref = c.Environment, c.Ref
	c.Wait.Creators = r.logins("creator")
	c.Wait.Timeout = r.waitTimeout("timeout")
	c.Wait.For = r.oneOf("wait-for", WaitForSuccess, []string{WaitForSuccess, WaitForFinal})
}

// checkWait validates what step: wait needs beyond single inputs: an
// environment (name or pattern) and a commit or ref.
func (r *reader) checkWait(c *Config) {
	switch {
	case c.Environment == "" && !r.failed("environment"):
		r.fail(&InputError{Input: "environment", Want: "step: wait needs the environment to wait for, a name or a pattern in any case, e.g. preview or pr-* or preview/*"})
	case c.Environment != "" && vocab.IsWildcard(c.Environment):
		if _, err := path.Match(c.Environment, ""); err != nil {
			r.fail(&InputError{Input: "environment", Value: c.Environment, Want: "takes an environment name or pattern such as preview, pr-* or preview/* (* matches within one /-separated part, ? one character, [a-z] a class)"})
		}
	}
	if c.Ref == "" {
		r.fail(&InputError{Input: "ref", Want: "no commit to wait for: GITHUB_SHA is empty, so give ref (a branch, tag or SHA)"})
	}
	if c.DeploymentID != 0 && r.a.GetInput("deployment-id") != "" {
		r.fail(&InputError{Input: "deployment-id", Value: r.a.GetInput("deployment-id"), Want: "is not for step: wait, which finds the deployment by environment, ref and creator"})
	}
}

// logins reads a comma- or newline-separated list of GitHub logins, an
// app's written name[bot] or name.
func (r *reader) logins(name string) []string {
	var out []string
	for _, line := range strings.Split(r.a.GetInput(name), "\n") {
		for _, l := range strings.Split(line, ",") {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			if !vocab.IsLogin(l) {
				r.fail(&InputError{Input: name, Value: l, Want: "takes GitHub logins, comma- or newline-separated, e.g. vercel[bot], netlify[bot] or octocat"})
				continue
			}
			out = append(out, l)
		}
	}
	return out
}

// waitTimeout reads timeout: empty is DefaultWaitTimeout.
func (r *reader) waitTimeout(name string) time.Duration {
	v := strings.TrimSpace(r.a.GetInput(name))
	if v == "" {
		return DefaultWaitTimeout
	}
	d, err := ParseWaitTimeout(v)
	if err != nil {
		r.fail(&InputError{Input: name, Value: v, Want: "takes a duration such as 30s, 10m, 1h or 1h30m (hours, minutes, seconds), from 1s to 6h; default 10m"})
		return DefaultWaitTimeout
	}
	return d
}

var waitDuration = regexp.MustCompile(`^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$`)

// ParseWaitTimeout parses a timeout such as 30s, 10m, 1h or 1h30m: whole
// hours, minutes and seconds, in that order, summed; more than 0 and at
// most maxWaitTimeout (each part has at most 6 digits, so nothing wraps).
func ParseWaitTimeout(v string) (time.Duration, error) {
	m := waitDuration.FindStringSubmatch(v)
	if v == "" || m == nil {
		return 0, errors.New("not a duration")
	}
	var total time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		n, _ := strconv.Atoi(m[i+1])
		total += time.Duration(n) * unit
	}
	if total <= 0 || total > maxWaitTimeout {
		return 0, fmt.Errorf("not from 1s to %s", maxWaitTimeout)
	}
	return total, nil
}
