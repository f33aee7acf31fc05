package reports

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/humanfmt"
)

// ComplianceViolationRows is how many violations WriteCompliance lists before
// summarising the rest as "and N more".
const ComplianceViolationRows = 20

// WriteCompliance renders a back-off compliance verdict (rules C1–C7 of
// docs/backoff-compliance.md) as text: a headline, a table of the rules
// (rule, title, verdict, n, figure) and a table of the first
// ComplianceViolationRows violations with their evidence, then "and N more".
// Client ids in a verdict are already redacted.
func WriteCompliance(w io.Writer, v compliance.Verdict) error {
	var b strings.Builder
	verdict := "PASS"
	if !v.Pass() {
		verdict = "FAIL (" + strings.Join(v.Failed(), ", ") + ")"
	}
	o := v.Options
	fmt.Fprintf(&b, "Back-off compliance: %s\n", verdict)
	fmt.Fprintf(&b, "%s, %s, %s; graded as: at most %s, %s jitter, base %s, cap %s",
		humanfmt.Plural(v.Events, "event"), humanfmt.Plural(v.Clients, "client"), humanfmt.Plural(v.Chains, "chain"),
		humanfmt.Plural(o.MaxAttempts, "attempt"), o.Jitter, o.Base, o.Cap)
	if o.RetryBudget {
		b.WriteString(", retry budget")
	}
	b.WriteString("\n")

	rules := table.NewWriter()
	rules.SetStyle(table.StyleLight)
	rules.AppendHeader(table.Row{"Rule", "Title", "Verdict", "N", "Figure"})
	// 4+20+19+22+37 columns and 16 of borders: within ConsoleWidth.
	rules.SetColumnConfigs([]table.ColumnConfig{wrapColumn(2, 20), wrapColumn(4, 22), wrapColumn(5, 37)})
	for _, r := range v.Rules {
		status := string(r.Status)
		if r.Failed() {
			status = "FAIL"
		}
		n := fmt.Sprintf("%d", r.N)
		if r.Unit != "" {
			n = fmt.Sprintf("%d %s", r.N, r.Unit)
		}
		rules.AppendRow(table.Row{r.ID, r.Title, status, n, r.Figure})
	}
	b.WriteString(rules.Render())
	b.WriteString("\n")

	total, shown := 0, 0
	for _, r := range v.Rules {
		total += r.Total
	}
	// Each violation is two rows: what happened, then its figure across
	// the whole table (merged cells), so the table fits ConsoleWidth with
	// the figure unbroken: the cells hold short values (rule, client id,
	// operation, status, clock times), about 100 columns with the borders.
	viols := table.NewWriter()
	viols.SetStyle(table.StyleLight)
	viols.Style().Options.SeparateRows = true
	viols.AppendHeader(table.Row{"Rule", "Client", "Operation", "Answer", "Answered", "Next attempt"})
	for _, x := range complianceSample(v.Rules, ComplianceViolationRows) {
		shown++
		viols.AppendRow(table.Row{x.Rule, x.Client, x.Operation, complianceAnswer(x), complianceTime(x.Answered), complianceTime(x.Next)})
		fig := x.Figure
		viols.AppendRow(table.Row{fig, fig, fig, fig, fig, fig}, table.RowConfig{AutoMerge: true, AutoMergeAlign: text.AlignLeft})
	}
	if total == 0 {
		b.WriteString("No violations.\n")
	} else {
		fmt.Fprintf(&b, "Violations (%d):\n", total)
		b.WriteString(viols.Render())
		b.WriteString("\n")
		if more := total - shown; more > 0 {
			fmt.Fprintf(&b, "and %d more\n", more)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write compliance report: %w", err)
	}
	return nil
}

// complianceSample picks up to n stored violations, shared fairly between
// the rules (round robin), so that every failing rule shows its evidence,
// listed in rule order.
func complianceSample(rules []compliance.Rule, n int) []compliance.Violation {
	take := make([]int, len(rules))
	for picked, more := 0, true; more && picked < n; {
		more = false
		for i, r := range rules {
			if take[i] < len(r.Violations) && picked < n {
				take[i]++
				picked++
				more = true
			}
		}
	}
	var out []compliance.Violation
	for i, r := range rules {
		out = append(out, r.Violations[:take[i]]...)
	}
	return out
}

func complianceAnswer(x compliance.Violation) string {
	s := fmt.Sprint(x.Status)
	if x.Status == 0 {
		s = "transport error"
	}
	if x.RetryAfter > 0 {
		s += " (Retry-After " + x.RetryAfter.String() + ")"
	}
	return s
}

func complianceTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("15:04:05.000")
}
