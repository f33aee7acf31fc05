// Package timeseries records how a load run went over time: per interval
// (one second, or one step) and per operation, the hits offered, sent,
// answered and not sent, the achieved rate, latency percentiles from an HDR
// histogram of the interval, status and error counts, 429s, retries and the
// generator's own schedule lag.
//
// An Aggregator takes hits as they happen (Record, Offer, NotSent) and is
// cut into Intervals at times the caller gives (Cut, or Tick and Finish,
// which fold a short closing remainder into the interval before it): it
// never reads the wall clock. Its histograms are reset and reused at every
// cut, so its memory does not grow with the run's length. A Writer streams
// the intervals to timeseries.jsonl, flushing each batch, so that a run cut
// short still leaves every interval it wrote. RateFloor and Interval.Rate
// are the one rule for when an interval's achieved rate is a sample. Read loads such a file back
// strictly: a damaged line is reported with the file, line and damage,
// never skipped silently.
//
// The file is JSON lines. Line 1 is a Header ({"schema":"harness.timeseries",
// "schemaVersion":1,...}); every other line is one Interval. Every duration
// (interval length, latencies, lag) is in seconds, as a JSON number.
package timeseries

import (
	"maps"
	"sort"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/alexa-harness/harness/internal/redact"
)

// AllOperations is the Operation of the interval row that sums every
// operation of the interval.
const AllOperations = "all"

// Interval is what happened to one operation (or to all of them, Operation
// "all") during one interval of a run. A hit is counted in the interval in
// which its outcome was recorded; offered and not-sent hits in the interval
// in which they were reported. Durations are in seconds.
type Interval struct {
	// Start is when the interval began; Seconds is its length.
	Start   time.Time `json:"start"`
	Seconds float64   `json:"seconds"`
	// Operation is a contract operation, or "all".
	Operation string `json:"operation"`
	// Offered hits were scheduled by the pacer in the interval.
	Offered int64 `json:"offered"`
	// Sent hits left the generator (their outcome was recorded).
	Sent int64 `json:"sent"`
	// Answered hits got an HTTP status from the target.
	Answered int64 `json:"answered"`
	// NotSent hits were offered but never sent; NotSentReasons says why.
	NotSent        int64            `json:"notSent"`
	NotSentReasons map[string]int64 `json:"notSentReasons,omitempty"`
	// AchievedRate is answered hits per second of the interval.
	AchievedRate float64 `json:"achievedRate"`
	// Latency percentiles of the answered hits, measured from each hit's
	// intended send time, in seconds (0 when nothing was answered). A
	// percentile never exceeds Max.
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	// Statuses counts answers by HTTP status code ("200", "429").
	Statuses map[string]int64 `json:"statuses,omitempty"`
	// Errors counts hits that got no answer by transport error text
	// (redacted, at most MaxErrorKinds kinds, the rest under "other").
	Errors map[string]int64 `json:"errors,omitempty"`
	// Throttled counts 429 answers; Retries the attempts beyond the first.
	Throttled int64 `json:"throttled"`
	Retries   int64 `json:"retries"`
	// LagP99 and LagMax are the generator's schedule lag (actual send time
	// minus intended send time) of the interval's sent hits, in seconds.
	LagP99 float64 `json:"lagP99"`
	LagMax float64 `json:"lagMax"`
}

// Clone returns iv with maps of its own (NotSentReasons, Statuses, Errors).
func (iv Interval) Clone() Interval {
	iv.NotSentReasons, iv.Statuses, iv.Errors = maps.Clone(iv.NotSentReasons), maps.Clone(iv.Statuses), maps.Clone(iv.Errors)
	return iv
}

// Absorb folds o into iv: the counts (Offered, Sent, Answered, NotSent,
// Throttled, Retries) and the NotSentReasons, Statuses and Errors maps are
// summed; P50, P90, P99, Max, LagP99 and LagMax keep the larger (an upper
// envelope: percentiles cannot be merged exactly). Start, Seconds,
// Operation and AchievedRate are the caller's: intervals side by side (the
// shards of one run) share one length, intervals end to end (a chart's
// downsampling) add theirs. iv's maps must be its own (Clone): Absorb adds
// into them.
func (iv *Interval) Absorb(o Interval) {
	iv.Offered += o.Offered
	iv.Sent += o.Sent
	iv.Answered += o.Answered
	iv.NotSent += o.NotSent
	iv.Throttled += o.Throttled
	iv.Retries += o.Retries
	iv.P50, iv.P90, iv.P99, iv.Max = max(iv.P50, o.P50), max(iv.P90, o.P90), max(iv.P99, o.P99), max(iv.Max, o.Max)
	iv.LagP99, iv.LagMax = max(iv.LagP99, o.LagP99), max(iv.LagMax, o.LagMax)
	iv.NotSentReasons = addCounts(iv.NotSentReasons, o.NotSentReasons)
	iv.Statuses = addCounts(iv.Statuses, o.Statuses)
	iv.Errors = addCounts(iv.Errors, o.Errors)
}

// addCounts adds src into dst (made when nil and src is not empty).
func addCounts(dst, src map[string]int64) map[string]int64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]int64, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

// Bounds of what one interval keeps.
const (
	// MaxErrorKinds is how many distinct error texts an interval keeps per
	// operation; the rest are counted under ErrorOther.
	MaxErrorKinds = 16
	// MaxErrorText is the length an error text is cut to.
	MaxErrorText = 160
	// MaxOperations is how many distinct operations an Aggregator tracks;
	// the rest are counted under OperationOther.
	MaxOperations = 64
)

// ErrorOther and OperationOther collect what the bounds above leave out.
const (
	ErrorOther     = "other"
	OperationOther = "(other)"
)

// Histogram range: 1 µs to 1 h, in microseconds; larger values are clamped
// to the top (the exact maximum is kept apart).
const (
	histMin = 1
	histMax = int64(time.Hour / time.Microsecond)
)

// Option configures an Aggregator.
type Option func(*Aggregator)

// WithSignificantFigures sets the HDR histograms' precision (1 to 5,
// default 3: percentiles within 0.1 %).
func WithSignificantFigures(n int) Option {
	return func(a *Aggregator) {
		if n >= 1 && n <= 5 {
			a.sigfigs = n
		}
	}
}

// WithSecrets names secrets to scrub from error texts besides the token
// shapes redact.Scrub always masks.
func WithSecrets(known ...string) Option {
	return func(a *Aggregator) { a.secrets = append(a.secrets, known...) }
}

// Aggregator accumulates one open interval and closes it at each Cut (or
// Tick). It is safe for concurrent use.
//
// A run's closing interval is whatever is left after the last regular cut:
// often a few milliseconds holding the last answers, whose count over so
// short a time reads as a rate tens of times the run's. A streaming caller
// therefore uses Tick for the regular cuts and Finish at the end: Tick
// holds each closed interval back until the next Tick, and Finish folds a
// closing remainder shorter than TailFold of the interval before it into
// that interval (one row, its Seconds the two lengths together, its
// percentiles from the two intervals' histograms merged, so still exact).
// Every hit is counted once either way. The rule looks only at the shard's
// own cut times, so the shards of one run, cut on one --start-at grid,
// still match interval by interval when merged.
type Aggregator struct {
	mu      sync.Mutex
	sigfigs int
	secrets []string
	// names are the operations seen in the run (at most MaxOperations, then
	// OperationOther); every cut has a row for each.
	names map[string]bool
	// cur is the open interval, from start.
	start time.Time
	cur   frame
	// held is the interval Tick closed last and holds back, from heldStart
	// to heldEnd (holding says there is one), with the operations seen
	// when it closed.
	held               frame
	heldStart, heldEnd time.Time
	heldNames          []string
	holding            bool
}

// TailFold is the fold rule of Finish: a closing remainder shorter than
// this share of the interval before it is folded into that interval.
const TailFold = 0.5

// MinRateSeconds is the shortest interval whose achieved rate is ever a
// sample, whatever its series: a count over less than a tenth of a second
// is no rate (1 answer in 4 ms "is" 250/s).
const MinRateSeconds = 0.1

// RateFloor is the shortest interval of the series ivs whose achieved rate
// is a sample (Interval.Rate): TailFold of the series' usual interval
// length (the upper median of its "all" rows' lengths), and at least
// MinRateSeconds. A closing remainder well short of the intervals before
// it (in a file written before Finish folded it, or a merge of shards) is
// below it; the intervals a run is cut at (a second, a quarter second
// while progress is drawn on a terminal) are above it.
func RateFloor(ivs []Interval) float64 {
	secs := make([]float64, 0, len(ivs))
	for _, iv := range ivs {
		if iv.Operation == AllOperations && iv.Seconds >= 0 {
			secs = append(secs, iv.Seconds)
		}
	}
	if len(secs) == 0 {
		return MinRateSeconds
	}
	sort.Float64s(secs)
	return max(MinRateSeconds, TailFold*secs[len(secs)/2])
}

// Rate returns the interval's achieved rate and whether it is a meaningful
// sample: only when the interval lasted at least floor (RateFloor of its
// series; never less than MinRateSeconds). Consumers that take
// per-interval rate samples (history, compare) take them here.
func (iv Interval) Rate(floor float64) (float64, bool) {
	if !(iv.Seconds >= max(floor, MinRateSeconds)) {
		return 0, false
	}
	return iv.AchievedRate, true
}

// frame is one interval's state: all operations together and each one
// (created when it first gets something in this frame).
type frame struct {
	all *opInterval
	ops map[string]*opInterval
}

// opInterval is one operation's open interval. Its histograms are reset,
// not reallocated, at each cut.
type opInterval struct {
	offered, sent, answered, notSent, throttled, retries int64
	notSentReasons                                       map[string]int64
	statuses                                             map[int]int64
	errors                                               map[string]int64
	lat, lag                                             *hdrhistogram.Histogram
	latMax, lagMax                                       time.Duration
}

// NewAggregator returns an Aggregator whose first interval starts at start.
func NewAggregator(start time.Time, opts ...Option) *Aggregator {
	a := &Aggregator{start: start, sigfigs: 3, names: map[string]bool{}}
	for _, o := range opts {
		o(a)
	}
	a.cur = frame{all: a.newOp(), ops: map[string]*opInterval{}}
	a.held = frame{all: a.newOp(), ops: map[string]*opInterval{}}
	return a
}

func (a *Aggregator) newOp() *opInterval {
	return &opInterval{
		notSentReasons: map[string]int64{},
		statuses:       map[int]int64{},
		errors:         map[string]int64{},
		lat:            hdrhistogram.New(histMin, histMax, a.sigfigs),
		// lag needs less precision than latency: two figures (1 %) halve its size
		lag: hdrhistogram.New(histMin, histMax, max(1, a.sigfigs-1)),
	}
}

// get returns f's interval of the operation name, creating it.
func (a *Aggregator) get(f *frame, name string) *opInterval {
	o, ok := f.ops[name]
	if !ok {
		o = a.newOp()
		f.ops[name] = o
	}
	return o
}

// op returns the open interval of op, creating it (a.mu held). An
// operation literally named "all" is kept apart from the "all" row.
func (a *Aggregator) op(name string) *opInterval {
	if name == AllOperations {
		name = AllOperations + " (operation)"
	}
	if !a.names[name] {
		if len(a.names) >= MaxOperations {
			name = OperationOther
		}
		a.names[name] = true
	}
	return a.get(&a.cur, name)
}

// Offer counts n hits the pacer scheduled for op.
func (a *Aggregator) Offer(op string, n int64) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	a.op(op).offered += n
	a.cur.all.offered += n
	a.mu.Unlock()
}

// NotSent counts n offered hits of op that were never sent, and why
// ("generator behind schedule", "stopped", "quiet period", ...).
func (a *Aggregator) NotSent(op, reason string, n int64) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	for _, o := range [2]*opInterval{a.op(op), a.cur.all} {
		o.notSent += n
		o.notSentReasons[reason] += n
	}
	a.mu.Unlock()
}

// Retried counts n retries of a hit of op (attempts beyond its first), for a
// caller that learns a hit's attempts apart from its Record: the load
// generator's dispatcher, which sees each call's clients.CallStats.
func (a *Aggregator) Retried(op string, n int64) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	a.op(op).retries += n
	a.cur.all.retries += n
	a.mu.Unlock()
}

// Record counts one sent hit of op: intended is when the pacer meant to
// send it, sent when it left; latency is measured from intended. status is
// the final HTTP status (0 when no answer came, errText then says why);
// attempts counts the tries, retries included.
func (a *Aggregator) Record(op string, intended, sent time.Time, latency time.Duration, status int, errText string, attempts int) {
	lag := sent.Sub(intended)
	if lag < 0 {
		lag = 0
	}
	a.mu.Lock()
	for _, o := range [2]*opInterval{a.op(op), a.cur.all} {
		o.sent++
		if attempts > 1 {
			o.retries += int64(attempts - 1)
		}
		recordClamped(o.lag, lag)
		o.lagMax = max(o.lagMax, lag)
		if status > 0 {
			o.answered++
			o.statuses[status]++
			if status == 429 {
				o.throttled++
			}
			recordClamped(o.lat, latency)
			o.latMax = max(o.latMax, latency)
			continue
		}
		if errText == "" {
			errText = "no answer"
		}
		o.addError(errText)
	}
	a.mu.Unlock()
}

func (o *opInterval) addError(text string) {
	if len(text) > MaxErrorText {
		text = text[:MaxErrorText]
	}
	o.addErrorN(text, 1)
}

// addErrorN counts n errors of a text already cut to MaxErrorText, under
// ErrorOther once MaxErrorKinds kinds are kept.
func (o *opInterval) addErrorN(text string, n int64) {
	if _, ok := o.errors[text]; !ok && len(o.errors) >= MaxErrorKinds {
		text = ErrorOther
	}
	o.errors[text] += n
}

func recordClamped(h *hdrhistogram.Histogram, d time.Duration) {
	us := d.Microseconds()
	us = min(max(us, histMin), histMax)
	_ = h.RecordValue(us) // in range by construction
}

// Cut closes the open interval at now and opens the next one there. It
// returns the interval Tick held back, if any, then the one it closed; each
// as the "all" row first, then one row per operation seen so far in the
// run (zeros when it was idle), sorted by name, so every cut has the same
// rows.
func (a *Aggregator) Cut(now time.Time) []Interval {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cut(now)
}

// Tick closes the open interval at now, opens the next one there and holds
// the closed one back (so that Finish can fold a short closing remainder
// into it). It returns the rows of the interval held back before (nil at
// the first Tick), as Cut does. A stream of Ticks ended by Finish (or Cut)
// gives every interval once, in order.
func (a *Aggregator) Tick(now time.Time) []Interval {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Interval
	if a.holding {
		out = a.rows(&a.held, a.heldStart, a.heldEnd, a.heldNames)
	}
	a.held, a.cur = a.cur, a.held
	a.heldStart, a.heldEnd, a.heldNames, a.holding = a.start, now, a.sortedNames(), true
	a.start = now
	return out
}

// Finish closes the run's last interval at now: when it is shorter than
// TailFold of the interval Tick held back, it is folded into that one (one
// row, from the held interval's start to now); otherwise both are
// returned, in order. Without a held interval it is Cut.
func (a *Aggregator) Finish(now time.Time) []Interval {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.holding && foldTail(a.heldEnd.Sub(a.heldStart), now.Sub(a.start)) {
		a.fold()
	}
	return a.cut(now)
}

// foldTail is the fold rule: a closing remainder tail shorter than
// TailFold of the interval before it, prev, is folded into it.
func foldTail(prev, tail time.Duration) bool {
	return float64(tail) < TailFold*float64(prev)
}

// fold adds the open interval into the held one and makes that the open
// interval again, from its start (a.mu held).
func (a *Aggregator) fold() {
	a.held.all.absorb(a.cur.all)
	for name, o := range a.cur.ops {
		a.get(&a.held, name).absorb(o)
	}
	a.held, a.cur = a.cur, a.held
	a.start, a.holding = a.heldStart, false
}

// cut returns the held interval's rows, if any, and the open interval's,
// closed at now (a.mu held).
func (a *Aggregator) cut(now time.Time) []Interval {
	var out []Interval
	if a.holding {
		out = a.rows(&a.held, a.heldStart, a.heldEnd, a.heldNames)
		a.holding = false
	}
	out = append(out, a.rows(&a.cur, a.start, now, a.sortedNames())...)
	a.start = now
	return out
}

// sortedNames returns the operations seen so far, sorted (a.mu held).
func (a *Aggregator) sortedNames() []string {
	names := make([]string, 0, len(a.names))
	for n := range a.names {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// rows closes f, the interval from start to end, into its rows (all, then
// names) and resets it (a.mu held).
func (a *Aggregator) rows(f *frame, start, end time.Time, names []string) []Interval {
	secs := end.Sub(start).Seconds()
	if secs < 0 {
		secs = 0
	}
	out := make([]Interval, 0, len(names)+1)
	out = append(out, f.all.close(start, secs, AllOperations, a.secrets))
	for _, n := range names {
		if o, ok := f.ops[n]; ok {
			out = append(out, o.close(start, secs, n, a.secrets))
		} else {
			out = append(out, Interval{Start: start, Seconds: secs, Operation: n})
		}
	}
	return out
}

// absorb adds o into the interval (counts and maps summed, histograms
// merged, maxima kept) and resets o.
func (dst *opInterval) absorb(o *opInterval) {
	dst.offered += o.offered
	dst.sent += o.sent
	dst.answered += o.answered
	dst.notSent += o.notSent
	dst.throttled += o.throttled
	dst.retries += o.retries
	for k, v := range o.notSentReasons {
		dst.notSentReasons[k] += v
	}
	for k, v := range o.statuses {
		dst.statuses[k] += v
	}
	for k, v := range o.errors {
		dst.addErrorN(k, v)
	}
	dst.lat.Merge(o.lat) // same range and precision: nothing dropped
	dst.lag.Merge(o.lag)
	dst.latMax, dst.lagMax = max(dst.latMax, o.latMax), max(dst.lagMax, o.lagMax)
	o.reset()
}

// close returns the interval's row and resets it for the next.
func (o *opInterval) close(start time.Time, secs float64, name string, secrets []string) Interval {
	iv := Interval{
		Start: start, Seconds: secs, Operation: name,
		Offered: o.offered, Sent: o.sent, Answered: o.answered, NotSent: o.notSent,
		Throttled: o.throttled, Retries: o.retries,
	}
	if secs > 0 {
		iv.AchievedRate = float64(o.answered) / secs
	}
	if o.lat.TotalCount() > 0 {
		iv.Max = o.latMax.Seconds()
		iv.P50 = quantile(o.lat, 50, o.latMax)
		iv.P90 = quantile(o.lat, 90, o.latMax)
		iv.P99 = quantile(o.lat, 99, o.latMax)
	}
	if o.lag.TotalCount() > 0 {
		iv.LagMax = o.lagMax.Seconds()
		iv.LagP99 = quantile(o.lag, 99, o.lagMax)
	}
	if len(o.notSentReasons) > 0 {
		iv.NotSentReasons = make(map[string]int64, len(o.notSentReasons))
		for k, v := range o.notSentReasons {
			iv.NotSentReasons[k] = v
		}
	}
	if len(o.statuses) > 0 {
		iv.Statuses = make(map[string]int64, len(o.statuses))
		for k, v := range o.statuses {
			iv.Statuses[strconv.Itoa(k)] = v
		}
	}
	if len(o.errors) > 0 {
		iv.Errors = make(map[string]int64, len(o.errors))
		for k, v := range o.errors {
			iv.Errors[redact.Scrub(k, secrets...)] += v
		}
	}
	o.reset()
	return iv
}

// reset empties the interval for the next, keeping its allocations.
func (o *opInterval) reset() {
	o.offered, o.sent, o.answered, o.notSent, o.throttled, o.retries = 0, 0, 0, 0, 0, 0
	o.latMax, o.lagMax = 0, 0
	o.lat.Reset()
	o.lag.Reset()
	clear(o.notSentReasons)
	clear(o.statuses)
	clear(o.errors)
}

// quantile returns the q-th percentile in seconds, never above the exact
// maximum (an HDR bucket's upper bound can exceed it).
func quantile(h *hdrhistogram.Histogram, q float64, exactMax time.Duration) float64 {
	v := time.Duration(h.ValueAtQuantile(q)) * time.Microsecond
	return min(v, exactMax).Seconds()
}
