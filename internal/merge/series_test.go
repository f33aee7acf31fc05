package merge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexa-harness/harness/internal/loadgen"
	"github.com/alexa-harness/harness/internal/timeseries"
)

// TestMergeSeries: two shards' time series, started a few milliseconds
// apart, merge interval by interval: counts and maps summed, the rate
// recomputed, percentiles the largest shard's (an upper bound, said so).
func TestMergeSeries(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var shards []shard
	for i, skew := range []time.Duration{0, 3 * time.Millisecond} {
		dir := t.TempDir()
		agg := timeseries.NewAggregator(start.Add(skew))
		w, err := timeseries.Create(dir, start.Add(skew))
		if err != nil {
			t.Fatal(err)
		}
		for sec := range 2 {
			at := start.Add(skew + time.Duration(sec)*time.Second)
			agg.Offer("get", int64(10+i))
			for k := range 10 + i {
				agg.Record("get", at, at, time.Duration(1+k+10*i)*time.Millisecond, 200, "", 1)
			}
			if err := w.Write(agg.Cut(at.Add(time.Second))); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, shard{dir: dir, info: &loadgen.ShardInfo{Shard: loadgen.Shard{Index: i, Count: 2}}})
	}
	out := t.TempDir()
	note, err := mergeSeries(out, shards)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(note, "upper bound") {
		t.Errorf("note %q does not say the percentiles are an upper bound", note)
	}
	_, ivs, err := timeseries.Read(filepath.Join(out, timeseries.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var all []timeseries.Interval
	for _, iv := range ivs {
		if iv.Operation == timeseries.AllOperations {
			all = append(all, iv)
		}
	}
	if len(all) != 2 {
		t.Fatalf("%d merged intervals, want 2: %+v", len(all), ivs)
	}
	for _, iv := range all {
		if iv.Offered != 21 || iv.Answered != 21 || iv.Statuses["200"] != 21 || iv.AchievedRate != 21 {
			t.Errorf("interval %+v: want 21 offered, answered and 200s at 21/s", iv)
		}
		if iv.Max != 0.021 { // shard 1's slowest: (1+10+10) ms
			t.Errorf("interval max %g, want 0.021", iv.Max)
		}
	}
	// No series in any shard: nothing written, no note.
	empty := []shard{{dir: t.TempDir(), info: &loadgen.ShardInfo{Shard: loadgen.Shard{Index: 0, Count: 1}}}}
	out2 := t.TempDir()
	if note, err := mergeSeries(out2, empty); err != nil || note != "" {
		t.Errorf("no series: note %q, err %v", note, err)
	}
	if _, err := os.Stat(filepath.Join(out2, timeseries.FileName)); err == nil {
		t.Error("a time series was written from none")
	}
}
