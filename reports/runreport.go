package reports

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alexa-harness/harness/internal/humanfmt"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/redact"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// ReportSchemaVersion is the version of the JSON report (WriteLoadJSON,
// WriteConformJSON); it changes when a field changes meaning or goes away.
const ReportSchemaVersion = 1

// LoadReport is what the HTML, Markdown and JSON load reports are made of:
// a run's summary and its time series. NewLoadReport builds it from a run
// folder.
type LoadReport struct {
	// Summary is the run's summary (loadgen.Run's result, or
	// loadgen.Replay(dir) for a saved run). Required.
	Summary *loadgen.Summary
	// Series is the run's time series (timeseries.Read of
	// DIR/timeseries.jsonl); nil when the run has none.
	Series []timeseries.Interval
	// SeriesProblem says why Series is missing or incomplete ("" when it was
	// read whole): the file is absent, or damaged (Read's error).
	SeriesProblem string
	// SeriesDamaged is set when the time series file was damaged (not merely
	// absent): the report then says "damaged", never a plain PASS.
	SeriesDamaged bool
	// Generated is when the report was rendered (shown in its footer).
	Generated time.Time
	// Secrets are known secret values to scrub from free text, besides the
	// token shapes redact.Scrub always masks.
	Secrets []string
}

// NewLoadReport builds a LoadReport from a run's summary and its folder:
// it reads dir/timeseries.jsonl strictly, keeping what was readable and
// saying what was not.
func NewLoadReport(sum *loadgen.Summary, dir string, generated time.Time) LoadReport {
	r := LoadReport{Summary: sum, Generated: generated}
	_, ivs, err := timeseries.Read(filepath.Join(dir, timeseries.FileName))
	r.Series = ivs
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		r.SeriesProblem = "no " + timeseries.FileName + " in the run folder (a run from before time series were recorded)"
	default:
		r.SeriesProblem = err.Error()
		r.SeriesDamaged = true
	}
	return r
}

// verdict is a run's outcome as every format shows it. Result is "pass"
// only for a whole, undamaged run that met its thresholds; a passing run
// that was interrupted, partial or damaged is "partial", never "pass".
type verdict struct {
	Result string `json:"result"` // pass | partial | fail
	// Pass: the run passed, whole (never for an interrupted, partial or
	// damaged run: loadgen.Summary.Pass); ThresholdsMet: the thresholds
	// were met on the data read.
	Pass          bool     `json:"pass"`
	ThresholdsMet bool     `json:"thresholdsMet"`
	Qualifiers    []string `json:"qualifiers,omitempty"`
	Failed        []string `json:"failed,omitempty"`
	Headline      string   `json:"headline"`
	// Summary is loadgen's own verdict line (Summary.Verdict).
	Summary string `json:"summaryVerdict,omitempty"`
	// Why is the banner's sentence.
	Why string `json:"-"`
}

func loadVerdict(r LoadReport) verdict {
	s := r.Summary
	v := verdict{ThresholdsMet: s.ThresholdsMet, Failed: s.Failed(), Summary: s.Verdict}
	if s.Generator != nil && s.Generator.Saturated {
		v.Qualifiers = append(v.Qualifiers, "generator saturated")
	}
	if s.Interrupted {
		v.Qualifiers = append(v.Qualifiers, "interrupted")
	}
	if s.Partial {
		v.Qualifiers = append(v.Qualifiers, "partial")
	}
	if r.SeriesDamaged || len(s.Damage) > 0 {
		v.Qualifiers = append(v.Qualifiers, "damaged")
	}
	switch {
	case !s.ThresholdsMet:
		v.Result = "fail"
		v.Headline = "FAIL"
		if len(v.Failed) > 0 {
			v.Headline += ": " + strings.Join(v.Failed, ", ")
		}
	case len(v.Qualifiers) > 0:
		v.Result = "partial"
		v.Headline = "PASS, qualified"
	default:
		v.Result = "pass"
		v.Headline = "PASS"
	}
	v.Pass = v.Result == "pass" && s.Pass
	q := ""
	if len(v.Qualifiers) > 0 {
		q = " (" + strings.Join(v.Qualifiers, ", ") + ")"
		v.Headline += q
	}
	switch v.Result {
	case "fail":
		v.Why = "Thresholds failed: " + strings.Join(v.Failed, ", ") + q
		if len(v.Failed) == 0 {
			v.Why = "The run failed" + q
		}
	case "partial":
		v.Why = "Thresholds met, but" + q + ": not a plain pass — read the figures with that in mind"
	default:
		v.Why = "Every threshold met on a whole run."
	}
	return v
}

// accounting is what became of every planned hit. It is the summary's own
// (loadgen.Accounting) when the summary has one, else the sums of the time
// series' "all" rows (a run from before the summary kept it). Offered is
// the time series' sum (0 without one): it matches Planned when both exist.
type accounting struct {
	Source         string        `json:"source"` // summary.json | timeseries.jsonl
	Planned        int64         `json:"planned"`
	Offered        int64         `json:"offered"`
	Sent           int64         `json:"sent"`
	Answered       int64         `json:"answered"`
	NotSent        int64         `json:"notSent"`
	NotSentReasons []reasonCount `json:"notSentReasons,omitempty"`
	// SentShare is Sent / Planned; GeneratorShare the share of Planned not
	// sent on the generator's account (from the summary).
	SentShare      float64 `json:"sentShare"`
	GeneratorShare float64 `json:"generatorShare"`
	Throttled      int64   `json:"throttled"` // 429 answers in the time series
	Retries        int64   `json:"retries"`   // retries: the attempt log's when the summary has it, else the time series'
}

type reasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// runAccounting returns nil when neither the summary nor a time series
// accounts for the run's hits.
func runAccounting(r LoadReport) *accounting {
	s := r.Summary
	var a *accounting
	reasons := map[string]int64{}
	if sa := s.Accounting; sa.Planned > 0 || sa.Sent > 0 || sa.NotSent > 0 {
		a = &accounting{Source: "summary.json", Planned: sa.Planned, Sent: sa.Sent, Answered: sa.Answered, NotSent: sa.NotSent,
			GeneratorShare: sa.GeneratorShare}
		for k, n := range sa.NotSentReasons {
			reasons[k] += n
		}
	}
	all := allRows(r.Series)
	if a == nil && len(all) == 0 {
		return nil
	}
	fromSeries := a == nil
	if fromSeries {
		a = &accounting{Source: timeseries.FileName, Planned: int64(s.PlannedHits)}
	}
	for _, iv := range all {
		a.Offered += iv.Offered
		a.Throttled += iv.Throttled
		a.Retries += iv.Retries
		if fromSeries {
			a.Sent += iv.Sent
			a.Answered += iv.Answered
			a.NotSent += iv.NotSent
			for k, n := range iv.NotSentReasons {
				reasons[k] += n
			}
		}
	}
	if len(s.Attempts) > 0 {
		// The attempt log counts every retry, the pages of get-all-pages
		// included; the time series counts them per hit.
		a.Retries = 0
		for _, at := range s.Attempts {
			a.Retries += int64(at.Retries)
		}
	}
	if a.Planned > 0 {
		a.SentShare = float64(a.Sent) / float64(a.Planned)
	}
	scrubbed := map[string]int64{}
	for k, n := range reasons {
		scrubbed[redact.Scrub(k, r.Secrets...)] += n
	}
	a.NotSentReasons = sortedCounts(scrubbed)
	return a
}

// generatorView is the generator's health as the reports show it: the
// summary's loadgen.GeneratorHealth when there is one (durations in
// seconds), else the schedule lag seen in the time series.
type generatorView struct {
	Source       string   `json:"source"`
	Saturated    bool     `json:"saturated"`
	Reasons      []string `json:"reasons,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	LagP99       float64  `json:"lagP99Seconds"`
	LagMax       float64  `json:"lagMaxSeconds"`
	MaxLag       float64  `json:"maxLagSeconds,omitempty"` // the healthy limit
	CPU          float64  `json:"cpu,omitempty"`
	CPUPeak      float64  `json:"cpuPeak,omitempty"`
	MaxCPU       float64  `json:"maxCpu,omitempty"`
	GOMAXPROCS   int      `json:"gomaxprocs,omitempty"`
	PeakInFlight int64    `json:"peakInFlight,omitempty"`
	MaxInFlight  int      `json:"maxInFlight,omitempty"`
	FDSoft       uint64   `json:"fdSoftLimit,omitempty"`
	FDHard       uint64   `json:"fdHardLimit,omitempty"`
	SharesMock   bool     `json:"sharesWithMock,omitempty"`
}

func runGenerator(r LoadReport) *generatorView {
	if g := r.Summary.Generator; g != nil {
		v := &generatorView{Source: "summary.json", Saturated: g.Saturated, MaxLag: secs(g.MaxLag), CPU: g.CPU, CPUPeak: g.CPUPeak,
			MaxCPU: g.MaxCPU, GOMAXPROCS: g.GOMAXPROCS, PeakInFlight: g.PeakInFlight, MaxInFlight: g.MaxInFlight,
			FDSoft: g.FDLimit.Soft, FDHard: g.FDLimit.Hard, SharesMock: g.SharesWithMock}
		for _, x := range g.Reasons {
			v.Reasons = append(v.Reasons, redact.Scrub(x, r.Secrets...))
		}
		for _, x := range g.Warnings {
			v.Warnings = append(v.Warnings, redact.Scrub(x, r.Secrets...))
		}
		if g.Lag != nil {
			v.LagP99, v.LagMax = secs(g.Lag.P99), secs(g.Lag.Max)
		}
		return v
	}
	all := allRows(r.Series)
	if len(all) == 0 {
		return nil
	}
	v := &generatorView{Source: timeseries.FileName}
	for _, iv := range all {
		v.LagP99, v.LagMax = max(v.LagP99, iv.LagP99), max(v.LagMax, iv.LagMax)
	}
	return v
}

func sortedCounts(m map[string]int64) []reasonCount {
	out := make([]reasonCount, 0, len(m))
	for k, n := range m {
		out = append(out, reasonCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// allRows returns the "all" rows of a series, in time order.
func allRows(series []timeseries.Interval) []timeseries.Interval {
	var out []timeseries.Interval
	for _, iv := range series {
		if iv.Operation == timeseries.AllOperations {
			out = append(out, iv)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// knee is the capacity ramp's answer as the summary found it
// (loadgen.Knee): the highest step that met the SLO with the generator
// healthy, and why the ramp went no higher. The reports decide nothing.
type knee struct {
	Found    bool    `json:"found"`
	Step     int     `json:"step,omitempty"` // 1-based
	Rate     float64 `json:"offeredRate,omitempty"`
	Cause    string  `json:"cause"` // target | generator | incomplete | none
	NextStep int     `json:"nextStep,omitempty"`
	NextRate float64 `json:"nextOfferedRate,omitempty"`
	Why      string  `json:"why,omitempty"`
}

func findKnee(s *loadgen.Summary, secrets []string) *knee {
	if s.Knee == nil {
		return nil
	}
	k := s.Knee
	return &knee{Found: k.Rate > 0, Step: k.Step, Rate: k.Rate, Cause: k.Cause, NextStep: k.NextStep, NextRate: k.NextRate,
		Why: redact.Scrub(k.Why, secrets...)}
}

// errorKinds is the run's error set: the summary's (OpSummary.ErrorSet,
// by status text or transport error) when it has one, else the transport
// errors of the time series.
func errorKinds(r LoadReport) []reasonCount {
	m := map[string]int64{}
	if len(r.Summary.All.ErrorSet) > 0 {
		for k, n := range r.Summary.All.ErrorSet {
			m[redact.Scrub(k, r.Secrets...)] += int64(n)
		}
		return sortedCounts(m)
	}
	for _, iv := range allRows(r.Series) {
		for k, n := range iv.Errors {
			m[redact.Scrub(k, r.Secrets...)] += n
		}
	}
	return sortedCounts(m)
}

// threshold is a threshold as a structured value. The summary carries
// display strings ("≤ 250ms", "≥ 90/s", "≤ 1%"); parseThreshold turns them
// into numbers in seconds, per-second rates or fractions. Limit and Actual
// are nil when the text is not a number (e.g. "no hits").
type threshold struct {
	Metric     string   `json:"metric"`
	Operator   string   `json:"operator"` // "<=", ">=" or "=="
	Limit      *float64 `json:"limit,omitempty"`
	Actual     *float64 `json:"actual,omitempty"`
	Unit       string   `json:"unit,omitempty"` // seconds | perSecond | fraction | ""
	LimitText  string   `json:"limitText"`
	ActualText string   `json:"actualText"`
	Pass       bool     `json:"pass"`
}

func structuredThresholds(ts []loadgen.ThresholdResult, secrets []string) []threshold {
	out := make([]threshold, 0, len(ts))
	for _, t := range ts {
		th := threshold{Metric: t.Name, LimitText: t.Limit, ActualText: redact.Scrub(t.Actual, secrets...), Pass: t.Pass, Operator: "=="}
		lim := strings.TrimSpace(t.Limit)
		switch {
		case strings.HasPrefix(lim, "≤"):
			th.Operator, lim = "<=", strings.TrimSpace(strings.TrimPrefix(lim, "≤"))
		case strings.HasPrefix(lim, "≥"):
			th.Operator, lim = ">=", strings.TrimSpace(strings.TrimPrefix(lim, "≥"))
		}
		if v, unit, ok := parseQuantity(lim); ok {
			th.Limit, th.Unit = &v, unit
			if a, aunit, ok := parseQuantity(strings.TrimSpace(t.Actual)); ok && aunit == unit {
				th.Actual = &a
			}
		}
		out = append(out, th)
	}
	return out
}

// parseQuantity reads "250ms", "1.5s", "90/s", "1%" as seconds, a rate
// per second or a fraction.
func parseQuantity(s string) (float64, string, bool) {
	switch {
	case strings.HasSuffix(s, "%"):
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		return v / 100, "fraction", err == nil && finite(v)
	case strings.HasSuffix(s, "/s"):
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
		return v, "perSecond", err == nil && finite(v)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, "", false
	}
	return d.Seconds(), "seconds", true
}

func finite(v float64) bool { return v == v && v < 1e300 && v > -1e300 }

// secs renders a duration in seconds for the machine formats.
func secs(d time.Duration) float64 { return d.Seconds() }

// humanSeconds renders seconds with a unit that suits their size.
func humanSeconds(s float64) string {
	switch {
	case s <= 0:
		return "-"
	case s >= 1:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	case s >= 0.001:
		return strconv.FormatFloat(s*1e3, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(s*1e6, 'f', 0, 64) + " µs"
}

// The figures people read go through humanfmt, their formats' one owner.
func pct(f float64) string { return humanfmt.Percent(f) }

func count(n int64) string { return humanfmt.Count(n) }

func fmtRate(r float64) string { return humanfmt.Rate(r) }
