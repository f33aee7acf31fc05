package reports

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/loadgen"
)

// WriteLoad renders a load run's summary: the run's headline, a table per
// operation (requests, achieved rate, success ratio, p50/p90/p95/p99/max
// latency from the intended send time, status counts), the attempts per
// contract operation, the steps of a step ramp with the highest rate that
// met the SLO, the back-off compliance verdict (both views), and the
// thresholds with their outcome.
func WriteLoad(w io.Writer, s *loadgen.Summary) error {
	var b strings.Builder
	writeLoadHeadline(&b, s)
	writeLoadOperations(&b, s)
	writeLoadAttempts(&b, s.Attempts)
	writeLoadSteps(&b, s)
	b.WriteString("\n")
	if s.Compliance != nil {
		if err := writeLoadCompliance(&b, s.Compliance); err != nil {
			return err
		}
	}
	writeLoadThresholds(&b, s.Thresholds)
	writeLoadResult(&b, s)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeLoadHeadline writes what ran against what, for how long, and whether
// the run was cut short.
func writeLoadHeadline(b *strings.Builder, s *loadgen.Summary) {
	fmt.Fprintf(b, "Load run %q (target %s, %s, %d clients, retry policy %s)\n", s.Profile, s.Target, s.Pacer, s.Clients, s.Policy)
	if s.Description != "" {
		fmt.Fprintf(b, "%s\n", s.Description)
	}
	fmt.Fprintf(b, "planned %s (%d hits), ran %s", s.Planned, s.PlannedHits, s.Elapsed.Round(time.Millisecond))
	switch {
	case s.Interrupted && s.Partial:
		b.WriteString(" — INTERRUPTED, partial run")
	case s.Interrupted:
		b.WriteString(" — INTERRUPTED")
	case s.Partial:
		b.WriteString(" — partial run")
	}
	b.WriteString("\nLatency is measured from each hit's intended send time (open model, no coordinated omission).\n\n")
}

// writeLoadOperations writes the table of operations, with all operations
// together as its footer.
func writeLoadOperations(b *strings.Builder, s *loadgen.Summary) {
	ops := table.NewWriter()
	ops.SetStyle(table.StyleLight)
	ops.AppendHeader(table.Row{"Operation", "Requests", "Rate/s", "Success", "p50", "p90", "p95", "p99", "Max", "Statuses"})
	ops.SetColumnConfigs([]table.ColumnConfig{
		{Number: 2, Align: text.AlignRight}, {Number: 3, Align: text.AlignRight}, {Number: 4, Align: text.AlignRight},
		{Number: 5, Align: text.AlignRight}, {Number: 6, Align: text.AlignRight}, {Number: 7, Align: text.AlignRight},
		{Number: 8, Align: text.AlignRight}, {Number: 9, Align: text.AlignRight},
		{Number: 10, WidthMax: 40, WidthMaxEnforcer: text.WrapSoft},
	})
	row := func(o loadgen.OpSummary) table.Row {
		l := o.Latency
		return table.Row{o.Name, o.Requests, fmt.Sprintf("%.1f", o.Rate), fmt.Sprintf("%.2f%%", o.SuccessRatio*100),
			loadDur(l.P50), loadDur(l.P90), loadDur(l.P95), loadDur(l.P99), loadDur(l.Max), loadStatuses(o.Statuses)}
	}
	for _, o := range s.Operations {
		ops.AppendRow(row(o))
	}
	ops.AppendFooter(row(s.All))
	ops.Style().Format.Footer = text.FormatDefault
	b.WriteString(ops.Render())
	b.WriteString("\n")
}

// writeLoadAttempts writes every try per contract operation, retries
// included (nothing when no attempt was logged).
func writeLoadAttempts(b *strings.Builder, attempts []loadgen.AttemptStats) {
	if len(attempts) == 0 {
		return
	}
	at := table.NewWriter()
	at.SetStyle(table.StyleLight)
	at.SetTitle("Attempts (every try, retries included)")
	at.AppendHeader(table.Row{"Contract operation", "Attempts", "Retries", "429", "5xx", "Transport errors"})
	for _, a := range attempts {
		at.AppendRow(table.Row{a.Operation, a.Attempts, a.Retries, a.Throttled, a.ServerErrors, a.TransportErrors})
	}
	b.WriteString(at.Render())
	b.WriteString("\n")
}

// writeLoadSteps writes the steps of a step ramp and the highest step rate
// that met the SLO (nothing for other pacers).
func writeLoadSteps(b *strings.Builder, s *loadgen.Summary) {
	if len(s.Steps) == 0 {
		return
	}
	st := table.NewWriter()
	st.SetStyle(table.StyleLight)
	st.SetTitle("Steps")
	st.AppendHeader(table.Row{"Step", "From", "Offered/s", "Achieved/s", "Requests", "Errors", "p95", "p99", "SLO"})
	st.SetColumnConfigs([]table.ColumnConfig{{Number: 9, WidthMax: 50, WidthMaxEnforcer: text.WrapSoft}})
	for _, x := range s.Steps {
		slo := "met"
		if !x.MetSLO {
			slo = "MISSED: " + strings.Join(x.Reasons, "; ")
		}
		st.AppendRow(table.Row{x.Index + 1, x.Start, fmt.Sprintf("%.0f", x.Rate), fmt.Sprintf("%.1f", x.Achieved),
			x.Op.Requests, x.Op.Errors, loadDur(x.Op.Latency.P95), loadDur(x.Op.Latency.P99), slo})
	}
	b.WriteString(st.Render())
	b.WriteString("\n")
	if s.HighestRate > 0 {
		fmt.Fprintf(b, "Highest step rate that met the SLO: %.0f/s\n", s.HighestRate)
	} else {
		b.WriteString("No step met the SLO.\n")
	}
}

// writeLoadCompliance writes the run's back-off verdict with its reasons,
// whether the two views agree, and each view's rules (WriteCompliance).
func writeLoadCompliance(b *strings.Builder, c *loadgen.ComplianceSummary) error {
	verdict := "PASS"
	if !c.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(b, "Back-off compliance (%s, policy %s): %s\n", c.Mode, c.Policy, verdict)
	for _, r := range c.Reasons {
		fmt.Fprintf(b, "  - %s\n", r)
	}
	if c.Server != nil {
		agree := "agree"
		if !c.Agree {
			agree = "DISAGREE"
		}
		fmt.Fprintf(b, "Client view (attempt log) and server view (mock journal) %s.\n", agree)
	}
	for _, view := range []struct {
		title string
		v     *compliance.Verdict
	}{
		{"\nClient view (attempt log):\n", c.Client},
		{"\nServer view (mock journal):\n", c.Server},
	} {
		if view.v == nil {
			continue
		}
		b.WriteString(view.title)
		if err := WriteCompliance(b, *view.v); err != nil {
			return err
		}
	}
	b.WriteString("\n")
	return nil
}

// writeLoadThresholds writes the table of thresholds with their outcome.
func writeLoadThresholds(b *strings.Builder, thresholds []loadgen.ThresholdResult) {
	if len(thresholds) == 0 {
		return
	}
	th := table.NewWriter()
	th.SetStyle(table.StyleLight)
	th.SetTitle("Thresholds")
	th.AppendHeader(table.Row{"Threshold", "Limit", "Actual", "Result"})
	th.SetColumnConfigs([]table.ColumnConfig{{Number: 3, WidthMax: 60, WidthMaxEnforcer: text.WrapSoft}})
	for _, t := range thresholds {
		res := "pass"
		if !t.Pass {
			res = "FAIL"
		}
		th.AppendRow(table.Row{t.Name, t.Limit, t.Actual, res})
	}
	b.WriteString(th.Render())
	b.WriteString("\n")
}

// writeLoadResult writes the notes and the final verdict line, saying when
// it is the verdict of a partial run.
func writeLoadResult(b *strings.Builder, s *loadgen.Summary) {
	for _, n := range s.Notes {
		fmt.Fprintf(b, "note: %s\n", n)
	}
	partial := ""
	if s.Interrupted || s.Partial {
		partial = " — on a partial run"
	}
	if s.Pass {
		fmt.Fprintf(b, "Result: PASS%s\n", partial)
	} else {
		fmt.Fprintf(b, "Result: FAIL (%s)%s\n", strings.Join(s.Failed(), ", "), partial)
	}
}

// dur renders a latency with a precision that suits its size.
func loadDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// statuses renders status counts as "200×95 429×5", numeric codes first.
func loadStatuses(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, aerr := strconv.Atoi(keys[i])
		c, cerr := strconv.Atoi(keys[j])
		switch {
		case aerr == nil && cerr == nil:
			return a < c
		case aerr == nil:
			return true
		case cerr == nil:
			return false
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
