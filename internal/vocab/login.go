package vocab

import (
	"regexp"
	"strings"
)

// login is a GitHub login: a user's (letters, digits, single hyphens) or
// an app's bot (name[bot]).
var login = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$`)

// IsLogin reports whether s can be a GitHub login.
func IsLogin(s string) bool { return login.MatchString(s) }

// botSuffix ends an app's login as REST and people write it.
const botSuffix = "[bot]"

// RESTLogin is a creator's login as REST spells logins: GraphQL's
// Bot.login is "vercel", REST's, and people's, "vercel[bot]", so a bot's
// login gets [bot] unless it has it. It is "" when the result is no login.
func RESTLogin(login string, bot bool) string {
	if bot && !strings.HasSuffix(login, botSuffix) {
		login += botSuffix
	}
	if !IsLogin(login) {
		return ""
	}
	return login
}

// LoginKey is what logins are compared by: the name in lower case without
// [bot], and whether it was written with [bot] (logins are
// case-insensitive).
func LoginKey(login string) (name string, bot bool) {
	return strings.CutSuffix(strings.ToLower(login), botSuffix)
}
