// Package regress compares two runs' per-interval samples, benchstat-style,
// and says for each (operation, metric) whether the candidate run changed
// relative to the baseline beyond what noise explains.
//
// For every series it reports:
//
//   - the median of each run with a distribution-free confidence interval
//     (order statistics, from golang.org/x/perf/benchmath, the library Go's
//     benchstat uses);
//   - the change, as the Hodges–Lehmann shift (the median of all pairwise
//     differences candidate − baseline; Hodges & Lehmann 1963) with its
//     distribution-free confidence interval inverted from the Mann–Whitney
//     distribution (Lehmann 1963; Hollander & Wolfe, "Nonparametric
//     Statistical Methods", §4.3), also expressed relative to the baseline
//     median;
//   - a two-sided Mann–Whitney U test (via benchmath.AssumeNothing, which uses
//     github.com/aclements/go-moremath/stats: the exact U distribution, ties
//     included, for small samples, and the normal approximation with tie and
//     continuity corrections otherwise);
//   - a verdict: "no significant change" when p ≥ α, the relative change is
//     below the threshold (default 5 %) or the absolute change is below the
//     metric's floor (WithMinShift, default none); otherwise a regression or an
//     improvement, depending on whether the metric is worse when higher
//     (latency, errors, retries, lag) or when lower (throughput).
//
// Because a comparison tests many series at once and a single regression fails
// the run, p-values are by default adjusted across the series of one Compare
// call with Holm's step-down method (Holm 1979, "A simple sequentially
// rejective multiple test procedure", Scand. J. Statist. 6:65–70), which bounds
// the chance of any false alarm in the whole comparison by α. The default α is
// 0.01, so that two runs with nothing changed are flagged at most about once in
// a hundred comparisons (benchstat's per-series 0.05 without adjustment flags
// about a quarter of such comparisons when a dozen series are compared).
// A series whose samples are all one value in both runs (no errors in either,
// say) cannot reach any p-value below 1 whatever the labels, so it is left out
// of the family, as Tarone's modified Bonferroni procedure for discrete tests
// does (Tarone 1990, "A modified Bonferroni method for discrete data",
// Biometrics 46:515–522): it is "no significant change" without costing the
// other series power.
//
// The U test assumes independent samples. Per-interval samples from one run are
// often autocorrelated; longer intervals reduce that, and the effect threshold
// keeps small drifts from being called regressions.
package regress

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// Limits on the input, so that a damaged or hostile file cannot exhaust memory.
const (
	// MaxSamplesPerSeries bounds the samples of one (operation, metric) in one run.
	MaxSamplesPerSeries = 100_000
	// MaxObservations bounds all observations of one run.
	MaxObservations = 2_000_000
	// MaxSeries bounds the distinct (operation, metric) pairs of one run.
	MaxSeries = 10_000
)

// Defaults for the options.
const (
	DefaultAlpha     = 0.01
	DefaultThreshold = 0.05
)

// Direction says which way a metric gets worse.
type Direction int

// Directions.
const (
	// DirectionUnknown marks a metric whose better direction is not known
	// (for example the offered rate, which is an input): a significant change
	// is reported as Changed, never as a regression.
	DirectionUnknown Direction = iota
	// HigherIsWorse is for latency, errors, retries, lag.
	HigherIsWorse
	// LowerIsWorse is for throughput and successes.
	LowerIsWorse
)

// String returns a short name.
func (d Direction) String() string {
	switch d {
	case HigherIsWorse:
		return "higher is worse"
	case LowerIsWorse:
		return "lower is worse"
	default:
		return "unknown"
	}
}

// DefaultDirection classifies a metric by its name. Names are matched case
// insensitively: percentiles ("p50", "p99.9"), and names containing latency,
// duration, lag, error, fail, timeout, retr(y|ies), unsent, dropped, throttl(ed|ing), 429, 4xx
// or 5xx are HigherIsWorse (checked first, so "error_rate" is higher-worse);
// names containing throughput, achieved, answered, rps, success, ok or 2xx
// are LowerIsWorse; anything else, such as "offered" or "sent", is unknown.
func DefaultDirection(metric string) Direction {
	m := strings.ToLower(metric)
	if isPercentile(m) {
		return HigherIsWorse
	}
	for _, s := range []string{"latency", "duration", "lag", "error", "fail", "timeout", "retr", "unsent", "dropped", "throttl", "429", "4xx", "5xx"} {
		if strings.Contains(m, s) {
			return HigherIsWorse
		}
	}
	for _, s := range []string{"throughput", "achieved", "answered", "rps", "success", "2xx"} {
		if strings.Contains(m, s) {
			return LowerIsWorse
		}
	}
	if m == "ok" || strings.HasPrefix(m, "ok_") || strings.HasSuffix(m, "_ok") {
		return LowerIsWorse
	}
	return DirectionUnknown
}

// isPercentile reports whether m looks like "p50", "p99", "p99.9" or "p999",
// optionally followed by a unit suffix such as "_ms" or "_seconds".
func isPercentile(m string) bool {
	if len(m) < 2 || m[0] != 'p' || m[1] < '0' || m[1] > '9' {
		return false
	}
	i := 1
	for i < len(m) && (m[i] >= '0' && m[i] <= '9' || m[i] == '.') {
		i++
	}
	return i == len(m) || m[i] == '_'
}

// Verdict is the outcome for one series.
type Verdict string

// Verdicts.
const (
	NoChange     Verdict = "no significant change"
	Regression   Verdict = "regression"
	Improvement  Verdict = "improvement"
	Changed      Verdict = "changed"
	Insufficient Verdict = "insufficient data"
)

// Observation is one per-interval sample of one run.
type Observation struct {
	Operation string
	Metric    string
	Value     float64
}

// Center is the median of one run's samples with its confidence interval.
// IntervalOK is false when the run has too few samples for an interval at
// the requested confidence; Lo and Hi are then 0 and mean nothing (they are
// never ±Inf or NaN).
type Center struct {
	N              int
	Median, Lo, Hi float64
	IntervalOK     bool
}

// Result is the comparison of one (operation, metric).
type Result struct {
	Operation string
	Metric    string
	Direction Direction

	Baseline, Candidate Center

	// Shift is the Hodges–Lehmann estimate of candidate − baseline, in the
	// metric's unit, with its confidence interval [ShiftLo, ShiftHi], which
	// always contains Shift. ShiftIntervalOK is false when the samples are too
	// few for an interval at the requested confidence (or the series is in
	// one run only); ShiftLo and ShiftHi are then 0 and mean nothing.
	Shift, ShiftLo, ShiftHi float64
	ShiftIntervalOK         bool
	// Relative is Shift divided by |baseline median| (0.10 = 10 % higher),
	// with the interval scaled the same way. RelativeOK is false when the
	// baseline median is zero (or so small that the ratio is not a finite
	// number); the relative fields are then zero and mean nothing. The
	// relative interval is available only when RelativeIntervalOK says so.
	Relative, RelativeLo, RelativeHi float64
	RelativeOK                       bool
	// Confidence is the actual coverage of the shift interval (≥ the
	// requested 1 − α when the exact distribution is used); 0 when the
	// interval is not available.
	Confidence float64

	// P is the two-sided Mann–Whitney p-value; PAdjusted is the Holm-adjusted
	// one that the verdict uses (equal to P when the correction is off).
	P, PAdjusted float64

	Verdict  Verdict
	Warnings []string
}

// RelativeIntervalOK reports whether [RelativeLo, RelativeHi] is available:
// the relative change is (the baseline median is not zero) and so is the
// shift interval.
func (r Result) RelativeIntervalOK() bool { return r.RelativeOK && r.ShiftIntervalOK }

// Report is the comparison of two runs.
type Report struct {
	Alpha     float64
	Threshold float64
	Holm      bool
	Results   []Result
	Regressed int
	Improved  int
	Unchanged int
	Changed   int
	Undecided int
}

// HasRegression reports whether any series regressed.
func (r Report) HasRegression() bool { return r.Regressed > 0 }

// Option configures Compare.
type Option func(*config) error

type config struct {
	alpha     float64
	threshold float64
	holm      bool
	direction func(metric string) Direction
	minShift  func(metric string) float64
}

// WithAlpha sets the family-wise significance level (default 0.01); 0 < alpha ≤ 0.5.
func WithAlpha(alpha float64) Option {
	return func(c *config) error {
		if math.IsNaN(alpha) || alpha <= 0 || alpha > 0.5 {
			return fmt.Errorf("regress: alpha %v out of range: use a value in (0, 0.5], e.g. 0.05", alpha)
		}
		c.alpha = alpha
		return nil
	}
}

// WithThreshold sets the smallest relative change that counts (default 0.05
// for 5 %); 0 ≤ threshold ≤ 100.
func WithThreshold(threshold float64) Option {
	return func(c *config) error {
		if math.IsNaN(threshold) || threshold < 0 || threshold > 100 {
			return fmt.Errorf("regress: threshold %v out of range: use a fraction in [0, 100], e.g. 0.05 for 5 %%", threshold)
		}
		c.threshold = threshold
		return nil
	}
}

// WithHolm turns Holm's multiple-comparison adjustment on (the default) or off
// (each series then tested at α on its own, as benchstat does).
func WithHolm(on bool) Option {
	return func(c *config) error { c.holm = on; return nil }
}

// WithDirection sets how a metric's worse direction is found (default
// DefaultDirection).
func WithDirection(f func(metric string) Direction) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("regress: WithDirection given a nil function")
		}
		c.direction = f
		return nil
	}
}

// WithMinShift sets, per metric, the smallest absolute change (in the
// metric's unit) that counts, besides the relative threshold (default none).
// A floor keeps changes below the measurement's resolution from being called
// regressions: sub-millisecond latencies on loopback move by tens of percent
// between runs with the machine's scheduling, which no per-interval sample of
// one run shows. f must return a finite value ≥ 0 for every metric.
func WithMinShift(f func(metric string) float64) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("regress: WithMinShift given a nil function")
		}
		c.minShift = f
		return nil
	}
}

type key struct{ op, metric string }

// Compare compares the candidate run's samples with the baseline's, series by
// series. Series present in only one run get the Insufficient verdict with a
// warning. Results are sorted by operation, then metric.
func Compare(baseline, candidate []Observation, opts ...Option) (Report, error) {
	c := config{alpha: DefaultAlpha, threshold: DefaultThreshold, holm: true, direction: DefaultDirection}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return Report{}, err
		}
	}
	base, err := group("baseline", baseline)
	if err != nil {
		return Report{}, err
	}
	cand, err := group("candidate", candidate)
	if err != nil {
		return Report{}, err
	}
	keys := make([]key, 0, len(base)+len(cand))
	for k := range base {
		keys = append(keys, k)
	}
	for k := range cand {
		if _, ok := base[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].op != keys[j].op {
			return keys[i].op < keys[j].op
		}
		return keys[i].metric < keys[j].metric
	})

	rep := Report{Alpha: c.alpha, Threshold: c.threshold, Holm: c.holm}
	tested := []int{}
	crit := criticalMemo()
	for _, k := range keys {
		r := Result{Operation: k.op, Metric: k.metric, Direction: c.direction(k.metric)}
		b, c2 := base[k], cand[k]
		switch {
		case len(b) == 0:
			r.Verdict = Insufficient
			r.Warnings = append(r.Warnings, "no samples in the baseline run")
			r.Candidate = center(c2, 1-c.alpha)
		case len(c2) == 0:
			r.Verdict = Insufficient
			r.Warnings = append(r.Warnings, "no samples in the candidate run")
			r.Baseline = center(b, 1-c.alpha)
		default:
			analyse(&r, b, c2, c.alpha, crit)
			if r.Verdict == "" && constant(b, c2) {
				r.Verdict, r.P, r.PAdjusted = NoChange, 1, 1
			}
			if r.Verdict == "" {
				tested = append(tested, len(rep.Results))
			}
		}
		rep.Results = append(rep.Results, r)
	}

	adjust(rep.Results, tested, c.holm)
	for _, i := range tested {
		r := &rep.Results[i]
		r.Verdict = decide(*r, c.alpha, c.threshold)
		if c.minShift != nil && r.Verdict != NoChange {
			if floor := c.minShift(r.Metric); !(floor >= 0) || math.IsInf(floor, 0) {
				return Report{}, fmt.Errorf("regress: minimum shift %v for metric %q: must be a finite number ≥ 0", floor, r.Metric)
			} else if math.Abs(r.Shift) < floor {
				r.Verdict = NoChange
			}
		}
	}
	for _, r := range rep.Results {
		switch r.Verdict {
		case Regression:
			rep.Regressed++
		case Improvement:
			rep.Improved++
		case NoChange:
			rep.Unchanged++
		case Changed:
			rep.Changed++
		default:
			rep.Undecided++
		}
	}
	return rep, nil
}

// group splits observations by series, checking every value and bound.
func group(run string, obs []Observation) (map[key][]float64, error) {
	if len(obs) > MaxObservations {
		return nil, fmt.Errorf("regress: %s run has %d observations, more than the limit %d: compare shorter runs or coarser intervals", run, len(obs), MaxObservations)
	}
	m := map[key][]float64{}
	for i, o := range obs {
		if math.IsNaN(o.Value) || math.IsInf(o.Value, 0) {
			return nil, fmt.Errorf("regress: %s run observation %d (operation %q, metric %q) has non-finite value %v: every sample must be a finite number", run, i, o.Operation, o.Metric, o.Value)
		}
		k := key{o.Operation, o.Metric}
		s, ok := m[k]
		if !ok && len(m) >= MaxSeries {
			return nil, fmt.Errorf("regress: %s run has more than %d (operation, metric) series: reduce the operations or metrics recorded", run, MaxSeries)
		}
		if len(s) >= MaxSamplesPerSeries {
			return nil, fmt.Errorf("regress: %s run has more than %d samples of operation %q metric %q: use coarser intervals", run, MaxSamplesPerSeries, o.Operation, o.Metric)
		}
		m[k] = append(s, o.Value)
	}
	return m, nil
}

func center(values []float64, confidence float64) Center {
	if len(values) == 0 {
		return Center{}
	}
	th := benchmath.Thresholds{CompareAlpha: 1 - confidence}
	s := benchmath.NewSample(append([]float64(nil), values...), &th)
	c, _ := summarise(s, confidence)
	return c
}

// summarise is the median of s with its order-statistic interval and the
// warnings benchmath gives. benchmath marks an interval it cannot give (too
// few samples for the confidence) with Lo = −Inf and Hi = +Inf: that is
// IntervalOK false here, with Lo and Hi left 0, so that no infinity reaches
// a report.
func summarise(s *benchmath.Sample, confidence float64) (Center, []string) {
	sum := benchmath.AssumeNothing.Summary(s, confidence)
	c := Center{N: len(s.Values), Median: sum.Center}
	if finite(sum.Lo) && finite(sum.Hi) {
		c.Lo, c.Hi, c.IntervalOK = sum.Lo, sum.Hi, true
	}
	var ws []string
	for _, w := range sum.Warnings {
		ws = append(ws, w.Error())
	}
	return c, ws
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// mergeWarnings lists each distinct warning once, naming the runs it
// concerns when it came from the baseline's or the candidate's summary
// ("baseline and candidate: need >= 8 samples ..."), in first-seen order.
func mergeWarnings(base, cand, both []string) []string {
	type entry struct {
		msg        string
		base, cand bool
	}
	var order []*entry
	seen := map[string]*entry{}
	add := func(msg string, b, c bool) {
		e, ok := seen[msg]
		if !ok {
			e = &entry{msg: msg}
			seen[msg] = e
			order = append(order, e)
		}
		e.base, e.cand = e.base || b, e.cand || c
	}
	for _, w := range base {
		add(w, true, false)
	}
	for _, w := range cand {
		add(w, false, true)
	}
	for _, w := range both {
		add(w, false, false)
	}
	out := make([]string, 0, len(order))
	for _, e := range order {
		switch {
		case e.base && e.cand:
			out = append(out, "baseline and candidate: "+e.msg)
		case e.base:
			out = append(out, "baseline: "+e.msg)
		case e.cand:
			out = append(out, "candidate: "+e.msg)
		default:
			out = append(out, e.msg)
		}
	}
	return out
}

// analyse fills the statistics of r; it sets r.Verdict only when the series
// cannot be decided (left empty otherwise, for decide after adjustment).
func analyse(r *Result, base, cand []float64, alpha float64, crit critFunc) {
	th := benchmath.Thresholds{CompareAlpha: alpha}
	x := benchmath.NewSample(append([]float64(nil), base...), &th)
	y := benchmath.NewSample(append([]float64(nil), cand...), &th)
	var bw, cw, common []string
	r.Baseline, bw = summarise(x, 1-alpha)
	r.Candidate, cw = summarise(y, 1-alpha)

	cmp := benchmath.AssumeNothing.Compare(x, y)
	r.P = cmp.P
	r.PAdjusted = cmp.P
	for _, w := range cmp.Warnings {
		if !errors.Is(w, stats.ErrSamplesEqual) {
			common = append(common, w.Error())
		}
	}

	hl := shiftInterval(x.Values, y.Values, 1-alpha, crit)
	r.Shift = hl.Shift
	if hl.Bounded {
		r.ShiftLo, r.ShiftHi, r.Confidence, r.ShiftIntervalOK = hl.Lo, hl.Hi, hl.Confidence, true
	} else {
		r.Verdict = Insufficient
		common = append(common, fmt.Sprintf("%d and %d samples are too few for a %.0f %% interval on the change: record more intervals", len(x.Values), len(y.Values), 100*(1-alpha)))
	}
	r.Warnings = mergeWarnings(bw, cw, common)
	r.Relative, r.RelativeLo, r.RelativeHi, r.RelativeOK = relative(r.Shift, r.ShiftLo, r.ShiftHi, r.Baseline.Median, r.ShiftIntervalOK)
}

// relative expresses a shift and its interval as fractions of |base|. ok is
// false (and all three 0) when base is 0 or so small that a ratio is not
// finite: a relative change of a zero baseline is not available, never
// ±Inf. The interval is scaled only when interval is true (else left 0).
// Relative is change as a fraction of |base|: the one rule for a relative
// change (compare, history --detect). ok is false when it is not
// available: base 0, or a ratio that is not finite (a subnormal base), so
// that no ±Inf or NaN reaches a report.
func Relative(change, base float64) (rel float64, ok bool) {
	d := math.Abs(base)
	if d == 0 || !finite(change/d) {
		return 0, false
	}
	return change / d, true
}

func relative(shift, lo, hi, base float64, interval bool) (rel, relLo, relHi float64, ok bool) {
	d := math.Abs(base)
	if _, ok := Relative(shift, base); !ok {
		return 0, 0, 0, false
	}
	if interval {
		relLo, relHi = lo/d, hi/d
		if !finite(relLo) || !finite(relHi) {
			return 0, 0, 0, false
		}
	}
	return shift / d, relLo, relHi, true
}

// constant reports whether every value of both samples is the same: no
// arrangement of them can give a p-value below 1.
func constant(a, b []float64) bool {
	v := a[0]
	for _, s := range [2][]float64{a, b} {
		for _, x := range s {
			if x != v {
				return false
			}
		}
	}
	return true
}

// adjust applies Holm's step-down adjustment to the tested results.
func adjust(rs []Result, tested []int, holm bool) {
	if !holm || len(tested) < 2 {
		return
	}
	idx := append([]int(nil), tested...)
	sort.SliceStable(idx, func(a, b int) bool { return rs[idx[a]].P < rs[idx[b]].P })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		p := math.Min(1, float64(m-rank)*rs[i].P)
		running = math.Max(running, p)
		rs[i].PAdjusted = running
	}
}

func decide(r Result, alpha, threshold float64) Verdict {
	if r.PAdjusted >= alpha {
		return NoChange
	}
	if r.RelativeOK {
		if math.Abs(r.Relative) < threshold {
			return NoChange
		}
	} else if r.Shift == 0 {
		return NoChange
	}
	up := r.Shift > 0
	switch r.Direction {
	case HigherIsWorse:
		if up {
			return Regression
		}
		return Improvement
	case LowerIsWorse:
		if up {
			return Improvement
		}
		return Regression
	default:
		return Changed
	}
}
