package reports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/redact"
	"github.com/alexa-harness/harness/internal/timeseries"
)

//go:embed templates/*.tmpl templates/style.css
var templateFS embed.FS

var htmlFuncs = template.FuncMap{
	// svg marks a chart drawn by this package (renderSVG) as safe: its
	// text is escaped by the SVG backend and its ids are ours.
	"svg":   func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // generated here
	"css":   func(s string) template.CSS { return template.CSS(s) },   // palette constants only
	"count": count,
	"pct":   pct,
	"secs":  humanSeconds,
	"num":   humanfmt.Number,
	"join":  strings.Join,
}

func parseTemplate(name string) (*template.Template, error) {
	return template.New(name).Funcs(htmlFuncs).ParseFS(templateFS, "templates/partials.html.tmpl", "templates/"+name)
}

func styleCSS() (template.CSS, error) {
	b, err := templateFS.ReadFile("templates/style.css")
	return template.CSS(b), err
}

// opRow is one line of the operations table.
type opRow struct {
	Name, Requests, Rate, Success, P50, P90, P95, P99, Max, Statuses string
	Bad, Total                                                       bool
}

func newOpRow(o loadgen.OpSummary, total bool) opRow {
	l := o.Latency
	return opRow{Name: o.Name, Requests: count(int64(o.Requests)), Rate: fmtRate(o.Rate), Success: pct(o.SuccessRatio),
		P50: loadDur(l.P50), P90: loadDur(l.P90), P95: loadDur(l.P95), P99: loadDur(l.P99), Max: loadDur(l.Max),
		Statuses: loadStatuses(o.Statuses), Bad: o.Errors > 0, Total: total}
}

type stepRow struct {
	N                                                                      int
	From, Offered, Achieved, Requests, Errors, P50, P99, Statuses, Reasons string
	Generator, LagP99                                                      string
	Met, Complete, Knee                                                    bool
}

func lagP99(l *loadgen.Latency) string {
	if l == nil {
		return "-"
	}
	return loadDur(l.P99)
}

type ruleRow struct {
	ID, Title, Status, Class, Unit, Figure string
	N, Total                               int
}

type complianceView struct {
	Mode, Policy, Disagreement               string
	Pass, Agree, HasServer, JournalTruncated bool
	EventsDropped                            int
	Reasons                                  []string
	Views                                    []verdictView
}

type verdictView struct {
	Title    string
	Rules    []ruleRow
	Evidence []compliance.Violation
}

// loadPage is everything the load template shows.
type loadPage struct {
	CSS                                                      template.CSS
	Profile, Description, Target, Pacer, Policy, LatencyFrom string
	Started, Elapsed, Planned, Generated, PlannedHits        string
	Clients                                                  int
	Verdict                                                  verdict
	SeriesProblem                                            string
	SeriesDamaged                                            bool
	SeriesFile                                               string
	AllRequests, AllRate, AllSuccess, AllP50, AllP99, AllMax string
	AllErrorsBad                                             bool
	Accounting                                               *accounting
	Generator                                                *generatorView
	Damage                                                   []string
	Errors                                                   []reasonCount
	Notes                                                    []string
	Charts                                                   []chart
	Ops                                                      []opRow
	Attempts                                                 []loadgen.AttemptStats
	Steps                                                    []stepRow
	Knee                                                     *knee
	Compliance                                               *complianceView
	Thresholds                                               []threshold
}

func buildLoadPage(r LoadReport) (*loadPage, error) {
	s := r.Summary
	if s == nil {
		return nil, fmt.Errorf("reports: load report without a summary")
	}
	scrub := func(x string) string { return redact.Scrub(x, r.Secrets...) }
	css, err := styleCSS()
	if err != nil {
		return nil, err
	}
	charts, err := loadCharts(r)
	if err != nil {
		return nil, err
	}
	latencyFrom := s.LatencyFrom
	if latencyFrom == "" {
		latencyFrom = "intended send time"
	}
	pg := &loadPage{
		CSS: css, Profile: scrub(s.Profile), Description: scrub(s.Description), Target: scrub(s.Target),
		Pacer: scrub(s.Pacer), Policy: scrub(s.Policy), Clients: s.Clients, LatencyFrom: scrub(latencyFrom),
		Started: s.Started.UTC().Format("2006-01-02 15:04:05 UTC"), Elapsed: s.Elapsed.Round(time.Millisecond).String(),
		Planned: s.Planned.String(), Generated: r.Generated.UTC().Format("2006-01-02 15:04:05 UTC"),
		PlannedHits: count(int64(s.PlannedHits)),
		Verdict:     loadVerdict(r), SeriesProblem: scrub(r.SeriesProblem), SeriesDamaged: r.SeriesDamaged,
		SeriesFile:  timeseries.FileName,
		AllRequests: count(int64(s.All.Requests)), AllRate: fmtRate(s.All.Rate), AllSuccess: pct(s.All.SuccessRatio),
		AllP50: loadDur(s.All.Latency.P50), AllP99: loadDur(s.All.Latency.P99), AllMax: loadDur(s.All.Latency.Max),
		AllErrorsBad: s.All.Errors > 0,
		Accounting:   runAccounting(r), Generator: runGenerator(r), Errors: errorKinds(r), Charts: charts,
		Knee: findKnee(s, r.Secrets), Thresholds: structuredThresholds(s.Thresholds, r.Secrets),
	}
	pg.Verdict.Headline, pg.Verdict.Why = scrub(pg.Verdict.Headline), scrub(pg.Verdict.Why)
	for _, n := range s.Notes {
		pg.Notes = append(pg.Notes, scrub(n))
	}
	for _, d := range s.Damage {
		pg.Damage = append(pg.Damage, scrub(d))
	}
	for _, o := range s.Operations {
		pg.Ops = append(pg.Ops, newOpRow(o, false))
	}
	pg.Ops = append(pg.Ops, newOpRow(s.All, true))
	pg.Attempts = s.Attempts
	for i, st := range s.Steps {
		pg.Steps = append(pg.Steps, stepRow{
			N: i + 1, From: st.Start.String(), Offered: fmtRate(st.Rate), Achieved: fmtRate(st.Achieved),
			Requests: count(int64(st.Op.Requests)), Errors: count(int64(st.Op.Errors)),
			P50: loadDur(st.Op.Latency.P50), P99: loadDur(st.Op.Latency.P99), Statuses: loadStatuses(st.Op.Statuses),
			Reasons: scrub(strings.Join(st.Reasons, "; ")), Met: st.MetSLO, Complete: st.Complete,
			Knee:      pg.Knee != nil && pg.Knee.Found && pg.Knee.Step == i+1,
			Generator: scrub(st.Generator), LagP99: lagP99(st.Op.Lag),
		})
	}
	if c := s.Compliance; c != nil {
		cv := &complianceView{Mode: c.Mode, Policy: c.Policy, Disagreement: scrub(c.Disagreement), Pass: c.Pass, Agree: c.Agree,
			HasServer: c.Server != nil, JournalTruncated: c.JournalTruncated, EventsDropped: c.EventsDropped}
		for _, x := range c.Reasons {
			cv.Reasons = append(cv.Reasons, scrub(x))
		}
		for _, v := range []struct {
			title string
			v     *compliance.Verdict
		}{{"Client view (attempt log)", c.Client}, {"Server view (mock journal)", c.Server}} {
			if v.v != nil {
				cv.Views = append(cv.Views, newVerdictView(v.title, *v.v, scrub))
			}
		}
		pg.Compliance = cv
	}
	return pg, nil
}

// maxEvidence is how many violations a verdict view lists.
const maxEvidence = 20

func newVerdictView(title string, v compliance.Verdict, scrub func(string) string) verdictView {
	vv := verdictView{Title: title}
	for _, r := range v.Rules {
		class := "muted"
		switch r.Status {
		case compliance.StatusPass:
			class = "ok"
		case compliance.StatusFail:
			class = "bad"
		case compliance.StatusWarning, compliance.StatusNotEnough:
			class = "warn"
		}
		vv.Rules = append(vv.Rules, ruleRow{ID: r.ID, Title: r.Title, Status: string(r.Status), Class: class, Unit: r.Unit,
			Figure: scrub(r.Figure), N: r.N, Total: r.Total})
		for _, x := range r.Violations {
			if len(vv.Evidence) >= maxEvidence {
				break
			}
			x.Figure = scrub(x.Figure)
			x.Client = scrub(x.Client)
			vv.Evidence = append(vv.Evidence, x)
		}
	}
	return vv
}

// WriteLoadHTML writes a load run's report as one self-contained HTML page
// (inline CSS, charts as inline SVG, no script, nothing fetched): verdict
// banner, accounting of planned/sent/unsent hits and generator lag, charts
// over time, the operations table, capacity steps with the knee, back-off
// compliance with its evidence, and the thresholds.
func WriteLoadHTML(w io.Writer, r LoadReport) error {
	pg, err := buildLoadPage(r)
	if err != nil {
		return err
	}
	t, err := parseTemplate("load.html.tmpl")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "load.html.tmpl", pg); err != nil {
		return fmt.Errorf("reports: render load HTML: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}
