package report

import (
	"fmt"
	"strings"

	"github.com/deploy-lifecycle/deployment-action/internal/config"
	"github.com/deploy-lifecycle/deployment-action/internal/lifecycle"
)

// Summary is the job summary (GITHUB_STEP_SUMMARY) of a result, in
// Markdown: the environment, ref, state and links of a deployment, or what
// a teardown did.
func Summary(cfg *config.Config, res *lifecycle.Result) string {
	var b strings.Builder
	if res.DeploymentID != 0 && res.State != "" {
		title := "Deployment"
		if res.Environment != "" {
			title = "Deployment to " + cell(res.Environment)
		}
		fmt.Fprintf(&b, "### %s: %s %s\n\n", title, stateEmoji(res.State), res.State)
		b.WriteString("| | |\n|---|---|\n")
		row(&b, "Environment", linkOr(res.Environment, envURL(cfg, res.Environment)))
		row(&b, "Ref", linkOr(res.Ref, refURL(cfg, res.Ref)))
		row(&b, "State", "`"+res.State+"`")
		row(&b, "Deployment", fmt.Sprintf("%d", res.DeploymentID))
		row(&b, "Environment URL", linkOr(res.EnvironmentURL, res.EnvironmentURL))
		if res.LogURL != "" {
			row(&b, "Log", linkOr("workflow run", res.LogURL))
		}
		for _, r := range res.Recovered {
			row(&b, "Recovered", cell(r))
		}
		b.WriteString("\n")
	}
	if td := res.Teardown; td != nil && (len(td.Deactivated) > 0 || len(td.Deleted) > 0 || cfg.Step == config.StepDeactivateEnv || cfg.Step == config.StepDeleteEnv) {
		b.WriteString(teardownSummary(cfg, td))
	}
	return b.String()
}

func teardownSummary(cfg *config.Config, td *lifecycle.TeardownResult) string {
	var b strings.Builder
	verb := func(done, would string) string {
		if td.DryRun {
			return would
		}
		return done
	}
	title := "Teardown of " + cell(td.Environment)
	switch {
	case cfg.Step == config.StepStart:
		title = "Superseded in " + cell(td.Environment)
	case cfg.Step != config.StepDeactivateEnv && cfg.Step != config.StepDeleteEnv:
		title = "Earlier deployments of " + cell(td.Environment) + " retired"
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
	if cfg.Step == config.StepDeleteEnv {
		row(&b, verb("Deleted", "Would delete"), ids(td.Deleted))
		env := verb("deleted", "would be deleted")
		if !td.EnvironmentDeleted {
			env = "kept: " + td.EnvironmentNote
			if td.DryRun && td.EnvironmentNote == "dry run" {
				env = "would be deleted"
			}
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

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;").Replace(s)
	return s
}

func linkOr(text, href string) string {
	if text == "" {
		return ""
	}
	if href == "" || !(strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://")) {
		return cell(text)
	}
	return fmt.Sprintf("[%s](%s)", cell(text), strings.NewReplacer(" ", "%20", ")", "%29", "|", "%7C").Replace(href))
}

func envURL(cfg *config.Config, env string) string {
	if env == "" || cfg.ServerURL == "" {
		return ""
	}
	return cfg.PeopleURL("deployments", env)
}

// refURL links a commit SHA to its commit page and a branch or tag to its
// tree.
func refURL(cfg *config.Config, ref string) string {
	if ref == "" || cfg.ServerURL == "" {
		return ""
	}
	if isSHA(ref) {
		return cfg.PeopleURL("commit", ref)
	}
	// A branch's slashes stay path separators: /tree/feature/login.
	return cfg.PeopleURL(append([]string{"tree"}, strings.Split(ref, "/")...)...)
}

func isSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

func stateEmoji(s string) string {
	switch s {
	case config.StateSuccess:
		return "✅"
	case config.StateFailure, config.StateError:
		return "❌"
	case config.StateInactive:
		return "⚪"
	}
	return "⏳"
}
