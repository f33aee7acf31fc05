package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

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
	Result     string   `json:"result"` // pass | partial | fail
	Pass       bool     `json:"pass"`   // the thresholds were met
	Qualifiers []string `json:"qualifiers,omitempty"`
	Failed     []string `json:"failed,omitempty"`
	Headline   string   `json:"headline"`
	// Why is the banner's sentence.
	Why string `json:"-"`
}

func loadVerdict(r LoadReport) verdict {
	s := r.Summary
	v := verdict{Pass: s.Pass, Failed: s.Failed()}
	if s.Interrupted {
		v.Qualifiers = append(v.Qualifiers, "interrupted")
	}
	if s.Partial {
		v.Qualifiers = append(v.Qualifiers, "partial")
	}
	if r.SeriesDamaged {
		v.Qualifiers = append(v.Qualifiers, "damaged")
	}
	switch {
	case !s.Pass:
		v.Result = "fail"
		v.Headline = "FAIL"
		if len(v.Failed) > 0 {
			v.Headline += ": " + strings.Join(v.Failed, ", ")
		}
	case len(v.Qualifiers) > 0:
		v.Result = "partial"
		v.Headline = "PASS on a partial run"
	default:
		v.Result = "pass"
		v.Headline = "PASS"
	}
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
		if q != "" {
			v.Why += " — on a partial run"
		}
	case "partial":
		v.Why = "Thresholds met, but on a partial run" + q + ": not a plain pass — the figures cover only what was recorded"
	default:
		v.Why = "Every threshold met on a whole run."
	}
	return v
}

// accounting sums the time series' "all" rows: what was offered, sent,
// answered and not sent (and why), as the generator recorded it.
type accounting struct {
	PlannedHits    int           `json:"plannedHits"`
	Offered        int64         `json:"offered"`
	Sent           int64         `json:"sent"`
	Answered       int64         `json:"answered"`
	NotSent        int64         `json:"notSent"`
	NotSentReasons []reasonCount `json:"notSentReasons,omitempty"`
	Throttled      int64         `json:"throttled"`
	Retries        int64         `json:"retries"`
	// SentShare is sent / offered (0 when nothing was offered).
	SentShare float64 `json:"sentShare"`
	// LagP99Max and LagMax are the worst interval's p99 and the largest
	// schedule lag, in seconds.
	LagP99Max float64 `json:"lagP99MaxSeconds"`
	LagMax    float64 `json:"lagMaxSeconds"`
	Intervals int     `json:"intervals"`
	Source    string  `json:"source"`
}

type reasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// seriesAccounting returns nil when there is no time series.
func seriesAccounting(r LoadReport) *accounting {
	all := allRows(r.Series)
	if len(all) == 0 {
		return nil
	}
	a := &accounting{PlannedHits: r.Summary.PlannedHits, Intervals: len(all), Source: timeseries.FileName}
	reasons := map[string]int64{}
	for _, iv := range all {
		a.Offered += iv.Offered
		a.Sent += iv.Sent
		a.Answered += iv.Answered
		a.NotSent += iv.NotSent
		a.Throttled += iv.Throttled
		a.Retries += iv.Retries
		a.LagP99Max = max(a.LagP99Max, iv.LagP99)
		a.LagMax = max(a.LagMax, iv.LagMax)
		for k, n := range iv.NotSentReasons {
			reasons[redact.Scrub(k, r.Secrets...)] += n
		}
	}
	if a.Offered > 0 {
		a.SentShare = float64(a.Sent) / float64(a.Offered)
	}
	a.NotSentReasons = sortedCounts(reasons)
	return a
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

// knee is the capacity ramp's answer: the highest step that met the SLO
// and why the next one did not.
type knee struct {
	Found       bool     `json:"found"`
	Step        int      `json:"step,omitempty"` // 1-based
	Rate        float64  `json:"offeredRate,omitempty"`
	NextStep    int      `json:"nextStep,omitempty"`
	NextRate    float64  `json:"nextOfferedRate,omitempty"`
	NextReasons []string `json:"nextReasons,omitempty"`
}

// findKnee uses the summary's own judgement (StepSummary.MetSLO and
// HighestRate); it decides nothing itself.
func findKnee(s *loadgen.Summary) *knee {
	if len(s.Steps) == 0 {
		return nil
	}
	k := &knee{}
	for i, st := range s.Steps {
		if st.MetSLO && s.HighestRate > 0 && st.Rate == s.HighestRate {
			k.Found, k.Step, k.Rate = true, i+1, st.Rate
			for _, nx := range s.Steps[i+1:] {
				if !nx.MetSLO {
					k.NextStep, k.NextRate, k.NextReasons = nx.Index+1, nx.Rate, nx.Reasons
					break
				}
			}
		}
	}
	if !k.Found {
		for _, nx := range s.Steps {
			if !nx.MetSLO {
				k.NextStep, k.NextRate, k.NextReasons = nx.Index+1, nx.Rate, nx.Reasons
				break
			}
		}
	}
	return k
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

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 2, 64) + "%" }

func count(n int64) string { return humanize.Comma(n) }

func fmtRate(r float64) string { return fmt.Sprintf("%.1f/s", r) }
