package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
)

var (
	hrefs = regexp.MustCompile(`(?i)\b(?:href|src)="([^"]*)"`)
	tags  = regexp.MustCompile(`(?i)<(img|script|iframe|style|details|a)\b`)
)

// render is the summary as GitHub-flavoured Markdown renders it (goldmark
// with the GFM extensions: tables, autolinks, strikethrough, task lists).
func render(t *testing.T, md string) string {
	t.Helper()
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte(md), &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestHostileValuesDoNotSteerTheSummary(t *testing.T) {
	t.Parallel()
	hostile := []string{
		"x](https://evil.example/p) ![t](https://evil.example/i.png) [y",
		"<img src=https://evil.example/i.png>",
		"<script>alert(1)</script>",
		"https://evil.example/autolink www.evil.example",
		"`` ` ``](https://evil.example)",
		"a|b|c\n| injected | row |",
		"[x]: https://evil.example/ref",
		"**bold** _it_ ~~s~~ # heading",
		"&lt;img src=x&gt; &#x3C;a href=https://evil.example&#x3E;",
		strings.Repeat("`", 40) + "x",
		strings.Repeat("A", 5000),
	}
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	allowed := func(h string) bool {
		return strings.HasPrefix(h, "https://github.com/octo-org/hello-world/") || h == "https://pr.example.com/x%3Cy"
	}
	for _, v := range hostile {
		for _, step := range []config.Step{config.StepFinish, config.StepDeleteEnv} {
			res := &lifecycle.Result{DeploymentID: 7, State: v, Environment: v, Ref: v, EnvironmentURL: "https://pr.example.com/x<y",
				LogURL:   "https://github.com/octo-org/hello-world/actions/runs/1/attempts/1",
				Teardown: &lifecycle.TeardownResult{Environment: v, Delete: step == config.StepDeleteEnv, Seen: 1, Deactivated: []int64{7}, EnvironmentNote: v}}
			md := report.Summary(links, res)
			html := render(t, md)
			for _, m := range hrefs.FindAllStringSubmatch(html, -1) {
				if !allowed(m[1]) {
					t.Errorf("value %q made the link %q:\n%s", v, m[1], md)
				}
			}
			for _, m := range tags.FindAllStringSubmatch(html, -1) {
				if strings.EqualFold(m[1], "a") {
					continue // links are checked above
				}
				t.Errorf("value %q made a <%s> element:\n%s", v, m[1], html)
			}
			// Every table row has its two cells: no value adds or splits one.
			for _, line := range strings.Split(md, "\n") {
				if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 3 {
					t.Errorf("value %q split a table row: %s", v, line)
				}
			}
			if len(md) > report.MaxSummary {
				t.Errorf("summary of %d bytes", len(md))
			}
		}
	}
}
