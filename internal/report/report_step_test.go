package report_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
	"github.com/deploy-lifecycle/deployment-action/internal/report"
)

// xychart is a Mermaid xychart-beta block as checkChart reads it.
type xychart struct {
	labels []string
	yMax   int
	bars   [][]int
}

var (
	mermaidBlock = regexp.MustCompile("(?s)```mermaid\n(.*?)```")
	xAxisLine    = regexp.MustCompile(`^x-axis \[(.*)\]$`)
	yAxisLine    = regexp.MustCompile(`^y-axis "[^"\n]*" (\d+) --> (\d+)$`)
	barLine      = regexp.MustCompile(`^bar \[(.*)\]$`)
	titleLine    = regexp.MustCompile(`^title "[^"\n]*"$`)
	quotedLabel  = regexp.MustCompile(`^"[^"\n]*"$`)
)

// parseCharts parses every mermaid block of md as an xychart-beta of the
// grammar the summary uses (Mermaid's: a title, one x-axis of quoted
// labels, a y-axis with a title and a range, bar series of numbers), and
// fails on any line it does not know.
func parseCharts(md string) ([]xychart, error) {
	var charts []xychart
	for _, m := range mermaidBlock.FindAllStringSubmatch(md, -1) {
		lines := strings.Split(strings.TrimRight(m[1], "\n"), "\n")
		if lines[0] != "xychart-beta" {
			return nil, fmt.Errorf("a mermaid block starts with %q, not xychart-beta", lines[0])
		}
		var c xychart
		xAxes := 0
		for _, raw := range lines[1:] {
			l := strings.TrimSpace(raw)
			switch {
			case titleLine.MatchString(l):
			case xAxisLine.MatchString(l):
				xAxes++
				for _, lab := range strings.Split(xAxisLine.FindStringSubmatch(l)[1], ", ") {
					if !quotedLabel.MatchString(lab) {
						return nil, fmt.Errorf("x-axis label %s is not quoted", lab)
					}
					c.labels = append(c.labels, lab)
				}
			case yAxisLine.MatchString(l):
				c.yMax, _ = strconv.Atoi(yAxisLine.FindStringSubmatch(l)[2])
			case barLine.MatchString(l):
				var bar []int
				for _, v := range strings.Split(barLine.FindStringSubmatch(l)[1], ", ") {
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 {
						return nil, fmt.Errorf("bar value %q is no count", v)
					}
					bar = append(bar, n)
				}
				c.bars = append(c.bars, bar)
			default:
				return nil, fmt.Errorf("unknown chart line %q", l)
			}
		}
		if xAxes != 1 || len(c.bars) == 0 {
			return nil, fmt.Errorf("a chart has %d x-axes and %d bar series", xAxes, len(c.bars))
		}
		charts = append(charts, c)
	}
	return charts, nil
}

// checkChart: a report's summary has exactly one chart, a bar for each
// week of the window in every series, a y-axis that holds the tallest,
// and bars drawn over each other that each hold the next (all ≥ failed
// and other ≥ failed).
func checkChart(t *testing.T, md string, weeks []lifecycle.Week) {
	t.Helper()
	charts, err := parseCharts(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 {
		t.Fatalf("%d charts in the summary, want 1", len(charts))
	}
	c := charts[0]
	if len(c.labels) != len(weeks) {
		t.Errorf("%d x-axis labels for %d weeks", len(c.labels), len(weeks))
	}
	for i, bar := range c.bars {
		if len(bar) != len(weeks) {
			t.Errorf("bar series %d has %d bars for %d weeks", i, len(bar), len(weeks))
			continue
		}
		for w, n := range bar {
			if n > c.yMax {
				t.Errorf("week %d's bar %d is above the y-axis' %d", w, n, c.yMax)
			}
			if i > 0 && n > c.bars[i-1][w] {
				t.Errorf("week %d: series %d's bar (%d) is taller than the one it is drawn over (%d)", w, i, n, c.bars[i-1][w])
			}
		}
	}
	for w, week := range weeks {
		if len(c.bars[0]) > w && c.bars[0][w] != week.Success+week.Failed+week.Other {
			t.Errorf("week %d's bar is %d, want its %d deployments", w, c.bars[0][w], week.Success+week.Failed+week.Other)
		}
	}
}

func reportResult(envName string, weeks []lifecycle.Week) *lifecycle.Result {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range weeks {
		weeks[i].Start = start.Add(time.Duration(i) * 7 * 24 * time.Hour)
	}
	rate := 0.25
	rep := &lifecycle.ReportResult{Repository: "octo-org/hello-world", Since: start, Until: start.Add(time.Duration(len(weeks)) * 7 * 24 * time.Hour),
		Patterns: []string{"*"}, Reads: 3, MaxReads: lifecycle.MaxReportReads, Complete: true, Weeks: weeks,
		Environments: []lifecycle.EnvironmentReport{{Name: envName, Complete: true, Keys: lifecycle.Keys{ChangeFailureRate: &rate},
			Live: &lifecycle.LiveDeployment{ID: 7, SHA: strings.Repeat("a", 40), Ref: envName, URL: "https://x.example/" + envName, Deployer: envName}}}}
	return &lifecycle.Result{Report: rep}
}

// TestReportChartHasABarForEachWeek, over generated weeks and counts.
func TestReportChartHasABarForEachWeek(t *testing.T) {
	t.Parallel()
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	prop := func(n uint8, counts []uint16) bool {
		weeks := make([]lifecycle.Week, 1+int(n)%53)
		for i := range weeks {
			if len(counts) > 0 {
				c := int(counts[i%len(counts)])
				weeks[i] = lifecycle.Week{Success: c % 40, Failed: c / 40 % 40, Other: c / 1600 % 40}
			}
		}
		md := report.Summary(links, reportResult("production", weeks))
		charts, err := parseCharts(md)
		if err != nil || len(charts) != 1 || len(charts[0].labels) != len(weeks) {
			t.Logf("weeks %d: %v, %d charts", len(weeks), err, len(charts))
			return false
		}
		for _, bar := range charts[0].bars {
			if len(bar) != len(weeks) {
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 200}); err != nil {
		t.Error(err)
	}
	weeks := []lifecycle.Week{{Success: 3, Failed: 1}, {Other: 2}, {}, {Success: 1, Failed: 4, Other: 1}, {Success: 9}}
	checkChart(t, report.Summary(links, reportResult("production", weeks)), weeks)
}

// TestReportSummaryNeutralisesNames: names from GitHub (an environment, a
// ref, a deployer, a URL) make no link, element, second chart or broken
// table row in the summary; the JSON output holds them as they are.
func TestReportSummaryNeutralisesNames(t *testing.T) {
	t.Parallel()
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	hostile := []string{"a|b|c\n| injected | row |", "<img src=https://evil.example/i.png>", "x`y``z", "```mermaid\nxychart-beta\n    bar [9]\n```",
		"x](https://evil.example/p) [y", "##[error]x", "https://evil.example/autolink", strings.Repeat("A", 5000)}
	for _, name := range hostile {
		weeks := []lifecycle.Week{{Success: 1}}
		res := reportResult(name, weeks)
		md := report.Summary(links, res)
		checkChart(t, md, weeks)
		html := render(t, md)
		for _, m := range hrefs.FindAllStringSubmatch(html, -1) {
			if !strings.HasPrefix(m[1], "https://github.com/octo-org/hello-world/") && !strings.HasPrefix(m[1], "https://x.example/") {
				t.Errorf("name %q made the link %q", name, m[1])
			}
		}
		for _, m := range tags.FindAllStringSubmatch(html, -1) {
			if !strings.EqualFold(m[1], "a") {
				t.Errorf("name %q made a <%s> element", name, m[1])
			}
		}
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 3 {
				t.Errorf("name %q split a table row: %s", name, line)
			}
		}
		var back lifecycle.ReportResult
		if err := json.Unmarshal([]byte(report.Outputs(res)["report"]), &back); err != nil || back.Environments[0].Name != name {
			t.Errorf("the report output does not hold %q as it is: %v", name, err)
		}
	}
}

// TestReportOutputIsBounded: a report of 300 environments over a year
// stays under MaxReportOutput, the environments' weeks left out (a small
// one keeps them), and its summary under MaxSummary with its chart whole.
func TestReportOutputIsBounded(t *testing.T) {
	t.Parallel()
	big, small := reportResult("production", make([]lifecycle.Week, 53)), reportResult("production", make([]lifecycle.Week, 53))
	small.Report.Environments[0].Weeks = small.Report.Weeks
	for i := 1; i < lifecycle.MaxReportReads; i++ {
		e := big.Report.Environments[0]
		e.Name = fmt.Sprintf("preview/%d-%s", i, strings.Repeat("x", 200))
		e.Weeks = big.Report.Weeks
		big.Report.Environments = append(big.Report.Environments, e)
	}
	links := report.Links{ServerURL: "https://github.com", Owner: "octo-org", Repo: "hello-world"}
	md := report.Summary(links, big)
	if len(md) > report.MaxSummary {
		t.Errorf("summary of %d bytes", len(md))
	}
	checkChart(t, md, big.Report.Weeks)
	for name, tt := range map[string]struct {
		res       *lifecycle.Result
		wantWeeks bool
	}{"big": {big, false}, "small": {small, true}} {
		out := report.Outputs(tt.res)["report"]
		var back lifecycle.ReportResult
		if err := json.Unmarshal([]byte(out), &back); err != nil || len(out) > report.MaxReportOutput {
			t.Errorf("%s: %d bytes (%v)", name, len(out), err)
			continue
		}
		if got := back.Environments[len(back.Environments)-1].Weeks != nil; got != tt.wantWeeks || len(back.Weeks) != 53 {
			t.Errorf("%s: environments' weeks kept %v, want %v; total weeks %d", name, got, tt.wantWeeks, len(back.Weeks))
		}
	}
}
