package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/runs"
)

// CompareSchema and CompareSchemaVersion identify the JSON comparison
// (WriteCompare with FormatJSON).
const (
	CompareSchema        = "harness.compare"
	CompareSchemaVersion = 1
)

// Comparison is what WriteCompare renders: two runs and regress.Compare's
// report on their per-interval samples.
type Comparison struct {
	Baseline, Candidate *runs.Run
	Report              regress.Report
	// LatencyFloor is the smallest latency change counted
	// (runs.MinShift's, shown with the method).
	LatencyFloor time.Duration
}

// Verdict is the comparison's one-line outcome: "regression" when any
// series regressed, else "no significant change" (improvements and
// direction-less changes are listed, but do not fail a comparison).
func (c Comparison) Verdict() string {
	if c.Report.HasRegression() {
		return string(regress.Regression)
	}
	return string(regress.NoChange)
}

// Partial reports whether either run did not finish.
func (c Comparison) Partial() bool { return c.Baseline.Partial || c.Candidate.Partial }

// CompareFormats lists the formats WriteCompare writes, in the order the
// usage shows them. It is the one owner of that list: the CLI's flag help
// and its errors come from it.
func CompareFormats() []Format { return []Format{FormatText, FormatMarkdown, FormatJSON} }

// ParseCompareFormat checks a compare --format value: one of
// CompareFormats (or "md" for markdown); the error lists exactly those.
func ParseCompareFormat(s string) (Format, error) {
	f, err := ParseFormat(s)
	if err == nil && offered(f) {
		return f, nil
	}
	return "", fmt.Errorf("--format %q: compare writes one of %s", s, compareFormatList())
}

func offered(f Format) bool {
	for _, o := range CompareFormats() {
		if o == f {
			return true
		}
	}
	return false
}

func compareFormatList() string { return JoinFormats(CompareFormats(), ", ") }

// JoinFormats joins format names with sep, for usage text and errors
// ("text|markdown|json").
func JoinFormats(fs []Format, sep string) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, sep)
}

// WriteCompare writes a comparison as text (a go-pretty table), Markdown
// (for a CI job summary or a pull-request comment) or JSON.
func WriteCompare(w io.Writer, f Format, c Comparison) error {
	switch f {
	case FormatText:
		return writeCompareText(w, c)
	case FormatMarkdown:
		return writeCompareMarkdown(w, c)
	case FormatJSON:
		return writeCompareJSON(w, c)
	}
	return fmt.Errorf("--format %s: compare writes one of %s", f, compareFormatList())
}

// compareRow is one result as the text and Markdown tables show it.
func compareRow(r regress.Result) []string {
	unit := runs.Unit(r.Metric)
	base, cand := "-", "-"
	if r.Baseline.N > 0 {
		base = fmtValue(r.Baseline.Median, unit) + " (n=" + strconv.Itoa(r.Baseline.N) + ")"
	}
	if r.Candidate.N > 0 {
		cand = fmtValue(r.Candidate.Median, unit) + " (n=" + strconv.Itoa(r.Candidate.N) + ")"
	}
	change, p := "-", "-"
	if r.Baseline.N > 0 && r.Candidate.N > 0 {
		change = changeCell(r, unit)
		p = fmtP(r.PAdjusted)
		if raw := fmtP(r.P); raw != p {
			p += " (raw " + raw + ")"
		}
	}
	return []string{r.Operation, r.Metric, base, cand, change, p, string(r.Verdict)}
}

var compareHeader = []string{"Operation", "Metric", "Baseline median", "Candidate median", "Change [CI]", "p (adjusted)", "Verdict"}

func fmtValue(v float64, unit string) string {
	switch unit {
	case "seconds":
		if v == 0 {
			return "0"
		}
		return humanSeconds(v)
	case "perSecond":
		return fmtRate(v)
	case "fraction":
		return pct(v)
	}
	return fmtNum(v)
}

// changeCell is the change with its interval: relative to the baseline
// median when that is available, else in the metric's unit; an interval
// that is not available (too few samples) reads "[CI n/a]".
func changeCell(r regress.Result, unit string) string {
	if r.RelativeOK {
		if !r.RelativeIntervalOK() {
			return signedPct(r.Relative) + " [CI n/a]"
		}
		return fmt.Sprintf("%s [%s, %s]", signedPct(r.Relative), signedPct(r.RelativeLo), signedPct(r.RelativeHi))
	}
	if !r.ShiftIntervalOK {
		return signedValue(r.Shift, unit) + " [CI n/a]"
	}
	return fmt.Sprintf("%s [%s, %s]", signedValue(r.Shift, unit), signedValue(r.ShiftLo, unit), signedValue(r.ShiftHi, unit))
}

func signedValue(v float64, unit string) string {
	return humanfmt.Signed(v, func(a float64) string { return fmtValue(a, unit) })
}

// signedPct is a relative change with one decimal: "+23.7 %", "−0.4 %".
func signedPct(r float64) string {
	return humanfmt.Signed(r, func(a float64) string { return strconv.FormatFloat(a*100, 'f', 1, 64) + " %" })
}

func fmtP(p float64) string {
	if p < 0.0001 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

func runLine(name string, r *runs.Run) string {
	s := fmt.Sprintf("%-9s %s", name+":", r.Label())
	if r.Env.GitRevision != "" {
		s += ", revision " + r.Env.GitRevision
	}
	if r.Partial {
		s += " [PARTIAL]"
	}
	for _, n := range r.Notes {
		s += "\n           note: " + n
	}
	return s
}

func method(c Comparison) string {
	rep := c.Report
	adj := "each series at α on its own"
	if rep.Holm {
		adj = "Holm-adjusted across the series"
	}
	return fmt.Sprintf("Mann–Whitney U over per-interval samples, α %s (%s); changes under %s, latency changes under %s and ratio changes under %s are not counted; CI is the %s Hodges–Lehmann interval",
		strconv.FormatFloat(rep.Alpha, 'g', -1, 64), adj, pct(rep.Threshold), c.LatencyFloor, pct(runs.RatioFloor), pct(1-rep.Alpha))
}

func compareOutcome(c Comparison) string {
	rep := c.Report
	var s string
	if rep.HasRegression() {
		var names []string
		for _, r := range rep.Results {
			if r.Verdict == regress.Regression {
				names = append(names, r.Operation+" "+r.Metric)
			}
		}
		s = fmt.Sprintf("REGRESSION in %d series: %s", rep.Regressed, strings.Join(names, ", "))
	} else {
		s = "no significant change"
		if rep.Improved > 0 {
			s += fmt.Sprintf(" for the worse (%d series improved)", rep.Improved)
		}
	}
	if rep.Changed > 0 {
		s += fmt.Sprintf("; %d series changed with no known better direction", rep.Changed)
	}
	if rep.Undecided > 0 {
		s += fmt.Sprintf("; %d series could not be decided (too few samples, or in one run only)", rep.Undecided)
	}
	if c.Partial() {
		s += "; a run is PARTIAL, so this is no verdict on whole runs"
	}
	return s
}

func writeCompareText(w io.Writer, c Comparison) error {
	var b strings.Builder
	b.WriteString(runLine("Baseline", c.Baseline) + "\n")
	b.WriteString(runLine("Candidate", c.Candidate) + "\n")
	b.WriteString(method(c) + "\n\n")
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	hdr := table.Row{}
	for _, h := range compareHeader {
		hdr = append(hdr, h)
	}
	t.AppendHeader(hdr)
	for _, r := range c.Report.Results {
		row := table.Row{}
		for _, cell := range compareRow(r) {
			row = append(row, cell)
		}
		t.AppendRow(row)
	}
	b.WriteString(t.Render() + "\n")
	for _, r := range c.Report.Results {
		for _, wn := range r.Warnings {
			fmt.Fprintf(&b, "warning: %s %s: %s\n", r.Operation, r.Metric, wn)
		}
	}
	b.WriteString("\nResult: " + compareOutcome(c) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCompareMarkdown(w io.Writer, c Comparison) error {
	var b strings.Builder
	icon := "✅"
	switch {
	case c.Report.HasRegression():
		icon = "❌"
	case c.Partial():
		icon = "⚠️"
	}
	fmt.Fprintf(&b, "### %s Comparison: %s\n\n", icon, mdCell(compareOutcome(c)))
	for _, x := range []struct {
		name string
		r    *runs.Run
	}{{"Baseline", c.Baseline}, {"Candidate", c.Candidate}} {
		fmt.Fprintf(&b, "- **%s:** %s", x.name, mdCell(x.r.Label()))
		if x.r.Env.GitRevision != "" {
			fmt.Fprintf(&b, ", revision `%s`", strings.ReplaceAll(x.r.Env.GitRevision, "`", "'"))
		}
		if x.r.Partial {
			b.WriteString(" **(partial)**")
		}
		b.WriteString("\n")
		for _, n := range x.r.Notes {
			fmt.Fprintf(&b, "  - %s\n", mdCell(n))
		}
	}
	b.WriteString("\n" + mdCell(method(c)) + ".\n\n")
	var changed, rest [][]string
	for _, r := range c.Report.Results {
		if r.Verdict == regress.NoChange {
			rest = append(rest, compareRow(r))
		} else {
			changed = append(changed, compareRow(r))
		}
	}
	if len(changed) > 0 {
		mdTable(&b, compareHeader, changed)
	}
	if len(rest) > 0 {
		fmt.Fprintf(&b, "<details><summary>%d series with no significant change</summary>\n\n", len(rest))
		mdTable(&b, compareHeader, rest)
		b.WriteString("</details>\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonRunRef struct {
	Source         string    `json:"source"`
	HistoryID      int64     `json:"historyId,omitempty"`
	Kind           string    `json:"kind"`
	Profile        string    `json:"profile"`
	Started        time.Time `json:"started"`
	GitRevision    string    `json:"gitRevision,omitempty"`
	Host           string    `json:"host,omitempty"`
	HarnessVersion string    `json:"harnessVersion,omitempty"`
	Partial        bool      `json:"partial"`
	Notes          []string  `json:"notes,omitempty"`
}

func newJSONRunRef(r *runs.Run) jsonRunRef {
	return jsonRunRef{Source: r.Source, HistoryID: r.HistoryID, Kind: r.Kind, Profile: r.Profile, Started: r.Started,
		GitRevision: r.Env.GitRevision, Host: r.Env.Host, HarnessVersion: r.Env.HarnessVersion, Partial: r.Partial, Notes: r.Notes}
}

// jsonCenter is a run's median; lo and hi (its interval) are absent when
// the run has too few samples for one.
type jsonCenter struct {
	N      int      `json:"n"`
	Median float64  `json:"median"`
	Lo     *float64 `json:"lo,omitempty"`
	Hi     *float64 `json:"hi,omitempty"`
}

type jsonCompareResult struct {
	Operation string     `json:"operation"`
	Metric    string     `json:"metric"`
	Unit      string     `json:"unit,omitempty"`
	Direction string     `json:"direction"`
	Baseline  jsonCenter `json:"baseline"`
	Candidate jsonCenter `json:"candidate"`
	// Shift is candidate − baseline in the metric's unit; Relative the same
	// as a fraction of the baseline median (absent when that is 0). An
	// interval (shiftLo/shiftHi, relativeLo/relativeHi) and its confidence
	// are absent when the samples are too few for one.
	Shift      float64  `json:"shift"`
	ShiftLo    *float64 `json:"shiftLo,omitempty"`
	ShiftHi    *float64 `json:"shiftHi,omitempty"`
	Relative   *float64 `json:"relative,omitempty"`
	RelativeLo *float64 `json:"relativeLo,omitempty"`
	RelativeHi *float64 `json:"relativeHi,omitempty"`
	Confidence *float64 `json:"confidence,omitempty"`
	P          float64  `json:"p"`
	PAdjusted  float64  `json:"pAdjusted"`
	Verdict    string   `json:"verdict"`
	Warnings   []string `json:"warnings,omitempty"`
}

type jsonCompare struct {
	Schema        string     `json:"schema"`
	SchemaVersion int        `json:"schemaVersion"`
	Baseline      jsonRunRef `json:"baseline"`
	Candidate     jsonRunRef `json:"candidate"`
	Method        string     `json:"method"`
	Alpha         float64    `json:"alpha"`
	Threshold     float64    `json:"threshold"`
	Holm          bool       `json:"holm"`
	// LatencyFloor is the smallest latency change counted, in seconds.
	LatencyFloor float64             `json:"latencyFloorSeconds"`
	RatioFloor   float64             `json:"ratioFloor"`
	Verdict      string              `json:"verdict"`
	Partial      bool                `json:"partial"`
	Regressed    int                 `json:"regressed"`
	Improved     int                 `json:"improved"`
	Unchanged    int                 `json:"unchanged"`
	Changed      int                 `json:"changed"`
	Undecided    int                 `json:"undecided"`
	Results      []jsonCompareResult `json:"results"`
}

func jc(c regress.Center) jsonCenter {
	j := jsonCenter{N: c.N, Median: c.Median}
	if c.IntervalOK {
		j.Lo, j.Hi = ptr(c.Lo), ptr(c.Hi)
	}
	return j
}

func ptr(v float64) *float64 { return &v }

func writeCompareJSON(w io.Writer, c Comparison) error {
	rep := c.Report
	out := jsonCompare{Schema: CompareSchema, SchemaVersion: CompareSchemaVersion, Baseline: newJSONRunRef(c.Baseline),
		Candidate: newJSONRunRef(c.Candidate), Method: method(c), Alpha: rep.Alpha, Threshold: rep.Threshold, Holm: rep.Holm,
		LatencyFloor: c.LatencyFloor.Seconds(), RatioFloor: runs.RatioFloor, Verdict: c.Verdict(), Partial: c.Partial(), Regressed: rep.Regressed, Improved: rep.Improved, Unchanged: rep.Unchanged,
		Changed: rep.Changed, Undecided: rep.Undecided, Results: make([]jsonCompareResult, 0, len(rep.Results))}
	for _, r := range rep.Results {
		jr := jsonCompareResult{Operation: r.Operation, Metric: r.Metric, Unit: runs.Unit(r.Metric), Direction: r.Direction.String(),
			Baseline: jc(r.Baseline), Candidate: jc(r.Candidate), Shift: r.Shift,
			P: r.P, PAdjusted: r.PAdjusted, Verdict: string(r.Verdict), Warnings: r.Warnings}
		if r.ShiftIntervalOK {
			jr.ShiftLo, jr.ShiftHi, jr.Confidence = ptr(r.ShiftLo), ptr(r.ShiftHi), ptr(r.Confidence)
		}
		if r.RelativeOK {
			jr.Relative = ptr(r.Relative)
		}
		if r.RelativeIntervalOK() {
			jr.RelativeLo, jr.RelativeHi = ptr(r.RelativeLo), ptr(r.RelativeHi)
		}
		out.Results = append(out.Results, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
