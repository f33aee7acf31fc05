package runs_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/history"
	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/timeseries"
)

var t0 = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)

func TestSamples(t *testing.T) {
	t.Parallel()
	iv := timeseries.Interval{Start: t0, Seconds: 1, Operation: "get", Offered: 10, Sent: 10, Answered: 8, AchievedRate: 8,
		P50: 0.001, P90: 0.002, P99: 0.004, Max: 0.005, Statuses: map[string]int64{"200": 5, "503": 1, "429": 2, "x": 9},
		Throttled: 2, LagP99: 0.0005}
	tests := []struct {
		name string
		iv   timeseries.Interval
		want map[string]float64
	}{
		{"busy interval", iv, map[string]float64{
			runs.MetricP50: 0.001, runs.MetricP90: 0.002, runs.MetricP99: 0.004, runs.MetricAchievedRate: 8,
			runs.MetricErrorRatio: 0.3, runs.MetricThrottledRatio: 0.2, runs.MetricLagP99: 0.0005}}, // (10−8 unanswered + 1×503)/10
		{"nothing answered", timeseries.Interval{Start: t0, Seconds: 1, Operation: "get", Offered: 4, Sent: 4, Errors: map[string]int64{"refused": 4}},
			map[string]float64{runs.MetricAchievedRate: 0, runs.MetricErrorRatio: 1, runs.MetricThrottledRatio: 0, runs.MetricLagP99: 0}},
		{"offered, none sent", timeseries.Interval{Start: t0, Seconds: 1, Operation: "get", Offered: 4, NotSent: 4},
			map[string]float64{runs.MetricAchievedRate: 0}},
		{"idle", timeseries.Interval{Start: t0, Seconds: 1, Operation: "get"}, map[string]float64{}},
		// a closing remainder of a run from before the fold (1 answer in
		// 3.6 ms "is" 280/s): latency and ratios yes, no rate sample
		{"closing remainder", timeseries.Interval{Start: t0, Seconds: 0.0036, Operation: "get", Offered: 1, Sent: 1, Answered: 1,
			AchievedRate: 1 / 0.0036, P50: 0.002, P90: 0.002, P99: 0.002, Max: 0.002, Statuses: map[string]int64{"200": 1}},
			map[string]float64{runs.MetricP50: 0.002, runs.MetricP90: 0.002, runs.MetricP99: 0.002,
				runs.MetricErrorRatio: 0, runs.MetricThrottledRatio: 0, runs.MetricLagP99: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]float64{}
			for _, s := range runs.Samples([]timeseries.Interval{tc.iv}) {
				if s.Operation != tc.iv.Operation || !s.IntervalStart.Equal(t0) {
					t.Errorf("sample %+v: wrong operation or time", s)
				}
				got[s.Metric] = s.Value
			}
			if len(got) != len(tc.want) {
				t.Errorf("metrics %v, want %v", got, tc.want)
			}
			for m, v := range tc.want {
				if g, ok := got[m]; !ok || math.Abs(g-v) > 1e-12 {
					t.Errorf("%s = %v (present %v), want %v", m, g, ok, v)
				}
			}
		})
	}
}

// TestSamplesSkipShortRate: the reviewer's 20/s smoke run, recorded before
// the closing remainder was folded: its 3.6 ms last interval (1 answer,
// "280/s") gives no achieved_rate sample, so history and compare see 20/s.
func TestSamplesSkipShortRate(t *testing.T) {
	t.Parallel()
	var ivs []timeseries.Interval
	start := t0
	for _, secs := range []float64{1, 1, 1, 1, 1, 0.0036} {
		n := int64(math.Round(20 * secs))
		if secs < 1 {
			n = 1
		}
		for _, op := range []string{timeseries.AllOperations, "get"} {
			ivs = append(ivs, timeseries.Interval{Start: start, Seconds: secs, Operation: op, Offered: n, Sent: n, Answered: n,
				AchievedRate: float64(n) / secs, Statuses: map[string]int64{"200": n}})
		}
		start = start.Add(time.Duration(secs * float64(time.Second)))
	}
	for _, op := range []string{timeseries.AllOperations, "get"} {
		var rates []float64
		p50s := 0
		for _, s := range runs.Samples(ivs) {
			switch {
			case s.Operation == op && s.Metric == runs.MetricAchievedRate:
				rates = append(rates, s.Value)
			case s.Operation == op && s.Metric == runs.MetricP50:
				p50s++
			}
		}
		if len(rates) != 5 || slices.Max(rates) != 20 || p50s != 6 {
			t.Errorf("%s: rate samples %v, %d p50 samples; want five of 20/s (none from the 3.6 ms remainder), six p50", op, rates, p50s)
		}
	}
}

// TestMetricDirections: every metric Samples produces has a unit and a
// known worse direction, so compare never calls its change a mere
// "changed".
func TestMetricDirections(t *testing.T) {
	t.Parallel()
	for _, m := range runs.Metrics() {
		if runs.Unit(m) == "" {
			t.Errorf("%s has no unit", m)
		}
		want := regress.HigherIsWorse
		if m == runs.MetricAchievedRate {
			want = regress.LowerIsWorse
		}
		if got := regress.DefaultDirection(m); got != want {
			t.Errorf("DefaultDirection(%s) = %v, want %v", m, got, want)
		}
	}
	floor := runs.MinShift(2 * time.Millisecond)
	if floor(runs.MetricP99) != 0.002 || floor(runs.MetricLagP99) != 0.002 || floor(runs.MetricErrorRatio) != runs.RatioFloor || floor(runs.MetricAchievedRate) != 0 {
		t.Error("MinShift floors wrong")
	}
}

// folder writes a run folder: files maps a name to its content.
func folder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func summaryJSON(t *testing.T, interrupted bool, damage ...string) string {
	t.Helper()
	b, err := json.Marshal(loadgen.Summary{Profile: "nightly", Started: t0, Ended: t0.Add(time.Minute), Interrupted: interrupted, Damage: damage})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func seriesJSONL(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	w, err := timeseries.Create(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.Write([]timeseries.Interval{{Start: t0.Add(time.Duration(i) * time.Second), Seconds: 1, Operation: "all",
			Offered: 5, Sent: 5, Answered: 5, AchievedRate: 5, P50: 0.001, P90: 0.001, P99: 0.002, Max: 0.002}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, timeseries.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const profileYAML = "name: nightly\ntarget: mock\nduration: 10s\npacer: {type: constant, rate: 5}\nmix: {get: 1}\n"

func TestLoad(t *testing.T) {
	t.Parallel()
	series := seriesJSONL(t, 3)
	tests := []struct {
		name     string
		files    map[string]string
		err      error
		kind     string
		partial  bool
		samples  int
		noteHas  string
		errHas   string
		notADir  bool
		notThere bool
	}{
		{name: "finished load run", files: map[string]string{"summary.json": summaryJSON(t, false), "profile.yaml": profileYAML, timeseries.FileName: series},
			kind: history.KindLoad, samples: 3 * 7},
		{name: "interrupted", files: map[string]string{"summary.json": summaryJSON(t, true), timeseries.FileName: series},
			kind: history.KindLoad, partial: true, samples: 21, noteHas: "interrupted"},
		{name: "killed: no summary", files: map[string]string{"profile.yaml": profileYAML, timeseries.FileName: series},
			kind: history.KindLoad, partial: true, samples: 21, noteHas: "did not finish"},
		{name: "from before time series", files: map[string]string{"summary.json": summaryJSON(t, false)},
			kind: history.KindLoad, noteHas: "no timeseries.jsonl"},
		{name: "conform run", files: map[string]string{runs.ConformFile: `{"target":"mock","started":"2026-11-30T02:00:00Z","scenarios":[]}`},
			kind: history.KindConform, noteHas: "conformance"},
		{name: "summary damaged", files: map[string]string{"summary.json": `{"profile":`}, err: runs.ErrDamaged, errHas: "summary.json"},
		{name: "summary names damage", files: map[string]string{"summary.json": summaryJSON(t, false, "results.bin: cut")}, err: runs.ErrDamaged, errHas: "results.bin: cut"},
		{name: "series damaged", files: map[string]string{"summary.json": summaryJSON(t, false), timeseries.FileName: series + "{oops\n"},
			err: runs.ErrDamaged, errHas: "timeseries.jsonl:5"},
		{name: "conform damaged", files: map[string]string{runs.ConformFile: `[]`}, err: runs.ErrDamaged, errHas: runs.ConformFile},
		{name: "empty folder", files: map[string]string{}, err: runs.ErrNotRun, errHas: "not a run folder"},
		{name: "a file", notADir: true, err: runs.ErrNotRun, errHas: "is a file"},
		{name: "missing", notThere: true, err: runs.ErrNotRun, errHas: "no such folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := folder(t, tc.files)
			switch {
			case tc.notADir:
				dir = filepath.Join(dir, "f")
				if err := os.WriteFile(dir, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			case tc.notThere:
				dir = filepath.Join(dir, "nope")
			}
			r, err := runs.Load(dir)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %v naming %q", err, tc.err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != tc.kind || r.Partial != tc.partial || len(r.Samples) != tc.samples || !r.Started.Equal(t0) || r.Source != dir {
				t.Errorf("run %+v: want kind %s partial %v %d samples", r, tc.kind, tc.partial, tc.samples)
			}
			if tc.noteHas != "" && !strings.Contains(strings.Join(r.Notes, "\n"), tc.noteHas) {
				t.Errorf("notes %q lack %q", r.Notes, tc.noteHas)
			}
			if len(r.Observations()) != len(r.Samples) {
				t.Error("Observations and Samples differ in length")
			}
		})
	}
}

// TestRecordAndFromHistory: a recorded run reads back with the same
// samples its folder gives, so comparing by id and by folder agree; a
// partial run is refused.
func TestRecordAndFromHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	series := seriesJSONL(t, 4)
	done := folder(t, map[string]string{"summary.json": summaryJSON(t, false), "profile.yaml": profileYAML, timeseries.FileName: series})
	cut := folder(t, map[string]string{"summary.json": summaryJSON(t, true), timeseries.FileName: series})
	env := history.Env{GitRevision: "abc", Host: "ci-1", HarnessVersion: "v1.2.3"}

	id, err := runs.Record(ctx, store, done, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runs.Record(ctx, store, cut, env); !errors.Is(err, runs.ErrPartial) || !strings.Contains(err.Error(), "not recorded") {
		t.Errorf("partial run: err = %v, want ErrPartial", err)
	}
	got, err := runs.FromHistory(ctx, store, id)
	if err != nil {
		t.Fatal(err)
	}
	want, err := runs.Load(done)
	if err != nil {
		t.Fatal(err)
	}
	if got.HistoryID != id || got.Env != env || got.Profile != "nightly" || got.ProfileText != profileYAML || !got.Started.Equal(t0) {
		t.Errorf("recorded run %+v", got)
	}
	if len(got.Samples) != len(want.Samples) {
		t.Fatalf("%d samples recorded, folder has %d", len(got.Samples), len(want.Samples))
	}
	rep, err := regress.Compare(want.Observations(), got.Observations())
	if err != nil || rep.HasRegression() || rep.Unchanged+rep.Undecided != len(rep.Results) {
		t.Errorf("folder vs its record: %+v, %v", rep, err)
	}
	if _, err := runs.FromHistory(ctx, store, 999); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestBuildEnv(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}
	none := func(string) (string, bool) { return "", false }
	ci := func(k string) (string, bool) { return "feedbeef", k == runs.EnvRevisionVar }
	tests := []struct {
		name   string
		info   *debug.BuildInfo
		lookup func(string) (string, bool)
		want   history.Env
	}{
		{"build info", info, none, history.Env{GitRevision: "0123abcd-dirty", Host: "h", HarnessVersion: "v0.3.0"}},
		{"CI revision wins", info, ci, history.Env{GitRevision: "feedbeef", Host: "h", HarnessVersion: "v0.3.0"}},
		{"no build info", nil, none, history.Env{Host: "h"}},
		{"clean tree", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "99"}}},
			nil, history.Env{GitRevision: "99", Host: "h", HarnessVersion: "(devel)"}},
	}
	for _, tc := range tests {
		if got := runs.BuildEnv(tc.info, "h", tc.lookup); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	long := runs.BuildEnv(nil, strings.Repeat("x", 5000), nil)
	if len(long.Host) != history.MaxEnvField {
		t.Errorf("host not bounded: %d bytes", len(long.Host))
	}
}

// FuzzLoad: whatever a run folder's summary.json and timeseries.jsonl
// hold, Load returns a run with finite samples or an error, never a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"profile":"p","started":"2026-11-30T02:00:00Z","ended":"2026-11-30T02:01:00Z"}`),
		[]byte(`{"schema":"harness.timeseries","schemaVersion":1,"durationUnit":"seconds","started":"2026-11-30T02:00:00Z"}`+"\n"+
			`{"start":"2026-11-30T02:00:00Z","seconds":1,"operation":"all","offered":1,"sent":1,"answered":1,"achievedRate":1,"p50":0.1,"p90":0.1,"p99":0.1,"max":0.1,"throttled":0,"retries":0,"notSent":0,"lagP99":0,"lagMax":0}`+"\n"))
	f.Add([]byte(`{}`), []byte("garbage"))
	f.Fuzz(func(t *testing.T, summary, series []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, loadgen.FileSummary), summary, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, timeseries.FileName), series, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := runs.Load(dir)
		if err != nil {
			return
		}
		for _, s := range r.Samples {
			if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || s.Value < 0 {
				t.Fatalf("sample %+v is not a finite non-negative number", s)
			}
		}
	})
}
