package loadgen

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Schedule is a vegeta.Pacer that also knows, analytically, when each hit
// is due: the basis of intended-time (coordinated-omission-free) latency.
type Schedule interface {
	vegeta.Pacer
	// Hits is the number of hits due by elapsed time t, H(t).
	Hits(t time.Duration) float64
	// Due is when hit n (0-based) is due: the t at which H(t) = n+1, the
	// same convention vegeta's pacers follow.
	Due(n uint64) time.Duration
	// String describes the schedule for reports.
	String() string
}

// sineOffsets maps the profile's startAt names to vegeta's offsets.
var sineOffsets = map[string]float64{
	"": vegeta.MeanUp, "mean-up": vegeta.MeanUp, "peak": vegeta.Peak,
	"mean-down": vegeta.MeanDown, "trough": vegeta.Trough,
}

// NewSchedule builds the pacer a (validated) PacerSpec describes. rate, when
// > 0, overrides the spec's rate (constant) or starting rate (linear, step)
// or mean (sine), scaling the rest in proportion.
func NewSchedule(s PacerSpec, rate float64) (Schedule, error) {
	switch s.Type {
	case "constant":
		r := s.Rate
		if rate > 0 {
			r = rate
		}
		return constantSchedule{vegetaRate(r)}, nil
	case "linear":
		start := s.Start
		slope := s.Slope
		if rate > 0 {
			slope = slope * rate / start
			start = rate
		}
		return linearSchedule{vegeta.LinearPacer{StartAt: vegetaRate(start), Slope: slope}}, nil
	case "step":
		sp := &StepPacer{Start: s.Start, Step: s.Step, Every: s.Every.D(), Max: s.Max}
		if rate > 0 {
			k := rate / s.Start
			sp.Start, sp.Step, sp.Max = rate, s.Step*k, s.Max*k
		}
		return sp, nil
	case "max":
		return maxSchedule{}, nil
	case "sine":
		mean, amp := s.Mean, s.Amplitude
		if rate > 0 {
			amp = amp * rate / mean
			mean = rate
		}
		return sineSchedule{vegeta.SinePacer{
			Period: s.Period.D(), Mean: vegetaRate(mean), Amp: vegetaRate(amp), StartAt: sineOffsets[s.StartAt],
		}}, nil
	}
	return nil, fmt.Errorf("pacer.type: unknown pacer %q", s.Type)
}

// vegetaRate expresses r hits/s as a vegeta.Rate: whole rates per second
// exactly, fractional ones as one hit per interval.
func vegetaRate(r float64) vegeta.Rate {
	if r <= 0 {
		return vegeta.Rate{}
	}
	if r == math.Trunc(r) && r < math.MaxInt32 {
		return vegeta.Rate{Freq: int(r), Per: time.Second}
	}
	return vegeta.Rate{Freq: 1, Per: time.Duration(math.Round(float64(time.Second) / r))}
}

func perSecond(r vegeta.Rate) float64 {
	if r.Per <= 0 {
		return 0
	}
	return float64(r.Freq) / r.Per.Seconds()
}

func seconds(s float64) time.Duration {
	if s > float64(math.MaxInt64)/1e9 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * 1e9)
}

// maxSchedule sends as fast as its workers allow (a closed model, for
// measuring maximum throughput): there is no schedule, so latency is the
// service time.
type maxSchedule struct{}

func (maxSchedule) Pace(time.Duration, uint64) (time.Duration, bool) { return 0, false }
func (maxSchedule) Rate(time.Duration) float64                       { return math.Inf(1) }
func (maxSchedule) Hits(time.Duration) float64                       { return 0 }
func (maxSchedule) Due(uint64) time.Duration                         { return time.Duration(math.MaxInt64) }
func (maxSchedule) String() string                                   { return "max (closed model: as fast as the workers go)" }

type constantSchedule struct{ vegeta.ConstantPacer }

func (c constantSchedule) Hits(t time.Duration) float64 {
	return perSecond(c.ConstantPacer) * t.Seconds()
}
func (c constantSchedule) Due(n uint64) time.Duration {
	return seconds(float64(n+1) / perSecond(c.ConstantPacer))
}
func (c constantSchedule) String() string {
	return fmt.Sprintf("constant %g/s", perSecond(c.ConstantPacer))
}

type linearSchedule struct{ vegeta.LinearPacer }

func (l linearSchedule) Hits(t time.Duration) float64 {
	x := t.Seconds()
	return l.Slope*x*x/2 + perSecond(l.StartAt)*x
}

func (l linearSchedule) Due(n uint64) time.Duration {
	b, a, m := perSecond(l.StartAt), l.Slope, float64(n+1)
	if a == 0 {
		return seconds(m / b)
	}
	return seconds((-b + math.Sqrt(b*b+2*a*m)) / a)
}

func (l linearSchedule) String() string {
	return fmt.Sprintf("linear from %g/s, +%g/s per second", perSecond(l.StartAt), l.Slope)
}

type sineSchedule struct{ vegeta.SinePacer }

func (s sineSchedule) Hits(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	m, a, p := perSecond(s.Mean), perSecond(s.Amp), s.Period.Seconds()
	x := t.Seconds()
	return m*x + a*p/(2*math.Pi)*(math.Cos(s.StartAt)-math.Cos(s.StartAt+2*math.Pi*x/p))
}

// Due solves H(t) = n+1 by bisection: H is increasing (amplitude < mean) and
// the rate stays within mean ± amplitude, which brackets the answer.
func (s sineSchedule) Due(n uint64) time.Duration {
	m, a := perSecond(s.Mean), perSecond(s.Amp)
	target := float64(n + 1)
	lo, hi := target/(m+a), target/(m-a)
	for range 60 {
		mid := (lo + hi) / 2
		if s.Hits(seconds(mid)) < target {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-7 {
			break
		}
	}
	return seconds(hi)
}

func (s sineSchedule) String() string {
	return fmt.Sprintf("sine %g/s ± %g/s over %s", perSecond(s.Mean), perSecond(s.Amp), s.Period)
}

// StepPacer is a vegeta.Pacer whose rate rises by Step every Every, from
// Start, up to Max (0 = no cap): rate(t) = min(Max, Start + Step·⌊t/Every⌋)
// hits per second. It is what capacity-ramp profiles use to find the highest
// rate that still meets an SLO.
type StepPacer struct {
	Start float64       // hits per second in the first step
	Step  float64       // added each step
	Every time.Duration // step length
	Max   float64       // rate cap, 0 = none
}

var _ vegeta.Pacer = (*StepPacer)(nil)

// capStep is the first step index that runs at Max (math.MaxInt when
// uncapped).
func (p *StepPacer) capStep() float64 {
	if p.Max <= 0 || p.Step <= 0 {
		return math.Inf(1)
	}
	return math.Max(0, math.Ceil((p.Max-p.Start)/p.Step))
}

// StepRate is the rate of step k (0-based).
func (p *StepPacer) StepRate(k int) float64 {
	r := p.Start + p.Step*float64(k)
	if p.Max > 0 && r > p.Max {
		r = p.Max
	}
	return r
}

// cum is the hits of the first k whole steps.
func (p *StepPacer) cum(k float64) float64 {
	e := p.Every.Seconds()
	kc := p.capStep()
	if k <= kc {
		return e * (k*p.Start + p.Step*k*(k-1)/2)
	}
	return e*(kc*p.Start+p.Step*kc*(kc-1)/2) + (k-kc)*e*p.Max
}

// Hits is H(t), the hits due by t.
func (p *StepPacer) Hits(t time.Duration) float64 {
	if t <= 0 || p.Every <= 0 {
		return 0
	}
	k := math.Floor(float64(t) / float64(p.Every))
	rk := p.Start + p.Step*k
	if k >= p.capStep() {
		rk = p.Max
	}
	return p.cum(k) + rk*(t.Seconds()-k*p.Every.Seconds())
}

// Due is when hit n (0-based) is due: H(t) = n+1.
func (p *StepPacer) Due(n uint64) time.Duration {
	m := float64(n + 1)
	e := p.Every.Seconds()
	if p.Every <= 0 || p.Start <= 0 {
		return time.Duration(math.MaxInt64)
	}
	var k float64
	kc := p.capStep()
	if !math.IsInf(kc, 1) && m >= p.cum(kc) {
		k = kc + math.Floor((m-p.cum(kc))/(e*p.Max))
	} else if p.Step == 0 {
		k = math.Floor(m / (e * p.Start))
	} else {
		// e·(s/2)·k² + e·(start − s/2)·k − m = 0
		qa, qb := e*p.Step/2, e*(p.Start-p.Step/2)
		k = math.Floor((-qb + math.Sqrt(qb*qb+4*qa*m)) / (2 * qa))
	}
	// Guard against floating-point error at step boundaries.
	for k > 0 && p.cum(k) > m {
		k--
	}
	for p.cum(k+1) <= m {
		k++
	}
	rk := p.Start + p.Step*k
	if k >= kc {
		rk = p.Max
	}
	return seconds(k*e + (m-p.cum(k))/rk)
}

// Pace implements vegeta.Pacer.
func (p *StepPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.Start <= 0 || p.Every <= 0 {
		return 0, true
	}
	if float64(hits) < math.Floor(p.Hits(elapsed)) {
		return 0, false // behind: send now
	}
	due := p.Due(hits)
	if due == time.Duration(math.MaxInt64) {
		return 0, true
	}
	return due - elapsed, false
}

// Rate implements vegeta.Pacer: the rate of the step elapsed falls in.
func (p *StepPacer) Rate(elapsed time.Duration) float64 {
	if p.Every <= 0 {
		return 0
	}
	return p.StepRate(int(elapsed / p.Every))
}

// String describes the pacer.
func (p *StepPacer) String() string {
	s := fmt.Sprintf("step from %g/s, +%g/s every %s", p.Start, p.Step, p.Every)
	if p.Max > 0 {
		s += fmt.Sprintf(", up to %g/s", p.Max)
	}
	return s
}

// clockedSchedule wraps a Schedule to learn when the attack began (from the
// first Pace call, whose elapsed is measured from vegeta's own start), so
// that each hit's intended send time is known: began + Due(index).
//
// It also holds back hits while the generator is full (full reports the
// cap on hits in flight reached): the hits falling due meanwhile are skipped,
// never handed to a worker, and counted (reason in-flight-cap). vegeta
// counts only the hits it issued, so the schedule index of its hit seq is
// seq plus the hits skipped before it (Index).
type clockedSchedule struct {
	Schedule
	once  sync.Once
	mu    sync.RWMutex
	began time.Time
	now   func() time.Time
	full  func() bool // nil: never full

	// skipped is the hits skipped so far; skips records, per vegeta count
	// at which hits were skipped, the skipped total from there on
	// (ascending); pending is what the aggregator has not taken yet.
	skipped uint64
	skips   []skipMark
	pending []skipRange
}

// skipMark: vegeta's hits from count on come after skipped skipped hits.
type skipMark struct{ count, skipped uint64 }

// skipRange is the schedule indices [From, To) that were skipped.
type skipRange struct{ From, To uint64 }

// fullPoll is how often a full generator looks again for room in flight.
const fullPoll = time.Millisecond

func newClockedSchedule(s Schedule) *clockedSchedule {
	return &clockedSchedule{Schedule: s, now: time.Now}
}

// Pace records the attack's start, skips the hits due while the generator
// is full, then defers to the schedule with the next hit's schedule index.
func (c *clockedSchedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	c.once.Do(func() {
		c.mu.Lock()
		c.began = c.now().Add(-elapsed)
		c.mu.Unlock()
	})
	c.mu.Lock()
	n := hits + c.skipped
	if c.full != nil && c.full() {
		if due := c.Schedule.Hits(elapsed); !math.IsInf(due, 0) && uint64(due) > n {
			k := uint64(due) - n
			c.skipped += k
			c.skips = append(c.skips, skipMark{count: hits, skipped: c.skipped})
			c.pending = append(c.pending, skipRange{From: n, To: n + k})
			n += k
		}
		c.mu.Unlock()
		wait, stop := c.Schedule.Pace(elapsed, n)
		return max(wait, fullPoll), stop
	}
	c.mu.Unlock()
	return c.Schedule.Pace(elapsed, n)
}

// Index is the schedule index of vegeta's hit seq.
func (c *clockedSchedule) Index(seq uint64) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	// The last mark at or before seq gives the hits skipped before it.
	i := sort.Search(len(c.skips), func(i int) bool { return c.skips[i].count > seq })
	if i == 0 {
		return seq
	}
	return seq + c.skips[i-1].skipped
}

// takeSkipped returns the hits skipped since the last call.
func (c *clockedSchedule) takeSkipped() []skipRange {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.pending
	c.pending = nil
	return out
}

// Began is when the attack began (zero before the first hit).
func (c *clockedSchedule) Began() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.began
}

// Intended is the intended send time of hit seq, never later than the
// actual send time sent (a pacer may run a hair late, never early).
func (c *clockedSchedule) Intended(seq uint64, sent time.Time) time.Time {
	b := c.Began()
	if b.IsZero() {
		return sent
	}
	due := c.Due(seq)
	if due == time.Duration(math.MaxInt64) {
		return sent
	}
	t := b.Add(due)
	if t.After(sent) {
		return sent
	}
	return t
}
