// Package timeseries records how a load run went over time: per interval
// (one second, or one step) and per operation, the hits offered, sent,
// answered and not sent, the achieved rate, latency percentiles from an HDR
// histogram of the interval, status and error counts, 429s, retries and the
// generator's own schedule lag.
//
// An Aggregator takes hits as they happen (Record, Offer, NotSent) and is
// cut into Intervals at times the caller gives (Cut): it never reads the
// wall clock. Its histograms are reset and reused at every cut, so its
// memory does not grow with the run's length. A Writer streams the
// intervals to timeseries.jsonl, flushing each batch, so that a run cut
// short still leaves every interval it closed. Read loads such a file back
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

// Aggregator accumulates one open interval and closes it at each Cut. It is
// safe for concurrent use.
type Aggregator struct {
	mu      sync.Mutex
	start   time.Time
	sigfigs int
	secrets []string
	ops     map[string]*opInterval
	all     *opInterval
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
	a := &Aggregator{start: start, sigfigs: 3, ops: map[string]*opInterval{}}
	for _, o := range opts {
		o(a)
	}
	a.all = a.newOp()
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

// op returns the open interval of op, creating it (a.mu held). An
// operation literally named "all" is kept apart from the "all" row.
func (a *Aggregator) op(name string) *opInterval {
	if name == AllOperations {
		name = AllOperations + " (operation)"
	}
	if o, ok := a.ops[name]; ok {
		return o
	}
	if len(a.ops) >= MaxOperations {
		name = OperationOther
		if o, ok := a.ops[name]; ok {
			return o
		}
	}
	o := a.newOp()
	a.ops[name] = o
	return o
}

// Offer counts n hits the pacer scheduled for op.
func (a *Aggregator) Offer(op string, n int64) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	a.op(op).offered += n
	a.all.offered += n
	a.mu.Unlock()
}

// NotSent counts n offered hits of op that were never sent, and why
// ("generator behind schedule", "stopped", "quiet period", ...).
func (a *Aggregator) NotSent(op, reason string, n int64) {
	if n <= 0 {
		return
	}
	a.mu.Lock()
	for _, o := range [2]*opInterval{a.op(op), a.all} {
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
	a.all.retries += n
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
	for _, o := range [2]*opInterval{a.op(op), a.all} {
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
	if _, ok := o.errors[text]; !ok && len(o.errors) >= MaxErrorKinds {
		text = ErrorOther
	}
	o.errors[text]++
}

func recordClamped(h *hdrhistogram.Histogram, d time.Duration) {
	us := d.Microseconds()
	us = min(max(us, histMin), histMax)
	_ = h.RecordValue(us) // in range by construction
}

// Cut closes the open interval at now and opens the next one there. It
// returns the "all" row first, then one row per operation seen so far in
// the run (zeros when it was idle), sorted by name, so every cut has the
// same rows.
func (a *Aggregator) Cut(now time.Time) []Interval {
	a.mu.Lock()
	defer a.mu.Unlock()
	start := a.start
	secs := now.Sub(start).Seconds()
	if secs < 0 {
		secs = 0
	}
	a.start = now
	names := make([]string, 0, len(a.ops))
	for n := range a.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Interval, 0, len(names)+1)
	out = append(out, a.all.close(start, secs, AllOperations, a.secrets))
	for _, n := range names {
		out = append(out, a.ops[n].close(start, secs, n, a.secrets))
	}
	return out
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
	o.offered, o.sent, o.answered, o.notSent, o.throttled, o.retries = 0, 0, 0, 0, 0, 0
	o.latMax, o.lagMax = 0, 0
	o.lat.Reset()
	o.lag.Reset()
	clear(o.notSentReasons)
	clear(o.statuses)
	clear(o.errors)
	return iv
}

// quantile returns the q-th percentile in seconds, never above the exact
// maximum (an HDR bucket's upper bound can exceed it).
func quantile(h *hdrhistogram.Histogram, q float64, exactMax time.Duration) float64 {
	v := time.Duration(h.ValueAtQuantile(q)) * time.Microsecond
	return min(v, exactMax).Seconds()
}
