package reports

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/alexa-harness/harness/internal/conform"
)

// CoverageCellText is how WriteCoverage shows a cell: "pass 3" (scenarios
// passed), "FAIL 1/3", "skip 2" (every covering scenario skipped, reasons
// listed below the table), "aborted 2" (skipped cells of an interrupted
// run), "NOT COVERED", or "" for a status the contract
// does not document for the operation.
func CoverageCellText(c conform.Cell) string {
	switch c.State {
	case conform.CellPassed:
		return "pass " + strconv.Itoa(c.Passed)
	case conform.CellFailed:
		return fmt.Sprintf("FAIL %d/%d", c.Failed, c.Failed+c.Passed+c.Skipped)
	case conform.CellSkipped:
		if slices.Contains(c.Reasons, conform.ReasonInterrupted) {
			return "aborted " + strconv.Itoa(c.Skipped) // no covering scenario finished: the run was interrupted
		}
		return "skip " + strconv.Itoa(c.Skipped)
	default:
		return "NOT COVERED"
	}
}

// WriteCoverage renders the coverage matrix, operation × documented status,
// as a go-pretty table, followed by the reasons of skipped cells and any
// tagged pair the contract does not document.
func WriteCoverage(w io.Writer, cov conform.Coverage) error {
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	header := table.Row{"operation"}
	cfg := []table.ColumnConfig{{Number: 1, Align: text.AlignLeft}}
	for i, s := range cov.Statuses {
		header = append(header, strconv.Itoa(s))
		cfg = append(cfg, table.ColumnConfig{Number: i + 2, Align: text.AlignCenter, AlignHeader: text.AlignCenter})
	}
	t.AppendHeader(header)
	t.SetColumnConfigs(cfg)
	for _, op := range cov.Operations {
		row := table.Row{op}
		for _, s := range cov.Statuses {
			if c, ok := cov.Cell(op, s); ok {
				row = append(row, CoverageCellText(c))
			} else {
				row = append(row, "")
			}
		}
		t.AppendRow(row)
	}
	var b strings.Builder
	b.WriteString(t.Render())
	b.WriteString("\n")
	var skipped []string
	for _, c := range cov.Cells {
		if c.State == conform.CellSkipped {
			skipped = append(skipped, fmt.Sprintf("  %s %d skipped: %s\n", c.Operation, c.Status, strings.Join(c.Reasons, "; ")))
		}
	}
	if len(skipped) > 0 {
		b.WriteString("Skipped cells:\n")
		for _, s := range skipped {
			b.WriteString(s)
		}
	}
	if u := cov.Uncovered(); len(u) > 0 {
		names := make([]string, len(u))
		for i, p := range u {
			names[i] = p.String()
		}
		fmt.Fprintf(&b, "Not covered by any scenario: %s\n", strings.Join(names, ", "))
	}
	if len(cov.Undocumented) > 0 {
		names := make([]string, len(cov.Undocumented))
		for i, p := range cov.Undocumented {
			names[i] = p.String()
		}
		fmt.Fprintf(&b, "Tagged but not documented by the contract: %s\n", strings.Join(names, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSkippedScenarios lists the skipped scenarios with their reasons as a
// go-pretty table, sorted by reason; scenarios left out by a tag expression
// are summed up in one line. It writes nothing when none was skipped.
func WriteSkippedScenarios(w io.Writer, results []conform.ScenarioResult) error {
	var skipped []conform.ScenarioResult
	unselected := 0
	for _, r := range results {
		switch {
		case r.Outcome != conform.Skipped:
		case strings.HasPrefix(r.Reason, conform.ReasonNotSelected):
			unselected++
		default:
			skipped = append(skipped, r)
		}
	}
	var b strings.Builder
	if len(skipped) > 0 {
		sort.SliceStable(skipped, func(i, j int) bool {
			if skipped[i].Reason != skipped[j].Reason {
				return skipped[i].Reason < skipped[j].Reason
			}
			return skipped[i].URI < skipped[j].URI
		})
		t := table.NewWriter()
		t.SetStyle(table.StyleLight)
		t.SetTitle(fmt.Sprintf("Skipped scenarios (%d)", len(skipped)))
		t.AppendHeader(table.Row{"feature", "scenario", "reason"})
		t.SetColumnConfigs([]table.ColumnConfig{wrapColumn(1, 24), wrapColumn(2, 46), wrapColumn(3, 40)}) // + 10 of borders
		for _, r := range skipped {
			t.AppendRow(table.Row{r.URI, r.Name, r.Reason})
		}
		b.WriteString(t.Render())
		b.WriteString("\n")
	}
	if unselected > 0 {
		fmt.Fprintf(&b, "%d scenarios %s.\n", unselected, firstReason(results, conform.ReasonNotSelected))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func firstReason(results []conform.ScenarioResult, prefix string) string {
	for _, r := range results {
		if strings.HasPrefix(r.Reason, prefix) {
			return r.Reason
		}
	}
	return prefix
}

// WriteConformSummary writes the failed scenarios with their messages and
// the one-line verdict of a run.
func WriteConformSummary(w io.Writer, res conform.Result) error {
	var b strings.Builder
	if failed := res.Failed(); len(failed) > 0 {
		t := table.NewWriter()
		t.SetStyle(table.StyleLight)
		t.SetTitle(fmt.Sprintf("Failed scenarios (%d)", len(failed)))
		t.AppendHeader(table.Row{"feature", "scenario", "failure"})
		t.SetColumnConfigs([]table.ColumnConfig{wrapColumn(1, 24), wrapColumn(2, 36), wrapColumn(3, 50)}) // + 10 of borders
		for _, r := range failed {
			t.AppendRow(table.Row{r.URI, r.Name, r.Failure})
		}
		b.WriteString(t.Render())
		b.WriteString("\n")
	}
	verdict, _ := conformVerdict(res)
	fmt.Fprintf(&b, "%s (target %s, %s, %d requests): %s\n", verdict, res.Target,
		res.Duration.Round(time.Millisecond), res.Requests, res.Verdict())
	_, err := io.WriteString(w, b.String())
	return err
}
