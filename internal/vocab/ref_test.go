package vocab

import (
	"strings"
	"testing"
	"testing/quick"
)

// TestSHAKinds: IsSHA takes 7 to 40 hex digits in any case, IsFullSHA
// exactly 40 in any case, IsObjectID exactly 40 in lower case.
func TestSHAKinds(t *testing.T) {
	t.Parallel()
	full := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		in                  string
		sha, full, objectID bool
	}{
		{"", false, false, false},
		{"abcdef", false, false, false},
		{"abcdef0", true, false, false},
		{"ABCDEF0", true, false, false},
		{full, true, true, true},
		{strings.ToUpper(full), true, true, false},
		{full + "0", false, false, false},
		{"refs/heads/abcdef0", false, false, false},
		{"abcdefg", false, false, false},
		{" abcdef0", false, false, false},
		{strings.Repeat("é", 20), false, false, false},
	}
	for _, tt := range tests {
		if got := IsSHA(tt.in); got != tt.sha {
			t.Errorf("IsSHA(%q) = %v, want %v", tt.in, got, tt.sha)
		}
		if got := IsFullSHA(tt.in); got != tt.full {
			t.Errorf("IsFullSHA(%q) = %v, want %v", tt.in, got, tt.full)
		}
		if got := IsObjectID(tt.in); got != tt.objectID {
			t.Errorf("IsObjectID(%q) = %v, want %v", tt.in, got, tt.objectID)
		}
	}
}

// TestSHAKindsNest: every object id is a full SHA, every full SHA a SHA,
// and a full SHA is a SHA of 40 characters, for any string.
func TestSHAKindsNest(t *testing.T) {
	t.Parallel()
	nest := func(s string) bool {
		return (!IsObjectID(s) || IsFullSHA(s)) && (!IsFullSHA(s) || IsSHA(s)) && IsFullSHA(s) == (IsSHA(s) && len(s) == 40)
	}
	if err := quick.Check(nest, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
	hex := func(b []byte) bool {
		s := strings.Repeat("0123456789abcdef", 3)[:len(b)%41] // hex strings of every length
		return nest(s) && nest(strings.ToUpper(s))
	}
	if err := quick.Check(hex, nil); err != nil {
		t.Error(err)
	}
}

// TestRESTLogin: a bot's GraphQL login gets [bot] once; what is no login
// is "".
func TestRESTLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		login string
		bot   bool
		want  string
	}{
		{"vercel", true, "vercel[bot]"},
		{"vercel[bot]", true, "vercel[bot]"},
		{"octocat", false, "octocat"},
		{"octo cat", false, ""},
		{"vercel[bot]", false, "vercel[bot]"},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := RESTLogin(tt.login, tt.bot); got != tt.want {
			t.Errorf("RESTLogin(%q, %v) = %q, want %q", tt.login, tt.bot, got, tt.want)
		}
	}
	if name, bot := LoginKey("Vercel[bot]"); name != "vercel" || !bot {
		t.Errorf("LoginKey(Vercel[bot]) = %q, %v; want vercel, true", name, bot)
	}
}
