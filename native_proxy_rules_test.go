package main

// Rules of native/fetch.js checked over generated inputs: which hosts
// no_proxy sends around the proxy, and that a hostile setting is one
// ::error:: line whatever it holds.

import (
	"encoding/json"
	"math/rand"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// noProxyCase is one URL and no_proxy list, and whether the list names
// the URL's host.
type noProxyCase struct {
	URL    string `json:"url"`
	List   string `json:"list"`
	Bypass bool   `json:"bypass"`
}

// wantBypass is the rule: an entry `*` names every host; otherwise an
// entry (its leading `.` or `*.` dropped, any `:port` only for that port)
// names a host equal to it or, for a name, ending in `.` + it.
func wantBypass(host string, port int, list string) bool {
	for _, e := range strings.FieldsFunc(strings.ToLower(list), func(r rune) bool { return r == ',' || r == ' ' }) {
		if e == "*" {
			return true
		}
		if i := strings.LastIndex(e, ":"); i > 0 && !strings.Contains(e[:i], ":") {
			if e[i+1:] != itoa(port) {
				continue
			}
			e = e[:i]
		}
		e = strings.TrimPrefix(strings.TrimPrefix(e, "*"), ".")
		if host == e || (!isIPv4(host) && strings.HasSuffix(host, "."+e)) {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

func isIPv4(h string) bool {
	parts := strings.Split(h, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// TestNoProxyRule: over generated hosts and lists, fetch.js's bypassed
// agrees with the rule.
func TestNoProxyRule(t *testing.T) {
	t.Parallel()
	requireNode(t)
	r := rand.New(rand.NewSource(23))
	labels := []string{"github.com", "api.github.com", "release-assets.githubusercontent.com", "githubusercontent.com",
		"example.com", "mirror.corp", "corp", "10.0.0.1", "127.0.0.1", "ithub.com"}
	ports := []int{443, 8443}
	var cases []noProxyCase
	for range 400 {
		host, port := labels[r.Intn(len(labels))], ports[r.Intn(len(ports))]
		var list []string
		for range r.Intn(4) {
			e := labels[r.Intn(len(labels))]
			switch r.Intn(6) {
			case 0:
				e = "." + e
			case 1:
				e = "*." + e
			case 2:
				e += ":" + itoa(ports[r.Intn(len(ports))])
			case 3:
				e = strings.ToUpper(e)
			case 4:
				if r.Intn(8) == 0 {
					e = "*"
				}
			}
			list = append(list, e)
		}
		sep := []string{",", ", ", " "}[r.Intn(3)]
		c := noProxyCase{URL: "https://" + host + ":" + itoa(port) + "/x", List: strings.Join(list, sep)}
		c.Bypass = wantBypass(host, port, c.List)
		cases = append(cases, c)
	}
	in, _ := json.Marshal(cases)
	script := `const { bypassed } = require(process.argv[1]); const cases = JSON.parse(process.argv[2]);
process.stdout.write(JSON.stringify(cases.map((c) => bypassed(new URL(c.url), c.list))));`
	out, err := exec.Command("node", "-e", script, filepath.Join(mustAbs(t, "native"), "fetch.js"), string(in)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("node said %q (%v)", out, err)
	}
	bad := 0
	for i, c := range cases {
		if got[i] != c.Bypass && bad < 10 {
			bad++
			t.Errorf("no_proxy=%q for %s: bypassed %v, the rule says %v", c.List, c.URL, got[i], c.Bypass)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestNativeHostileSettingsAreOneErrorLine: a mirror URL or timeout that
// holds line breaks, workflow commands or escapes, generated from hostile
// pieces, stops the launcher with exactly one ::error:: line and no other
// command, and nothing started.
func TestNativeHostileSettingsAreOneErrorLine(t *testing.T) {
	t.Parallel()
	a := testAsset(t, standIn(t), "")
	dir := downloadRelease(t, "http://127.0.0.1:9/releases/download/v"+testVersion, a)
	pieces := []string{"\n::warning::x", "\r\n::set-output name=a::b", "##[error]y", "%0A::notice::z", "ftp://h/", "https://u:p@h/", " ", "::", "%25", "\u2028"}
	r := rand.New(rand.NewSource(7))
	for i := range 12 {
		v := ""
		for range 1 + r.Intn(3) {
			v += pieces[r.Intn(len(pieces))]
		}
		name := "DEPLOYMENT_ACTION_DOWNLOAD_URL"
		if i%2 == 1 {
			name = "DEPLOYMENT_ACTION_DOWNLOAD_TIMEOUT"
		}
		t.Run(name+" "+itoa(i), func(t *testing.T) {
			t.Parallel()
			l := launchStage(t, dir, t.TempDir(), "main", name+"="+v)
			if line := l.oneError(t); !strings.Contains(line, name) {
				t.Errorf("%s=%q: error %q does not name the setting", name, v, line)
			}
		})
	}
}
