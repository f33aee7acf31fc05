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
	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/loadgen"
)

// WriteLoad renders a load run's summary: the run's headline, what became
// of every planned hit (sent, answered, not sent and why), the generator's
// health (schedule lag, CPU, hits in flight, file descriptors), a table per
// operation (requests that reached the target, achieved rate, success ratio,
// p50/p90/p95/p99/max latency from the intended send time, status counts),
// the error set, the attempts per contract operation, the steps of a step
// ramp with the knee, the back-off compliance verdict (both views), and the
// thresholds with their outcome.
func WriteLoad(w io.Writer, s *loadgen.Summary) error {
	var b strings.Builder
	writeLoadHeadline(&b, s)
	writeLoadAccounting(&b, s.Accounting)
	writeLoadGenerator(&b, s.Generator)
	writeLoadOperations(&b, s)
	writeLoadErrors(&b, s.All.ErrorSet)
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
	fmt.Fprintf(b, "Load run %q (target %s, %s, %s, retry policy %s)\n", s.Profile, s.Target, s.Pacer, humanfmt.Plural(s.Clients, "client"), s.Policy)
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
	b.WriteString("\nLatency is measured from each hit's intended send time (open model, no coordinated omission).\n")
}

// writeLoadAccounting writes what became of every planned hit.
func writeLoadAccounting(b *strings.Builder, a loadgen.Accounting) {
	if a.Planned == 0 && a.Sent == 0 && a.NotSent == 0 {
		b.WriteString("\n")
		return
	}
	share := func(n int64) string {
		if a.Planned == 0 {
			return ""
		}
		return " (" + humanfmt.Percent(float64(n)/float64(a.Planned)) + ")"
	}
	fmt.Fprintf(b, "Hits: planned %d · sent %d%s · answered %d · not sent %d%s", a.Planned, a.Sent, share(a.Sent), a.Answered, a.NotSent, share(a.NotSent))
	if a.NotSent > 0 {
		var parts []string
		for _, r := range loadgen.NotSentReasons() {
			if n := a.NotSentReasons[r]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", r, n))
			}
		}
		fmt.Fprintf(b, ": %s", strings.Join(parts, ", "))
	}
	b.WriteString("\nRates, ratios and latency count only the requests that reached the target.\n\n")
}

// writeLoadGenerator writes the generator's health, loudly when it
// saturated.
func writeLoadGenerator(b *strings.Builder, g *loadgen.GeneratorHealth) {
	if g == nil {
		return
	}
	var parts []string
	if g.Lag != nil {
		parts = append(parts, fmt.Sprintf("schedule lag p99 %s, max %s (limit %s)", loadDur(g.Lag.P99), loadDur(g.Lag.Max), g.MaxLag))
	}
	if g.GOMAXPROCS > 0 {
		who := ""
		if g.SharesWithMock {
			who = ", with the embedded mock"
		}
		parts = append(parts, fmt.Sprintf("CPU %.0f%% of %d cores (peak %.0f%%%s)", g.CPU*100, g.GOMAXPROCS, g.CPUPeak*100, who))
		if g.MachineCPU > 0 {
			parts = append(parts, fmt.Sprintf("machine CPU %.0f%% (every process)", g.MachineCPU*100))
		}
	}
	parts = append(parts, fmt.Sprintf("in flight peak %d of cap %d", g.PeakInFlight, g.MaxInFlight))
	if g.FDLimit.Soft > 0 {
		fd := fmt.Sprintf("file descriptors %d (hard %d)", g.FDLimit.Soft, g.FDLimit.Hard)
		if g.FDLimit.Before != g.FDLimit.Soft {
			fd += fmt.Sprintf(", raised from %d", g.FDLimit.Before)
		}
		parts = append(parts, fd)
	}
	fmt.Fprintf(b, "Generator: %s\n", strings.Join(parts, " · "))
	if g.Saturated {
		fmt.Fprintf(b, "GENERATOR SATURATED: the figures show the generator's limit as much as the target's:\n")
		for _, r := range g.Reasons {
			fmt.Fprintf(b, "  - %s\n", r)
		}
	}
	for _, w := range g.Warnings {
		fmt.Fprintf(b, "warning: %s\n", w)
	}
	b.WriteString("\n")
}

// byCount returns set's keys, most frequent first (ties A–Z).
func byCount(set map[string]int) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if set[keys[i]] != set[keys[j]] {
			return set[keys[i]] > set[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// writeLoadErrors writes the error set: failed requests by status and by
// transport error text, most frequent first.
func writeLoadErrors(b *strings.Builder, set map[string]int) {
	if len(set) == 0 {
		return
	}
	keys := byCount(set)
	et := table.NewWriter()
	et.SetStyle(table.StyleLight)
	et.SetTitle("Error set (final outcome of each failed request)")
	et.AppendHeader(table.Row{"Count", "Error"})
	et.SetColumnConfigs([]table.ColumnConfig{{Number: 1, Align: text.AlignRight}, {Number: 2, WidthMax: 90, WidthMaxEnforcer: text.WrapSoft}})
	for _, k := range keys {
		et.AppendRow(table.Row{set[k], k})
	}
	b.WriteString(et.Render())
	b.WriteString("\n")
}

// writeLoadOperations writes the table of operations, with all operations
// together as its footer.
func writeLoadOperations(b *strings.Builder, s *loadgen.Summary) {
	ops := table.NewWriter()
	ops.SetStyle(table.StyleLight)
	ops.AppendHeader(table.Row{"Operation", "Requests", "Rate/s", "Success", "p50", "p90", "p95", "p99", "Max", "Statuses"})
	cfg := []table.ColumnConfig{{Number: 10, WidthMax: 40, WidthMaxEnforcer: text.WrapSoft}}
	for n := 2; n <= 9; n++ { // figures: right-aligned, the footer (all operations) too
		cfg = append(cfg, table.ColumnConfig{Number: n, Align: text.AlignRight, AlignFooter: text.AlignRight})
	}
	ops.SetColumnConfigs(cfg)
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

// writeLoadSteps writes the steps of a step ramp (offered and achieved
// rate, latency, errors by kind, the generator's lag and CPU) and the knee
// with why the ramp went no higher (nothing for other pacers).
func writeLoadSteps(b *strings.Builder, s *loadgen.Summary) {
	if len(s.Steps) == 0 {
		return
	}
	st := table.NewWriter()
	st.SetStyle(table.StyleLight)
	st.SetTitle("Steps")
	st.AppendHeader(table.Row{"Step", "From", "Offered/s", "Achieved/s", "Requests", "p50", "p99", "Errors", "Lag p99", "CPU", "SLO"})
	st.SetColumnConfigs([]table.ColumnConfig{
		{Number: 3, Align: text.AlignRight}, {Number: 4, Align: text.AlignRight}, {Number: 5, Align: text.AlignRight},
		{Number: 6, Align: text.AlignRight}, {Number: 7, Align: text.AlignRight}, {Number: 9, Align: text.AlignRight}, {Number: 10, Align: text.AlignRight},
		{Number: 8, WidthMax: 30, WidthMaxEnforcer: text.WrapSoft}, {Number: 11, WidthMax: 50, WidthMaxEnforcer: text.WrapSoft},
	})
	for _, x := range s.Steps {
		slo := "met"
		switch {
		case x.Generator != "":
			slo = "GENERATOR-LIMITED (not graded): " + x.Generator
		case !x.MetSLO:
			slo = "MISSED: " + strings.Join(x.Reasons, "; ")
		}
		lag, cpu := "-", "-"
		if x.Op.Lag != nil {
			lag = loadDur(x.Op.Lag.P99)
			if x.Op.Lag.P99 == 0 {
				lag = "0"
			}
		}
		if x.CPU > 0 {
			cpu = fmt.Sprintf("%.0f%%", x.CPU*100)
		}
		errs := "0"
		if x.Op.Errors > 0 || len(x.Op.ErrorSet) > 0 {
			errs = loadErrorKinds(x.Op.ErrorSet)
		}
		st.AppendRow(table.Row{x.Index + 1, x.Start, fmt.Sprintf("%.0f", x.Rate), fmt.Sprintf("%.1f", x.Achieved),
			x.Op.Requests, loadDur(x.Op.Latency.P50), loadDur(x.Op.Latency.P99), errs, lag, cpu, slo})
	}
	b.WriteString(st.Render())
	b.WriteString("\n")
	writeLoadKnee(b, s)
}

// writeLoadKnee says where the ramp's knee is and why it went no higher.
func writeLoadKnee(b *strings.Builder, s *loadgen.Summary) {
	k := s.Knee
	if k == nil {
		if s.HighestRate > 0 {
			fmt.Fprintf(b, "Highest step rate that met the SLO: %.0f/s\n", s.HighestRate)
		} else {
			b.WriteString("No step met the SLO.\n")
		}
		return
	}
	knee := "no step met the SLO"
	if k.Rate > 0 {
		knee = fmt.Sprintf("%.0f/s (step %d)", k.Rate, k.Step)
	}
	switch k.Cause {
	case "target":
		fmt.Fprintf(b, "Knee: %s; step %d (%.0f/s) missed the SLO on the target's account: %s\n", knee, k.NextStep, k.NextRate, k.Why)
	case "generator":
		fmt.Fprintf(b, "Knee not found: the generator saturated first, at step %d (%.0f/s): %s. Highest step met with a healthy generator: %s\n", k.NextStep, k.NextRate, k.Why, knee)
	case "incomplete":
		fmt.Fprintf(b, "Knee not found: %s at step %d (%.0f/s). Highest step met: %s\n", k.Why, k.NextStep, k.NextRate, knee)
	default:
		fmt.Fprintf(b, "Knee above the ramp: every step met the SLO (highest %s)\n", knee)
	}
}

// loadErrorKinds renders an error set compactly: "503×4 EOF×1", most
// frequent first, HTTP answers by code.
func loadErrorKinds(set map[string]int) string {
	keys := byCount(set)
	parts := make([]string, len(keys))
	for i, k := range keys {
		name := k
		if code, _, ok := strings.Cut(k, " "); ok {
			if _, err := strconv.Atoi(code); err == nil {
				name = code
			}
		}
		if len(name) > 40 {
			name = name[:37] + "..."
		}
		parts[i] = fmt.Sprintf("%s×%d", name, set[k])
	}
	return strings.Join(parts, " ")
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
	for _, d := range s.Damage {
		fmt.Fprintf(b, "DAMAGED: %s\n", d)
	}
	partial := ""
	if s.Interrupted || s.Partial {
		partial = " — on a partial run"
	}
	verdict := "PASS"
	if !s.ThresholdsMet {
		verdict = "FAIL (" + strings.Join(s.Failed(), ", ") + ")"
	}
	if s.Generator != nil && s.Generator.Saturated {
		verdict += " — GENERATOR SATURATED"
	}
	if len(s.Damage) > 0 {
		fmt.Fprintf(b, "Result: NO VERDICT — the run's data is DAMAGED (on what could be read: %s)\n", verdict)
		return
	}
	fmt.Fprintf(b, "Result: %s%s\n", verdict, partial)
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
