package regress

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// bruteShift computes the Hodges–Lehmann shift and the interval bounds for a
// given k from all m·n differences, as the reference for ShiftInterval.
func bruteShift(x, y []float64, k int64) (shift, lo, hi float64) {
	d := make([]float64, 0, len(x)*len(y))
	for _, a := range x {
		for _, b := range y {
			d = append(d, b-a)
		}
	}
	sort.Float64s(d)
	n := len(d)
	if n%2 == 1 {
		shift = d[n/2]
	} else {
		shift = (d[n/2-1] + d[n/2]) / 2
	}
	if k >= 1 {
		lo, hi = d[k-1], d[int64(n)-k]
	}
	return shift, lo, hi
}

func TestShiftIntervalMatchesBruteForce(t *testing.T) {
	tests := []struct {
		name       string
		m, n       int
		seed       uint64
		confidence float64
		ties       bool
	}{
		{"small exact", 7, 9, 1, 0.95, false},
		{"equal exact", 20, 20, 2, 0.95, false},
		{"boundary exact", 50, 50, 3, 0.99, false},
		{"normal approximation", 120, 80, 4, 0.95, false},
		{"ties", 40, 60, 5, 0.95, true},
		{"unbalanced", 3, 200, 6, 0.90, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 7))
			x := make([]float64, tc.m)
			y := make([]float64, tc.n)
			for i := range x {
				x[i] = r.NormFloat64()
				if tc.ties {
					x[i] = math.Round(x[i] * 3)
				}
			}
			for i := range y {
				y[i] = r.NormFloat64() + 0.5
				if tc.ties {
					y[i] = math.Round(y[i] * 3)
				}
			}
			got := ShiftInterval(x, y, tc.confidence)
			k, _ := criticalK(tc.m, tc.n, 1-tc.confidence)
			shift, lo, hi := bruteShift(x, y, k)
			if got.Shift != shift {
				t.Errorf("shift = %v, brute force %v", got.Shift, shift)
			}
			if !got.Bounded {
				t.Fatalf("interval unbounded for m=%d n=%d", tc.m, tc.n)
			}
			if got.Lo != lo || got.Hi != hi {
				t.Errorf("interval = [%v, %v], brute force [%v, %v] (k=%d)", got.Lo, got.Hi, lo, hi, k)
			}
			if got.Confidence < tc.confidence-0.01 || got.Confidence > 1 {
				t.Errorf("coverage %v, want ≈ ≥ %v", got.Confidence, tc.confidence)
			}
		})
	}
}

// TestCriticalK checks k against published two-sided α = 0.05 critical values
// of the Mann–Whitney U (reject when U ≤ Ucrit, so k = Ucrit + 1).
func TestCriticalK(t *testing.T) {
	tests := []struct {
		m, n  int
		alpha float64
		want  int64
	}{
		{5, 5, 0.05, 3},    // Ucrit 2
		{10, 10, 0.05, 24}, // Ucrit 23
		{20, 20, 0.05, 128},
		{8, 12, 0.05, 23}, // Ucrit 22
		{3, 3, 0.05, 0},   // no interval possible
		{2, 2, 0.05, 0},
	}
	for _, tc := range tests {
		got, cover := criticalK(tc.m, tc.n, tc.alpha)
		if got != tc.want {
			t.Errorf("criticalK(%d,%d,%v) = %d, want %d", tc.m, tc.n, tc.alpha, got, tc.want)
		}
		if got > 0 && cover < 1-tc.alpha {
			t.Errorf("criticalK(%d,%d) coverage %v < %v", tc.m, tc.n, cover, 1-tc.alpha)
		}
	}
	// The normal approximation used past the exact limit must agree closely
	// with the exact distribution where both apply.
	for _, mn := range [][2]int{{30, 30}, {50, 50}, {20, 45}} {
		exact, _ := exactK(mn[0], mn[1], 0.05)
		approx, cover := normalK(mn[0], mn[1], 0.05)
		if d := approx - exact; d < -2 || d > 2 {
			t.Errorf("normal k(%d,%d)=%d, exact %d", mn[0], mn[1], approx, exact)
		}
		if cover < 0.94 || cover > 0.96 {
			t.Errorf("normal coverage %v, want ≈ 0.95", cover)
		}
	}
}

func run(r *rand.Rand, n int, delay float64) []Observation {
	var obs []Observation
	for _, op := range []string{"get", "put", "list"} {
		add := 0.0
		if op == "put" {
			add = delay
		}
		for range n {
			obs = append(obs,
				Observation{op, "p50", 0.005*math.Exp(0.3*r.NormFloat64()) + add},
				Observation{op, "p99", 0.012*math.Exp(0.3*r.NormFloat64()) + add},
				Observation{op, "errors", float64(poisson(r, 0.5))},
				Observation{op, "achieved_rate", 100 + 5*r.NormFloat64()},
			)
		}
	}
	return obs
}

func poisson(r *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// TestFalseAlarms compares two runs drawn from the same distributions 100
// times (seeded) and requires at most 1 run with any series flagged.
func TestFalseAlarms(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		n    int
		max  int
	}{
		{"defaults, 60 intervals", nil, 60, 1},
		{"defaults, 20 intervals", nil, 20, 1},
		{"defaults, 200 intervals", nil, 200, 1},
		{"alpha 0.05 with Holm", []Option{WithAlpha(0.05)}, 60, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const repeats = 100
			runsFlagged, seriesFlagged, seriesSignificant, series := 0, 0, 0, 0
			for seed := range uint64(repeats) {
				r := rand.New(rand.NewPCG(seed, 0xbad5eed))
				rep, err := Compare(run(r, tc.n, 0), run(r, tc.n, 0), tc.opts...)
				if err != nil {
					t.Fatal(err)
				}
				flagged := false
				for _, res := range rep.Results {
					series++
					if res.P < rep.Alpha {
						seriesSignificant++
					}
					if res.Verdict != NoChange {
						seriesFlagged++
						flagged = true
						t.Logf("seed %d: %s/%s %s p=%.3g rel=%+.1f%%", seed, res.Operation, res.Metric, res.Verdict, res.PAdjusted, 100*res.Relative)
					}
				}
				if flagged {
					runsFlagged++
				}
			}
			t.Logf("false alarms: %d of %d runs flagged; %d of %d series flagged; %d series had raw p < α",
				runsFlagged, repeats, seriesFlagged, series, seriesSignificant)
			if runsFlagged > tc.max {
				t.Errorf("%d of %d same-distribution comparisons flagged, want ≤ %d", runsFlagged, repeats, tc.max)
			}
		})
	}
}

// TestDetectsDelay adds 20 ms to operation "put" on a ~5 ms latency
// distribution and requires it flagged as a regression in every seeded
// repeat, with the other operations quiet.
func TestDetectsDelay(t *testing.T) {
	tests := []struct {
		name      string
		delay     float64
		n         int
		minDetect int
	}{
		{"20 ms on 60 intervals", 0.020, 60, 100},
		{"20 ms on 10 intervals", 0.020, 10, 100},
		{"2 ms on 60 intervals", 0.002, 60, 95},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			detected, falseFlagRuns := 0, 0
			for seed := range uint64(100) {
				r := rand.New(rand.NewPCG(seed, 42))
				rep, err := Compare(run(r, tc.n, 0), run(r, tc.n, tc.delay))
				if err != nil {
					t.Fatal(err)
				}
				found, falseFlag := false, false
				for _, res := range rep.Results {
					if res.Operation == "put" && res.Metric == "p50" {
						found = res.Verdict == Regression
						if seed == 0 {
							t.Logf("put/p50: baseline %.4g s, candidate %.4g s, shift %+.4g s [%.4g, %.4g] (%.1f %% CI), %+.0f %%, p=%.3g",
								res.Baseline.Median, res.Candidate.Median, res.Shift, res.ShiftLo, res.ShiftHi, 100*res.Confidence, 100*res.Relative, res.PAdjusted)
						}
					}
					if res.Operation != "put" && res.Verdict != NoChange {
						falseFlag = true
						t.Logf("seed %d: %s/%s flagged %s", seed, res.Operation, res.Metric, res.Verdict)
					}
				}
				if found {
					detected++
				}
				if falseFlag {
					falseFlagRuns++
				}
			}
			t.Logf("put/p50 regression detected in %d of 100 runs; unchanged operations flagged in %d of 100", detected, falseFlagRuns)
			if detected < tc.minDetect {
				t.Errorf("detected %d of 100, want ≥ %d", detected, tc.minDetect)
			}
			if falseFlagRuns > 1 {
				t.Errorf("unchanged operations flagged in %d of 100 runs, want ≤ 1", falseFlagRuns)
			}
		})
	}
}

func repeat(v float64, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v + float64(i%5)*v/100
	}
	return s
}

func obs(op, metric string, vs []float64) []Observation {
	o := make([]Observation, len(vs))
	for i, v := range vs {
		o[i] = Observation{op, metric, v}
	}
	return o
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name       string
		metric     string
		base, cand []float64
		opts       []Option
		want       Verdict
	}{
		{"latency up", "p99", repeat(10, 30), repeat(12, 30), nil, Regression},
		{"latency down", "p99", repeat(10, 30), repeat(8, 30), nil, Improvement},
		{"throughput down", "achieved_rate", repeat(100, 30), repeat(80, 30), nil, Regression},
		{"throughput up", "throughput", repeat(100, 30), repeat(120, 30), nil, Improvement},
		{"unknown metric", "offered", repeat(100, 30), repeat(120, 30), nil, Changed},
		{"below threshold", "p50", repeat(100, 30), repeat(103, 30), nil, NoChange},
		{"above lowered threshold", "p50", repeat(100, 30), repeat(103, 30), []Option{WithThreshold(0.01)}, Regression},
		{"identical constant", "errors", make([]float64, 30), make([]float64, 30), nil, NoChange},
		{"errors from zero", "errors", make([]float64, 30), repeat(3, 30), nil, Regression},
		{"too few samples", "p50", []float64{1, 2}, []float64{10, 11}, nil, Insufficient},
		{"missing in candidate", "p50", repeat(1, 10), nil, nil, Insufficient},
		{"missing in baseline", "p50", nil, repeat(1, 10), nil, Insufficient},
		{"below the absolute floor", "p50", repeat(0.0005, 30), repeat(0.0008, 30), []Option{WithMinShift(msFloor)}, NoChange},
		{"above the absolute floor", "p50", repeat(0.0005, 30), repeat(0.0205, 30), []Option{WithMinShift(msFloor)}, Regression},
		{"custom direction", "offered", repeat(100, 30), repeat(80, 30),
			[]Option{WithDirection(func(string) Direction { return LowerIsWorse })}, Regression},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Compare(obs("op", tc.metric, tc.base), obs("op", tc.metric, tc.cand), tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 1 {
				t.Fatalf("got %d results, want 1", len(rep.Results))
			}
			res := rep.Results[0]
			if res.Verdict != tc.want {
				t.Errorf("verdict %q, want %q (p=%v rel=%v shift=%v warnings=%v)", res.Verdict, tc.want, res.P, res.Relative, res.Shift, res.Warnings)
			}
			if got := rep.HasRegression(); got != (tc.want == Regression) {
				t.Errorf("HasRegression = %v", got)
			}
			if tc.want == Insufficient && len(res.Warnings) == 0 {
				t.Error("insufficient verdict without a warning saying why")
			}
		})
	}
}

// TestConstantSeriesLeaveTheFamily: series that are one value in both runs
// (no errors anywhere) do not dilute Holm's adjustment of the series that
// vary (Tarone 1990): a shift that is significant alone stays significant
// beside ten constant series, and the constant ones are "no significant
// change" with p 1.
func TestConstantSeriesLeaveTheFamily(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base, cand := make([]float64, 12), make([]float64, 12)
	for i := range base {
		base[i] = 10 + rng.Float64()
		cand[i] = 10.6 + rng.Float64()
	}
	b, c := obs("get", "p50", base), obs("get", "p50", cand)
	alone, err := Compare(b, c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		m := "error_ratio_" + string(rune('a'+i))
		b = append(b, obs("get", m, make([]float64, 12))...)
		c = append(c, obs("get", m, make([]float64, 12))...)
	}
	rep, err := Compare(b, c)
	if err != nil {
		t.Fatal(err)
	}
	var p50 Result
	for _, r := range rep.Results {
		if r.Metric == "p50" {
			p50 = r
		} else if r.Verdict != NoChange || r.P != 1 || r.PAdjusted != 1 {
			t.Errorf("constant series %s: %v p %v/%v", r.Metric, r.Verdict, r.P, r.PAdjusted)
		}
	}
	if p50.PAdjusted != alone.Results[0].PAdjusted || p50.Verdict != alone.Results[0].Verdict {
		t.Errorf("p50 beside constant series: %v p %v; alone: %v p %v", p50.Verdict, p50.PAdjusted, alone.Results[0].Verdict, alone.Results[0].PAdjusted)
	}
	if rep.Unchanged != 10+btoi(p50.Verdict == NoChange) {
		t.Errorf("unchanged %d", rep.Unchanged)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// msFloor counts no latency change under a millisecond.
func msFloor(string) float64 { return 0.001 }

func TestCompareRejectsBadInput(t *testing.T) {
	tests := []struct {
		name       string
		base, cand []Observation
		opts       []Option
		wantErr    string
	}{
		{"NaN", []Observation{{"get", "p50", math.NaN()}}, nil, nil, `metric "p50"`},
		{"Inf", nil, []Observation{{"get", "p99", math.Inf(1)}}, nil, "candidate run observation 0"},
		{"alpha zero", nil, nil, []Option{WithAlpha(0)}, "alpha"},
		{"alpha NaN", nil, nil, []Option{WithAlpha(math.NaN())}, "alpha"},
		{"threshold negative", nil, nil, []Option{WithThreshold(-1)}, "threshold"},
		{"nil direction", nil, nil, []Option{WithDirection(nil)}, "WithDirection"},
		{"nil min shift", nil, nil, []Option{WithMinShift(nil)}, "WithMinShift"},
		{"NaN min shift", obs("get", "p50", repeat(1, 30)), obs("get", "p50", repeat(2, 30)),
			[]Option{WithMinShift(func(string) float64 { return math.NaN() })}, "minimum shift"},
		{"too many samples", obs("get", "p50", make([]float64, MaxSamplesPerSeries+1)), nil, nil, "coarser intervals"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compare(tc.base, tc.cand, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestHolm(t *testing.T) {
	tests := []struct {
		p, want []float64
	}{
		{[]float64{0.01, 0.04, 0.03}, []float64{0.03, 0.06, 0.06}},
		{[]float64{0.5, 0.001}, []float64{0.5, 0.002}},
		{[]float64{0.2}, []float64{0.2}},
	}
	for _, tc := range tests {
		rs := make([]Result, len(tc.p))
		idx := make([]int, len(tc.p))
		for i, p := range tc.p {
			rs[i].P, rs[i].PAdjusted, idx[i] = p, p, i
		}
		adjust(rs, idx, true)
		for i := range rs {
			if math.Abs(rs[i].PAdjusted-tc.want[i]) > 1e-12 {
				t.Errorf("p=%v: adjusted[%d] = %v, want %v", tc.p, i, rs[i].PAdjusted, tc.want[i])
			}
		}
	}
}

func TestDefaultDirection(t *testing.T) {
	tests := []struct {
		metric string
		want   Direction
	}{
		{"p50", HigherIsWorse}, {"P99.9", HigherIsWorse}, {"p999_seconds", HigherIsWorse},
		{"latency_mean", HigherIsWorse}, {"errors", HigherIsWorse}, {"error_rate", HigherIsWorse},
		{"status_429", HigherIsWorse}, {"retries", HigherIsWorse}, {"generator_lag", HigherIsWorse}, {"throttled_ratio", HigherIsWorse},
		{"achieved_rate", LowerIsWorse}, {"throughput", LowerIsWorse}, {"answered", LowerIsWorse},
		{"status_2xx", LowerIsWorse}, {"ok", LowerIsWorse},
		{"offered", DirectionUnknown}, {"sent", DirectionUnknown}, {"pending", DirectionUnknown},
	}
	for _, tc := range tests {
		if got := DefaultDirection(tc.metric); got != tc.want {
			t.Errorf("DefaultDirection(%q) = %v, want %v", tc.metric, got, tc.want)
		}
	}
}

// TestNextDiffMatchesKthDiff: the one-pass (k+1)-th difference equals the
// bisection's, bit for bit (zeros' signs included), for every k, on samples
// with ties, zeros and negative values.
func TestNextDiffMatchesKthDiff(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
	}{
		{"distinct", []float64{-1.5, 0.25, 2, 7}, []float64{-3, 0.5, 1, 4.75, 9}},
		{"ties and zeros", []float64{0, 0, 1, 1, 2}, []float64{0, 1, 1, 2}},
		{"zero diff above negatives", []float64{1, 2, 3}, []float64{1, 1.5}},
		{"all equal", []float64{2, 2}, []float64{2, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xs, ys := sortedCopies(tc.xs), sortedCopies(tc.ys)
			total := int64(len(xs) * len(ys))
			for k := int64(1); k < total; k++ {
				v := kthDiff(xs, ys, k)
				got, want := nextDiff(xs, ys, k, v), kthDiff(xs, ys, k+1)
				if math.Float64bits(got) != math.Float64bits(want) {
					t.Errorf("k=%d: nextDiff %v (bits %x), kthDiff %v (bits %x)", k, got, math.Float64bits(got), want, math.Float64bits(want))
				}
			}
		})
	}
}

// sortedCopies is a sorted copy of v.
func sortedCopies(v []float64) []float64 {
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	return c
}

// kthDiffBisect is kthDiff by bisection alone over the float64 order (the
// definition: the smallest t with at least k differences ≤ t).
func kthDiffBisect(xs, ys []float64, k int64) float64 {
	lo := orderKey(ys[0] - xs[len(xs)-1])
	hi := orderKey(ys[len(ys)-1] - xs[0])
	for lo < hi {
		mid := lo + (hi-lo)/2
		if countLE(xs, ys, fromKey(mid)) >= k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return fromKey(lo)
}

// TestKthDiffMatchesBisection: kthDiff's shortcut (listing the last few
// candidates) returns the bisection's value bit for bit, for every k, with
// ties, signed zeros, negative values and a spread of magnitudes.
func TestKthDiffMatchesBisection(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	wide := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64() * math.Pow(10, scale*r.Float64())
		}
		return v
	}
	tests := []struct {
		name   string
		xs, ys []float64
	}{
		{"ties and zeros", []float64{0, 0, 1, 1, 2, -1}, []float64{0, 1, 1, 2, math.Copysign(0, -1)}},
		{"negative zeros", []float64{math.Copysign(0, -1), 0, 3}, []float64{math.Copysign(0, -1), 0, 0, 2}},
		{"all equal", []float64{2, 2, 2}, []float64{2, 2}},
		{"normal", wide(30, 0), wide(41, 0)},
		{"magnitudes", wide(25, 8), wide(19, 8)},
		{"rounded", func() []float64 {
			v := wide(60, 0)
			for i := range v {
				v[i] = math.Round(v[i] * 4)
			}
			return v
		}(), wide(3, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xs, ys := sortedCopies(tc.xs), sortedCopies(tc.ys)
			for k := int64(1); k <= int64(len(xs)*len(ys)); k++ {
				got, want := kthDiff(xs, ys, k), kthDiffBisect(xs, ys, k)
				if math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("k=%d: %v (bits %x), bisection %v (bits %x)", k, got, math.Float64bits(got), want, math.Float64bits(want))
				}
			}
		})
	}
}
