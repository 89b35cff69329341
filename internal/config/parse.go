package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/deploy-lifecycle/deployment-action/internal/handoff"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// reader reads inputs and collects every problem, so that one run reports
// all bad inputs at once.
type reader struct {
	a    *githubactions.Action
	errs []error
}

func (r *reader) fail(err error) { r.errs = append(r.errs, err) }

func (r *reader) err() error { return errors.Join(r.errs...) }

// failed reports whether an error about input name was recorded: a check
// across inputs says nothing more about an input that was given but bad.
func (r *reader) failed(name string) bool {
	for _, err := range r.errs {
		var ie *InputError
		if errors.As(err, &ie) && ie.Input == name {
			return true
		}
	}
	return false
}

// repoPart is one half of owner/name: GitHub's characters for owners and
// repositories.
var repoPart = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// repository reads owner/name. Both halves take GitHub's characters and
// are not . or ..: they become segments of every request's path.
func (r *reader) repository(name, def string) (string, string) {
	v := r.str(name, def)
	owner, repo, ok := strings.Cut(v, "/")
	if !ok || !validRepoPart(owner) || !validRepoPart(repo) {
		r.fail(&InputError{Input: name, Value: v, Want: "takes owner/name with letters, digits, ., - and _ (not . or ..), e.g. octocat/hello-world; the default is the workflow's repository"})
		return "", ""
	}
	return owner, repo
}

// validRepoPart reports whether s can be an owner or a repository name.
func validRepoPart(s string) bool {
	return repoPart.MatchString(s) && s != "." && s != ".."
}

// environment reads an environment name. It becomes one path segment of
// delete-env's request, escaped; a dot segment (. or ..) would climb out of
// /environments/ whatever the escaping, and control characters have no
// business in a name, so both are refused.
func (r *reader) environment(name string) string {
	v := r.a.GetInput(name)
	if v == "" {
		return ""
	}
	if err := vocab.CheckEnvironment(v); err != nil {
		r.fail(&InputError{Input: name, Value: v, Want: "takes an environment name such as staging or pr-42: " + err.Error()})
		return ""
	}
	return v
}

// jobIndex reads strategy.job-index: empty or a small whole number.
func (r *reader) jobIndex(name string) string {
	v := strings.TrimSpace(r.a.GetInput(name))
	if v == "" {
		return ""
	}
	if n, err := strconv.Atoi(v); err != nil || n < 0 || n > 1<<20 {
		r.fail(&InputError{Input: name, Value: v, Want: "is plumbing that defaults to ${{ strategy.job-index }}, a whole number; leave it unset"})
		return ""
	}
	return v
}

// patterns reads environment name patterns: comma- or newline-separated
// globs as vocab.MatchPattern reads them (* does not cross a /, a ** part does).
func (r *reader) patterns(name string) []string {
	v := r.a.GetInput(name)
	var out []string
	for _, line := range strings.Split(v, "\n") {
		for _, p := range strings.Split(line, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, err := path.Match(p, ""); err != nil || vocab.CheckEnvironment(strings.NewReplacer("*", "x", "?", "x", "[", "x", "]", "x").Replace(p)) != nil {
				r.fail(&InputError{Input: name, Value: p, Want: "takes environment name patterns such as pr-* or preview/** (* matches within one /-separated part, a ** part across parts, ? one character, [a-z] a class)"})
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

var ageUnit = regexp.MustCompile(`^(\d+)(d|h|m)`)

// MaxAge is the longest age older-than takes: 36500 days, 100 years. It
// bounds the sum, so that no spelling of an age wraps around.
const MaxAge = 36500 * 24 * time.Hour

// age reads a duration such as 14d, 36h, 1d12h or 90m; empty is 0 (off).
func (r *reader) age(name string) time.Duration {
	v := strings.TrimSpace(r.a.GetInput(name))
	d, err := ParseAge(v)
	if err != nil {
		r.fail(&InputError{Input: name, Value: v, Want: "takes an age such as 14d, 36h or 1d12h (days, hours, minutes), more than 0 and at most 36500d, or nothing to turn the rule off"})
		return 0
	}
	return d
}

// ParseAge parses 14d, 36h, 1d12h, 90m: whole numbers of days, hours and
// minutes, summed. "" is 0 (no age); otherwise the sum is more than 0 and
// at most MaxAge, checked before each addition so that it cannot wrap.
func ParseAge(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	var total time.Duration
	rest := v
	for rest != "" {
		m := ageUnit.FindStringSubmatch(rest)
		if m == nil {
			return 0, errors.New("not an age")
		}
		unit := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute}[m[2]]
		n, err := strconv.ParseInt(m[1], 10, 64)
		// n <= MaxAge/unit keeps n*unit from overflowing; total <= MaxAge
		// keeps MaxAge-total from going negative.
		if err != nil || n > int64(MaxAge/unit) || time.Duration(n)*unit > MaxAge-total {
			return 0, errors.New("more than 36500d")
		}
		total += time.Duration(n) * unit
		rest = rest[len(m[0]):]
	}
	if total <= 0 {
		return 0, errors.New("not a positive age")
	}
	return total, nil
}

// DefaultSince is the window step: report looks at when since is not
// given: 30 days; MaxSince the longest it takes, 366 days (a year of
// weekly bars).
const (
	DefaultSince = 30 * 24 * time.Hour
	MaxSince     = 366 * 24 * time.Hour
)

// since reads step: report's window, an age as older-than takes it;
// empty is DefaultSince.
func (r *reader) since(name string) time.Duration {
	v := strings.TrimSpace(r.a.GetInput(name))
	if v == "" {
		return DefaultSince
	}
	d, err := ParseAge(v)
	if err != nil || d > MaxSince {
		r.fail(&InputError{Input: name, Value: v, Want: "takes an age such as 30d, 12h or 1d12h (days, hours, minutes), more than 0 and at most 366d; default 30d"})
		return DefaultSince
	}
	return d
}

// SweepMaxLimit is the largest max-environments takes (its default is
// vocab.DefaultSweepMax).
const SweepMaxLimit = 10000

var wholeNumber = regexp.MustCompile(`^[0-9]+$`)

// sweepMax reads max-environments: a whole number from 1 to
// SweepMaxLimit; empty is DefaultSweepMax.
func (r *reader) sweepMax(name string) int {
	v := strings.TrimSpace(r.a.GetInput(name))
	if v == "" {
		return vocab.DefaultSweepMax
	}
	n, err := strconv.Atoi(v)
	if !wholeNumber.MatchString(v) || err != nil || n < 1 || n > SweepMaxLimit {
		r.fail(&InputError{Input: name, Value: v, Want: fmt.Sprintf("takes a whole number from 1 to %d, the most environments one sweep deletes or deactivates; default %d", SweepMaxLimit, vocab.DefaultSweepMax)})
		return vocab.DefaultSweepMax
	}
	return n
}

// str returns the input, or def when it is empty.
func (r *reader) str(name, def string) string {
	if v := r.a.GetInput(name); v != "" {
		return v
	}
	return def
}

// oneOf returns the input when it is one of allowed, else records an error.
func (r *reader) oneOf(name, def string, allowed []string) string {
	v := r.str(name, def)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(&InputError{Input: name, Value: v, Want: "takes one of " + strings.Join(allowed, ", ")})
	return def
}

// link reads a URL input: empty, or an absolute http(s) URL. The post
// stage must still finish the deployment, so there a bad URL is dropped
// with a warning instead of failing the step.
func (r *reader) link(c *Config, name string) string {
	v := r.a.GetInput(name)
	if v == "" || isLink(v) {
		return v
	}
	want := "takes an absolute http or https URL, e.g. https://staging.example.com"
	if c.Stage == StagePost {
		c.Warnings = append(c.Warnings, fmt.Sprintf("input %q has the value %q, which is not an http(s) URL; the deployment is finished without it", name, v))
		return ""
	}
	r.fail(&InputError{Input: name, Value: v, Want: want})
	return ""
}

// isLink reports whether v is an absolute http or https URL with a host.
func isLink(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(v, " \t\r\n")
}

// boolean parses a YAML 1.2 core schema boolean (true, True, TRUE, false, …).
func (r *reader) boolean(name string, def bool) bool {
	v := r.a.GetInput(name)
	b, err := parseBool(v, def)
	if err != nil {
		r.fail(&InputError{Input: name, Value: v, Want: "takes true or false"})
	}
	return b
}

// parseBool parses a boolean input the way YAML 1.2's core schema writes
// booleans; the empty string is def.
func parseBool(v string, def bool) (bool, error) {
	switch strings.TrimSpace(v) {
	case "":
		return def, nil
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return def, errors.New("not a boolean")
}

// id parses a deployment id: a positive whole number, or empty for none.
func (r *reader) id(name string) int64 {
	v := r.a.GetInput(name)
	if v == "" {
		return 0
	}
	n := parseID(v)
	if n == 0 {
		r.fail(&InputError{Input: name, Value: v, Want: "takes a deployment id, a positive whole number such as the deployment-id output of step: start"})
	}
	return n
}

// parseID returns the positive number v spells, or 0.
func parseID(v string) int64 { return handoff.ParseID(v) }

// count parses a non-negative whole number; empty is 0.
func (r *reader) count(name string) int {
	v := r.a.GetInput(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.fail(&InputError{Input: name, Value: v, Want: "takes a whole number, 0 or more"})
		return 0
	}
	return n
}

// payload parses the payload input, which must be a JSON object.
func (r *reader) payload(name string) map[string]any {
	v := r.a.GetInput(name)
	p, err := ParsePayload(v)
	if err != nil {
		r.fail(&InputError{Input: name, Value: v, Want: "takes a JSON object, e.g. {\"version\": \"1.2.3\"} (" + err.Error() + ")"})
	}
	return p
}

// ParsePayload parses a payload input: empty, or one JSON object and
// nothing after it.
func ParsePayload(v string) (map[string]any, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	// More() is false before a stray } or ]: ask for the next token.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text follows the JSON object")
	}
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return nil, errors.New("the JSON value is not an object")
	}
	var p map[string]any
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	if p == nil {
		p = map[string]any{}
	}
	if _, ok := p[vocab.MarkerKey]; ok {
		return nil, fmt.Errorf("the key %q is the action's own: it records the run that created the deployment; use another key", vocab.MarkerKey)
	}
	return p, nil
}

// contexts parses required-contexts: empty is no gate ([]), `*` is every
// context (nil, GitHub's default), else a comma- or newline-separated list.
func (r *reader) contexts(name string) *[]string {
	v := r.a.GetInput(name)
	list, all, err := ParseContexts(v)
	if err != nil {
		r.fail(&InputError{Input: name, Value: v, Want: "takes a comma- or newline-separated list of status check contexts, or * for all of them (GitHub's default); empty means no check blocks the deployment (" + err.Error() + ")"})
	}
	if all {
		return nil
	}
	return &list
}

// ParseContexts splits a required-contexts input. all is true for `*`.
func ParseContexts(v string) (list []string, all bool, err error) {
	list = []string{}
	for _, line := range strings.Split(v, "\n") {
		for _, c := range strings.Split(line, ",") {
			c = strings.TrimSpace(c)
			switch {
			case c == "":
			case c == "*":
				all = true
			default:
				list = append(list, c)
			}
		}
	}
	if all && len(list) > 0 {
		return nil, false, errors.New("* cannot be combined with named contexts")
	}
	return list, all, nil
}
