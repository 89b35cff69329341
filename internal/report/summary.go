package report

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/vocab"
)

// Summary is the job summary (GITHUB_STEP_SUMMARY) of a result, in
// Markdown: the environment, ref, state and links of a deployment, or what
// a teardown did.
//
// Every value in it (from inputs, the event or GitHub) is written as a code
// span, so no value can make a link, an image or HTML; links are built only
// from the server URL and http(s) URLs, inside <…>. It stays under
// MaxSummary bytes.
func Summary(links Links, res *lifecycle.Result) string {
	if res.Wait != nil {
		return capSummary(waitSummary(links, res))
	}
	if res.Report != nil {
		return capSummary(reportSummary(links, res.Report))
	}
	var b strings.Builder
	if res.DeploymentID != 0 && res.State != "" {
		title := "Deployment"
		if res.Environment != "" {
			title = "Deployment to " + code(res.Environment, false)
		}
		fmt.Fprintf(&b, "### %s: %s %s\n\n", title, stateEmoji(res.State), code(res.State, false))
		b.WriteString("| | |\n|---|---|\n")
		row(&b, "Environment", linkOr(res.Environment, envURL(links, res.Environment)))
		row(&b, "Ref", linkOr(res.Ref, refURL(links, res.Ref)))
		row(&b, "State", cell(res.State))
		row(&b, "Deployment", fmt.Sprintf("%d", res.DeploymentID))
		row(&b, "Environment URL", linkOr(res.EnvironmentURL, res.EnvironmentURL))
		if res.Deployer != "" {
			row(&b, "Deployed by", cell("@"+res.Deployer))
		}
		if res.LogURL != "" {
			row(&b, "Log", link("workflow run", res.LogURL))
		}
		for _, r := range res.Recovered {
			row(&b, "Recovered", cell(r))
		}
		b.WriteString("\n")
	}
	if td := res.Teardown; td != nil && (len(td.Deactivated) > 0 || len(td.Deleted) > 0 || td.Kind == lifecycle.KindEnvironment) {
		b.WriteString(teardownSummary(td))
	}
	if res.Sweep != nil {
		b.WriteString(sweepSummary(res.Sweep))
	}
	return capSummary(b.String())
}

// Links makes links for people to pages of one repository on the GitHub
// server (not the API).
type Links struct {
	ServerURL, Owner, Repo string
}

// to is a link to a page of the repository, e.g. to("deployments"); each
// part is one path segment, escaped.
func (l Links) to(parts ...string) string {
	u := strings.TrimRight(l.ServerURL, "/") + "/" + l.Owner + "/" + l.Repo
	for _, p := range parts {
		u += "/" + url.PathEscape(p)
	}
	return u
}

// MaxSummary bounds one step's summary; GitHub's limit is 1 MiB.
const MaxSummary = 64 << 10

func capSummary(s string) string {
	if len(s) <= MaxSummary {
		return s
	}
	cut := strings.LastIndex(s[:MaxSummary-100], "\n")
	return s[:cut+1] + "\n*(summary shortened)*\n"
}

func teardownSummary(td *lifecycle.TeardownResult) string {
	var b strings.Builder
	verb := func(done, would string) string {
		if td.DryRun {
			return would
		}
		return done
	}
	env := code(td.Environment, false)
	title := "Teardown of " + env
	switch td.Kind {
	case lifecycle.KindSupersede:
		title = "Superseded in " + env
	case lifecycle.KindRetire:
		title = "Earlier deployments of " + env + " retired"
	}
	if td.DryRun {
		title += " (dry run: nothing was changed)"
	}
	fmt.Fprintf(&b, "### %s\n\n| | |\n|---|---|\n", title)
	row(&b, "Deployments looked at", fmt.Sprint(td.Seen))
	if td.Kept > 0 {
		row(&b, "Kept (keep-latest)", fmt.Sprint(td.Kept))
	}
	row(&b, verb("Marked inactive", "Would mark inactive"), ids(td.Deactivated))
	if td.Delete {
		row(&b, verb("Deleted", "Would delete"), ids(td.Deleted))
		env := "kept: " + cell(td.EnvironmentNote)
		switch {
		case td.EnvironmentDeleted:
			env = "deleted"
		case td.WouldDeleteEnvironment:
			env = "would be deleted"
		}
		row(&b, "Environment", env)
	}
	b.WriteString("\n")
	return b.String()
}

func ids(list []int64) string {
	if len(list) == 0 {
		return "none"
	}
	const show = 20
	parts := make([]string, 0, show)
	for i, id := range list {
		if i == show {
			parts = append(parts, fmt.Sprintf("… %d more", len(list)-show))
			break
		}
		parts = append(parts, fmt.Sprint(id))
	}
	return fmt.Sprintf("%d (%s)", len(list), strings.Join(parts, ", "))
}

func row(b *strings.Builder, k, v string) {
	if v != "" {
		fmt.Fprintf(b, "| %s | %s |\n", k, v)
	}
}

// maxValue is how many characters of one value the summary shows.
const maxValue = 200

// cell is a value as a code span inside a table cell.
func cell(s string) string { return code(s, true) }

// code writes s as a Markdown code span: nothing in it is a link, an
// image, emphasis or HTML. Line breaks become spaces; in a table cell a |
// is escaped (GitHub's tables split on it even inside code spans). The
// fence is one backtick longer than the longest run of backticks in s.
func code(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > maxValue {
		s = string(r[:maxValue]) + "…"
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if inTable {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// linkOr is text as a code span, linked to href when href is an http(s)
// URL.
func linkOr(text, href string) string {
	if text == "" {
		return ""
	}
	return link(cell(text), href)
}

// link is [label](<href>) when href is an absolute http(s) URL, else the
// label alone. label is Markdown the caller made safe. Inside <…> a
// destination cannot end early; <, >, |, \, spaces and control characters
// are percent-encoded.
func link(label, href string) string {
	u, err := url.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return label
	}
	var b strings.Builder
	for _, r := range href {
		switch {
		case r == '<' || r == '>' || r == '|' || r == '\\' || r == ' ' || r == '`' || unicode.IsControl(r):
			fmt.Fprintf(&b, "%%%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	return fmt.Sprintf("[%s](<%s>)", label, b.String())
}

func envURL(links Links, env string) string {
	if env == "" || links.ServerURL == "" {
		return ""
	}
	return links.to("deployments", env)
}

// refURL links a commit SHA to its commit page and a branch or tag to its
// tree.
func refURL(links Links, ref string) string {
	if ref == "" || links.ServerURL == "" {
		return ""
	}
	if vocab.IsObjectID(ref) {
		return links.to("commit", ref)
	}
	// A branch's slashes stay path separators: /tree/feature/login. A ref
	// with a dot segment would lead the link elsewhere: it gets none.
	parts := strings.Split(ref, "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return ""
		}
	}
	return links.to(append([]string{"tree"}, parts...)...)
}

func stateEmoji(s string) string {
	switch s {
	case vocab.StateSuccess:
		return "✅"
	case vocab.StateFailure, vocab.StateError:
		return "❌"
	case vocab.StateInactive:
		return "⚪"
	}
	return "⏳"
}
