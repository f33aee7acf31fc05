package regress

import (
	"math"
	"strings"
	"testing"
)

// checkFinite fails when any float of r is NaN or ±Inf, or an available
// interval does not contain its estimate.
func checkFinite(t *testing.T, r Result) {
	t.Helper()
	for name, v := range map[string]float64{
		"baseline median": r.Baseline.Median, "baseline lo": r.Baseline.Lo, "baseline hi": r.Baseline.Hi,
		"candidate median": r.Candidate.Median, "candidate lo": r.Candidate.Lo, "candidate hi": r.Candidate.Hi,
		"shift": r.Shift, "shift lo": r.ShiftLo, "shift hi": r.ShiftHi,
		"relative": r.Relative, "relative lo": r.RelativeLo, "relative hi": r.RelativeHi,
		"confidence": r.Confidence, "p": r.P, "p adjusted": r.PAdjusted,
	} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s is %v: a figure that is not available must be marked so, never non-finite", name, v)
		}
	}
	if r.ShiftIntervalOK && !(r.ShiftLo <= r.Shift && r.Shift <= r.ShiftHi) {
		t.Errorf("shift %v outside its interval [%v, %v]", r.Shift, r.ShiftLo, r.ShiftHi)
	}
	if r.RelativeIntervalOK() && !(r.RelativeLo <= r.Relative && r.Relative <= r.RelativeHi) {
		t.Errorf("relative %v outside its interval [%v, %v]", r.Relative, r.RelativeLo, r.RelativeHi)
	}
	if !r.ShiftIntervalOK && (r.ShiftLo != 0 || r.ShiftHi != 0 || r.Confidence != 0) {
		t.Errorf("unavailable shift interval holds [%v, %v] at %v", r.ShiftLo, r.ShiftHi, r.Confidence)
	}
	for _, c := range []Center{r.Baseline, r.Candidate} {
		if c.IntervalOK && !(c.Lo <= c.Median && c.Median <= c.Hi) {
			t.Errorf("median %v outside its interval [%v, %v]", c.Median, c.Lo, c.Hi)
		}
	}
	seen := map[string]bool{}
	for _, w := range r.Warnings {
		if seen[w] {
			t.Errorf("warning %q given twice", w)
		}
		seen[w] = true
	}
}

// TestDegenerateSamples: small samples, zero baselines, ties and identical
// samples give figures that are finite or marked not available, intervals
// that contain their estimates, and each warning once.
func TestDegenerateSamples(t *testing.T) {
	t.Parallel()
	seq := func(n int, f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	tests := []struct {
		name            string
		base, cand      []float64
		shiftCI, relOK  bool
		centerCI        bool
		verdict         Verdict
		warnContains    string
		relative, shift float64
	}{
		{name: "four samples each: no intervals", base: []float64{1, 2, 3, 4}, cand: []float64{2, 3, 4, 5},
			relOK: true, verdict: Insufficient, warnContains: "baseline and candidate: need >= 8 samples", relative: 0.4, shift: 1},
		{name: "seven samples each: shift interval, no median interval", base: seq(7, func(i int) float64 { return 10 + float64(i) }),
			cand: seq(7, func(i int) float64 { return 11 + float64(i) }), shiftCI: true, relOK: true, verdict: NoChange,
			warnContains: "baseline and candidate: need >= 8 samples", relative: 1.0 / 13, shift: 1},
		{name: "zero baseline median", base: seq(20, func(int) float64 { return 0 }),
			cand: seq(20, func(i int) float64 { return 0.1 + float64(i)/100 }), shiftCI: true, centerCI: true, verdict: Improvement, shift: 0.195},
		{name: "zero baseline, few samples", base: []float64{0, 0, 0}, cand: []float64{1, 2, 3},
			verdict: Insufficient, shift: 2},
		{name: "subnormal baseline median", base: seq(10, func(int) float64 { return 5e-324 }), cand: seq(10, func(int) float64 { return 1e300 }),
			shiftCI: true, centerCI: true, verdict: Improvement, shift: 1e300},
		{name: "identical constant samples", base: seq(10, func(int) float64 { return 3 }), cand: seq(10, func(int) float64 { return 3 }),
			shiftCI: true, relOK: true, centerCI: true, verdict: NoChange},
		{name: "identical zeros, few samples", base: []float64{0, 0}, cand: []float64{0, 0}, verdict: Insufficient},
		{name: "heavy ties with a negative-zero shift", base: seq(12, func(i int) float64 { return float64(i % 2) }),
			cand: seq(12, func(i int) float64 { return float64((i + 1) % 2) }), shiftCI: true, relOK: true, centerCI: true, verdict: NoChange},
		{name: "one sample each", base: []float64{5}, cand: []float64{6}, relOK: true, verdict: Insufficient, relative: 0.2, shift: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			metric := "achieved_rate" // lower is worse: a rise from zero is an improvement
			rep, err := Compare(obs("get", metric, tc.base), obs("get", metric, tc.cand))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 1 {
				t.Fatalf("%d results, want 1", len(rep.Results))
			}
			r := rep.Results[0]
			checkFinite(t, r)
			if r.ShiftIntervalOK != tc.shiftCI || r.RelativeOK != tc.relOK || r.Baseline.IntervalOK != tc.centerCI || r.Candidate.IntervalOK != tc.centerCI {
				t.Errorf("available: shift CI %v relative %v centre CIs %v/%v; want %v %v %v", r.ShiftIntervalOK, r.RelativeOK,
					r.Baseline.IntervalOK, r.Candidate.IntervalOK, tc.shiftCI, tc.relOK, tc.centerCI)
			}
			if r.Verdict != tc.verdict {
				t.Errorf("verdict %q, want %q", r.Verdict, tc.verdict)
			}
			if math.Abs(r.Shift-tc.shift) > 1e-9*math.Max(1, math.Abs(tc.shift)) || math.Abs(r.Relative-tc.relative) > 1e-9 {
				t.Errorf("shift %v relative %v, want %v and %v", r.Shift, r.Relative, tc.shift, tc.relative)
			}
			if tc.warnContains != "" && !strings.Contains(strings.Join(r.Warnings, "\n"), tc.warnContains) {
				t.Errorf("warnings %q lack %q", r.Warnings, tc.warnContains)
			}
		})
	}
}

// TestMergeWarnings: a warning both runs give is listed once, naming both.
func TestMergeWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		base, cand, both []string
		want             []string
	}{
		{"both runs", []string{"few"}, []string{"few"}, nil, []string{"baseline and candidate: few"}},
		{"one run", []string{"few"}, nil, []string{"p"}, []string{"baseline: few", "p"}},
		{"candidate only", nil, []string{"few"}, nil, []string{"candidate: few"}},
		{"repeated common", nil, nil, []string{"p", "p"}, []string{"p"}},
		{"none", nil, nil, nil, []string{}},
	}
	for _, tc := range tests {
		got := mergeWarnings(tc.base, tc.cand, tc.both)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
