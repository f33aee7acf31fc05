package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/conform"
	"github.com/alexa-harness/harness/internal/redact"
)

// ConformReport is what the conformance reports are made of: the run's
// result (conform.json in the run folder, as `harness conform --out`
// writes it).
type ConformReport struct {
	Result conform.Result
	// Generated is when the report was rendered (shown in its footer).
	Generated time.Time
	// Secrets are known secret values to scrub from free text (failure
	// messages are already redacted by conform; this is a second guard).
	Secrets []string
}

type matrixCell struct {
	Documented         bool
	Class, Text, Title string
}

type matrixRow struct {
	Operation string
	Cells     []matrixCell
}

type conformPage struct {
	CSS                                        template.CSS
	Target, Tags, Started, Duration, Generated string
	Requests                                   int64
	Word, Class, Verdict                       string
	Total, Passed, NFailed, NSkipped, NAborted int
	Statuses                                   []int
	Rows                                       []matrixRow
	Uncovered, Undocumented                    []string
	Failed, Skipped                            []conform.ScenarioResult
}

// conformVerdict returns the banner word and class of a run (the one
// mapping every conformance report uses): PASS only when it passes
// (conform.Result.OK) with at least one scenario run; FAIL when a scenario
// failed, interrupted or not (as a load run's banner; the verdict text
// says it was interrupted); else INTERRUPTED for a partial run.
func conformVerdict(res conform.Result) (word, class string) {
	p, f, _ := res.Counts()
	switch {
	case f > 0:
		return "FAIL", "fail"
	case res.Partial():
		return "INTERRUPTED", "partial"
	case !res.OK():
		return "FAIL", "fail"
	case p == 0 && f == 0:
		return "PARTIAL", "partial" // nothing ran: not a pass
	}
	return "PASS", "pass"
}

func buildConformPage(r ConformReport) (*conformPage, error) {
	res := r.Result
	scrub := func(s string) string { return redact.Scrub(s, r.Secrets...) }
	css, err := styleCSS()
	if err != nil {
		return nil, err
	}
	p, f, s := res.Counts()
	pg := &conformPage{CSS: css, Target: scrub(res.Target), Tags: res.Tags,
		Started: res.Started.UTC().Format("2006-01-02 15:04:05 UTC"), Duration: res.Duration.Round(time.Millisecond).String(),
		Generated: r.Generated.UTC().Format("2006-01-02 15:04:05 UTC"), Requests: res.Requests,
		Verdict: scrub(res.Verdict()), Total: len(res.Scenarios), Passed: p, NFailed: f, NSkipped: s,
		NAborted: len(res.AbortedScenarios()), Statuses: res.Coverage.Statuses}
	pg.Word, pg.Class = conformVerdict(res)
	for _, op := range res.Coverage.Operations {
		row := matrixRow{Operation: op}
		for _, st := range res.Coverage.Statuses {
			c, ok := res.Coverage.Cell(op, st)
			if !ok {
				row.Cells = append(row.Cells, matrixCell{})
				continue
			}
			title := op + " " + strconv.Itoa(st) + ": " + string(c.State)
			if len(c.Scenarios) > 0 {
				title += " — " + strings.Join(c.Scenarios, "; ")
			}
			if len(c.Reasons) > 0 {
				title += " — " + strings.Join(c.Reasons, "; ")
			}
			row.Cells = append(row.Cells, matrixCell{Documented: true, Class: strings.ReplaceAll(string(c.State), " ", "-"),
				Text: CoverageCellText(c), Title: scrub(title)})
		}
		pg.Rows = append(pg.Rows, row)
	}
	for _, u := range res.Coverage.Uncovered() {
		pg.Uncovered = append(pg.Uncovered, u.String())
	}
	for _, u := range res.Coverage.Undocumented {
		pg.Undocumented = append(pg.Undocumented, u.String())
	}
	for _, x := range res.Failed() {
		x.Failure = scrub(x.Failure)
		pg.Failed = append(pg.Failed, x)
	}
	for _, x := range res.Skipped() {
		if strings.HasPrefix(x.Reason, conform.ReasonNotSelected) || x.Interrupted() {
			continue
		}
		x.Reason = scrub(x.Reason)
		pg.Skipped = append(pg.Skipped, x)
	}
	return pg, nil
}

// WriteConformHTML writes a conformance run's report as one self-contained
// HTML page: verdict banner, scenario counts, the coverage matrix
// (operation × documented status), the failures with their messages and
// the skipped scenarios with their reasons.
func WriteConformHTML(w io.Writer, r ConformReport) error {
	pg, err := buildConformPage(r)
	if err != nil {
		return err
	}
	t, err := parseTemplate("conform.html.tmpl")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "conform.html.tmpl", pg); err != nil {
		return fmt.Errorf("reports: render conform HTML: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}
