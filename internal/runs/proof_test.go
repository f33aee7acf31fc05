package runs_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/regress"
	"github.com/alexa-harness/harness/internal/runs"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// proofProfile is a short load run of two operations against the embedded
// mock (real HTTP on loopback); %s is the mock section.
const proofProfile = `
name: compare-proof
target: mock
duration: %s
pacer: {type: constant, rate: 80}
mix: {get: 1, create: 1}
data: {preload: 2}
clients: {count: 2}
thresholds: {backoff: off}
%s`

// delayGet answers every getThreadNetworks (mix "get") 20 ms late.
const delayGet = `mock:
  faults: [{operation: getThreadNetworks, delayMs: 20, count: 0, probability: 1}]
`

// proofDuration is each proof run's length: 24 intervals of proofInterval
// (at 80 hits/s, about five hits of each operation an interval).
const proofDuration = "3s"

// proofInterval is the interval the proof's time series are cut at: a
// short run must give each operation enough intervals for the U test at
// α = 0.01 after Holm's adjustment (about ten or more).
const proofInterval = 125 * time.Millisecond

// recut writes dir/timeseries.jsonl from the run's own results.bin (every
// real request's operation, status and latency), cut every interval of the
// run's timeline through a timeseries.Aggregator: the recorder load runs
// use, with the cut times given rather than read from the clock. The load
// generator's own time series is per second, too coarse for a run of a few
// seconds; one it wrote is replaced.
func recut(t *testing.T, dir string, every time.Duration) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, loadgen.FileResults))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var res []vegeta.Result
	if _, dmg := loadgen.DecodeResults(f, func(r *vegeta.Result) { res = append(res, *r) }); dmg != nil {
		t.Fatalf("results.bin damaged: %v", dmg.Err)
	}
	if len(res) == 0 {
		t.Fatal("the load run sent nothing")
	}
	done := func(r vegeta.Result) time.Time { return r.Timestamp.Add(r.Latency) }
	slices.SortFunc(res, func(a, b vegeta.Result) int { return done(a).Compare(done(b)) })
	start := res[0].Timestamp
	for _, r := range res {
		if r.Timestamp.Before(start) {
			start = r.Timestamp
		}
	}
	if err := os.Remove(filepath.Join(dir, timeseries.FileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	w, err := timeseries.Create(dir, start)
	if err != nil {
		t.Fatal(err)
	}
	agg := timeseries.NewAggregator(start)
	next := start.Add(every)
	for _, r := range res {
		for !done(r).Before(next) {
			if err := w.Write(agg.Cut(next)); err != nil {
				t.Fatal(err)
			}
			next = next.Add(every)
		}
		op := loadgen.ParseHit(r.Method, r.URL).Op
		agg.Offer(op, 1)
		agg.Record(op, r.Timestamp, r.Timestamp, r.Latency, int(r.Code), r.Error, 1)
	}
	if err := w.Write(agg.Cut(next)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// parallelRuns starts n load runs at once (they wait on the wall clock,
// not the CPU) and returns their folders.
func parallelRuns(t *testing.T, mocks ...string) []string {
	t.Helper()
	dirs := make([]string, len(mocks))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for i, m := range mocks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir, err := loadRunErr(context.Background(), t, proofDuration, m)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err.Error())
				return
			}
			dirs[i] = dir
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("load runs failed: %v", errs)
	}
	return dirs
}

// loadRunErr is loadRun for a goroutine: it returns the error instead of
// failing the test (t.Fatal must run on the test's goroutine).
func loadRunErr(ctx context.Context, t *testing.T, duration, mock string) (dir string, err error) {
	dir = t.TempDir()
	y := fmt.Sprintf(proofProfile, duration, mock)
	p, err := loadgen.ParseProfile("compare-proof.yaml", []byte(y))
	if err != nil {
		return "", err
	}
	if _, err := loadgen.Run(ctx, loadgen.Options{Profile: p, ProfileFile: "compare-proof.yaml", ProfileRaw: []byte(y), OutDir: dir}); err != nil {
		return "", err
	}
	return dir, nil
}

func compareDirs(t *testing.T, base, cand string) regress.Report {
	t.Helper()
	b, err := runs.Load(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := runs.Load(cand)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := regress.Compare(b.Observations(), c.Observations(), regress.WithMinShift(runs.MinShift(runs.DefaultLatencyFloor)))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// getLatencyRegressed reports whether a latency percentile of get
// regressed.
func getLatencyRegressed(rep regress.Report) bool {
	for _, m := range []string{runs.MetricP50, runs.MetricP90, runs.MetricP99} {
		if find(rep, loadgen.MixGet, m).Verdict == regress.Regression {
			return true
		}
	}
	return false
}

func find(rep regress.Report, op, metric string) regress.Result {
	for _, r := range rep.Results {
		if r.Operation == op && r.Metric == metric {
			return r
		}
	}
	return regress.Result{}
}

// TestCompareFlagsInjectedDelay is the proof on the mock: three
// real load runs against the embedded mock, one with every
// getThreadNetworks answer delayed 20 ms. The delayed run is flagged as a
// latency regression of "get" (and of no operation it did not touch); the
// two unchanged runs are not flagged at all.
func TestCompareFlagsInjectedDelay(t *testing.T) {
	t.Parallel()
	dirs := parallelRuns(t, "", "", delayGet)
	for _, d := range dirs {
		recut(t, d, proofInterval)
	}
	base, rerun, delayed := dirs[0], dirs[1], dirs[2]

	rep := compareDirs(t, base, delayed)
	if !getLatencyRegressed(rep) {
		r := find(rep, loadgen.MixGet, runs.MetricP50)
		t.Errorf("get with a 20 ms delay not flagged: p50 %v → %v s, p %.3g (adjusted %.3g)", r.Baseline.Median, r.Candidate.Median, r.P, r.PAdjusted)
	}
	if r := find(rep, loadgen.MixGet, runs.MetricP50); r.Shift < 0.010 || r.Shift > 0.040 || !(r.ShiftLo <= r.Shift && r.Shift <= r.ShiftHi) {
		t.Errorf("get p50 shift %.4f s [%.4f, %.4f], want about the injected 0.020 s inside its interval", r.Shift, r.ShiftLo, r.ShiftHi)
	}
	for _, r := range rep.Results {
		if r.Operation == loadgen.MixCreate && r.Verdict == regress.Regression {
			t.Errorf("create %s flagged (%v → %v, p %.3g), but only get was delayed", r.Metric, r.Baseline.Median, r.Candidate.Median, r.PAdjusted)
		}
	}

	null := compareDirs(t, base, rerun)
	if null.HasRegression() {
		for _, r := range null.Results {
			if r.Verdict == regress.Regression {
				t.Errorf("unchanged rerun flagged: %s %s %v → %v (shift %.3g, p %.3g)", r.Operation, r.Metric,
					r.Baseline.Median, r.Candidate.Median, r.Shift, r.PAdjusted)
			}
		}
	}
	if n := find(null, loadgen.MixGet, runs.MetricP50); n.Baseline.N < 10 || n.Candidate.N < 10 {
		t.Errorf("get p50 compared on %d and %d intervals, want ≥ 10 each", n.Baseline.N, n.Candidate.N)
	}
	t.Logf("delayed: %d regressed of %d series; rerun: %d regressed, %d unchanged", rep.Regressed, len(rep.Results), null.Regressed, null.Unchanged)
}

// NoisePairsVar names the environment variable that turns on
// TestCompareNoise and sets its number of pairs (bench/compare-noise.sh).
const NoisePairsVar = "HARNESS_NOISE_PAIRS"

// runPairs runs n pairs of load runs (baseline with no fault, candidate
// with mock), the two runs of a pair at the same time, so that both see the
// same load on the machine, and up to five pairs at once; it returns the
// pairs' folders.
func runPairs(t *testing.T, n int, mock string) [][2]string {
	t.Helper()
	out := make([][2]string, n)
	sem := make(chan struct{}, 5)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range n {
		sem <- struct{}{}
		var pair sync.WaitGroup
		for j, m := range []string{"", mock} {
			wg.Add(1)
			pair.Add(1)
			go func() {
				defer wg.Done()
				defer pair.Done()
				dir, err := loadRunErr(context.Background(), t, proofDuration, m)
				mu.Lock()
				defer mu.Unlock()
				out[i][j] = dir
				errs = append(errs, err)
			}()
		}
		go func() { pair.Wait(); <-sem }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("load runs failed: %v", err)
	}
	return out
}

// TestCompareNoise measures compare on real load runs against the
// embedded mock, with the defaults (α 0.01 with Holm, threshold 5 %): the
// false alarms over N pairs of unchanged runs, and the detections of the
// 20 ms delay on get over N/4 pairs. It takes minutes of wall clock (light
// on the CPU: 80 hits/s a run), so it runs only when HARNESS_NOISE_PAIRS
// is set: bench/compare-noise.sh sets it to 100.
func TestCompareNoise(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(NoisePairsVar))
	if n <= 0 {
		t.Skipf("SKIPPED: set %s=100 to measure compare's false alarms on real mock runs (bench/compare-noise.sh; minutes of wall clock)", NoisePairsVar)
	}
	count := func(label string, pairs [][2]string, want func(regress.Report) bool) int {
		k := 0
		for i, p := range pairs {
			recut(t, p[0], proofInterval)
			recut(t, p[1], proofInterval)
			rep := compareDirs(t, p[0], p[1])
			if want(rep) {
				k++
			}
			for _, r := range rep.Results {
				if r.Verdict == regress.Regression {
					t.Logf("%s pair %d: %s %s regressed: %.4g → %.4g (%+.1f %%, p %.2g)", label, i, r.Operation, r.Metric,
						r.Baseline.Median, r.Candidate.Median, 100*r.Relative, r.PAdjusted)
				}
			}
		}
		return k
	}
	null := runPairs(t, n, "")
	alarms := count("unchanged", null, regress.Report.HasRegression)
	m := max(1, n/4)
	delayed := runPairs(t, m, delayGet)
	found := count("delayed", delayed, func(rep regress.Report) bool {
		if getLatencyRegressed(rep) {
			return true
		}
		r := find(rep, loadgen.MixGet, runs.MetricP50)
		t.Logf("delay missed: get p50 %.4g → %.4g s (n %d, %d), shift %.4g [%.4g, %.4g], p %.3g adjusted %.3g", r.Baseline.Median, r.Candidate.Median,
			r.Baseline.N, r.Candidate.N, r.Shift, r.ShiftLo, r.ShiftHi, r.P, r.PAdjusted)
		return false
	})
	t.Logf("false alarms: %d of %d unchanged pairs; 20 ms delay on get flagged (a get latency percentile): %d of %d pairs", alarms, n, found, m)
	fmt.Printf("compare-noise: false alarms %d/%d, detections %d/%d\n", alarms, n, found, m)
	if alarms*100 > n {
		t.Errorf("false alarms %d of %d pairs: more than 1 in 100", alarms, n)
	}
	if found < m {
		t.Errorf("the 20 ms delay was flagged in %d of %d pairs only", found, m)
	}
}
