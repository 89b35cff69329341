package vocab

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// maxEnvironment is the longest environment name GitHub accepts.
const maxEnvironment = 255

// CheckEnvironment says what is wrong with an environment name, or nil.
// A name becomes one path segment of delete-env's request, escaped; a dot
// segment (. or ..) would climb out of /environments/ whatever the
// escaping, and control characters have no business in a name.
func CheckEnvironment(v string) error {
	switch {
	case strings.TrimSpace(v) == "." || strings.TrimSpace(v) == "..":
		return errors.New("not . or .. (a dot segment would climb out of the request path)")
	case utf8.RuneCountInString(v) > maxEnvironment:
		return fmt.Errorf("at most %d characters", maxEnvironment)
	case !utf8.ValidString(v):
		return errors.New("valid UTF-8")
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return errors.New("no control characters or line breaks")
	}
	return nil
}

// IsProduction reports whether env names the production environment:
// GitHub's environment names are case-insensitive, so Production and
// " PRODUCTION " are it too.
func IsProduction(env string) bool {
	return strings.EqualFold(strings.TrimSpace(env), "production")
}

// SameEnvironment reports whether a and b name one environment: GitHub's
// environment names are case-insensitive. Only ASCII letters fold: Unicode
// folding would make "pr-ſ" (a long s) the same as "pr-s", and a teardown
// of one would then write to the other. Where the action writes, the
// narrower match is the safe one.
func SameEnvironment(a, b string) bool { return EnvironmentKey(a) == EnvironmentKey(b) }

// EnvironmentKey is the name environments are grouped and compared by: the
// name with ASCII letters lower-cased, nothing else changed.
func EnvironmentKey(name string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, name)
}

// IsWildcard reports whether the sweep pattern p has a wildcard (*, ? or a
// [ class); else it names one environment exactly.
func IsWildcard(p string) bool { return strings.ContainsAny(p, "*?[") }

// MatchPattern reports whether env matches the sweep pattern, a glob in
// which * and ? do not cross a / and a ** part crosses any number of them
// (preview/** matches preview/feature/login, not preview itself; ** that is
// not a whole /-separated part is a *), ignoring case as GitHub's
// environment names do: both have their ASCII letters lower-cased
// (EnvironmentKey) before matching, and no other letter folds (the Kelvin
// sign is no k), so a pattern matches no more than it says. A character
// class is lower-cased too and matched against the lower-cased name, so
// [A-Z] is [a-z], and [^a-z] leaves out upper-case letters as well. Braces
// are plain characters. A malformed pattern matches nothing.
func MatchPattern(pattern, env string) bool {
	pattern, env = EnvironmentKey(pattern), EnvironmentKey(env)
	if strings.HasSuffix(pattern, "/**") && env == strings.TrimSuffix(pattern, "/**") {
		return false // preview/** is what is under preview/, not preview
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return false
	}
	ok, err := doublestar.Match(strings.NewReplacer("{", `\{`, "}", `\}`).Replace(pattern), env)
	return err == nil && ok
}
