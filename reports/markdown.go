package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/redact"
)

// mdCell escapes text for a Markdown table cell (GitHub flavour): pipes,
// newlines and HTML-significant characters.
func mdCell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "'")
	return r.Replace(s)
}

func mdTable(b *strings.Builder, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = mdCell(c)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n")
}

func mdEmoji(result string) string {
	switch result {
	case "pass":
		return "✅"
	case "fail":
		return "❌"
	}
	return "⚠️"
}

// WriteLoadMarkdown writes a load run's report as GitHub-flavoured
// Markdown, for a CI job summary or a pull-request comment: verdict,
// accounting and generator lag, operations, capacity steps with the knee,
// back-off verdict and thresholds. It has no charts (the HTML report has).
func WriteLoadMarkdown(w io.Writer, r LoadReport) error {
	pg, err := buildLoadPage(r)
	if err != nil {
		return err
	}
	var b strings.Builder
	v := pg.Verdict
	fmt.Fprintf(&b, "## %s Load run `%s`: %s\n\n", mdEmoji(v.Result), mdCell(pg.Profile), mdCell(v.Headline))
	fmt.Fprintf(&b, "Target %s · %s · %d clients · policy %s · ran %s of %s planned · latency from the %s.\n\n",
		mdCell(pg.Target), mdCell(pg.Pacer), pg.Clients, mdCell(pg.Policy), pg.Elapsed, pg.Planned, mdCell(pg.LatencyFrom))
	if pg.SeriesProblem != "" {
		label := "No time series"
		if pg.SeriesDamaged {
			label = "**Time series damaged**"
		}
		fmt.Fprintf(&b, "> %s: %s\n\n", label, mdCell(pg.SeriesProblem))
	}
	if a := pg.Accounting; a != nil {
		mdTable(&b, []string{"Planned", "Sent", "Answered", "Not sent", "Sent share", "429s", "Retries"},
			[][]string{{count(a.Planned), count(a.Sent), count(a.Answered), count(a.NotSent), pct(a.SentShare),
				count(a.Throttled), count(a.Retries)}})
		if len(a.NotSentReasons) > 0 {
			parts := make([]string, len(a.NotSentReasons))
			for i, x := range a.NotSentReasons {
				parts[i] = fmt.Sprintf("%s ×%s", mdCell(x.Reason), count(x.Count))
			}
			fmt.Fprintf(&b, "Not sent, by reason: %s.\n\n", strings.Join(parts, "; "))
		}
	}
	if g := pg.Generator; g != nil {
		state := "healthy"
		if g.Saturated {
			state = "**SATURATED**: " + mdCell(strings.Join(g.Reasons, "; "))
		}
		fmt.Fprintf(&b, "Generator %s · schedule lag p99 %s, max %s", state, humanSeconds(g.LagP99), humanSeconds(g.LagMax))
		if g.GOMAXPROCS > 0 {
			fmt.Fprintf(&b, " · CPU %s (peak %s) · peak in flight %d of %d", pct(g.CPU), pct(g.CPUPeak), g.PeakInFlight, g.MaxInFlight)
		}
		b.WriteString(".\n\n")
		for _, w := range g.Warnings {
			fmt.Fprintf(&b, "> Generator warning: %s\n\n", mdCell(w))
		}
	}
	for _, d := range pg.Damage {
		fmt.Fprintf(&b, "> **Damaged**: %s\n\n", mdCell(d))
	}
	for _, n := range pg.Notes {
		fmt.Fprintf(&b, "> Note: %s\n\n", mdCell(n))
	}
	rows := make([][]string, 0, len(pg.Ops))
	for _, o := range pg.Ops {
		name := o.Name
		if o.Total {
			name = "**" + name + "**"
		}
		rows = append(rows, []string{name, o.Requests, o.Rate, o.Success, o.P50, o.P90, o.P99, o.Max, o.Statuses})
	}
	mdTable(&b, []string{"Operation", "Requests", "Rate", "Success", "p50", "p90", "p99", "Max", "Statuses"}, rows)
	if len(pg.Errors) > 0 {
		rows = rows[:0]
		for _, e := range pg.Errors {
			rows = append(rows, []string{e.Reason, count(e.Count)})
		}
		mdTable(&b, []string{"Transport error (no answer)", "Count"}, rows)
	}
	if len(pg.Steps) > 0 {
		b.WriteString("### Capacity steps\n\n")
		if k := pg.Knee; k != nil {
			if k.Found {
				fmt.Fprintf(&b, "**Knee: %s/s** (step %d), the highest offered rate that met the SLO with the generator healthy.", fmtNum(k.Rate), k.Step)
			} else {
				b.WriteString("**No step met the SLO.**")
			}
			if k.Why != "" {
				fmt.Fprintf(&b, " %s", mdCell(k.Why))
			}
			b.WriteString("\n\n")
		}
		rows = rows[:0]
		for _, s := range pg.Steps {
			slo := "met"
			if !s.Met {
				slo = "missed: " + s.Reasons
			}
			n := fmt.Sprint(s.N)
			if s.Knee {
				n += " ◆ knee"
			}
			gen := "ok"
			if s.Generator != "" {
				gen = s.Generator
			}
			rows = append(rows, []string{n, s.Offered, s.Achieved, s.Requests, s.Errors, s.P50, s.P99, s.LagP99, gen, slo})
		}
		mdTable(&b, []string{"Step", "Offered", "Achieved", "Requests", "Errors", "p50", "p99", "Lag p99", "Generator", "SLO"}, rows)
	}
	if c := pg.Compliance; c != nil {
		word := "PASS"
		if !c.Pass {
			word = "FAIL"
		}
		fmt.Fprintf(&b, "### Back-off compliance: %s\n\nMode %s, policy %s.", word, mdCell(c.Mode), mdCell(c.Policy))
		if c.HasServer {
			if c.Agree {
				b.WriteString(" Client and server views agree.")
			} else {
				fmt.Fprintf(&b, " Client and server views **disagree**: %s.", mdCell(c.Disagreement))
			}
		}
		b.WriteString("\n\n")
		for _, x := range c.Reasons {
			fmt.Fprintf(&b, "- %s\n", mdCell(x))
		}
		if len(c.Reasons) > 0 {
			b.WriteString("\n")
		}
		for _, view := range c.Views {
			rows = rows[:0]
			for _, rr := range view.Rules {
				rows = append(rows, []string{rr.ID + " " + rr.Title, rr.Status, fmt.Sprintf("%d %s", rr.N, rr.Unit), rr.Figure, fmt.Sprint(rr.Total)})
			}
			fmt.Fprintf(&b, "%s:\n\n", view.Title)
			mdTable(&b, []string{"Rule", "Result", "Examined", "Figure", "Violations"}, rows)
		}
	}
	if len(pg.Thresholds) > 0 {
		rows = rows[:0]
		for _, t := range pg.Thresholds {
			res := "✅ pass"
			if !t.Pass {
				res = "❌ FAIL"
			}
			rows = append(rows, []string{t.Metric, t.LimitText, t.ActualText, res})
		}
		b.WriteString("### Thresholds\n\n")
		mdTable(&b, []string{"Metric", "Limit", "Actual", "Result"}, rows)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// WriteConformMarkdown writes a conformance run's report as Markdown: the
// verdict, the coverage matrix, and the failures.
func WriteConformMarkdown(w io.Writer, r ConformReport) error {
	pg, err := buildConformPage(r)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s Conformance run: %s\n\n%s\n\n", mdEmoji(pg.Class), pg.Word, mdCell(pg.Verdict))
	fmt.Fprintf(&b, "Target %s · ran %s · %d HTTP requests.\n\n", mdCell(pg.Target), pg.Duration, pg.Requests)
	header := []string{"Operation"}
	for _, s := range pg.Statuses {
		header = append(header, fmt.Sprint(s))
	}
	rows := make([][]string, 0, len(pg.Rows))
	for _, row := range pg.Rows {
		cells := []string{row.Operation}
		for _, c := range row.Cells {
			cells = append(cells, c.Text)
		}
		rows = append(rows, cells)
	}
	mdTable(&b, header, rows)
	if len(pg.Failed) > 0 {
		rows = rows[:0]
		for _, f := range pg.Failed {
			rows = append(rows, []string{f.URI, f.Name, redact.Scrub(f.Failure, r.Secrets...)})
		}
		fmt.Fprintf(&b, "### Failed scenarios (%d)\n\n", len(pg.Failed))
		mdTable(&b, []string{"Feature", "Scenario", "Failure"}, rows)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func fmtNum(f float64) string { return humanfmt.Number(f) }
