package reports_test

import (
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/compliance"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// syntheticRun simulates a capacity ramp against a target whose capacity
// is about 520 answers/s: steps of 100 to 800/s, five seconds each, three
// operations; beyond 400/s the target throttles a growing share with 429,
// and queueing makes latency climb past the knee; at the top step the
// generator falls behind and leaves hits unsent. The hits go through a
// real timeseries.Aggregator and Writer into dir; the summary is computed
// from the same hits, as loadgen would.
func syntheticRun(t testing.TB, dir string) *loadgen.Summary {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 12))
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	agg := timeseries.NewAggregator(start)
	w, err := timeseries.Create(dir, start)
	if err != nil {
		t.Fatal(err)
	}
	const capacity = 520.0
	const stepLen = 5 * time.Second
	rates := []float64{100, 200, 300, 400, 500, 600, 700, 800}
	ops := []struct {
		name   string
		weight float64
		base   float64 // median service time, seconds
	}{{"getLocks", 0.6, 0.008}, {"setLock", 0.3, 0.015}, {"getDevice", 0.1, 0.005}}

	type hitRec struct {
		op      string
		latency time.Duration
		status  int
		err     string
		step    int
		lag     time.Duration
	}
	var hits []hitRec
	var planned, notSent int
	now := start
	for si, rate := range rates {
		for sec := range int(stepLen / time.Second) {
			secStart := now
			n := int(rate)
			planned += n
			load := rate / capacity
			for i := range n {
				u := rng.Float64()
				op := ops[0]
				if u > ops[0].weight {
					op = ops[1]
				}
				if u > ops[0].weight+ops[1].weight {
					op = ops[2]
				}
				agg.Offer(op.name, 1)
				intended := secStart.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				lag := time.Duration(rng.ExpFloat64() * float64(200*time.Microsecond))
				if rate >= 800 {
					lag += time.Duration(float64(sec+1) * float64(15*time.Millisecond) * rng.Float64())
					if rng.Float64() < 0.04 {
						agg.NotSent(op.name, loadgen.NotSentBehind, 1)
						notSent++
						continue
					}
				}
				// queueing: service time grows sharply near and past capacity
				q := 1.0
				if load > 0.7 {
					q += math.Pow((load-0.7)*6, 2) * (1 + float64(sec)*0.3)
				}
				lat := time.Duration(op.base * q * math.Exp(rng.NormFloat64()*0.45) * float64(time.Second))
				status := 200
				if op.name == "setLock" {
					status = 204
				}
				errText := ""
				attempts := 1
				switch {
				case load > 0.77 && rng.Float64() < math.Min(0.6, (load-0.77)*0.9):
					status, attempts = 429, 1+rng.IntN(3)
				case load > 1.1 && rng.Float64() < (load-1.1)*0.35:
					status, lat = 0, 2*time.Second
					errText = "Post \"http://127.0.0.1:8443/v1/locks\": context deadline exceeded"
				case rng.Float64() < 0.002:
					status = 503
				}
				agg.Record(op.name, intended, intended.Add(lag), lat, status, errText, attempts)
				hits = append(hits, hitRec{op.name, lat, status, errText, si, lag})
			}
			now = now.Add(time.Second)
			if err := w.Write(agg.Cut(now)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	summarize := func(name string, sel func(hitRec) bool, span time.Duration) loadgen.OpSummary {
		o := loadgen.OpSummary{Name: name, Statuses: map[string]int{}, ErrorSet: map[string]int{}}
		var lats, lags []time.Duration
		var sum time.Duration
		for _, h := range hits {
			if !sel(h) {
				continue
			}
			o.Requests++
			lags = append(lags, h.lag)
			if h.status == 0 {
				o.Errors++
				o.Statuses["error"]++
				o.ErrorSet[h.err]++
				continue
			}
			o.Statuses[strconv.Itoa(h.status)]++
			if h.status >= 400 {
				o.Errors++
				o.ErrorSet[strconv.Itoa(h.status)+" "+http.StatusText(h.status)]++
			} else {
				o.Successes++
			}
			lats = append(lats, h.latency)
			sum += h.latency
		}
		slices.Sort(lats)
		q := func(p float64) time.Duration {
			if len(lats) == 0 {
				return 0
			}
			return lats[min(len(lats)-1, int(math.Ceil(p*float64(len(lats))))-1)]
		}
		if o.Requests > 0 {
			o.SuccessRatio = float64(o.Successes) / float64(o.Requests)
			o.ErrorRate = float64(o.Errors) / float64(o.Requests)
			o.Rate = float64(o.Requests-o.Statuses["error"]) / span.Seconds()
		}
		slices.Sort(lags)
		if len(lags) > 0 {
			o.Lag = &loadgen.Latency{P50: lags[len(lags)/2], P99: lags[min(len(lags)-1, len(lags)*99/100)], Max: lags[len(lags)-1]}
		}
		if len(lats) > 0 {
			o.Latency = loadgen.Latency{P50: q(.5), P90: q(.9), P95: q(.95), P99: q(.99), Max: lats[len(lats)-1], Mean: sum / time.Duration(len(lats))}
		}
		return o
	}
	total := time.Duration(len(rates)) * stepLen
	s := &loadgen.Summary{
		Profile: "capacity-ramp", Description: "Step ramp 100→800/s to find the knee of the embedded mock",
		Target: "http://127.0.0.1:8443", Pacer: "step 100/s +100/s every 5s to 800/s", Clients: 50, Policy: "standard",
		Started: start, Ended: start.Add(total), Planned: total, Elapsed: total, PlannedHits: planned,
		LatencyFrom: "intended send time",
		All:         summarize("all", func(hitRec) bool { return true }, total),
	}
	for _, op := range ops {
		s.Operations = append(s.Operations, summarize(op.name, func(h hitRec) bool { return h.op == op.name }, total))
	}
	const maxLag = 50 * time.Millisecond
	const sloP99 = 250 * time.Millisecond
	const sloErr = 0.05
	for si, rate := range rates {
		o := summarize("step", func(h hitRec) bool { return h.step == si }, stepLen)
		st := loadgen.StepSummary{Index: si, Rate: rate, Start: time.Duration(si) * stepLen, End: time.Duration(si+1) * stepLen,
			Achieved: o.Rate, Op: o, Complete: rate < 800}
		if o.Latency.P99 > sloP99 {
			st.Reasons = append(st.Reasons, "p99 "+o.Latency.P99.Round(time.Millisecond).String()+" > "+sloP99.String())
		}
		if o.ErrorRate > sloErr {
			st.Reasons = append(st.Reasons, "error rate "+strconv.FormatFloat(o.ErrorRate*100, 'f', 1, 64)+"% > 5%")
		}
		if o.Lag != nil && o.Lag.P99 > maxLag {
			st.Generator = "schedule lag p99 " + o.Lag.P99.Round(time.Millisecond).String() + " > " + maxLag.String()
			st.Reasons = append(st.Reasons, "generator: "+st.Generator)
		}
		if !st.Complete {
			st.Reasons = append(st.Reasons, "step not completed")
		}
		st.MetSLO = len(st.Reasons) == 0
		if st.MetSLO && (s.Knee == nil || s.Knee.Cause == "") {
			s.HighestRate = rate
			s.Knee = &loadgen.Knee{Rate: rate, Step: si + 1}
		}
		if !st.MetSLO && s.Knee != nil && s.Knee.Cause == "" {
			s.Knee.Cause, s.Knee.NextStep, s.Knee.NextRate = "target", si+1, rate
			s.Knee.Why = "The next step (" + strconv.FormatFloat(rate, 'f', -1, 64) + "/s) missed the SLO: " + strings.Join(st.Reasons, "; ")
		}
		s.Steps = append(s.Steps, st)
	}
	answered := 0
	for _, h := range hits {
		if h.status > 0 {
			answered++
		}
	}
	s.Accounting = loadgen.Accounting{Planned: int64(planned), Sent: int64(len(hits)), Answered: int64(answered), NotSent: int64(notSent),
		NotSentReasons: map[string]int64{loadgen.NotSentBehind: int64(notSent)}, GeneratorShare: float64(notSent) / float64(planned)}
	s.Generator = &loadgen.GeneratorHealth{FDLimit: loadgen.FDLimit{Before: 1024, Soft: 1048576, Hard: 1048576}, FDsPerHit: 2,
		MaxInFlight: 10000, PeakInFlight: 1312, Lag: s.All.Lag, CPU: 0.41, CPUPeak: 0.97, GOMAXPROCS: 2, SharesWithMock: true,
		MaxLag: maxLag, MaxCPU: 0.9, Saturated: true,
		Reasons:  []string{"schedule lag p99 74ms > 50ms during step 8 (800/s)", "CPU peak 97% > 90%"},
		Warnings: []string{"peak in flight 1312 is 13% of the cap"}}
	s.Attempts = []loadgen.AttemptStats{{Operation: "getLocks", Attempts: 13210, Retries: 1480, Throttled: 1320, ServerErrors: 12, TransportErrors: 40}}
	s.Compliance = &loadgen.ComplianceSummary{Mode: loadgen.BackoffRequired, Policy: "standard", Agree: true, Pass: false,
		Reasons: []string{"C1 Retry-After floor: 3 retries came before Retry-After"},
		Client: &compliance.Verdict{Rules: []compliance.Rule{
			{ID: "C1", Title: "Retry-After floor", Status: compliance.StatusFail, N: 1480, Unit: "retries", Figure: "3 of 1480 retries early", Total: 3,
				Violations: []compliance.Violation{{Rule: "C1", Client: "client-3f9a01c2", Operation: "getLocks", Status: 429, Attempt: 2, Figure: "gap 12ms < Retry-After 1s − 50ms, token Atza|IwEBIExampleSecretToken123"}}},
			{ID: "C4", Title: "Back-off", Status: compliance.StatusPass, N: 1480, Unit: "retries", Figure: "full jitter D⁺ 0.021 < 0.035"},
		}},
		Server: &compliance.Verdict{Rules: []compliance.Rule{{ID: "C1", Title: "Retry-After floor", Status: compliance.StatusFail, N: 1480, Unit: "retries", Figure: "3 early", Total: 3}}},
	}
	s.Thresholds = []loadgen.ThresholdResult{
		{Name: "latency.all.p99", Limit: "≤ 250ms", Actual: s.All.Latency.P99.String(), Pass: s.All.Latency.P99 <= sloP99},
		{Name: "errorRate", Limit: "≤ 5%", Actual: strconv.FormatFloat(s.All.ErrorRate*100, 'g', 4, 64) + "%", Pass: s.All.ErrorRate <= sloErr},
		{Name: "minRate", Limit: "≥ 90/s", Actual: strconv.FormatFloat(s.All.Rate, 'g', 4, 64) + "/s", Pass: s.All.Rate >= 90},
		{Name: "backoff", Limit: "required", Actual: "fail: C1", Pass: false},
	}
	s.Pass, s.ThresholdsMet = false, false
	s.Verdict = "FAIL (generator saturated)"
	s.Notes = []string{"the generator fell behind at 800/s: see the schedule lag chart"}
	s.OutDir = dir
	return s
}

// syntheticReport writes a synthetic run into a new folder and builds its
// report the way the CLI does.
func syntheticReport(t testing.TB) (dir string, sum *loadgen.Summary) {
	t.Helper()
	dir = t.TempDir()
	sum = syntheticRun(t, dir)
	if _, _, err := timeseries.Read(filepath.Join(dir, timeseries.FileName)); err != nil {
		t.Fatalf("the synthetic time series does not read back: %v", err)
	}
	return dir, sum
}
