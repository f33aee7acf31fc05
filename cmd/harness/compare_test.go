package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/testrun"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// savedRun describes a run folder the CLI tests write: a summary.json as
// loadgen writes it and a timeseries.jsonl (through timeseries.Writer) of
// n one-second intervals whose get latency is about p50 seconds (seeded
// jitter, so samples are not all tied). The statistics on real mock
// traffic are proved in internal/runs (TestCompareFlagsInjectedDelay);
// these tests drive the command line: arguments, formats, exit codes.
type savedRun struct {
	profile     string
	p50         float64
	n           int
	seed        uint64
	interrupted bool
	noSeries    bool
	started     time.Time
}

func writeSavedRun(t *testing.T, r savedRun) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if r.started.IsZero() {
		r.started = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	}
	sum := loadgen.Summary{Profile: r.profile, Target: loadgen.TargetMock, Started: r.started,
		Ended: r.started.Add(time.Duration(r.n) * time.Second), Elapsed: time.Duration(r.n) * time.Second, Pass: true, Verdict: "PASS",
		Interrupted: r.interrupted}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, loadgen.FileSummary), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if r.noSeries {
		return dir
	}
	w, err := timeseries.Create(dir, r.started)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(r.seed, 7))
	for i := range r.n {
		start := r.started.Add(time.Duration(i) * time.Second)
		var ivs []timeseries.Interval
		for _, op := range []string{timeseries.AllOperations, loadgen.MixGet} {
			v := r.p50 * (1 + 0.1*rng.Float64())
			ivs = append(ivs, timeseries.Interval{Start: start, Seconds: 1, Operation: op, Offered: 20, Sent: 20, Answered: 20,
				AchievedRate: 20, P50: v, P90: v * 1.2, P99: v * 1.5, Max: v * 2, Statuses: map[string]int64{"200": 20}})
		}
		if err := w.Write(ivs); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCompareCommand: harness compare on saved run folders, each case with
// its exit code and what it must print.
func TestCompareCommand(t *testing.T) {
	t.Parallel()
	base := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 1})
	rerun := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 2})
	slow := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.030, n: 30, seed: 3})
	fast := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.005, n: 30, seed: 4})
	other := writeSavedRun(t, savedRun{profile: "smoke", p50: 0.010, n: 30, seed: 5})
	cut := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 6, interrupted: true})
	old := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, noSeries: true})
	damaged := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 7})
	replaceLine(t, filepath.Join(damaged, timeseries.FileName), 5, `{"start": "not a time"}`)
	notRun := t.TempDir()
	short1 := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 2, seed: 8})
	short2 := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.030, n: 2, seed: 9})

	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout []string
	}{
		{"unchanged rerun", []string{base, rerun}, ExitOK, []string{"no significant change", "Baseline:", "Candidate:", "Mann–Whitney"}, nil,
			[]string{"REGRESSION"}},
		{"slower candidate", []string{base, slow}, ExitFailed, []string{"REGRESSION", "get p50", "regression", "+"}, []string{"significant regression"}, nil},
		{"faster candidate", []string{base, fast}, ExitOK, []string{"improvement", "no significant change for the worse"}, nil, []string{"REGRESSION"}},
		{"markdown", []string{base, slow, "--format", "markdown"}, ExitFailed, []string{"### ❌ Comparison", "| get | p50 |"}, nil, nil},
		{"threshold above the change", []string{base, slow, "--threshold", "500%"}, ExitOK, []string{"no significant change"}, nil, nil},
		{"floor above the change", []string{base, slow, "--latency-floor", "50ms"}, ExitOK, []string{"no significant change"}, nil, nil},
		{"partial run, no regression", []string{cut, rerun}, ExitPartial, []string{"[PARTIAL]", "interrupted"}, []string{"partial"}, nil},
		{"partial run, regression", []string{cut, slow}, ExitFailed, []string{"REGRESSION"}, nil, nil},
		{"different profiles", []string{base, other}, ExitUsage, nil, []string{`"nightly"`, `"smoke"`, "--any-profile"}, nil},
		{"different profiles allowed", []string{base, other, "--any-profile"}, ExitOK, []string{"no significant change"}, nil, nil},
		{"no time series", []string{old, base}, ExitUsage, nil, []string{"baseline", old, "no per-interval samples"}, nil},
		{"damaged time series", []string{base, damaged}, ExitPartial, nil, []string{"candidate", "timeseries.jsonl:5"}, nil},
		{"missing folder", []string{base, filepath.Join(notRun, "nope")}, ExitUsage, nil, []string{"candidate", "nope", "no such folder"}, nil},
		{"not a run folder", []string{notRun, base}, ExitUsage, nil, []string{"baseline", "not a run folder"}, nil},
		{"too short to compare", []string{short1, short2}, ExitUsage, nil, []string{"no series could be compared", "longer runs"}, nil},
		{"bad threshold", []string{base, rerun, "--threshold", "five"}, ExitUsage, nil, []string{"--threshold", "e.g. 5%"}, nil},
		{"NaN threshold", []string{base, rerun, "--threshold", "NaN%"}, ExitUsage, nil, []string{"--threshold"}, nil},
		{"bad alpha", []string{base, rerun, "--alpha", "0.9"}, ExitUsage, nil, []string{"--alpha"}, nil},
		{"html refused", []string{base, rerun, "--format", "html"}, ExitUsage, nil, []string{`--format "html"`, "one of text, markdown, json"}, nil},
		{"unknown format lists only the offered ones", []string{base, rerun, "--format", "xml"}, ExitUsage, nil, []string{`--format "xml"`, "one of text, markdown, json"}, nil},
		{"one argument", []string{base}, ExitUsage, nil, []string{"2 arg"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runHarness(t, map[string]string{"HOME": t.TempDir()}, append([]string{"compare"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.noStdout {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q:\n%s", s, out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
}

// TestCompareJSON: the JSON comparison is one object with its schema,
// the method's parameters and, per series, numbers in seconds.
func TestCompareJSON(t *testing.T) {
	t.Parallel()
	base := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.010, n: 30, seed: 1})
	slow := writeSavedRun(t, savedRun{profile: "nightly", p50: 0.030, n: 30, seed: 3})
	code, out, errs := runHarness(t, nil, "compare", base, slow, "--format", "json", "--threshold", "10")
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	var doc struct {
		Schema        string  `json:"schema"`
		SchemaVersion int     `json:"schemaVersion"`
		Verdict       string  `json:"verdict"`
		Alpha         float64 `json:"alpha"`
		Threshold     float64 `json:"threshold"`
		LatencyFloor  float64 `json:"latencyFloorSeconds"`
		Results       []struct {
			Operation, Metric, Unit, Verdict string
			Shift                            float64
			Baseline                         struct{ N int }
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Schema != "harness.compare" || doc.SchemaVersion != 1 || doc.Verdict != "regression" || doc.Alpha != 0.01 || doc.Threshold != 0.10 ||
		doc.LatencyFloor != 0.001 {
		t.Errorf("header %+v", doc)
	}
	found := false
	for _, r := range doc.Results {
		if r.Operation == loadgen.MixGet && r.Metric == "p50" {
			found = true
			if r.Verdict != "regression" || r.Unit != "seconds" || r.Shift < 0.015 || r.Shift > 0.025 || r.Baseline.N != 30 {
				t.Errorf("get p50: %+v, want a regression of about 0.020 s over 30 intervals", r)
			}
		}
	}
	if !found {
		t.Errorf("no get p50 result in %s", out)
	}
}

// TestCompareSmallSamples: runs of a few intervals (a 6 s smoke run has 4
// to 7 per operation) compare: the JSON always encodes, with the medians'
// intervals (99 % needs 8 samples) absent rather than ±Inf, no sign is
// doubled and each warning is printed once. (A series with too few samples
// for the change's interval is covered in reports' TestCompareDegenerate;
// here every series has as many, and "too short to compare" is exit 2.)
func TestCompareSmallSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
	}{{"five intervals", 5}, {"seven intervals", 7}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := writeSavedRun(t, savedRun{profile: "smoke", p50: 0.001, n: tc.n, seed: 11})
			cand := writeSavedRun(t, savedRun{profile: "smoke", p50: 0.001, n: tc.n, seed: 12})
			code, out, errs := runHarness(t, nil, "compare", base, cand, "--format", "json")
			if code != ExitOK {
				t.Fatalf("json: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			var doc struct {
				Results []struct {
					Metric           string
					ShiftLo, ShiftHi *float64
					Baseline         struct{ Lo, Hi *float64 }
					Warnings         []string
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Results) == 0 {
				t.Fatalf("not a JSON comparison (%v):\n%s", err, out)
			}
			for _, r := range doc.Results {
				if r.Baseline.Lo != nil || r.Baseline.Hi != nil {
					t.Errorf("%s: a median interval from %d samples at 99 %%: %v %v, want none", r.Metric, tc.n, *r.Baseline.Lo, *r.Baseline.Hi)
				}
				if r.ShiftLo == nil || r.ShiftHi == nil {
					t.Errorf("%s: no shift interval from %d and %d samples", r.Metric, tc.n, tc.n)
				}
			}
			code, out, errs = runHarness(t, nil, "compare", base, cand)
			if code != ExitOK {
				t.Fatalf("text: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			testrun.CheckFiniteText(t, "text", out)
			seen := testrun.WarningsOnce(t, out)
			if !seen["warning: all p50: baseline and candidate: need >= 8 samples for confidence interval at level 0.99"] {
				t.Errorf("the small-sample warning is not given once for both runs:\n%s", out)
			}
		})
	}
}

// TestParseThreshold: --threshold is a percentage, with or without "%".
func TestParseThreshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"5%", 0.05, true}, {"5", 0.05, true}, {" 12.5 % ", 0.125, true}, {"0", 0, true},
		{"-1%", 0, false}, {"abc", 0, false}, {"Inf", 0, false}, {"NaN", 0, false}, {"", 0, false}, {"20000", 0, false},
	}
	for _, tc := range tests {
		got, err := parseThreshold(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseThreshold(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzParseThreshold: any --threshold text gives a finite fraction in
// [0, 100] or an error, never a panic.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"5%", "5", "1e308", "-0", "NaN%", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseThreshold(s)
		if err == nil && !(v >= 0 && v <= 100) {
			t.Fatalf("parseThreshold(%q) = %v", s, v)
		}
	})
}
