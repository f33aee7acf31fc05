package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/testrun"
)

// degenerateComparison compares base and cand as the samples of three
// metrics of one operation (seconds, a fraction and a rate), scaled by
// scale, as harness compare would.
func degenerateComparison(t testing.TB, base, cand []float64, scale float64) Comparison {
	t.Helper()
	series := func(vs []float64) []regress.Observation {
		var out []regress.Observation
		for _, m := range []string{runs.MetricP50, "error_ratio", "achieved_rate"} {
			for _, v := range vs {
				out = append(out, regress.Observation{Operation: "get", Metric: m, Value: v * scale})
			}
		}
		return out
	}
	rep, err := regress.Compare(series(base), series(cand))
	if err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	return Comparison{Baseline: &runs.Run{Source: "base", Profile: "smoke", Started: started},
		Candidate: &runs.Run{Source: "cand", Profile: "smoke", Started: started.Add(time.Hour)},
		Report:    rep, LatencyFloor: time.Millisecond}
}

// checkCompareOutputs renders c in every compare format and checks that the
// JSON encodes and decodes with every figure finite and every interval
// around its estimate, that no format prints a non-finite figure or a doubled
// sign, and that each warning line appears once.
func checkCompareOutputs(t *testing.T, c Comparison) {
	t.Helper()
	for _, f := range CompareFormats() {
		var b bytes.Buffer
		if err := WriteCompare(&b, f, c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out := b.String()
		testrun.CheckFiniteText(t, string(f)+" output", out)
		if f == FormatText {
			testrun.WarningsOnce(t, out)
		}
		if f != FormatJSON {
			continue
		}
		var doc struct {
			Results []struct {
				Metric              string
				Verdict             string
				Shift               float64
				ShiftLo, ShiftHi    *float64
				Relative            *float64
				RelativeLo          *float64
				RelativeHi          *float64
				Confidence          *float64
				Baseline, Candidate struct {
					Median float64
					Lo, Hi *float64
				}
			} `json:"results"`
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatalf("JSON does not decode: %v\n%s", err, out)
		}
		if len(doc.Results) != len(c.Report.Results) {
			t.Fatalf("%d JSON results, want %d", len(doc.Results), len(c.Report.Results))
		}
		for _, r := range doc.Results {
			if (r.ShiftLo == nil) != (r.ShiftHi == nil) || (r.ShiftLo == nil) != (r.Confidence == nil) {
				t.Errorf("%s: shift interval half present: %v %v %v", r.Metric, r.ShiftLo, r.ShiftHi, r.Confidence)
			}
			if r.ShiftLo != nil && !(*r.ShiftLo <= r.Shift && r.Shift <= *r.ShiftHi) {
				t.Errorf("%s: shift %v outside [%v, %v]", r.Metric, r.Shift, *r.ShiftLo, *r.ShiftHi)
			}
			if r.RelativeLo != nil && (r.Relative == nil || !(*r.RelativeLo <= *r.Relative && *r.Relative <= *r.RelativeHi)) {
				t.Errorf("%s: relative %v outside [%v, %v]", r.Metric, r.Relative, *r.RelativeLo, *r.RelativeHi)
			}
			if r.Verdict == string(regress.Insufficient) && r.ShiftLo == nil && r.RelativeLo != nil {
				t.Errorf("%s: relative interval without a shift interval", r.Metric)
			}
			for _, cn := range []struct {
				Median float64
				Lo, Hi *float64
			}{r.Baseline, r.Candidate} {
				if cn.Lo != nil && !(*cn.Lo <= cn.Median && cn.Median <= *cn.Hi) {
					t.Errorf("%s: median %v outside [%v, %v]", r.Metric, cn.Median, *cn.Lo, *cn.Hi)
				}
			}
		}
	}
}

// TestCompareDegenerate: small samples, zero baselines, ties and identical
// samples render in every format: JSON always encodes, an interval that
// is not available reads "n/a" in text and is absent from JSON.
func TestCompareDegenerate(t *testing.T) {
	t.Parallel()
	ramp := func(n int, from float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = from + float64(i)
		}
		return v
	}
	tests := []struct {
		name       string
		base, cand []float64
		scale      float64
		text       []string // the text output must contain these
	}{
		{"four samples each", ramp(4, 1), ramp(4, 2), 0.001, []string{"[CI n/a]", "baseline and candidate: need >= 8 samples", "insufficient data"}},
		{"seven samples each", ramp(7, 1), ramp(7, 2), 0.001, []string{"baseline and candidate: need >= 8 samples"}},
		{"one sample each", []float64{1}, []float64{2}, 1, []string{"[CI n/a]"}},
		{"zero baseline", make([]float64, 12), ramp(12, 1), 0.01, []string{"+65.0 ms [+30.0 ms, +100.0 ms]"}},
		{"zero baseline, few samples", []float64{0, 0, 0}, []float64{1, 2, 3}, 1, []string{"[CI n/a]"}},
		{"identical zeros", make([]float64, 10), make([]float64, 10), 1, []string{"no significant change"}},
		{"identical constants", []float64{3, 3, 3, 3, 3, 3, 3, 3, 3}, []float64{3, 3, 3, 3, 3, 3, 3, 3, 3}, 1, []string{"+0.0 % [+0.0 %, +0.0 %]"}},
		{"ties giving a negative-zero shift", []float64{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, []float64{1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, 1, []string{"+0.0 %"}},
		{"subnormal baseline", []float64{5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324, 5e-324},
			[]float64{1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300}, 1, []string{"+1e+302 %"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := degenerateComparison(t, tc.base, tc.cand, tc.scale)
			checkCompareOutputs(t, c)
			var b bytes.Buffer
			if err := WriteCompare(&b, FormatText, c); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.text {
				if !strings.Contains(b.String(), s) {
					t.Errorf("text lacks %q:\n%s", s, b.String())
				}
			}
		})
	}
}

// TestParseCompareFormat: compare takes exactly the formats it writes, and
// its error lists exactly those.
func TestParseCompareFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"text", FormatText, true}, {"JSON", FormatJSON, true}, {"md", FormatMarkdown, true}, {" markdown ", FormatMarkdown, true},
		{"html", "", false}, {"xml", "", false}, {"", "", false},
	}
	for _, tc := range tests {
		got, err := ParseCompareFormat(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCompareFormat(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.HasSuffix(err.Error(), "one of "+JoinFormats(CompareFormats(), ", ")) {
			t.Errorf("ParseCompareFormat(%q): error %q does not list the compare formats", tc.in, err)
		}
		if err != nil && strings.Contains(err.Error(), "html,") {
			t.Errorf("ParseCompareFormat(%q): error %q offers html", tc.in, err)
		}
	}
}

// FuzzCompareJSON: whatever two runs' samples are (small integers give ties,
// zeros and tiny samples; scale spans the float64 range), the comparison
// renders in every format, its JSON encodes, and no interval misses its
// estimate.
func FuzzCompareJSON(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, []byte{2, 3, 4, 5}, 0.001)
	f.Add([]byte{0, 0, 0}, []byte{1, 2, 3}, 1.0)
	f.Add([]byte{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, []byte{1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, 1.0)
	f.Add([]byte{1}, []byte{255}, 1e300)
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1}, []byte{200, 200, 200, 200, 200, 200, 200, 200, 200}, 5e-324)
	f.Fuzz(func(t *testing.T, b, c []byte, scale float64) {
		if len(b) == 0 || len(c) == 0 || len(b) > 40 || len(c) > 40 || math.IsNaN(scale) || math.IsInf(scale, 0) || math.Abs(scale) > 1e300 {
			t.Skip("outside the fuzzed domain: 1..40 samples a run and a finite scale up to 1e300")
		}
		fl := func(bs []byte) []float64 {
			out := make([]float64, len(bs))
			for i, x := range bs {
				out[i] = float64(x)
			}
			return out
		}
		checkCompareOutputs(t, degenerateComparison(t, fl(b), fl(c), scale))
	})
}
