package loadgen

import (
	"cmp"
	"errors"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/humanfmt"
)

// Histogram range: 1 µs to 1 h, in microseconds. Larger values are clamped
// to the top (and counted as such); memory is constant in run length.
const (
	histMin = 1
	histMax = int64(time.Hour / time.Microsecond)
)

// latencyHist wraps an HDR histogram of microseconds.
type latencyHist struct {
	h   *hdrhistogram.Histogram
	max time.Duration
}

func newLatencyHist(sigfigs int) *latencyHist {
	return &latencyHist{h: hdrhistogram.New(histMin, histMax, sigfigs)}
}

func (l *latencyHist) record(d time.Duration) {
	us := d.Microseconds()
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	_ = l.h.RecordValue(us)
	if d > l.max {
		l.max = d
	}
}

// q is the p-th percentile. HDR values are bucket upper bounds, so a
// percentile can read above the largest value recorded: it is clamped to the
// observed maximum (exact), never shown above it.
func (l *latencyHist) q(p float64) time.Duration {
	if l.h.TotalCount() == 0 {
		return 0
	}
	return min(time.Duration(l.h.ValueAtQuantile(p))*time.Microsecond, l.max)
}

// Latency is a latency distribution's summary (intended-time latency).
type Latency struct {
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P95  time.Duration `json:"p95"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
	Mean time.Duration `json:"mean"`
}

func (l *latencyHist) summary() Latency {
	if l.h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		P50: l.q(50), P90: l.q(90), P95: l.q(95), P99: l.q(99), Max: l.max,
		Mean: time.Duration(l.h.Mean()) * time.Microsecond,
	}
}

// Cancelled results are hits cut short by an interrupt: sent, counted
// apart, not as errors and not in latency.
const statusCancelled = "cancelled"

// Reasons a planned hit was not sent (Accounting.NotSentReasons and the
// time series' notSentReasons).
const (
	// NotSentBehind: the generator could not keep to the schedule; the hits
	// still due when the run's duration was over were never sent.
	NotSentBehind = "behind-schedule"
	// NotSentStopped: the run was stopped (Ctrl-C, or a step ramp's
	// slo.stopOnBreach) before the hits were due.
	NotSentStopped = "stopped"
	// NotSentQuiet: the simulated client held the request back in its quiet
	// period after giving up on, or being refused, the same request (see gate).
	NotSentQuiet = "quiet-period"
	// NotSentInFlightCap: maxInFlight hits were already in flight.
	NotSentInFlightCap = "in-flight-cap"
	// NotSentCoalesced: clients.coalesce is on and an identical call of the
	// same client was in flight; the hit was folded into it, never sent.
	NotSentCoalesced = "coalesced"
	// NotSentUnrecorded: re-rendering a run that did not finish (no
	// summary.json), the planned hits results.bin does not hold: not sent,
	// or sent and lost with the process.
	NotSentUnrecorded = "unrecorded"
)

// NotSentReasons lists the reasons in report order.
func NotSentReasons() []string {
	return []string{NotSentBehind, NotSentInFlightCap, NotSentStopped, NotSentQuiet, NotSentCoalesced, NotSentUnrecorded}
}

// generatorReason reports whether a not-sent reason is the generator's own
// shortfall (what thresholds.maxNotSent bounds), rather than the run's or the
// simulated clients' choice.
func generatorReason(r string) bool { return r == NotSentBehind || r == NotSentInFlightCap }

// notSentMark starts the error text of a hit the dispatcher did not send;
// the reason follows, then ": " and the detail.
const notSentMark = "loadgen: not sent: "

// notSentError is the error of a hit the dispatcher did not send.
func notSentError(reason, detail string) error {
	return errors.New(notSentMark + reason + ": " + detail)
}

// Marks of hits not sent in runs recorded before the accounting: a
// suppressed hit's error text, and the header of a coalesced hit (then
// recorded as the identical call's answer). Replay reads them as not sent.
const (
	legacySuppressedMark  = "suppressed by the client: "
	legacyCoalescedHeader = "X-Harness-Coalesced"
)

// legacyNotSent is the reason of a hit an older run recorded as a result
// although it was never sent, or "".
func legacyNotSent(r *vegeta.Result) string {
	switch {
	case r.Code == 0 && strings.Contains(r.Error, legacySuppressedMark):
		return NotSentQuiet
	case r.Headers.Get(legacyCoalescedHeader) != "":
		return NotSentCoalesced
	}
	return ""
}

// notSentReason returns the reason of a not-sent hit's error text, or "".
func notSentReason(errText string) string {
	i := strings.Index(errText, notSentMark)
	if i < 0 {
		return ""
	}
	r, _, _ := strings.Cut(errText[i+len(notSentMark):], ":")
	return r
}

// maxErrorKinds bounds the distinct error texts kept per group (vegeta's
// error set); the rest are counted under errorKindOther.
const (
	maxErrorKinds  = 50
	errorKindOther = "(other errors)"
)

// opStats accumulates one group of hits (an operation, a step, or all).
type opStats struct {
	requests  int
	successes int
	errors    int
	cancelled int
	notSent   map[string]int
	statuses  map[string]int
	kinds     map[string]int
	lat       *latencyHist
	lag       *latencyHist
	first     time.Time
	last      time.Time
}

func newOpStats(sigfigs int) *opStats {
	return &opStats{statuses: map[string]int{}, notSent: map[string]int{}, kinds: map[string]int{},
		lat: newLatencyHist(sigfigs), lag: newLatencyHist(2)}
}

// classify returns the status key of a sent hit: the HTTP code, "error" for
// a transport error, "cancelled" for a hit cut short by an interrupt.
func classify(r *vegeta.Result, interrupted bool) string {
	if r.Code == 0 {
		if interrupted && strings.Contains(r.Error, "context canceled") {
			return statusCancelled
		}
		return "error"
	}
	return strconv.Itoa(int(r.Code))
}

// errorKind is the error set's key of a failed hit: "503 Service
// Unavailable" for an HTTP answer, the transport error's text otherwise
// (without Go's "Get \"URL\": " prefix, so one failure reads the same for
// every URL).
func errorKind(r *vegeta.Result) string {
	if r.Code != 0 {
		return strconv.Itoa(int(r.Code)) + " " + http.StatusText(int(r.Code))
	}
	e := r.Error
	if op, rest, ok := strings.Cut(e, " \""); ok && !strings.Contains(op, " ") {
		if _, after, ok := strings.Cut(rest, "\": "); ok {
			e = after
		}
	}
	if e == "" {
		e = "unknown error"
	}
	return e
}

// add records a hit: notSent is its reason when it was not sent (""
// otherwise), lag its schedule lag (< 0 when unknown, as in Replay).
func (s *opStats) add(r *vegeta.Result, key, notSent string, lag time.Duration, allowed map[int]bool) {
	if notSent != "" {
		s.notSent[notSent]++
		return
	}
	if lag >= 0 {
		s.lag.record(lag)
	}
	if key == statusCancelled {
		s.cancelled++
		s.statuses[key]++
		return
	}
	s.requests++
	s.statuses[key]++
	if r.Code >= 200 && r.Code < 300 {
		s.successes++
	} else {
		if !allowed[int(r.Code)] {
			s.errors++
		}
		k := errorKind(r)
		if _, ok := s.kinds[k]; !ok && len(s.kinds) >= maxErrorKinds {
			k = errorKindOther
		}
		s.kinds[k]++
	}
	s.lat.record(r.Latency)
	if s.first.IsZero() || r.Timestamp.Before(s.first) {
		s.first = r.Timestamp
	}
	if r.Timestamp.After(s.last) {
		s.last = r.Timestamp
	}
}

// rate is the achieved send rate: hits over the span of their send times.
func (s *opStats) rate(span time.Duration) float64 {
	if span <= 0 {
		span = s.last.Sub(s.first)
	}
	if span <= 0 || s.requests == 0 {
		return 0
	}
	return float64(s.requests) / span.Seconds()
}

// OpSummary is one operation's (or all hits') line of the summary. Its
// figures count only hits that reached the target: hits not sent (see
// NotSent) are in no rate, ratio or latency.
type OpSummary struct {
	Name string `json:"name"`
	// Requests are hits sent to the target that completed (an answer or a
	// transport error); Cancelled ones were sent and cut short by an interrupt.
	Requests  int     `json:"requests"`
	Rate      float64 `json:"rate"` // achieved, requests/s
	Successes int     `json:"successes"`
	Errors    int     `json:"errors"`
	Cancelled int     `json:"cancelled,omitempty"`
	// Suppressed is NotSent["quiet-period"], kept for readers of older runs.
	Suppressed   int     `json:"suppressed,omitempty"`
	SuccessRatio float64 `json:"successRatio"`
	ErrorRate    float64 `json:"errorRate"`
	Latency      Latency `json:"latency"`
	// Lag is the schedule lag of the group's sent hits (send − intended).
	Lag      *Latency       `json:"lag,omitempty"`
	Statuses map[string]int `json:"statuses"`
	// ErrorSet counts failed hits by kind: "503 Service Unavailable" for an
	// HTTP answer, the transport error's text otherwise (at most 50 kinds).
	ErrorSet map[string]int `json:"errorSet,omitempty"`
	// NotSent counts the group's hits that were not sent, by reason (only
	// reasons known per operation: quiet-period, in-flight-cap, coalesced).
	NotSent map[string]int `json:"notSent,omitempty"`
}

func (s *opStats) summary(name string, span time.Duration) OpSummary {
	o := OpSummary{
		Name: name, Requests: s.requests, Rate: s.rate(span), Successes: s.successes,
		Errors: s.errors, Cancelled: s.cancelled, Suppressed: s.notSent[NotSentQuiet], Latency: s.lat.summary(), Statuses: s.statuses,
	}
	if len(s.kinds) > 0 {
		o.ErrorSet = s.kinds
	}
	if len(s.notSent) > 0 {
		o.NotSent = s.notSent
	}
	if s.lag.h.TotalCount() > 0 {
		l := s.lag.summary()
		o.Lag = &l
	}
	if s.requests > 0 {
		o.SuccessRatio = float64(s.successes) / float64(s.requests)
		o.ErrorRate = float64(s.errors) / float64(s.requests)
	}
	return o
}

// StepSummary is one step of a step pacer.
type StepSummary struct {
	Index    int           `json:"index"`
	Rate     float64       `json:"rate"` // the step's offered rate
	Start    time.Duration `json:"start"`
	End      time.Duration `json:"end"`
	Achieved float64       `json:"achieved"`
	Op       OpSummary     `json:"hits"`
	Complete bool          `json:"complete"` // every hit of the step was sent
	// CPU is the process's CPU use over the step, a fraction of GOMAXPROCS
	// (0 when not sampled).
	CPU float64 `json:"cpu,omitempty"`
	// MachineCPU is the whole machine's CPU use over the step (every
	// process), when known.
	MachineCPU float64 `json:"machineCpu,omitempty"`
	// Generator says why the generator, not the target, limited the step
	// (empty when it kept up); such a step is never met, nor broken.
	Generator string   `json:"generator,omitempty"`
	MetSLO    bool     `json:"metSlo"`
	Reasons   []string `json:"reasons,omitempty"` // why the SLO was missed
}

// Knee is what a step ramp found: the highest offered rate whose achieved
// rate, error rate and latency met the SLO with the generator healthy, and
// why the ramp went no higher.
type Knee struct {
	// Rate is the knee's offered rate (0: no step met the SLO).
	Rate float64 `json:"rate"`
	Step int     `json:"step,omitempty"` // 1-based
	// Cause of the end of the ramp: "target" (the next step missed the
	// SLO), "generator" (the generator could not drive the next step, so the
	// target's knee is at least Rate), "incomplete" (the run ended first) or
	// "none" (every step met the SLO: the knee is above the ramp).
	Cause    string  `json:"cause"`
	NextStep int     `json:"nextStep,omitempty"` // 1-based
	NextRate float64 `json:"nextRate,omitempty"`
	Why      string  `json:"why,omitempty"`
}

// AttemptStats counts attempts per contract operation, from the attempt log.
type AttemptStats struct {
	Operation       string `json:"operation"`
	Attempts        int    `json:"attempts"`
	Retries         int    `json:"retries"` // attempts with number > 1
	Throttled       int    `json:"throttled"`
	ServerErrors    int    `json:"serverErrors"`
	TransportErrors int    `json:"transportErrors"`
}

// aggregator turns results into the summary's figures; the live run and
// Replay both feed it, so a re-rendered run reads exactly like the original.
type aggregator struct {
	all         *opStats
	ops         map[string]*opStats
	steps       map[int]*opStats
	step        *StepPacer
	allowed     map[int]bool
	interrupted bool
	maxSeq      uint64
	seen        bool
	// issued counts every planned hit accounted for so far: handed to a
	// worker (sent or not), or skipped by the schedule.
	issued int64
	// cpu is the process's CPU use sampled during the attack (step ramps
	// grade each step's generator health with it).
	cpu []cpuSample
	// limits of a healthy generator.
	maxLag time.Duration
	maxCPU float64
}

// cpuSample is the process's CPU use over (previous sample, At], a fraction
// of GOMAXPROCS, At measured from the attack's start.
type cpuSample struct {
	At      time.Duration
	Busy    float64
	Machine float64 // the whole machine's CPU use (0 when unknown)
}

func newAggregator(p *Profile, sched Schedule) *aggregator {
	a := &aggregator{all: newOpStats(3), ops: map[string]*opStats{}, steps: map[int]*opStats{}, allowed: map[int]bool{},
		maxLag: p.Generator.MaxLag.D(), maxCPU: p.Generator.MaxCPU}
	if a.maxLag <= 0 {
		a.maxLag = defaultMaxLag
	}
	if a.maxCPU <= 0 {
		a.maxCPU = defaultMaxCPU
	}
	for _, s := range p.Thresholds.AllowStatuses {
		a.allowed[s] = true
	}
	if sp, ok := sched.(*StepPacer); ok {
		a.step = sp
	}
	return a
}

// add records one hit the generator issued; lag is its schedule lag (< 0
// when unknown).
func (a *aggregator) add(r *vegeta.Result, lag time.Duration) {
	a.issued++
	hi := ParseHit(r.Method, r.URL)
	ns := notSentReason(r.Error)
	if ns == "" {
		ns = legacyNotSent(r)
	}
	key := ""
	if ns == "" {
		key = classify(r, a.interrupted)
	}
	a.all.add(r, key, ns, lag, a.allowed)
	s := a.ops[hi.Op]
	if s == nil {
		s = newOpStats(3)
		a.ops[hi.Op] = s
	}
	s.add(r, key, ns, lag, a.allowed)
	if !a.seen || r.Seq > a.maxSeq {
		a.maxSeq, a.seen = r.Seq, true
	}
	if a.step != nil {
		// Hit n is due when H(t) = n+1: a step's hits are due in (start, end].
		k := max(0, int((a.step.Due(r.Seq)-1)/a.step.Every))
		st := a.steps[k]
		if st == nil {
			if len(a.steps) >= maxSteps {
				return
			}
			st = newOpStats(2)
			a.steps[k] = st
		}
		st.add(r, key, ns, lag, a.allowed)
	}
}

// skip records the schedule's hits [from, to) as not sent for reason
// (never issued, so of no operation), in their steps too.
func (a *aggregator) skip(from, to uint64, reason string) {
	if to <= from {
		return
	}
	a.issued += int64(to - from)
	a.all.notSent[reason] += int(to - from)
	if !a.seen || to-1 > a.maxSeq {
		a.maxSeq, a.seen = to-1, true
	}
	if a.step == nil {
		return
	}
	for i := from; i < to; {
		k := max(0, int((a.step.Due(i)-1)/a.step.Every))
		// Hits due by the end of step k: H(end) = n means indices < n.
		end := uint64(math.Floor(a.step.Hits(time.Duration(k+1) * a.step.Every)))
		n := min(to, max(end, i+1)) - i
		st := a.steps[k]
		if st == nil {
			if len(a.steps) >= maxSteps {
				return
			}
			st = newOpStats(2)
			a.steps[k] = st
		}
		st.notSent[reason] += int(n)
		i += n
	}
}

// maxSteps bounds the per-step histograms kept.
const maxSteps = 1000

func (a *aggregator) opSummaries() []OpSummary {
	var out []OpSummary
	// Report order: the mix operations first, then any other name A–Z.
	rank := func(n string) int {
		if i := slices.Index(MixOperations(), n); i >= 0 {
			return i
		}
		return len(MixOperations())
	}
	names := slices.SortedFunc(maps.Keys(a.ops), func(x, y string) int {
		return cmp.Or(cmp.Compare(rank(x), rank(y)), strings.Compare(x, y))
	})
	// One denominator for every operation, the send span of all hits (as
	// for "all"), so that the operations' rates add up to the run's.
	span := a.all.last.Sub(a.all.first)
	for _, n := range names {
		out = append(out, a.ops[n].summary(n, span))
	}
	return out
}

// cpuOver is the mean sampled CPU use over (start, end], the process's and
// the machine's, 0 when no sample falls in it.
func (a *aggregator) cpuOver(start, end time.Duration) (proc, machine float64) {
	n := 0
	for _, c := range a.cpu {
		if c.At > start && c.At <= end {
			proc += c.Busy
			machine += c.Machine
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return proc / float64(n), machine / float64(n)
}

// stepSummaries grades every step against the SLO and the generator's
// health, and finds the knee.
func (a *aggregator) stepSummaries(slo SLO, planned time.Duration) ([]StepSummary, *Knee) {
	if a.step == nil {
		return nil, nil
	}
	idx := slices.Sorted(maps.Keys(a.steps))
	minAch := slo.MinAchieved
	if minAch == 0 {
		minAch = 0.95
	}
	lastDue := time.Duration(0)
	if a.seen {
		lastDue = a.step.Due(a.maxSeq)
	}
	var out []StepSummary
	for _, k := range idx {
		st := a.steps[k]
		start := time.Duration(k) * a.step.Every
		end := start + a.step.Every
		if planned > 0 && end > planned {
			end = planned
		}
		ss := StepSummary{
			Index: k, Rate: a.step.StepRate(k), Start: start, End: end,
			Op: st.summary("step", 0),
		}
		ss.CPU, ss.MachineCPU = a.cpuOver(start, end)
		// Complete: hits were sent up to the step's end (within 2 % of the
		// step, or two intervals: the attack's last ticks may go unsent).
		tol := max(time.Duration(2*float64(time.Second)/max(ss.Rate, 1)), (end-start)/50)
		ss.Complete = lastDue >= end-tol
		if ss.Op.Requests > 0 && ss.Rate > 0 {
			// Requests over their send span plus one interval: exactly the
			// step's rate when the generator kept up, lower when it fell behind.
			ss.Achieved = float64(ss.Op.Requests) / (st.last.Sub(st.first).Seconds() + 1/ss.Rate)
		}
		ss.Generator = a.stepGenerator(ss)
		var reasons []string
		if ss.Generator != "" {
			reasons = append(reasons, "generator: "+ss.Generator)
		}
		if ss.Achieved < minAch*ss.Rate {
			reasons = append(reasons, "achieved "+humanfmt.Rate(ss.Achieved)+" < "+humanfmt.Percent(minAch)+" of "+humanfmt.Rate(ss.Rate))
		}
		if slo.P99 > 0 && ss.Op.Latency.P99 > slo.P99.D() {
			reasons = append(reasons, "p99 "+humanfmt.Duration(ss.Op.Latency.P99)+" > "+humanfmt.Duration(slo.P99.D()))
		}
		if slo.P95 > 0 && ss.Op.Latency.P95 > slo.P95.D() {
			reasons = append(reasons, "p95 "+humanfmt.Duration(ss.Op.Latency.P95)+" > "+humanfmt.Duration(slo.P95.D()))
		}
		if slo.ErrorRate != nil && ss.Op.ErrorRate > *slo.ErrorRate {
			reasons = append(reasons, "error rate "+humanfmt.Percent(ss.Op.ErrorRate)+" > "+humanfmt.Percent(*slo.ErrorRate))
		}
		if !ss.Complete {
			reasons = append(reasons, "step not completed")
		}
		ss.Reasons = reasons
		ss.MetSLO = len(reasons) == 0
		out = append(out, ss)
	}
	return out, knee(out)
}

// stepGenerator says why the generator limited a step ("" when it kept
// up): schedule lag above its limit, hits refused by the in-flight cap,
// hits still due when the run ended, or a saturated CPU.
func (a *aggregator) stepGenerator(ss StepSummary) string {
	var why []string
	if l := ss.Op.Lag; l != nil && l.P99 > a.maxLag {
		w := "schedule lag p99 " + l.P99.Round(time.Microsecond).String() + " > " + a.maxLag.String()
		if ss.MachineCPU >= a.maxCPU && ss.CPU < a.maxCPU {
			w += " (machine CPU " + ftoa(math.Round(ss.MachineCPU*100)) + "%: other processes)"
		}
		why = append(why, w)
	}
	if n := ss.Op.NotSent[NotSentInFlightCap]; n > 0 {
		why = append(why, strconv.Itoa(n)+" hits over the in-flight cap")
	}
	if ss.CPU >= a.maxCPU {
		why = append(why, "CPU "+ftoa(math.Round(ss.CPU*100))+"% of GOMAXPROCS")
	}
	return strings.Join(why, ", ")
}

// knee walks the graded steps: the knee is the last step met before the
// first step missed on the target's account (cause "target"). A step the
// generator could not drive is neither met nor broken: the walk goes on past
// it (a passing stall of the machine), and when the ramp ends with such
// steps after the knee, the cause is "generator": the target's knee is at
// least the rate found.
func knee(steps []StepSummary) *Knee {
	k := &Knee{Cause: "none"}
	var gen *StepSummary // first generator-limited step after the knee
	for i, s := range steps {
		switch {
		case s.Generator != "":
			if gen == nil {
				gen = &steps[i]
			}
			continue
		case s.MetSLO:
			k.Rate, k.Step, gen = s.Rate, s.Index+1, nil
			continue
		case !s.Complete:
			k.Cause, k.Why = "incomplete", "the run ended before the step did"
		default:
			k.Cause, k.Why = "target", strings.Join(s.Reasons, "; ")
		}
		k.NextStep, k.NextRate = s.Index+1, s.Rate
		return k
	}
	if gen != nil {
		k.Cause, k.NextStep, k.NextRate = "generator", gen.Index+1, gen.Rate
		k.Why = "the generator could not drive it (" + gen.Generator + "), so the target's knee is at least the last step met"
		if k.Rate == 0 {
			k.Why = "the generator could not drive it (" + gen.Generator + "), so the target's knee was not measured"
		}
	}
	return k
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
