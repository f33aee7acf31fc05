package loadgen

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// hit is a synthetic result: what the run records for a hit of op by
// client 0, sent at t0+at, answered code after lat.
func hit(seq uint64, op string, at, lat time.Duration, code uint16, errText string) *vegeta.Result {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &vegeta.Result{
		Seq: seq, Code: code, Timestamp: t0.Add(at), Latency: lat, Error: errText,
		Method: http.MethodGet, URL: "http://127.0.0.1:1/v1/x#" + fragment(op, 0)[1:],
	}
}

// TestAggregatorCounts: successes, errors, allowed statuses, transport
// errors, suppressed and cancelled hits land where the summary says, per
// operation and for all hits, without a real attack.
func TestAggregatorCounts(t *testing.T) {
	tests := []struct {
		name        string
		allow       []int
		interrupted bool
		results     []*vegeta.Result
		want        OpSummary // Name, Requests, Successes, Errors, Cancelled, Suppressed
		statuses    map[string]int
		notSent     map[string]int
	}{
		{
			name: "success and errors",
			results: []*vegeta.Result{
				hit(0, MixGet, 0, 10*time.Millisecond, 200, ""),
				hit(1, MixGet, 100*time.Millisecond, 30*time.Millisecond, 503, ""),
				hit(2, MixCreate, 200*time.Millisecond, 20*time.Millisecond, 0, "dial tcp: connection refused"),
			},
			want:     OpSummary{Requests: 3, Successes: 1, Errors: 2},
			statuses: map[string]int{"200": 1, "503": 1, "error": 1},
		},
		{
			name:  "allowed 429, and hits not sent are no requests",
			allow: []int{429},
			results: []*vegeta.Result{
				hit(0, MixGet, 0, time.Millisecond, 429, ""),
				hit(1, MixGet, time.Millisecond, 0, 0, notSentError(NotSentQuiet, "quiet").Error()),
				hit(2, MixGet, 2*time.Millisecond, time.Millisecond, 404, ""),
				hit(3, MixGet, 3*time.Millisecond, 0, 0, `Get "http://x": `+notSentError(NotSentInFlightCap, "cap").Error()),
				hit(4, MixGet, 4*time.Millisecond, 0, 0, notSentError(NotSentCoalesced, "dup").Error()),
			},
			want:     OpSummary{Requests: 2, Errors: 1, Suppressed: 1},
			statuses: map[string]int{"429": 1, "404": 1},
			notSent:  map[string]int{NotSentQuiet: 1, NotSentInFlightCap: 1, NotSentCoalesced: 1},
		},
		{
			name: "hits an older run recorded although not sent",
			results: []*vegeta.Result{
				hit(0, MixGet, 0, time.Millisecond, 200, ""),
				hit(1, MixGet, time.Millisecond, 0, 0, "Get x: suppressed by the client: same request given up on"),
				func() *vegeta.Result {
					r := hit(2, MixGet, 2*time.Millisecond, time.Millisecond, 200, "")
					r.Headers = http.Header{"X-Harness-Coalesced": {"1"}}
					return r
				}(),
			},
			want:     OpSummary{Requests: 1, Successes: 1, Suppressed: 1},
			statuses: map[string]int{"200": 1},
			notSent:  map[string]int{NotSentQuiet: 1, NotSentCoalesced: 1},
		},
		{
			name:        "cancelled by an interrupt",
			interrupted: true,
			results: []*vegeta.Result{
				hit(0, MixGet, 0, time.Millisecond, 200, ""),
				hit(1, MixGet, time.Millisecond, time.Second, 0, "Get x: context canceled"),
			},
			want:     OpSummary{Requests: 1, Successes: 1, Cancelled: 1},
			statuses: map[string]int{"200": 1, statusCancelled: 1},
		},
		{
			name: "a cancel without an interrupt is an error",
			results: []*vegeta.Result{
				hit(0, MixGet, 0, time.Second, 0, "Get x: context canceled"),
			},
			want:     OpSummary{Requests: 1, Errors: 1},
			statuses: map[string]int{"error": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Profile{Thresholds: Thresholds{AllowStatuses: tt.allow}}
			agg := newAggregator(p, constantSchedule{vegetaRate(10)})
			agg.interrupted = tt.interrupted
			for _, r := range tt.results {
				agg.add(r, 0)
			}
			got := agg.all.summary("all", 0)
			if fmt.Sprint(got.NotSent) != fmt.Sprint(tt.notSent) {
				t.Errorf("not sent %v, want %v", got.NotSent, tt.notSent)
			}
			a := accountIssued(agg)
			if a.Sent != int64(got.Requests+got.Cancelled) || a.Sent+int64(len(a.NotSentReasons)) > int64(len(tt.results)) {
				t.Errorf("accounting %+v: sent %d, want %d", a, a.Sent, got.Requests+got.Cancelled)
			}
			if got.Requests != tt.want.Requests || got.Successes != tt.want.Successes || got.Errors != tt.want.Errors ||
				got.Cancelled != tt.want.Cancelled || got.Suppressed != tt.want.Suppressed {
				t.Errorf("all = %+v, want %+v", got, tt.want)
			}
			if fmt.Sprint(got.Statuses) != fmt.Sprint(tt.statuses) {
				t.Errorf("statuses %v, want %v", got.Statuses, tt.statuses)
			}
			if got.Requests > 0 && math.Abs(got.ErrorRate-float64(tt.want.Errors)/float64(tt.want.Requests)) > 1e-12 {
				t.Errorf("error rate %g", got.ErrorRate)
			}
		})
	}
}

// TestAggregatorOperations: per-operation lines come in report order with
// their own latency, and the achieved rate is hits over their send span.
func TestAggregatorOperations(t *testing.T) {
	agg := newAggregator(&Profile{}, constantSchedule{vegetaRate(10)})
	for i := range 10 {
		agg.add(hit(uint64(i), MixToken, time.Duration(i)*100*time.Millisecond, 40*time.Millisecond, 200, ""), 0)
		agg.add(hit(uint64(i), MixCreate, time.Duration(i)*100*time.Millisecond, 10*time.Millisecond, 201, ""), 0)
	}
	ops := agg.opSummaries()
	var names []string
	for _, o := range ops {
		names = append(names, o.Name)
	}
	if !slices.Equal(names, []string{MixCreate, MixToken}) {
		t.Fatalf("operations %v, want create then token", names)
	}
	if ops[0].Latency.P99 > 11*time.Millisecond || ops[1].Latency.P50 < 39*time.Millisecond {
		t.Errorf("latency per operation mixed up: create %+v, token %+v", ops[0].Latency, ops[1].Latency)
	}
	// 10 hits sent over 0.9 s.
	if r := ops[0].Rate; math.Abs(r-10/0.9) > 1e-9 {
		t.Errorf("achieved rate %g, want %g", r, 10/0.9)
	}
}

// TestOperationRatesAddUp: every operation's rate is over the send span of
// all hits, so the operations' rates add up to the run's, whatever the
// span of each operation's own hits (a rare one's first and last hits are
// far from the run's).
func TestOperationRatesAddUp(t *testing.T) {
	cases := []struct {
		name string
		hits map[string][]time.Duration // send times by operation
	}{
		{"interleaved", map[string][]time.Duration{MixToken: {0, 200 * time.Millisecond, 400 * time.Millisecond}, MixCreate: {100 * time.Millisecond, 300 * time.Millisecond}}},
		{"a rare operation mid-run", map[string][]time.Duration{MixToken: {0, time.Second, 2 * time.Second, 3 * time.Second}, MixCreate: {1400 * time.Millisecond, 1600 * time.Millisecond}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			agg := newAggregator(&Profile{}, constantSchedule{vegetaRate(10)})
			seq := uint64(0)
			for op, ats := range tc.hits {
				for _, at := range ats {
					agg.add(hit(seq, op, at, time.Millisecond, 200, ""), 0)
					seq++
				}
			}
			all := agg.all.summary("all", 0)
			sum := 0.0
			for _, o := range agg.opSummaries() {
				if want := float64(o.Requests) / (float64(all.Requests) / all.Rate); math.Abs(o.Rate-want) > 1e-9 {
					t.Errorf("%s: rate %g, want %g (its hits over the run's send span)", o.Name, o.Rate, want)
				}
				sum += o.Rate
			}
			if all.Rate <= 0 || math.Abs(sum-all.Rate) > 1e-9 {
				t.Errorf("operations' rates add up to %g, all %g", sum, all.Rate)
			}
		})
	}
}

// stepRun feeds an aggregator the hits of a step ramp as a generator that
// kept up would send them, with latency lat(step) and status code(step).
func stepRun(p *StepPacer, d time.Duration, lat func(k int) time.Duration, code func(k int) uint16) *aggregator {
	agg := newAggregator(&Profile{}, p)
	for n := uint64(0); ; n++ {
		due := p.Due(n)
		if due > d {
			break
		}
		k := int((due - 1) / p.Every)
		agg.add(hit(n, MixGet, due, lat(k), code(k), ""), 0)
	}
	return agg
}

// TestStepSummaries: each step is graded against the SLO, the highest rate
// is the last step met before the first breach, and an incomplete step is
// never met.
func TestStepSummaries(t *testing.T) {
	p := &StepPacer{Start: 10, Step: 10, Every: time.Second}
	fast := func(int) time.Duration { return 10 * time.Millisecond }
	ok := func(int) uint16 { return 200 }
	er := 0.1
	tests := []struct {
		name    string
		slo     SLO
		lat     func(int) time.Duration
		code    func(int) uint16
		planned time.Duration
		ran     time.Duration // hits sent up to here
		met     []bool
		best    float64
		reason  string // in the first missed step's reasons
	}{
		{"all met", SLO{P99: Duration(100 * time.Millisecond)}, fast, ok, 3 * time.Second, 3 * time.Second, []bool{true, true, true}, 30, ""},
		{"p99 breached at step 3", SLO{P99: Duration(100 * time.Millisecond)},
			func(k int) time.Duration { return time.Duration(k+1) * 40 * time.Millisecond }, ok,
			3 * time.Second, 3 * time.Second, []bool{true, true, false}, 20, "p99 120ms > 100ms"}, // clamped to the max
		{"errors at step 2", SLO{ErrorRate: &er}, fast,
			func(k int) uint16 {
				if k == 1 {
					return 503
				}
				return 200
			},
			3 * time.Second, 3 * time.Second, []bool{true, false, true}, 10, "error rate 100 % > 10 %"},
		{"interrupted in step 2", SLO{}, fast, ok, 3 * time.Second, 1500 * time.Millisecond, []bool{true, false}, 10, "step not completed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg := stepRun(p, tt.ran, tt.lat, tt.code)
			steps, knee := agg.stepSummaries(tt.slo, tt.planned)
			best := knee.Rate
			var met []bool
			for _, s := range steps {
				met = append(met, s.MetSLO)
			}
			if !slices.Equal(met, tt.met) || best != tt.best {
				t.Fatalf("met %v best %g, want %v %g; steps %+v", met, best, tt.met, tt.best, steps)
			}
			for _, s := range steps {
				if !s.MetSLO {
					if !strings.Contains(strings.Join(s.Reasons, "; "), tt.reason) {
						t.Errorf("step %d reasons %v, want %q", s.Index, s.Reasons, tt.reason)
					}
					break
				}
				if math.Abs(s.Achieved-s.Rate) > 1e-6*s.Rate {
					t.Errorf("step %d achieved %g, want its rate %g (the generator kept up)", s.Index, s.Achieved, s.Rate)
				}
			}
		})
	}
}

// TestKnee: the knee is the last step met before the first step missed on
// the target's account; a step the generator could not drive (schedule lag,
// hits over the in-flight cap, saturated CPU) is neither met nor broken, and
// ends the search with cause "generator".
func TestKnee(t *testing.T) {
	p := &StepPacer{Start: 10, Step: 10, Every: time.Second}
	slo := SLO{P99: Duration(100 * time.Millisecond)}
	type feed struct {
		lag     func(k int) time.Duration
		lat     func(k int) time.Duration
		capped  func(k, n int) bool // hit n of step k refused by the in-flight cap
		cpu     []float64           // per step
		planned time.Duration
	}
	zero := func(int) time.Duration { return 0 }
	fast := func(int) time.Duration { return 5 * time.Millisecond }
	never := func(int, int) bool { return false }
	tests := []struct {
		name          string
		f             feed
		rate          float64
		cause         string
		next          int
		why           string
		met           []bool
		generatorStep int // 1-based step whose Generator is set, 0 none
	}{
		{"above the ramp", feed{zero, fast, never, nil, 3 * time.Second}, 30, "none", 0, "", []bool{true, true, true}, 0},
		{"target breaks at step 3", feed{zero, func(k int) time.Duration { return time.Duration(k) * 80 * time.Millisecond }, never, nil, 3 * time.Second},
			20, "target", 3, "p99 160ms > 100ms", []bool{true, true, false}, 0},
		{"generator lags at step 2", feed{func(k int) time.Duration { return time.Duration(k) * 30 * time.Millisecond }, fast, never, nil, 3 * time.Second},
			10, "generator", 2, "schedule lag p99 30ms > 10ms", []bool{true, false, false}, 2},
		{"in-flight cap at step 3", feed{zero, fast, func(k, n int) bool { return k == 2 && n%10 == 0 }, nil, 3 * time.Second},
			20, "generator", 3, "hits over the in-flight cap", []bool{true, true, false}, 3},
		{"a stall of the generator at step 1 only", feed{func(k int) time.Duration {
			if k == 0 {
				return 50 * time.Millisecond
			}
			return 0
		}, fast, never, nil, 3 * time.Second},
			30, "none", 0, "", []bool{false, true, true}, 1},
		{"CPU saturated at step 2 while the target is slow there", feed{zero, func(k int) time.Duration { return time.Duration(k) * 200 * time.Millisecond }, never, []float64{0.5, 0.99, 0.99}, 3 * time.Second},
			10, "generator", 2, "CPU 99%", []bool{true, false, false}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg := newAggregator((&Profile{}).WithDefaults(), p)
			for i, c := range tt.f.cpu {
				agg.cpu = append(agg.cpu, cpuSample{At: time.Duration(i)*time.Second + 500*time.Millisecond, Busy: c})
			}
			perStep := map[int]int{}
			for n := uint64(0); ; n++ {
				due := p.Due(n)
				if due > tt.f.planned {
					break
				}
				k := int((due - 1) / p.Every)
				errText := ""
				if tt.f.capped(k, perStep[k]) {
					errText = notSentError(NotSentInFlightCap, "cap").Error()
				}
				perStep[k]++
				agg.add(hit(n, MixGet, due+tt.f.lag(k), tt.f.lat(k), 200, errText), tt.f.lag(k))
			}
			steps, knee := agg.stepSummaries(slo, tt.f.planned)
			var met []bool
			gen := 0
			for _, s := range steps {
				met = append(met, s.MetSLO)
				if s.Generator != "" && gen == 0 {
					gen = s.Index + 1
				}
			}
			if knee.Rate != tt.rate || knee.Cause != tt.cause || knee.NextStep != tt.next || !strings.Contains(knee.Why, tt.why) {
				t.Errorf("knee %+v, want rate %g cause %s next %d why ~%q", knee, tt.rate, tt.cause, tt.next, tt.why)
			}
			if !slices.Equal(met, tt.met) || gen != tt.generatorStep {
				t.Errorf("met %v generator step %d, want %v %d; steps %+v", met, gen, tt.met, tt.generatorStep, steps)
			}
		})
	}
}

// TestBreachedStep: a completed step that missed the SLO stops the ramp
// only once the grace period after its end has passed; a step still
// running, or one that met the SLO, never does.
func TestBreachedStep(t *testing.T) {
	p := &StepPacer{Start: 10, Step: 10, Every: time.Second}
	slow2 := func(k int) time.Duration { // step 2 (k = 1) misses the SLO
		if k == 1 {
			return 500 * time.Millisecond
		}
		return time.Millisecond
	}
	slo := SLO{P99: Duration(100 * time.Millisecond)}
	tests := []struct {
		name    string
		lat     func(int) time.Duration
		ran     time.Duration
		elapsed time.Duration
		step    int
		stop    bool
	}{
		{"breach within its grace period", slow2, 2 * time.Second, 2*time.Second + 900*time.Millisecond, 0, false},
		{"breach after its grace period", slow2, 3 * time.Second, 3 * time.Second, 1, true},
		{"breached step still running", slow2, 1500 * time.Millisecond, 5 * time.Second, 0, false},
		{"no breach", func(int) time.Duration { return time.Millisecond }, 3 * time.Second, 10 * time.Second, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agg := stepRun(p, tt.ran, tt.lat, func(int) uint16 { return 200 })
			k, stop := breachedStep(agg, slo, 10*time.Second, tt.elapsed)
			if stop != tt.stop || k != tt.step {
				t.Errorf("breachedStep = %d, %v; want %d, %v", k, stop, tt.step, tt.stop)
			}
		})
	}
}

// TestEvaluate: every threshold kind passes and fails on synthetic
// figures, and a threshold over no hits never passes.
func TestEvaluate(t *testing.T) {
	er := 0.05
	p := &Profile{Thresholds: Thresholds{
		Latency:   map[string]LatencyLimits{"all": {P99: Duration(100 * time.Millisecond)}, MixGet: {P50: Duration(10 * time.Millisecond)}},
		ErrorRate: &er, MinRate: 50, Backoff: BackoffRequired,
	}}
	good := Summary{
		All:        OpSummary{Requests: 100, ErrorRate: 0.01, Rate: 60, Latency: Latency{P99: 90 * time.Millisecond}},
		Operations: []OpSummary{{Name: MixGet, Requests: 100, Latency: Latency{P50: 5 * time.Millisecond}}},
		Compliance: &ComplianceSummary{Mode: BackoffRequired, Pass: true},
	}
	tests := []struct {
		name   string
		mod    func(*Summary)
		failed []string
	}{
		{"all pass", func(*Summary) {}, nil},
		{"p99 over", func(s *Summary) { s.All.Latency.P99 = 200 * time.Millisecond }, []string{"latency.all.p99"}},
		{"op p50 over", func(s *Summary) { s.Operations[0].Latency.P50 = time.Second }, []string{"latency.get.p50"}},
		{"errors over", func(s *Summary) { s.All.ErrorRate = 0.5 }, []string{"errorRate"}},
		{"rate under", func(s *Summary) { s.All.Rate = 10 }, []string{"minRate"}},
		{"backoff failed", func(s *Summary) { s.Compliance = &ComplianceSummary{Mode: BackoffRequired, Reasons: []string{"C1"}} }, []string{"backoff"}},
		{"no hits", func(s *Summary) { s.All = OpSummary{}; s.Operations = nil }, []string{"latency.all.p99", "latency.get.p50", "errorRate", "minRate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			s.Operations = slices.Clone(good.Operations)
			tt.mod(&s)
			s.Thresholds = evaluate(p, &s)
			if len(s.Thresholds) != 5 {
				t.Errorf("%d thresholds, want 5: %+v", len(s.Thresholds), s.Thresholds)
			}
			if got := s.Failed(); !slices.Equal(got, tt.failed) {
				t.Errorf("failed %v, want %v (%+v)", got, tt.failed, s.Thresholds)
			}
		})
	}
}

// TestMaxSchedule: the max pacer has no schedule (a closed model): it never
// waits, plans no hits, and a hit's intended time is its send time.
func TestMaxSchedule(t *testing.T) {
	s, err := NewSchedule(PacerSpec{Type: "max", Workers: 4}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{0, 1, 1 << 40} {
		if wait, stop := s.Pace(time.Duration(n), n); wait != 0 || stop {
			t.Errorf("Pace(%d) = %s, %v; want 0, false", n, wait, stop)
		}
	}
	if h := s.Hits(time.Hour); h != 0 {
		t.Errorf("Hits = %g, want 0", h)
	}
	if r := s.Rate(time.Second); !math.IsInf(r, 1) {
		t.Errorf("Rate = %g, want +Inf", r)
	}
	c := newClockedSchedule(s)
	sent := time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC)
	c.now = func() time.Time { return sent }
	c.Pace(time.Second, 0)
	if got := c.Intended(7, sent); !got.Equal(sent) {
		t.Errorf("Intended = %s, want the send time %s", got, sent)
	}
	if !strings.Contains(s.String(), "closed model") {
		t.Errorf("String = %q", s.String())
	}
}
