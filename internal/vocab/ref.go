package vocab

import "strings"

// IsSHA reports whether s may name a commit by its SHA, full or short: 7
// to 40 hex digits in any case, as git reads an abbreviated SHA.
func IsSHA(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	return isHex(s)
}

// IsFullSHA reports whether s is a whole commit SHA: 40 hex digits in any
// case (git reads upper case too; GitHub answers in lower case).
func IsFullSHA(s string) bool { return len(s) == 40 && isHex(s) }

// IsObjectID reports whether s is a commit SHA as GitHub writes one: 40
// lower-case hex digits.
func IsObjectID(s string) bool {
	return IsFullSHA(s) && !strings.ContainsAny(s, "ABCDEF")
}

// isHex reports whether every byte of s is a hex digit.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// ShortRef is ref without surrounding space and without refs/heads/ or
// refs/tags/.
func ShortRef(ref string) string {
	ref = strings.TrimSpace(ref)
	for _, p := range []string{"refs/heads/", "refs/tags/"} {
		if strings.HasPrefix(ref, p) {
			return strings.TrimPrefix(ref, p)
		}
	}
	return ref
}

// IsRefName reports whether name is a branch or tag name git allows
// (git check-ref-format's rules, for a name under refs/heads/ or refs/tags/).
func IsRefName(name string) bool {
	if name == "" || len(name) > 255 || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "/") ||
		strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock") ||
		strings.Contains(name, "..") || strings.Contains(name, "@{") || strings.Contains(name, "//") || name == "@" {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}
